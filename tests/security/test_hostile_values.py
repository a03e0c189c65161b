"""Hostile values in every URL argument, query string, form field and back-office filter: never a 5xx.

Every URL pattern of the resolver is requested with each hostile value in each of its arguments
(the others keep the world's real values), as each role, by GET and by POST; every URL, hostile
values in its query string and form fields; every back-office change list, hostile values in its
search box, filters, date drill-down, ordering and page number. Runs on both databases:
PostgreSQL is the one that refuses NUL characters in strings and integers past 64 bits.

To keep the run short, the back office's object pages (whose views the admin site guards for
every role but the administrator's) are requested as the administrator and as one other role in
turn, and each URL's query string gets one hostile value per role, in turn.
"""

from __future__ import annotations

import re
import traceback
from itertools import cycle

import pytest
from django.contrib.admin import site as admin_site
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse

from tests.security import walk
from tests.security.resolver import Route, all_routes
from tests.security.world import png_bytes

pytestmark = pytest.mark.django_db

# How each value is written in a URL (percent-encoded where a browser would send it that way).
HOSTILE = {
    "NUL": "%00",
    "NUL inside": "K7PM%00XQA",
    "past 64 bits": "99999999999999999999999",
    "300 characters": "x" * 300,
    "traversal": "../../etc/passwd",
    "invalid UTF-8": "%ff%fe",
}
ROLES = ("anonymous", "patient", "technician", "admin")
QUERY_FIELDS = ("next", "page", "q", "o", "date", "day", "status", "when", "service", "area")
FORM_FIELDS = ("next", "email", "username", "password", "reason", "code", "notes", "diagnosis", "date", "start")

_ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def raw_url(route: Route, values: dict[str, object]) -> str:
    """The route's path with `values` written in as they are, converters or not (reverse() would refuse them)."""
    path = _REGEX_PARAM.sub(lambda m: str(values[m.group(1)]), route.route)
    path = _ROUTE_PARAM.sub(lambda m: str(values[m.group(1)]), path)
    return "/" + path.replace("^", "").replace("$", "")


class Probe:
    """Sends requests, each in a transaction rolled back, and keeps those answered with a 5xx."""

    def __init__(self, world):
        self.world = world
        self.clients = {role: world.client(role, raise_request_exception=False) for role in ROLES}
        self.failures: list[str] = []
        self.sent = 0

    def send(self, role: str, method: str, url: str, form: str = "next=/") -> int:
        """GET `url`, or POST to it the url-encoded `form` (written out, so it may carry any byte)."""
        with transaction.atomic():
            cache.clear()
            client = self.clients[role]
            if method == "GET":
                response = client.get(url, secure=True)
            else:
                response = client.post(url, form, content_type="application/x-www-form-urlencoded", secure=True)
            transaction.set_rollback(True)
        self.sent += 1
        if response.status_code >= 500:
            error = ""
            if getattr(response, "exc_info", None):
                error = traceback.format_exception_only(response.exc_info[1])[-1].strip()
            self.failures.append(f"{method} {url[:120]} as {role}: {response.status_code} {error[:200]}")
        return response.status_code


def test_hostile_path_arguments_never_get_a_5xx(world):
    probe = Probe(world)
    objects = walk.admin_objects(world)
    others = cycle(role for role in ROLES if role != "admin")
    arguments = 0
    for route in all_routes():
        if not route.params:
            continue
        valid = walk.fill(route, world, objects)
        for name in route.params:
            arguments += 1
            for value in HOSTILE.values():
                url = raw_url(route, {**valid, name: value})
                roles = ("admin", next(others)) if route.key.startswith("admin:") else ROLES
                for role in roles:
                    probe.send(role, "GET", url)
                    probe.send(role, "POST", url)
    walk.STATS["hostile path arguments"] = arguments
    walk.STATS["requests with hostile path arguments"] = probe.sent

    assert arguments > 100
    assert not probe.failures, "\n".join(probe.failures)


def test_hostile_query_strings_and_form_fields_never_get_a_5xx(world):
    probe = Probe(world)
    objects = walk.admin_objects(world)
    values = cycle(HOSTILE.values())
    routes = all_routes()
    for route in routes:
        url = raw_url(route, walk.fill(route, world, objects))
        for role in ROLES:
            value = next(values)
            query = "&".join(f"{field}={value}" for field in QUERY_FIELDS)
            probe.send(role, "GET", f"{url}?{query}")
            probe.send(role, "POST", url, "&".join(f"{field}={value}" for field in FORM_FIELDS))
    walk.STATS["requests with hostile query strings"] = probe.sent

    assert probe.sent == len(routes) * len(ROLES) * 2
    assert not probe.failures, "\n".join(probe.failures)


def _filter_parameters(model_admin, admin_user) -> dict[str, list[str]]:
    """The query parameters of the change list's filters, date drill-down, ordering and page, as
    the admin reads them, each with the values to try: the hostile ones, and for the drill-down
    also dates no calendar has."""
    request = RequestFactory().get("/")
    request.user = admin_user
    changelist = model_admin.get_changelist_instance(request)
    values = list(HOSTILE.values())
    found = {name: values for spec in changelist.filter_specs for name in spec.expected_parameters()}
    if model_admin.date_hierarchy:
        impossible = ["10000", "0", "-1", "13", "32"]
        found |= {f"{model_admin.date_hierarchy}__{part}": values + impossible for part in ("year", "month", "day")}
    return found | {"o": values, "p": values}


def test_hostile_searches_and_filters_in_every_change_list_never_get_a_5xx(world):
    probe = Probe(world)
    admin_user = world.users["admin"]
    checked = 0
    for model, model_admin in admin_site._registry.items():
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for value in HOSTILE.values():
            probe.send("admin", "GET", f"{changelist}?q={value}")
        for name, values in _filter_parameters(model_admin, admin_user).items():
            for value in values:
                probe.send("admin", "GET", f"{changelist}?{name}={value}")
        checked += 1
    walk.STATS["change lists with hostile searches and filters"] = checked
    walk.STATS["requests to change lists with hostile values"] = probe.sent

    assert checked == len(admin_site._registry)
    assert not probe.failures, "\n".join(probe.failures)


# --- The request guard, the id routes and the drill-down, one by one ------------------------------------------

REFUSED = "This request cannot be read"


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("patient", "/bookings/%00/"),
        ("patient", "/bookings/%00/qr.png"),
        ("technician", "/portal/jobs/%00/"),
        ("technician", "/portal/checkin/%00/"),
        ("technician", "/records/visit/%00/new/"),
        ("patient", "/bookings/K7PM%ffXQA/"),
        ("anonymous", "/services/%c0%af/"),
        ("anonymous", "/?next=%00"),
        ("anonymous", "/accounts/login/?next=%ff"),
        ("admin", "/admin/bookings/booking/?status__exact=%00"),
        ("admin", "/admin/accounts/user/?q=sam%00"),
    ],
)
def test_a_nul_or_a_byte_that_is_not_utf8_in_the_address_gets_a_plain_400(world, role, path):
    for method in ("get", "post"):
        response = getattr(world.client(role), method)(path)

        assert response.status_code == 400
        assert REFUSED in response.content.decode()


@pytest.mark.parametrize("form", ["email=sam%00@example.com&password=x", "email=%ff%fe&password=x"])
def test_a_nul_or_a_byte_that_is_not_utf8_in_a_posted_form_gets_a_400(client, form):
    response = client.post("/accounts/login/", form, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert REFUSED in response.content.decode()


def test_a_nul_in_a_multipart_form_or_a_cookie_gets_a_400(technician_client):
    photo = SimpleUploadedFile("nurse.png", png_bytes(), content_type="image/png")
    posted = technician_client.post(reverse("portal:profile"), {"bio": "Nurse\x00", "photo": photo})
    technician_client.cookies["sessionid"] = "abc\x00def"

    assert posted.status_code == 400
    assert technician_client.get("/").status_code == 400


def test_text_in_other_scripts_passes_the_guard(client):
    assert client.get("/", {"q": "café 東京 ✓"}).status_code == 200
    assert client.post("/accounts/login/", {"username": "zoë@example.com", "password": "ünïcode"}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/records/99999999999999999999999/",
        "/records/99999999999999999999999/print/",
        "/records/1/documents/99999999999999999999999/",
        "/portal/photo/99999999999999999999999/",
        "/admin/bookings/booking/99999999999999999999999/cancel/",
    ],
)
def test_an_id_past_64_bits_is_not_found(admin_client, path):
    assert admin_client.get(path).status_code == 404


@pytest.mark.parametrize("year", ["10000", "99999999999999999999999", "-1"])
def test_a_date_drill_down_past_9999_shows_the_list_again(admin_client, year):
    changelist = reverse("admin:homecure_adminlog_changelist")

    response = admin_client.get(changelist, {"created_at__year": year})

    assert (response.status_code, response.url) == (302, f"{changelist}?e=1")
    assert admin_client.get(response.url).status_code == 200


@pytest.mark.parametrize("target", ["dashboard", "x" * 300, "home"])
def test_a_next_page_that_is_not_a_path_is_ignored(patient_client, target):
    response = patient_client.get(reverse("accounts:after-login"), {"next": target})

    assert (response.status_code, response.url) == (302, reverse("bookings:list"))
