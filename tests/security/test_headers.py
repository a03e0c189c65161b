"""Item 5: the security headers on every page of the matrix.

A Content Security Policy without 'unsafe-inline' that forbids framing, HSTS, nosniff, a referrer
policy, and no caching of any page shown to a logged-in person (their pages carry personal or
health data).
"""

import pytest
from django.test import Client, override_settings

from tests.security import walk

pytestmark = pytest.mark.django_db


def _pages(walked):
    """The HTML answers of the walk (redirects and files carry the headers too, but are not pages)."""
    return [r for r in walked if r.status == 200 and r.headers.get("Content-Type", "").startswith("text/html")]


def _directives(policy: str) -> dict[str, list[str]]:
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_every_page_has_a_strict_content_security_policy(walked):
    pages = _pages(walked)
    problems = []
    for r in pages:
        policy = r.headers.get("Content-Security-Policy", "")
        directives = _directives(policy) if policy else {}
        if "'unsafe-inline'" in policy or "'unsafe-eval'" in policy:
            problems.append(f"{r.describe()}: {policy}")
        elif directives.get("frame-ancestors") != ["'none'"] or directives.get("script-src") != ["'self'"]:
            problems.append(f"{r.describe()}: {policy or 'no policy'}")
        elif directives.get("style-src") != ["'self'"] or directives.get("object-src") != ["'none'"]:
            problems.append(f"{r.describe()}: {policy}")
    walk.STATS["pages checked for security headers"] = len(pages)

    assert len(pages) > 150
    assert problems == []


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Strict-Transport-Security", "max-age=31536000; includeSubDomains; preload"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ],
)
def test_every_page_sends_the_transport_and_framing_headers(walked, header, value):
    missing = [r.describe() for r in _pages(walked) if r.headers.get(header) != value]

    assert missing == []


def test_no_page_shown_to_a_logged_in_person_may_be_stored(walked):
    stored = [
        f"{r.describe()}: Cache-Control {r.headers.get('Cache-Control', '(none)')}"
        for r in walked
        if r.case.role != "anonymous"
        and r.status == 200
        and "no-store" not in r.headers.get("Cache-Control", "")
        # The technician's photo is cached by the viewer's own browser only, on purpose.
        and r.case.route.key != "portal:photo"
    ]

    assert stored == []


def test_the_photo_is_cached_privately_only(walked):
    photos = [r for r in walked if r.case.route.key == "portal:photo" and r.status == 200]

    assert photos
    assert {r.headers["Cache-Control"] for r in photos} == {"private, max-age=3600"}


SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _missing_headers(response) -> dict[str, str | None]:
    missing = {name: response.get(name) for name, value in SECURITY_HEADERS.items() if response.get(name) != value}
    policy = _directives(response.get("Content-Security-Policy", "default-src"))
    if policy.get("frame-ancestors") != ["'none'"] or policy.get("script-src") != ["'self'"]:
        missing["Content-Security-Policy"] = response.get("Content-Security-Policy")
    return missing


def test_a_static_file_carries_the_security_headers():
    # WhiteNoise answers from the files themselves, before the middleware below it runs.
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        response = Client().get("/static/css/homecure.css", secure=True)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert _missing_headers(response) == {}


def test_the_bad_host_answer_carries_the_security_headers():
    # Django refuses a Host that is not in ALLOWED_HOSTS while the middleware is still running.
    response = Client().get("/", secure=True, HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert _missing_headers(response) == {}


def test_the_request_guard_answer_carries_the_security_headers():
    response = Client().get("/", {"q": "\x00"}, secure=True)

    assert response.status_code == 400
    assert _missing_headers(response) == {}
