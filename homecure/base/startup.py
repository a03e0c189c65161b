"""What an app server checks before it serves a request."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_secret_key() -> None:
    """Refuse to start without a `SECRET_KEY`: sessions, CSRF tokens and e-mailed links are signed with it.

    Settings leave it empty when it is missing with `DEBUG` off, so that commands which sign
    nothing (migrations, checks) still run; a server is where a missing key must stop everything.
    """
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django's own "must not be empty"
        key = ""
    if not key:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (or .env) when DEBUG is off; "
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
