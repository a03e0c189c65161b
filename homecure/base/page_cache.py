"""Logged-in pages kept whole in the cache under keys that change with what they show.

A page for a logged-in person is rendered once and served again from the cache for as long as
nothing it shows has changed. Nothing is ever dropped from the cache to keep a page fresh: the key
carries the state of the data, so a change makes a new key and the old copy is simply never asked
for again (it expires after `PAGE_SECONDS`). This is key-based expiry, as in Rails' "Russian-doll"
caching, applied to the whole page.

Before a kept page is served, one SQL query reads the *stamps* of every source of data the page
shows (`Source`): for each table, how many of the page's rows there are and the sum (PostgreSQL) or
the latest (SQLite) of their `updated_at`. Every write moves `updated_at` (`homecure.base.timestamps`),
an insert or a delete changes the count, so any change to a row the page shows gives another stamp.
On PostgreSQL the sum, not the latest, is taken: two transactions may commit in another order than
they read the clock, and a row changed with an older `updated_at` than the latest already there
would leave the latest as it was; the sum still moves. It is the sum of the intervals since a fixed
instant: exact (whole microseconds, added as integers, in any order) and cheaper to add up than the
epoch's seconds as numbers. SQLite has one writer at a time (IMMEDIATE transactions), so there the
latest is enough.

The key of a page is a digest of:
- the page's address (with its query string) and the view's name;
- the account and its `updated_at`, which every change to the account moves (the account is read
  from the cache, which forgets it on every change), the language and the time zone;
- the session's CSRF secret: the page's forms carry tokens made from it, so they hold for that
  browser alone; a new log-in (a new secret) makes new copies;
- the minute: pages say "today", hide a Cancel button once its deadline passes and list visits
  from now on; every such threshold falls on a whole minute, so a copy is good for the minute it
  was made in;
- the release: a digest of the templates and the Python code of the project, made once per
  process, so a deployment never serves a copy rendered by the code before it;
- the stamps of the page's sources, of the page shell's sources (`page_shell_sources`: the unread
  badge) and of the system settings.

A request is rendered as usual (and not kept) when it is not a GET, when flash messages wait to be
shown (showing them consumes them), when the browser has no CSRF cookie yet, and when the view does
not answer 200 with a page. An htmx request is kept apart from a whole page's (the key carries its
headers). What is kept is the page's body and content type;
the headers of the middleware (security policy, cookies, caching) are made afresh for every
request. Pages are kept in the shared cache and, for the pages a process served last, in its own
memory too (`local_pages`): with keys that change with the data, neither ever needs to be told
of a change. `PAGE_CACHE = False` in the settings renders every page every time.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache as once
from functools import wraps
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.dispatch import Signal
from django.http import HttpResponse
from django.template.response import SimpleTemplateResponse
from django.utils import timezone
from django.utils.translation import get_language

# The key changes with the minute, so a copy is never asked for after the minute it was made in.
PAGE_SECONDS = 60
# Pages each process also keeps in its own memory (about 30 kB each).
LOCAL_PAGES = 200

# Sent with `request` for every kept page; receivers return a list of `Source` for what the page
# shell (the navigation bar) shows of their data, e.g. the unread notifications badge.
page_shell_sources = Signal()


@dataclass(frozen=True)
class Source:
    """One value the page's key is made of: SQL returning a single value, and its parameters."""

    sql: str
    params: tuple = ()


def table_of(model) -> str:
    return model._meta.db_table


@once
def _on_postgresql() -> bool:
    """Whether the database is PostgreSQL, asked once per process (a page builds a dozen stamps,
    and every look at `connection` goes through Django's per-thread connection handler)."""
    return connection.vendor == "postgresql"


def rows_stamp(
    table: str, where: str = "", params: Iterable = (), *, column: str | tuple[str, ...] | None = "updated_at"
) -> Source:
    """The count of the rows of `table` matching `where` and a stamp of their `column` (see the
    module's docstring). `where` is SQL with %s placeholders for `params`; `table` and `column`
    are the code's own names, never a request's. `table` may join a second table, whose rows are
    then stamped beside the first's by a pair of columns (the visits and their patients). For rows
    that are only ever added or removed, never changed (`column=None`), the count and the highest
    id are the stamp."""
    if column is None:
        stamp = "COALESCE(MAX(id), 0)"
    else:
        stamp = " || ':' || ".join(_column_stamp(name) for name in ((column,) if isinstance(column, str) else column))
    condition = f" WHERE {where}" if where else ""
    return Source(f"SELECT COUNT(*) || ':' || {stamp} FROM {table}{condition}", tuple(params))  # noqa: S608


def _column_stamp(column: str) -> str:
    if _on_postgresql():
        return f"COALESCE(SUM({column} - TIMESTAMPTZ '2000-01-01 00:00:00+00'), INTERVAL '0')"
    return f"COALESCE(MAX({column}), '')"


def instant_sql(moment: datetime) -> str:
    """`moment` written into a stamp's SQL rather than passed as a parameter, for a bound that is the
    same for many requests (the start of today). PostgreSQL plans a statement it has prepared once
    for all its parameters (a generic plan) only when that plan looks no dearer than one made for
    each request's values; a range over a parameter looks dearer, so every request would be planned
    again (longer than running it). With the bound in the text, the statement is prepared again
    when the bound moves, and is otherwise planned once. `moment` is the code's own, never a
    request's."""
    if _on_postgresql():
        return f"TIMESTAMPTZ '{moment.astimezone(UTC).isoformat()}'"
    return f"'{connection.ops.adapt_datetimefield_value(moment)}'"


def database_state() -> Source | None:
    """A stamp of every commit to the database, for a page that shows so much of it that any
    change is likely to be one of its own (the back office's list of every booking, filtered and
    searched as the office likes): stamps of its rows would be the whole table's, a scan of every
    row per request.

    It is PostgreSQL's snapshot of the transactions (`pg_current_snapshot()`): the number after the
    latest one to end, and those before it still running. Whether a row is visible is decided by
    the snapshot alone, so the same snapshot shows the same data; every commit anywhere moves the
    number or leaves the list, and gives another one. None (the page is rendered and not kept) on
    SQLite, which has nothing like it, and inside a transaction, whose snapshot leaves out its own
    writes."""
    if not _on_postgresql() or connection.in_atomic_block:
        return None
    return Source("SELECT pg_current_snapshot()::text")


def read_stamps(sources: Iterable[Source]) -> tuple:
    """The values of `sources`, in one query."""
    sources = list(sources)
    if not sources:
        return ()
    sql = "SELECT " + ", ".join(f"({source.sql})" for source in sources)
    params = [param for source in sources for param in source.params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(cursor.fetchone())


@once
def release() -> str:
    """A digest of the project's templates and Python code (its apps' folders and the template
    folders), made once per process."""
    root = Path(settings.BASE_DIR).resolve()
    folders = {Path(config.path).resolve() for config in apps.get_app_configs()}
    folders |= {Path(folder).resolve() for engine in settings.TEMPLATES for folder in engine.get("DIRS", ())}
    digest = hashlib.sha256()
    for folder in sorted(folder for folder in folders if folder.is_relative_to(root)):
        for path in sorted(folder.rglob("*")):
            if path.suffix in (".html", ".py", ".txt") and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _settings_source() -> Source:
    from homecure.models import SystemSettings

    return rows_stamp(table_of(SystemSettings))


class _LocalPages:
    """The pages this process served last, in front of the shared cache: a kept page is then served
    without a round trip to the cache server and without unpickling it. Safe without any dropping,
    as every key changes with what its page shows; the oldest entry goes when it is full."""

    def __init__(self, size: int):
        self.size = size
        self.pages: OrderedDict[str, tuple[float, bytes, str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            entry = self.pages.get(key)
            if entry is None or entry[0] < time.monotonic():
                return None
            self.pages.move_to_end(key)
            return entry[1:]

    def set(self, key: str, content: bytes, content_type: str) -> None:
        with self.lock:
            self.pages[key] = (time.monotonic() + PAGE_SECONDS, content, content_type)
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


local_pages = _LocalPages(LOCAL_PAGES)


def _cacheable(request) -> bool:
    return (
        settings.PAGE_CACHE
        and request.method == "GET"
        and request.user.is_authenticated
        and bool(request.META.get("CSRF_COOKIE"))
        and not len(get_messages(request))
    )


def page_key(request, view_name: str, sources: Iterable[Source], version=None) -> str:
    shell = [source for _receiver, answer in page_shell_sources.send(sender=None, request=request) for source in answer]
    stamps = read_stamps([_settings_source(), *shell, *sources])
    now = timezone.now()
    parts = (
        release(),
        view_name,
        request.get_full_path(),
        # htmx asks the same address for a fragment of the page.
        request.headers.get("HX-Request"),
        request.headers.get("HX-Boosted"),
        version,
        request.user.pk,
        request.user.updated_at,
        get_language(),
        timezone.get_current_timezone_name(),
        request.META["CSRF_COOKIE"],
        now.replace(second=0, microsecond=0).isoformat(),
        stamps,
    )
    return "homecure:page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def keyed_page(sources: Callable[..., Iterable[Source]], *, version: Callable[..., object] | None = None):
    """Keep the view's page under a key that changes with `sources(request, *args, **kwargs)`:
    every source of data the page shows besides the shell and the settings (see the module's
    docstring). `version(request, *args, **kwargs)`, when given, is a further part of the key for
    data that is not in tables (e.g. a generation counter in the cache); when it returns None the
    page is rendered and not kept, as it is when a source is None (its data cannot be stamped now).
    A view may answer with a `TemplateResponse` (the back office's): it is rendered to be kept.
    Put it below the decorators that check who may see the page."""

    def decorator(view):
        view_name = f"{view.__module__}.{view.__qualname__}"

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _cacheable(request):
                return view(request, *args, **kwargs)
            extra = version(request, *args, **kwargs) if version else ""
            if extra is None:
                return view(request, *args, **kwargs)
            page_sources = list(sources(request, *args, **kwargs))
            if None in page_sources:
                return view(request, *args, **kwargs)
            key = page_key(request, view_name, page_sources, extra)
            kept = local_pages.get(key)
            if kept is None:
                kept = cache.get(key)
                if kept is not None:
                    local_pages.set(key, *kept)
            if kept is not None:
                content, content_type = kept
                return HttpResponse(content, content_type=content_type)
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response.render()
            # The CSRF cookie is the one cookie a kept page may come with (the back office's views
            # set it themselves): it holds the secret that is part of the key.
            cookies = set(response.cookies) - {settings.CSRF_COOKIE_NAME}
            if response.status_code == 200 and not response.streaming and not cookies:
                kept = (response.content, response["Content-Type"])
                cache.set(key, kept, PAGE_SECONDS)
                local_pages.set(key, *kept)
            return response

        return wrapper

    return decorator
