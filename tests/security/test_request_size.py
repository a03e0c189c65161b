"""Finding 5: a request body over `MAX_REQUEST_BYTES` is refused with 413 before anything reads it."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import MULTIPART_CONTENT, encode_multipart

from homecure.models import Contact

pytestmark = pytest.mark.django_db

CONTACT = "/contact/"


def _contact_form(**extra):
    return {"name": "Ann", "email": "ann@example.com", "subject": "general", "message": "Hello", **extra}


def test_a_body_over_the_limit_is_refused_with_413_and_nothing_is_saved():
    body = encode_multipart("BoUnDaRy", _contact_form(attachment=SimpleUploadedFile("big.bin", b"x" * (12 << 20))))
    assert len(body) > settings.MAX_REQUEST_BYTES

    response = Client().generic("POST", CONTACT, body, content_type="multipart/form-data; boundary=BoUnDaRy")

    assert response.status_code == 413
    assert "This request is too large" in response.content.decode()
    assert Contact.objects.count() == 0


class _Unreadable:
    """A body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_the_length_alone_decides_before_anything_reads_the_body(rf):
    from homecure.base.middleware import RequestSizeMiddleware

    request = rf.generic("POST", CONTACT, b"", content_type=MULTIPART_CONTENT)
    request.META["CONTENT_LENGTH"] = str(300 * 1024 * 1024)
    request._stream = _Unreadable()

    response = RequestSizeMiddleware(lambda request: request.body)(request)

    assert response.status_code == 413


def test_the_guard_comes_before_anything_that_reads_the_body():
    middleware = settings.MIDDLEWARE
    guard = middleware.index("homecure.base.middleware.RequestSizeMiddleware")

    assert guard < middleware.index("homecure.base.middleware.RequestGuardMiddleware")
    # Only middleware that adds headers to the answer runs before it; none of them reads the body.
    assert middleware[:guard] == [
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "homecure.base.middleware.ContentSecurityPolicyMiddleware",
        "django.middleware.security.SecurityMiddleware",
    ]


def test_a_body_under_the_limit_reaches_the_page():
    response = Client().post(CONTACT, _contact_form(attachment=SimpleUploadedFile("a.bin", b"x" * (10 << 20))))

    assert response.status_code in (200, 302)
    assert settings.MAX_REQUEST_BYTES > 10 * 1024 * 1024


def test_the_limit_is_above_the_largest_upload_a_form_takes():
    from records.documents import MAX_DOCUMENT_BYTES
    from technicians.forms import PHOTO_MAX_BYTES

    assert max(MAX_DOCUMENT_BYTES, PHOTO_MAX_BYTES) < settings.MAX_REQUEST_BYTES
