"""Two `run_scheduled` at the same moment (two servers' crons) act once on each booking.

Two threads, each with its own database connection, wait at a barrier and then run every due
job. PostgreSQL only: SQLite serializes every writer, so there is no race there to observe. The
negative control takes the booking jobs' lock away (each thread reads the booking, waits for
the other to have read it too, then acts) and shows that the same race then moves one offer
twice, so a passing test means the lock and the re-check held, not that the threads never met.
"""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from bookings import services
from bookings.models import Booking, BookingDecline, BookingStatus, BookingStatusHistory
from bookings.tests.factories import BookingFactory
from homecure.management import scheduled
from notifications.models import Notification, SentReminder

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 6, 16, 12, 0, tzinfo=LONDON)
H = timedelta(hours=1)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL: SQLite serializes all writers, so no race can happen "
        "(run with DATABASE_URL=postgres://...)",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def due(patient, technician, other_technician, admin_user, service, area):
    """An overdue offer (Otto is free to take it over), a pending visit past its start, and a
    confirmed visit whose 2-hour reminder is due."""

    def visit(start, **fields):
        return BookingFactory(
            user=patient, technician=technician, service=service, service_area=area, start=start, **fields
        )

    return {
        "offer": visit(NOW + 26 * H, offered_at=NOW - 26 * H),
        "started": visit(NOW - H, offered_at=NOW - 30 * H),
        "soon": visit(NOW + 90 * timedelta(minutes=1), confirmed=True),
    }


def race(count, run):
    """Run `run` in `count` threads at the same instant; the exceptions they raised."""
    barrier = threading.Barrier(count)
    failures = []

    def thread():
        try:
            barrier.wait(timeout=30)
            run()
        except Exception as error:
            # An exception in a thread would otherwise vanish; the test reports it instead.
            failures.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=thread) for _ in range(count)]
    for each in threads:
        each.start()
    for each in threads:
        each.join(timeout=60)
    assert not any(each.is_alive() for each in threads), "a scheduled run hung"
    return failures


def test_two_runs_at_once_act_once(due, technician, other_technician, patient):
    failures = race(2, lambda: scheduled.run_due_jobs(now=NOW))

    assert failures == []
    offer = Booking.objects.get(pk=due["offer"].pk)
    assert offer.technician == other_technician
    assert BookingDecline.objects.filter(booking=offer, technician=technician).count() == 1
    assert BookingStatusHistory.objects.filter(booking=offer, note__contains="expired unanswered").count() == 1
    assert Notification.objects.filter(user=other_technician.user, title="New visit request").count() == 1
    started = Booking.objects.get(pk=due["started"].pk)
    assert started.status == BookingStatus.CANCELLED
    assert started.history.filter(to_status=BookingStatus.CANCELLED).count() == 1
    assert Notification.objects.filter(user=patient, title="Your visit was cancelled").count() == 1
    assert SentReminder.objects.filter(booking=due["soon"]).count() == 2


def test_without_the_lock_the_same_race_moves_an_offer_twice(due, technician, monkeypatch):
    """Negative control: each thread reads the booking unlocked and waits until both have read it."""
    both_read = threading.Barrier(2)

    def unlocked(booking):
        read = Booking.objects.select_related("technician__user", "service", "user", "service_area").get(pk=booking.pk)
        both_read.wait(timeout=30)
        return read

    monkeypatch.setattr(services, "_lock_for_job", unlocked)
    offer = due["offer"]

    failures = race(2, lambda: services.booking_expire_offer(booking=offer, now=NOW))

    assert failures == []
    assert BookingDecline.objects.filter(booking=offer, technician=technician).count() == 2
    assert BookingStatusHistory.objects.filter(booking=offer, note__contains="expired unanswered").count() == 2
