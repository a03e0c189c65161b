"""The back office's lists of large tables do not count the whole table on every visit.

On PostgreSQL an unfiltered list takes the planner's row estimate (`pg_class.reltuples`, set here
by ANALYZE) once it is past `EstimatedCountPaginator.estimate_above`; a filtered or searched list,
a small table and SQLite count exactly, once.
"""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Booking, BookingStatus, FailedCheckIn
from bookings.tests.factories import BookingFactory
from earnings.models import TechnicianEarnings
from homecure.base.admin_paginator import EstimatedCountPaginator
from homecure.models import AdminLog, Contact
from homecure.tests.test_admin import ADMIN_OBJECTS
from notifications.models import EmailPreference, Notification, SentReminder
from records.models import HealthRecord

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = connection.vendor == "postgresql"

LARGE = [
    Booking,
    Notification,
    AdminLog,
    TechnicianEarnings,
    HealthRecord,
    FailedCheckIn,
    SentReminder,
    EmailPreference,
    Contact,
    AccessAttempt,
    AccessLog,
    AccessFailureLog,
]


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _analyze(model):
    """Let the planner count the table now, as autovacuum's ANALYZE does in production."""
    if ON_POSTGRESQL:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _counts_of(captured, model):
    """The captured queries that count rows of `model`'s table (read before the next request clears them)."""
    table = model._meta.db_table
    reading = [query["sql"] for query in captured if table in query["sql"]]
    assert reading, "the page read nothing of the table: the queries were not captured"
    return [sql for sql in reading if "COUNT(" in sql.upper()]


@pytest.fixture
def small_estimates_count(monkeypatch):
    # A few rows stand for the large table: the estimate is taken from 10 rows up.
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_above", 10)


@pytest.fixture
def ten_a_page(monkeypatch):
    monkeypatch.setattr(admin.site.get_model_admin(Booking), "list_per_page", 10)


def _make(model, i):
    if model in (AccessAttempt, AccessLog, AccessFailureLog):
        # One row per person and address.
        person = {"username": f"person{i}@example.com", "ip_address": "203.0.113.9", "path_info": "/"}
        return model.objects.create(**person, **({"failures_since_start": 1} if model is AccessAttempt else {}))
    factory, _ = ADMIN_OBJECTS[model]
    return factory()


def _bookings(n):
    return [BookingFactory() for _ in range(n)]


def test_unfiltered_booking_list_takes_the_estimate_on_postgresql_and_counts_on_sqlite(
    admin_client, small_estimates_count
):
    _bookings(25)
    _analyze(Booking)
    # Added after the planner counted: only the exact count sees them.
    _bookings(3)

    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get(_changelist(Booking))

    assert response.status_code == 200
    counts = _counts_of(captured, Booking)
    if ON_POSTGRESQL:
        assert counts == []
        assert response.context["cl"].result_count == 25
        assert "25 bookings" in response.content.decode()
    else:
        assert len(counts) == 1
        assert response.context["cl"].result_count == 28
        assert "28 bookings" in response.content.decode()


def test_a_table_below_the_threshold_is_counted_exactly(admin_client):
    _bookings(12)
    _analyze(Booking)

    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get(_changelist(Booking))

    assert len(_counts_of(captured, Booking)) == 1
    assert response.context["cl"].result_count == 12


def test_a_filtered_or_searched_list_is_counted_exactly(admin_client, small_estimates_count):
    bookings = _bookings(24)
    cancelled = BookingFactory(status=BookingStatus.CANCELLED)
    _analyze(Booking)

    with CaptureQueriesContext(connection) as captured:
        filtered = admin_client.get(_changelist(Booking), {"status__exact": BookingStatus.CANCELLED})
    counts = _counts_of(captured, Booking)
    searched = admin_client.get(_changelist(Booking), {"q": bookings[0].reference})

    assert len(counts) == 1
    assert list(filtered.context["cl"].result_list) == [cancelled]
    assert filtered.context["cl"].result_count == 1
    assert searched.context["cl"].result_count == 1


def test_the_estimated_list_still_pages(admin_client, small_estimates_count, ten_a_page):
    bookings = _bookings(25)
    _analyze(Booking)
    url = _changelist(Booking)

    pages = [admin_client.get(url, {"p": number}) for number in (1, 2, 3)]

    assert [response.status_code for response in pages] == [200, 200, 200]
    assert pages[0].context["cl"].paginator.num_pages == 3
    shown = [booking.pk for response in pages for booking in response.context["cl"].result_list]
    assert sorted(shown) == sorted(booking.pk for booking in bookings)
    assert 'href="?p=2"' in pages[0].content.decode()
    assert admin_client.get(url, {"p": 4}).status_code == 302  # past the end: Django's "?e=1"


@pytest.mark.parametrize("model", LARGE, ids=lambda model: model._meta.label)
def test_a_large_tables_list_counts_the_whole_table_at_most_once(admin_client, small_estimates_count, model):
    for i in range(11):
        _make(model, i)
    _analyze(model)

    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get(_changelist(model))

    assert response.status_code == 200
    # No second count of the whole table behind the count of the listed rows.
    assert response.context["cl"].full_result_count is None
    assert len(_counts_of(captured, model)) == (0 if ON_POSTGRESQL else 1)
    assert response.context["cl"].result_count == model._default_manager.count()
