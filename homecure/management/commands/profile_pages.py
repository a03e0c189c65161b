"""CPU per request of the key pages, split by layer, on the current database.

    python manage.py profile_pages [--requests 30] [--patient EMAIL] [--technician EMAIL] [--admin EMAIL]

Each page is requested through the project's own WSGI handler (every middleware, the real
session and cache backends), first a few times to warm the per-process caches, then `--requests`
times. The CPU time of each request (`time.process_time`, so waiting for the database is not
counted) is split into layers, each counted once, however deeply they nest:

- session + user: reading the session and the account, and checking the session's clocks;
- view + ORM: the view and the queries it runs itself;
- template: rendering, with the queries that templates run lazily;
- unread badge: the navbar's count of unread notifications;
- the rest (middleware, the response headers) is `total` minus the layers.

These columns are of the page rendered (the page cache off). The "kept" columns are of the same
request from a browser holding a CSRF cookie, as one that has opened a page does: the page is then
served from the cache as long as what it shows is unchanged (`homecure.base.page_cache`), for the
cost of the session, the account and one query of the page's stamps.

The personas default to the busiest patient and technician of `seed_scale` and its administrator;
the booking shown is the patient's latest completed one. Run it with `DEBUG` off (as the app servers
run): with `DEBUG` on Django keeps every query's SQL and the figures are not those of production.
An administrator without an authenticator app cannot open the back office, so that row is left out.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import time
from collections import defaultdict
from io import BytesIO

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from accounts.models import User
from bookings.models import Booking, BookingStatus
from homecure.management.commands.seed_scale import ADMIN_EMAIL, patient_email, technician_email

SESSION_AND_USER = "session + user"
VIEW = "view + ORM"
TEMPLATE = "template"
BADGE = "unread badge"
LAYERS = (SESSION_AND_USER, VIEW, TEMPLATE, BADGE)
# The CSRF secret of the measured browser, made for the run (32 letters and digits).
CSRF_SECRET = secrets.token_hex(16)


class LayerClock:
    """Exclusive CPU time per layer: time spent in a nested layer counts for that layer only."""

    def __init__(self):
        self.totals: dict[str, float] = defaultdict(float)
        self.stack: list[str] = []
        self.started = 0.0

    def reset(self):
        self.totals.clear()
        self.stack.clear()

    def wrap(self, layer: str, function):
        clock = self

        def timed(*args, **kwargs):
            if clock.stack and clock.stack[-1] == layer:
                return function(*args, **kwargs)
            now = time.process_time()
            if clock.stack:
                clock.totals[clock.stack[-1]] += now - clock.started
            clock.stack.append(layer)
            clock.started = now
            try:
                return function(*args, **kwargs)
            finally:
                now = time.process_time()
                clock.totals[clock.stack.pop()] += now - clock.started
                clock.started = now

        timed.__wrapped__ = function
        return timed


def _instrument(clock: LayerClock):
    """Wrap the functions that mark each layer; returns a function that undoes it."""
    import django.contrib.auth
    import django.template.base
    from django.core.handlers.base import BaseHandler

    import accounts.middleware
    import notifications.context_processors

    targets = [
        (django.contrib.auth, "get_user", SESSION_AND_USER),
        (accounts.middleware.SessionSecurityMiddleware, "_expired", SESSION_AND_USER),
        (BaseHandler, "_get_response", VIEW),
        (django.template.base.Template, "render", TEMPLATE),
        (notifications.context_processors, "unread_count", BADGE),
    ]
    originals = []
    for owner, name, layer in targets:
        original = owner.__dict__[name]
        originals.append((owner, name, original))
        setattr(owner, name, clock.wrap(layer, original))

    def undo():
        for owner, name, original in originals:
            setattr(owner, name, original)

    return undo


def _session_cookie(user: User, *, verified: bool) -> str:
    """A session for `user` as a log-in leaves it (with the second factor given when `verified`)."""
    from importlib import import_module

    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.middleware import LAST_SEEN_KEY, STARTED_KEY
    from accounts.two_factor import authenticator_of

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[STARTED_KEY] = store[LAST_SEEN_KEY] = int(time.time())
    if verified:
        store[DEVICE_ID_SESSION_KEY] = authenticator_of(user).persistent_id
    store.create()
    return store.session_key


class Command(BaseCommand):
    help = "Print the CPU per request of the key pages, split by layer (session, view, template, badge)."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=30, help="measured requests per page (after 5 warm-ups)")
        parser.add_argument("--patient", default=patient_email(0))
        parser.add_argument("--technician", default=technician_email(0))
        parser.add_argument("--admin", default=ADMIN_EMAIL)

    def handle(self, *args, requests, patient, technician, admin, **options):
        from accounts.two_factor import authenticator_of

        if settings.DEBUG:
            self.stderr.write("DEBUG is on: Django keeps every query's SQL, so the figures run high.")
        people = {}
        for who, email in (("patient", patient), ("technician", technician), ("admin", admin)):
            people[who] = User.objects.filter(email=email).first()
            if people[who] is None and who != "admin":
                raise CommandError(f"No user {email}: fill the database with seed_scale or name the {who}.")
        booking = (
            Booking.objects.filter(user=people["patient"], status=BookingStatus.COMPLETED)
            .order_by("-scheduled_start")
            .first()
            or Booking.objects.filter(user=people["patient"]).order_by("-scheduled_start").first()
        )
        admin_ok = people["admin"] is not None and authenticator_of(people["admin"]) is not None
        cookies = {
            who: _session_cookie(user, verified=who == "admin")
            for who, user in people.items()
            if user is not None and (who != "admin" or admin_ok)
        }
        pages = [
            ("/healthz", None, "/healthz"),
            ("floor (session, nothing rendered)", "patient", "/healthz"),
            ("my bookings", "patient", "/bookings/"),
            ("booking detail", "patient", f"/bookings/{booking.reference}/" if booking else None),
            ("technician dashboard", "technician", "/portal/"),
            ("inbox", "patient", "/notifications/"),
            ("admin booking list", "admin", "/admin/bookings/booking/"),
        ]
        clock = LayerClock()
        undo = _instrument(clock)
        handler = WSGIHandler()  # after the wrapping: the handler binds its innermost layer at start
        rows = []
        try:
            for name, who, path in pages:
                if path is None or (who and who not in cookies):
                    self.stdout.write(f"{name}: left out (no such booking, or an admin without a second factor)")
                    continue
                with override_settings(PAGE_CACHE=False):
                    rendered = self._measure(handler, clock, path, cookies.get(who), requests)
                kept = self._measure(handler, clock, path, cookies.get(who), requests, csrf=bool(who))
                rows.append((name, rendered, kept))
        finally:
            undo()
        self._print(rows)

    def _measure(self, handler, clock, path, session_key, requests, *, csrf=False) -> dict:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "443",
            "HTTP_HOST": (settings.ALLOWED_HOSTS or ["127.0.0.1"])[0].lstrip("."),
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "https",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        if session_key:
            environ["HTTP_COOKIE"] = f"{settings.SESSION_COOKIE_NAME}={session_key}"
        if csrf:
            # A browser that has opened a page holds a CSRF cookie: only then are pages kept.
            environ["HTTP_COOKIE"] += f"; {settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"
        samples = []
        for index in range(5 + requests):
            clock.reset()
            queries = []
            statuses = []

            def count(execute, sql, params, many, context, queries=queries):
                queries.append(sql)
                return execute(sql, params, many, context)

            def start_response(status, headers, exc_info=None, statuses=statuses):
                statuses.append(status)

            with connection.execute_wrapper(count):
                started = time.process_time()
                body = handler({**environ, "wsgi.input": BytesIO(b"")}, start_response)
                b"".join(body)
                body.close()
                total = time.process_time() - started
            if not statuses[0].startswith("200"):
                raise CommandError(f"{path} answered {statuses[0]}")
            if index >= 5:
                samples.append({"total": total, "queries": len(queries), **clock.totals})
        median_total = statistics.median(s["total"] for s in samples)
        return {
            "total": median_total,
            **{layer: statistics.median(s[layer] for s in samples) for layer in LAYERS if layer in samples[0]},
            "queries": max(s["queries"] for s in samples),
        }

    def _print(self, rows):
        header = ("page", "total", *LAYERS, "queries", "kept: total", "kept: queries")
        self.stdout.write("CPU per request, milliseconds (median); queries per request")
        self.stdout.write("| " + " | ".join(header) + " |")
        self.stdout.write("|" + "---|" * len(header))
        for name, figures, kept in rows:
            cells = [f"{figures['total'] * 1000:.1f}"]
            cells += [f"{figures[layer] * 1000:.1f}" if layer in figures else "-" for layer in LAYERS]
            cells += [str(figures["queries"]), f"{kept['total'] * 1000:.1f}", str(kept["queries"])]
            self.stdout.write(f"| {name} | " + " | ".join(cells) + " |")
