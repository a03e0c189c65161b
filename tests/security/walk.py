"""Requests every (URL, role, method) case of the policy against the world, each in a transaction
that is rolled back, and keeps what a test needs to judge it: status, redirect target, headers,
body and the tables it changed."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from django.apps import apps
from django.contrib.admin import site as admin_site
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import reverse

from homecure.tests.test_admin import ADMIN_OBJECTS
from tests.security import policy
from tests.security.resolver import Route, all_routes
from tests.security.world import ROLES, World, content_type_id

METHODS = ("GET", "POST")

# The walk's results, computed once per test run (see conftest.py), and the figures the tests
# measured, printed at the end of the run.
CACHE: dict[str, list] = {}
STATS: dict[str, int] = {}

# Tables that a request may write without changing anyone's data: the session store, the audit
# trails (who read a record, failed check-ins, the admin log) and the log-in attempt counters.
AUDIT_TABLES = {
    "django_session",
    "homecure_adminlog",
    "records_recordaccess",
    "bookings_failedcheckin",
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
    "axes_accessattemptexpiration",
    "django_tasks_database_dbtaskresult",
}


@dataclass
class Case:
    route: Route
    role: str
    method: str
    url: str


@dataclass
class Result:
    case: Case
    status: int
    location: str
    headers: dict
    body: str
    changed: list[str]
    error: str

    def describe(self) -> str:
        where = f" -> {self.location}" if self.location else ""
        return f"{self.case.method} {self.case.url} as {self.case.role}: {self.status}{where}"


def data_tables() -> list[str]:
    tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    return sorted(tables - AUDIT_TABLES)


def _fingerprint_sql(tables: list[str]) -> str:
    """One query whose columns fingerprint the tables' contents, so a snapshot is one round trip.
    Table and column names come from the models, never from a request."""
    quote = connection.ops.quote_name
    parts = []
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                parts.append(f"(SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {quote(table)} t)")  # noqa: S608
            else:
                columns = [column.name for column in connection.introspection.get_table_description(cursor, table)]
                row = " || '|' || ".join(f"quote({quote(column)})" for column in columns)
                parts.append(f"(SELECT group_concat({row}, char(10)) FROM {quote(table)})")  # noqa: S608
    return "SELECT " + ", ".join(parts)


class Snapshot:
    def __init__(self, tables: list[str]):
        self.tables = tables
        self.sql = _fingerprint_sql(tables)

    def take(self) -> tuple:
        with connection.cursor() as cursor:
            cursor.execute(self.sql)
            return cursor.fetchone()

    def changed(self, before: tuple, after: tuple) -> list[str]:
        return [table for table, old, new in zip(self.tables, before, after, strict=True) if old != new]


def _admin_model(route: Route):
    """The model an admin URL pattern is about, from its route ("admin/<app>/<model>/...")."""
    parts = route.route.split("/")
    if len(parts) > 2:
        for model in admin_site._registry:
            if (model._meta.app_label, model._meta.model_name) == (parts[1], parts[2]):
                return model
    return None


def fill(route: Route, world: World, admin_objects: dict) -> dict[str, object]:
    """Values for the route's parameters: the world's objects, or for an admin URL an object of its model."""
    if route.key in policy.PARAMS:
        return {name: world.resolve(path) for name, path in policy.PARAMS[route.key].items()}
    values: dict[str, object] = {}
    model = _admin_model(route)
    for name in route.params:
        if name in ("object_id", "pk", "id") and model is not None:
            values[name] = admin_objects[model].pk
        elif name == "object_id":
            values[name] = world.confirmed.pk
        elif name == "content_type_id":
            values[name] = content_type_id(type(world.confirmed))
        elif name == "app_label":
            values[name] = "bookings"
        elif name == "url":
            values[name] = "no-such-page/"
        else:
            raise AssertionError(f"No value for <{name}> of {route.key}: add it to policy.PARAMS")
    return values


def admin_objects(world) -> dict:
    """One object of every model with a back-office screen: the world's own where it has one."""
    own = {
        type(world.confirmed): world.confirmed,
        type(world.record): world.record,
        type(world.notification): world.notification,
        type(world.users["patient"]): world.users["patient"],
        type(world.technician): world.technician,
        type(world.series): world.series,
    }
    return {model: own.get(model) or factory() for model, (factory, _term) in ADMIN_OBJECTS.items()}


def cases(world: World, admin_objects: dict) -> list[Case]:
    found = []
    for route in all_routes():
        url = route.url(fill(route, world, admin_objects))
        found += [Case(route, role, method, url) for role in ROLES for method in METHODS]
    return found


def _body(response) -> str:
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return content.decode("utf-8", errors="replace") + content.decode("latin-1")


def run(world: World, case: Case, snapshot: Snapshot) -> Result:
    with transaction.atomic():
        cache.clear()
        before = snapshot.take()
        client = world.client(case.role, raise_request_exception=False)
        # Over HTTPS, as in production, so that the transport headers (HSTS) are sent too.
        response = client.get(case.url, secure=True) if case.method == "GET" else client.post(case.url, {}, secure=True)
        body = _body(response)
        after = snapshot.take()
        transaction.set_rollback(True)
    error = "".join(traceback.format_exception(*response.exc_info)) if getattr(response, "exc_info", None) else ""
    return Result(
        case=case,
        status=response.status_code,
        location=response.get("Location", ""),
        headers=dict(response.headers),
        body=body,
        changed=snapshot.changed(before, after),
        error=error,
    )


def matches(expected: str, result: Result) -> bool:
    if expected.isdigit():
        return result.status == int(expected)
    if result.status != 302:
        return False
    login, admin_login = reverse("accounts:login"), reverse("admin:login")
    target = result.location.split("?")[0]
    if expected == "login":
        return target == login
    if expected == "admin-login":
        return target == admin_login
    if expected == "away":
        on_this_site = result.location.startswith("/") or result.location.startswith("https://testserver/")
        return on_this_site and target not in (login, admin_login)
    raise AssertionError(f"Unknown outcome {expected!r} in the policy")
