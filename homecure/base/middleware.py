from urllib.parse import unquote_to_bytes

from django.http import HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError
from django.template import loader

from homecure.base import audit


class AuditMiddleware:
    """Makes the request's user, client IP and user agent the acting person for the audit log,
    for exactly the duration of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit.acting(audit.actor_from_request(request)):
            return self.get_response(request)


def _readable(raw: bytes) -> bool:
    """Whether `raw` is UTF-8 text without a NUL character."""
    if b"\x00" in raw:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _wsgi_bytes(value: str) -> bytes:
    # WSGI hands over bytes as latin-1 text; ASGI servers hand over text already decoded.
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", errors="surrogateescape")


def _form_bytes(encoded: bytes) -> bytes:
    return unquote_to_bytes(encoded.replace(b"+", b" "))


class RequestGuardMiddleware:
    """Answers 400 to a request whose path, query string, cookies or form values carry a NUL
    character or bytes that are not UTF-8.

    No page of the site takes either, and PostgreSQL refuses NUL in any text it is sent: such a
    value reached a query and made a 500 from a link anybody can type. Refused once here, before
    any view, every URL argument, filter, search and form field is text the database can take.
    Django itself replaces bytes that are not UTF-8 (with U+FFFD or a re-encoded %XX), so a view
    would never see what was sent; the guard reads the raw request instead.
    """

    FORM = "application/x-www-form-urlencoded"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.readable(request):
            return HttpResponseBadRequest(loader.get_template("400.html").render())
        return self.get_response(request)

    def readable(self, request) -> bool:
        meta = request.META
        # The path once more unquoted too: some servers (and Django's test client) hand over bytes
        # that are not UTF-8 percent-encoded again. No address of the site has a "%" of its own.
        path = unquote_to_bytes(_wsgi_bytes(meta.get("PATH_INFO", "")))
        query = _form_bytes(_wsgi_bytes(meta.get("QUERY_STRING", "")))
        if not (_readable(path) and _readable(query)):
            return False
        if any("\x00" in value for value in request.COOKIES.values()):
            return False
        if request.method != "POST":
            return True
        if request.content_type == self.FORM:
            return _readable(_form_bytes(request.body))
        if request.content_type == "multipart/form-data":
            try:
                return not any("\x00" in value for _name, values in request.POST.lists() for value in values)
            except MultiPartParserError:
                return False
        return True
