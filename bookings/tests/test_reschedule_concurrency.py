"""Moving a visit to a time other patients want at the same instant never double-books the technician.

Patients who move their visit to 16:00 and patients who book 16:00 all submit at once, each in its own
thread and database connection, for the only nurse: exactly one of them gets the time, the others are
told it was taken and keep what they had. PostgreSQL only (SQLite serializes every writer); the negative
control switches the guards off and shows that the same race then does double-book.
"""

from datetime import datetime, time
from functools import partial

import pytest
from django.db import connection

from accounts.tests.factories import PatientFactory
from bookings import services
from bookings.models import ACTIVE_STATUSES, Booking
from bookings.tests.factories import BookingFactory
from bookings.tests.test_concurrency import DAY, LONDON, NOW, bookings_of, guards_off, nurses, race, report

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL: SQLite serializes all writers, so no race can happen "
        "(run with DATABASE_URL=postgres://...)",
    ),
    pytest.mark.django_db(transaction=True),
]

FOUR_PM = datetime.combine(DAY, time(16, 0), tzinfo=LONDON)
MOVERS_AT = [time(8, 0), time(10, 0), time(12, 0)]
BOOKERS = 7


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def moves_and_bookings(service, area, nurse):
    """Three patients with a visit of `nurse` that morning move it to 16:00; seven others book 16:00."""
    visits = [
        BookingFactory(
            technician=nurse,
            service=service,
            service_area=area,
            start=datetime.combine(DAY, at, tzinfo=LONDON),
            confirmed=True,
        )
        for at in MOVERS_AT
    ]
    moving = [
        partial(services.booking_reschedule, booking=booking, start=FOUR_PM, actor=booking.user, now=NOW)
        for booking in visits
    ]
    booking = bookings_of(
        PatientFactory.create_batch(BOOKERS, area=area), [FOUR_PM] * BOOKERS, service=service, area=area
    )
    return visits, moving + booking


def at_four(nurse):
    return Booking.objects.filter(technician=nurse, status__in=ACTIVE_STATUSES, scheduled_start=FOUR_PM)


def test_patients_moving_to_and_booking_the_same_time_at_once_make_one_visit(service, area):
    (nurse,) = nurses(area, 1)
    visits, attempts = moves_and_bookings(service, area, nurse)

    made, taken = race(attempts)

    report("moving to and booking 16:00 at once, one technician", made, taken)
    assert (len(made), len(taken)) == (1, len(attempts) - 1)
    assert at_four(nurse).count() == 1
    moved = [visit for visit in visits if Booking.objects.get(pk=visit.pk).scheduled_start == FOUR_PM]
    for visit in visits:
        if visit not in moved:
            kept = Booking.objects.get(pk=visit.pk)
            assert (kept.scheduled_start, kept.status, kept.qr_code_data) == (
                visit.scheduled_start,
                visit.status,
                visit.qr_code_data,
            )


def test_patients_moving_their_visits_to_the_same_time_at_once_make_one_move(service, area):
    (nurse,) = nurses(area, 1)
    _, attempts = moves_and_bookings(service, area, nurse)

    made, taken = race(attempts[: len(MOVERS_AT)])

    report("three patients moving to 16:00 at once, one technician", made, taken)
    assert (len(made), len(taken)) == (1, len(MOVERS_AT) - 1)
    assert at_four(nurse).count() == 1
    assert Booking.objects.filter(technician=nurse, status__in=ACTIVE_STATUSES).count() == len(MOVERS_AT)


@pytest.mark.usefixtures(guards_off.__name__)
def test_negative_control_without_the_guards_the_same_race_double_books(service, area):
    (nurse,) = nurses(area, 1)
    _, attempts = moves_and_bookings(service, area, nurse)

    made, taken = race(attempts)

    report("moving to and booking 16:00 at once, one technician, guards off", made, taken)
    assert len(made) > 1
    assert at_four(nurse).count() == len(made)
