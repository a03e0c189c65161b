"""No technician is ever double-booked, also when patients submit at the same instant (DESIGN 4.2).

Twenty threads, each with its own database connection, wait at a barrier and then book at once.
PostgreSQL only: SQLite serializes every writer, so there is no race there to observe. The
negative control switches the guards off (the row lock and re-check, the free-time check and the
exclusion constraint) and shows that the same race then does double-book, so a passing test means
the guards held, not that the threads never met.
"""

import importlib
import threading
from datetime import date, datetime, time
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from accounts.tests.factories import PatientFactory
from bookings import services
from bookings.models import ACTIVE_STATUSES, Booking
from bookings.tests.factories import BookingFactory
from technicians.models import Specialization
from technicians.tests.factories import TechnicianFactory, give_weekly_schedule

no_overlap_migration = importlib.import_module("bookings.migrations.0004_no_overlap_constraint")

LONDON = ZoneInfo("Europe/London")
DAY = date(2027, 6, 16)
NOW = datetime(2027, 6, 14, 9, 0, tzinfo=LONDON)
TEN = datetime.combine(DAY, time(10, 0), tzinfo=LONDON)
HALF_PAST_TEN = datetime.combine(DAY, time(10, 30), tzinfo=LONDON)
ATTEMPTS = 20

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
def patients(area):
    return PatientFactory.create_batch(ATTEMPTS, area=area)


def nurses(area, count):
    result = []
    for _ in range(count):
        nurse = TechnicianFactory(specialization=Specialization.NURSE, areas=[area])
        give_weekly_schedule(nurse, start=time(8, 0), end=time(18, 0))
        result.append(nurse)
    return result


def race(attempts):
    """Run every attempt at the same instant, each in its own thread and database connection.

    Returns (bookings made, attempts told the time was taken).
    """
    barrier = threading.Barrier(len(attempts))
    made, taken, failures = [], [], []

    def run(attempt):
        try:
            barrier.wait(timeout=30)
            made.append(attempt().pk)
        except services.SlotTaken as refusal:
            taken.append(refusal)
        except Exception as error:
            # An exception in a thread would otherwise vanish; the test reports it instead.
            failures.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a booking thread hung"
    assert failures == []
    return made, taken


def bookings_of(patients, starts, *, service, area):
    """One booking attempt per patient, each for their start time."""
    return [
        partial(
            services.booking_create,
            patient=patient,
            service=service,
            area=area,
            address="1 Camden Road",
            start=start,
            now=NOW,
        )
        for patient, start in zip(patients, starts, strict=True)
    ]


def report(label, made, taken):
    print(f"\n{label}: {len(made) + len(taken)} attempts, {len(made)} booked, {len(taken)} told the time was taken")


def active_bookings():
    return Booking.objects.filter(status__in=ACTIVE_STATUSES)


def test_twenty_patients_at_once_for_the_only_technician_make_one_booking(patients, service, area):
    (nurse,) = nurses(area, 1)

    made, taken = race(bookings_of(patients, [TEN] * ATTEMPTS, service=service, area=area))

    report("same time, one technician", made, taken)
    assert (len(made), len(taken)) == (1, ATTEMPTS - 1)
    assert list(active_bookings().values_list("technician_id", flat=True)) == [nurse.pk]


def test_twenty_patients_at_once_for_two_technicians_make_two_bookings_on_different_technicians(
    patients, service, area
):
    first, second = nurses(area, 2)

    made, taken = race(bookings_of(patients, [TEN] * ATTEMPTS, service=service, area=area))

    report("same time, two technicians", made, taken)
    assert (len(made), len(taken)) == (2, ATTEMPTS - 2)
    assert sorted(active_bookings().values_list("technician_id", flat=True)) == sorted([first.pk, second.pk])


def test_overlapping_times_at_once_for_the_only_technician_make_one_booking(patients, service, area):
    (nurse,) = nurses(area, 1)
    starts = [TEN, HALF_PAST_TEN] * (ATTEMPTS // 2)

    made, taken = race(bookings_of(patients, starts, service=service, area=area))

    report("10:00 and 10:30, one technician", made, taken)
    assert (len(made), len(taken)) == (1, ATTEMPTS - 1)
    assert active_bookings().filter(technician=nurse).count() == 1


def test_admins_assigning_while_patients_book_never_double_book_the_technician(admin_user, patients, service, area):
    (nurse,) = nurses(area, 1)
    half = ATTEMPTS // 2
    waiting = [
        BookingFactory(user=patient, technician=None, service=service, service_area=area, start=TEN)
        for patient in patients[:half]
    ]
    assigning = [
        partial(services.booking_assign, booking=booking, technician=nurse, actor=admin_user, now=NOW)
        for booking in waiting
    ]

    made, taken = race(assigning + bookings_of(patients[half:], [TEN] * half, service=service, area=area))

    report("admins assigning and patients booking 10:00, one technician", made, taken)
    assert (len(made), len(taken)) == (1, ATTEMPTS - 1)
    assert active_bookings().filter(technician=nurse).count() == 1


@pytest.fixture
def guards_off(monkeypatch):
    """Every line of defence against double-booking switched off for one test, then restored."""
    monkeypatch.setattr(services, "_claim", lambda *args, **kwargs: True)
    monkeypatch.setattr(
        services.DayPlan, "free_technicians", lambda plan, start: [c.technician for c in plan.candidates]
    )
    with connection.cursor() as cursor:
        cursor.execute(no_overlap_migration.DROP)
    yield
    # The constraint cannot come back while the overlapping rows it forbids are still there.
    Booking.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(no_overlap_migration.ADD)


def test_negative_control_without_the_guards_the_same_race_double_books(guards_off, patients, service, area):
    (nurse,) = nurses(area, 1)

    made, taken = race(bookings_of(patients, [TEN] * ATTEMPTS, service=service, area=area))

    report("same time, one technician, guards off", made, taken)
    assert len(made) > 1
    assert active_bookings().filter(technician=nurse).count() == len(made)


def test_the_constraint_alone_refuses_an_overlapping_booking(patients, service, area, monkeypatch):
    """With the application's checks switched off, PostgreSQL itself still keeps the technician single-booked."""
    (nurse,) = nurses(area, 1)
    monkeypatch.setattr(services, "_claim", lambda *args, **kwargs: True)
    monkeypatch.setattr(
        services.DayPlan, "free_technicians", lambda plan, start: [c.technician for c in plan.candidates]
    )

    made, taken = race(bookings_of(patients, [TEN, HALF_PAST_TEN] * (ATTEMPTS // 2), service=service, area=area))

    report("10:00 and 10:30, one technician, only the constraint", made, taken)
    assert (len(made), len(taken)) == (1, ATTEMPTS - 1)
    assert active_bookings().filter(technician=nurse).count() == 1


def test_no_overlap_constraint_is_in_place():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE conname = %s", [no_overlap_migration.CONSTRAINT])
        assert cursor.fetchone() == (1,)
