"""Item 3: every form the pages show, posted as a person (or an attacker) would.

The forms are read from the HTML of every page the matrix walk opened, plus the pages of a visit
under way and a finished one, so a new form is covered as soon as a page shows it.

- Fields a form does not show are ignored: posting the form as shown plus `status`, `technician`,
  `total_amount`, `is_verified`, `user`, `role`, `is_staff`, ... leaves the protected columns as
  posting the form alone does.
- Property-based (hypothesis): malformed values (huge strings, NUL bytes, wrong types, dates far
  in the past and future, negative numbers, several values for one field) never give a 500, and
  input that no field can accept (a NUL byte, a date that is not a date, a choice that is not
  offered) saves nothing.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security import walk
from tests.security.forms import Field, Form, post_forms

pytestmark = pytest.mark.django_db

# Columns that no form of the product lets a person set directly.
PROTECTED = {
    "accounts_user": ["email", "role", "is_staff", "is_superuser", "is_active", "password"],
    "bookings_booking": ["user_id", "technician_id", "total_amount", "payment_status", "service_id", "user_rating"],
    "technicians_technician": ["user_id", "is_verified", "is_active", "rating", "total_reviews", "completed_bookings"],
    "records_healthrecord": ["user_id", "booking_id", "created_by_id"],
    "earnings_technicianearnings": ["technician_id", "booking_id", "amount", "net_earnings", "payment_status"],
    "notifications_notification": ["user_id", "title"],
    "bookings_service": ["price", "is_active", "slug"],
}

EXAMPLES_PER_FORM = 25
EXAMPLES_PER_BACK_OFFICE_FORM = 5


def _pages_with_forms(walked, world):
    pages = [
        (r.case.role, r.case.url, r.body)
        for r in walked
        if r.case.method == "GET" and r.status == 200 and r.headers.get("Content-Type", "").startswith("text/html")
    ]
    # Forms that only show for a visit in another state: completing a visit, reviewing one.
    for role, url in [
        ("technician", reverse("portal:job", args=[world.in_progress.reference])),
        ("patient", reverse("bookings:detail", args=[world.completed.reference])),
    ]:
        pages.append((role, url, world.client(role).get(url, secure=True).content.decode()))
    return pages


def every_form(walked, world) -> list[tuple[str, Form]]:
    """Each distinct form (action and field names) once, with the first role that was shown it."""
    found: dict[tuple, tuple[str, Form]] = {}
    for role, url, body in _pages_with_forms(walked, world):
        for form in post_forms(url, body):
            found.setdefault(form.signature, (role, form))
    return list(found.values())


def _protected_rows() -> dict[str, list]:
    quote = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for table, columns in PROTECTED.items():
            cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)}")  # noqa: S608
            rows[table] = sorted(map(repr, cursor.fetchall()))
    return rows


def _post(world, role, form: Form, data: dict):
    """Post `data` to the form in a transaction that is rolled back; the response and the protected rows after it."""
    with transaction.atomic():
        response = world.client(role, raise_request_exception=False).post(form.action, data, secure=True)
        rows = _protected_rows()
        transaction.set_rollback(True)
    return response, rows


def test_every_form_ignores_fields_it_does_not_show(walked, world):
    extras = {
        "status": "cancelled",
        "technician": world.technicians["other_technician"].pk,
        "total_amount": "0.01",
        "amount": "0.01",
        "price": "0.01",
        "payment_status": "paid",
        "is_verified": "on",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "role": "admin",
        "user": world.users["other_patient"].pk,
        "created_by": world.users["other_technician"].pk,
        "booking": world.completed.pk,
        "email": "intruder@example.com",
        "rating": "5",
        "user_rating": "1",
        "title": "Intruder",
    }
    forms = every_form(walked, world)
    differences = []
    for role, form in forms:
        shown = form.as_shown()
        names = {f.name for f in form.fields}
        added = {name: value for name, value in extras.items() if name not in names}
        plain_response, plain = _post(world, role, form, shown)
        extra_response, with_extras = _post(world, role, form, {**shown, **added})
        if plain != with_extras or plain_response.status_code != extra_response.status_code:
            changed = sorted(table for table in plain if plain[table] != with_extras[table])
            differences.append(f"{form.action} as {role}: the extra fields changed {changed}")
    walk.STATS["forms posted with hidden fields added"] = len(forms)

    assert len(forms) > 40
    assert differences == []


HUGE = "Z" * 100_000
NUL_TEXT = st.text(max_size=20).map(lambda text: f"{text}\x00{text}")
NOT_A_DATE = st.sampled_from(["2024-13-45", "0000-00-00", "31/02/2024", "yesterday", "-1", "99999-01-01"])
NOT_A_TIME = st.sampled_from(["25:61", "noon", "-1:00", "12:60", "9999"])
NOT_A_NUMBER = st.sampled_from(["abc", "NaN", "Infinity", "1,5,6", "--1", "0x1F", "1e", "½"])
FAR_DATES = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat)
ODD_TIMES = st.times().map(time.isoformat)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
    st.sampled_from(["-1", "-0.01", "0", "1e309", "9" * 40]),
)
ANY_TEXT = st.one_of(st.text(max_size=200), st.just(HUGE), st.just("   "), st.just("<script>alert(1)</script>"))


def malformed(field: Field):
    """Values for one field: the certainly invalid ones marked True."""
    invalid = st.one_of(NUL_TEXT, st.just("\x00")).map(lambda value: (value, True))
    if field.kind == "date":
        invalid = st.one_of(invalid, NOT_A_DATE.map(lambda value: (value, True)))
        odd = st.one_of(FAR_DATES, ANY_TEXT)
    elif field.kind == "time":
        invalid = st.one_of(invalid, NOT_A_TIME.map(lambda value: (value, True)))
        odd = st.one_of(ODD_TIMES, ANY_TEXT)
    elif field.kind == "number":
        invalid = st.one_of(invalid, NOT_A_NUMBER.map(lambda value: (value, True)))
        odd = NUMBERS
    elif field.kind in ("select", "select-multiple") and field.options:
        offered = set(field.options)
        not_offered = st.one_of(NUMBERS, st.text(max_size=20)).filter(lambda v: v not in offered)
        invalid = st.one_of(invalid, not_offered.map(lambda v: (v, not field.autocomplete)))
        odd = st.sampled_from(field.options)
    else:
        odd = st.one_of(ANY_TEXT, NUMBERS, FAR_DATES)
    several = st.lists(st.text(max_size=10), min_size=2, max_size=3).map(lambda values: (values, False))
    return st.one_of(invalid, odd.map(lambda value: (value, False)), several)


def fuzzed_forms(forms: list[tuple[str, Form]]) -> list[tuple[str, Form]]:
    """The forms the fuzzing posts to: every form of the product's own pages, and of the back
    office the change pages and the product's own screens (assign, cancel, announce); Django's
    add, delete, action and log-out forms are left out to keep the run short."""
    kept = []
    for role, form in forms:
        action = form.action
        if action.startswith("/admin/") and not action.endswith(("/change/", "/assign/", "/cancel/", "/announce/")):
            continue
        kept.append((role, form))
    return kept


def _fuzz(world, role: str, form: Form, counter: list[int]):
    # Formset templates (`__prefix__`) are copied by the page's script, never posted as they are.
    fields = [f for f in form.typed_fields() if "__prefix__" not in f.name]
    if not fields:
        return
    choice = st.fixed_dictionaries({}, optional={f.name: malformed(f) for f in fields}).filter(bool)
    snapshot = walk.Snapshot(walk.data_tables())
    examples = EXAMPLES_PER_BACK_OFFICE_FORM if form.action.startswith("/admin/") else EXAMPLES_PER_FORM

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(changes=choice)
    def post_malformed(changes):
        data = {**form.as_shown(), **{name: value for name, (value, _invalid) in changes.items()}}
        certainly_invalid = any(invalid for _value, invalid in changes.values())
        with transaction.atomic():
            before = snapshot.take()
            response = world.client(role, raise_request_exception=False).post(form.action, data, secure=True)
            changed = snapshot.changed(before, snapshot.take())
            transaction.set_rollback(True)
        counter[0] += 1
        assert response.status_code < 500, f"{form.action} as {role} answered {response.status_code} to {changes!r}"
        if certainly_invalid:
            assert changed == [], f"{form.action} as {role} saved {changed} from invalid input {changes!r}"

    post_malformed()


def test_malformed_input_to_every_form_never_breaks_it_and_saves_nothing_invalid(walked, world):
    forms = fuzzed_forms(every_form(walked, world))
    counter = [0]
    for role, form in forms:
        _fuzz(world, role, form, counter)
    walk.STATS["forms fuzzed"] = len(forms)
    walk.STATS["malformed posts"] = counter[0]

    assert counter[0] > 500
