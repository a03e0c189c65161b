"""Public pages kept whole in the cache for visitors who send no cookies.

A request without cookies carries no session, no log-in, no flash message and no CSRF token, so
the page it gets is the same for every such visitor: first-time visitors, search engines and
link previews. For them the home page and the service catalog are served from the shared cache
instead of being rendered again. A visitor who sends any cookie (logged in or not) always gets a
freshly rendered page, and a page that would set a cookie is never kept.

Kept pages are dropped by `forget_public_pages()`, which the bookings app calls as soon as a
service is saved or deleted (the catalog is what they show), and after `PUBLIC_PAGE_SECONDS` in
any case.
"""

import hashlib
import uuid
from collections.abc import Collection, Mapping
from functools import wraps

from django.core.cache import cache
from django.utils.translation import get_language

PUBLIC_PAGE_SECONDS = 300
GENERATION_KEY = "homecure:public-pages:generation"


def _generation() -> str:
    """The current generation of kept pages; a new one makes every kept page unreachable."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(GENERATION_KEY)
    return generation


def forget_public_pages() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def _cacheable_query(request, params: Mapping[str, Collection[str]]) -> bool:
    return all(
        name in params and len(values) == 1 and values[0] in params[name] for name, values in request.GET.lists()
    )


def public_page(*, params: Mapping[str, Collection[str]] | None = None):
    """Serve the view from the cache to cookie-less GET requests whose query string holds only the
    names and values in `params` (any other query is rendered every time, so made-up URLs cannot
    fill the cache)."""
    params = params or {}

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD") or request.COOKIES or not _cacheable_query(request, params):
                return view(request, *args, **kwargs)
            path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
            key = f"homecure:public-page:{_generation()}:{get_language()}:{path}"
            response = cache.get(key)
            if response is None:
                response = view(request, *args, **kwargs)
                if response.status_code == 200 and not response.cookies and not response.streaming:
                    cache.set(key, response, PUBLIC_PAGE_SECONDS)
            return response

        return wrapper

    return decorator
