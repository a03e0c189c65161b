def test_settings(settings):
    assert settings.SECURE_SSL_REDIRECT is False
