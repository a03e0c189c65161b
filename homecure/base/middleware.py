from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
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


class RequestSizeMiddleware:
    """Answers 413 to a request whose `Content-Length` is over `MAX_REQUEST_BYTES`, before anything
    reads its body.

    Django reads an upload to the end (into a temporary file past `FILE_UPLOAD_MAX_MEMORY_SIZE`)
    before any view can refuse it: a 300 MB body to a page that answers 403 was still written to
    disk. The limit is above the largest upload a form takes (a 10 MB health document with the
    rest of its form), and nginx's `client_max_body_size` in front says the same. A body sent
    without a length is read no further than Django's own limits allow.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            return HttpResponse(loader.get_template("413.html").render(), status=413)
        return self.get_response(request)


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


class ContentSecurityPolicyMiddleware:
    """The `Content-Security-Policy` header of `settings.CONTENT_SECURITY_POLICY` (django-csp's format
    and builder), built once per process: the policy uses no nonce, so it is the same for every answer
    and django-csp's middleware rebuilding it for each one is wasted work. An answer that set its own
    header keeps it; with `DEBUG` on Django's error pages (404, 500) get none, as with django-csp."""

    def __init__(self, get_response):
        from csp.utils import build_policy

        self.get_response = get_response
        self.policy = build_policy()

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
