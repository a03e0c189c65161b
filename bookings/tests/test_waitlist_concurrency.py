"""Patients told of the same freed time press "Book this time" at the same instant: one booking.

Ten patients wait for the only nurse's 10:00; the visit there is cancelled, each gets an offer, and
ten threads (each with its own database connection) book from their offers at once. PostgreSQL
only: SQLite serializes every writer (bookings/tests/test_waitlist.py has the sequential case).
The guards are `booking_create`'s (the technician's row lock and re-check, the no-overlap
constraint); bookings/tests/test_concurrency.py's negative control shows the race without them.
"""

from datetime import datetime, time, timedelta
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import PatientFactory
from bookings import services, waitlist
from bookings.models import ACTIVE_STATUSES, Booking, WaitlistEntry, WaitlistOffer, WaitlistStatus
from bookings.tests.factories import BookingFactory
from bookings.tests.test_concurrency import race
from homecure.tests.factories import SystemSettingsFactory

PATIENTS = 10

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL: SQLite serializes all writers, so no race can happen "
        "(run with DATABASE_URL=postgres://...)",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_patients_booking_one_freed_time_at_once_make_one_booking(technician, service, area, admin_user):
    SystemSettingsFactory(key="waitlist_offers_per_time", value=str(PATIENTS))
    day = timezone.localdate() + timedelta(days=3)
    ten = datetime.combine(day, time(10, 0), tzinfo=timezone.get_current_timezone())
    visit = BookingFactory(technician=technician, service=service, service_area=area, start=ten, confirmed=True)
    patients = PatientFactory.create_batch(PATIENTS, area=area)
    for patient in patients:
        waitlist.waitlist_join(patient=patient, service=service, area=area, address="1 Camden Road", first_day=day)
    services.booking_cancel(booking=visit, actor=admin_user, reason="Patient moved away")
    offers = list(WaitlistOffer.objects.select_related("entry"))
    assert len(offers) == PATIENTS

    made, taken = race([partial(waitlist.waitlist_book, offer=offer, actor=offer.entry.patient) for offer in offers])

    assert (len(made), len(taken)) == (1, PATIENTS - 1)
    (booking,) = Booking.objects.filter(status__in=ACTIVE_STATUSES)
    assert (booking.pk, booking.scheduled_start, booking.technician) == (made[0], ten, technician)
    assert WaitlistEntry.objects.filter(status=WaitlistStatus.BOOKED).get().patient == booking.user
    assert WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING).count() == PATIENTS - 1
