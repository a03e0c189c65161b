"""Every key page runs as many SQL queries with 200 rows as with 10: no page grows with the data.

Each test builds one row of what its page lists, opens the page once (so cached system settings
are loaded) and counts the queries of the next request; then again with 10 rows and with 200. A
query per row shown would tell 1 from 10 (lists show 10 or more rows a page); a query per row
stored would tell 10 from 200.
"""

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal
from itertools import cycle

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import BookingStatus, ServiceCategory
from bookings.tests.factories import BookingFactory, BookingStatusHistoryFactory, ServiceFactory
from earnings.tests.factories import TechnicianEarningsFactory
from notifications.tests.factories import NotificationFactory
from records.tests.factories import HealthRecordFactory
from technicians.tests.factories import TechnicianFactory, give_weekly_schedule

pytestmark = pytest.mark.django_db

SIZES = (1, 10, 200)


def count_queries(client, url, data=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(captured), response.content.decode()


def assert_flat(client, url, add_rows, *, data=None, shows=None):
    """The page's query count is the same with each of SIZES rows (`add_rows(n)` adds n more)."""
    counts, added = {}, 0
    for size in SIZES:
        add_rows(size - added)
        added = size
        if len(counts) == 0:
            count_queries(client, url, data)
        counts[size], html = count_queries(client, url, data)
        if shows:
            assert shows in html
    assert len(set(counts.values())) == 1, f"{url}: queries by number of rows: {counts}"


def local(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def distinct_starts(first_day, count, *, offset=0):
    """`count` visit starts two hours apart (08:00 to 16:00), day after day: never overlapping."""
    return [local(first_day + timedelta(days=(offset + i) // 5), 8 + 2 * ((offset + i) % 5)) for i in range(count)]


class Rows:
    """Adds rows in batches and remembers how many it made, so later batches continue the series."""

    def __init__(self, make):
        self.made = 0
        self.make = make

    def __call__(self, n):
        self.make(self.made, n)
        self.made += n


@pytest.fixture
def returning_visitor(client):
    # A visitor who sends a cookie gets a freshly rendered page, not the one kept for cookie-less
    # visitors (homecure.base.public_cache): the rendering is what these tests count.
    client.cookies["csrftoken"] = "a" * 32
    return client


def test_home_page(returning_visitor):
    categories = cycle(ServiceCategory.values)

    def add(start, n):
        for i in range(start, start + n):
            ServiceFactory(name=f"Service {i:03d}", category=next(categories))

    assert_flat(returning_visitor, reverse("home"), Rows(add), shows="Service 000")


def test_catalog(returning_visitor):
    categories = cycle(ServiceCategory.values)

    def add(start, n):
        for i in range(start, start + n):
            ServiceFactory(name=f"Service {i:03d}", category=next(categories))

    assert_flat(returning_visitor, reverse("catalog:list"), Rows(add), shows="Service 000")


def test_free_times_of_a_busy_day(patient_client, patient, other_patient, service, area):
    """Free times for a day on which every eligible technician already has a visit."""
    day = timezone.localdate() + timedelta(days=3)

    def add(start, n):
        for i in range(start, start + n):
            technician = TechnicianFactory(areas=[area])
            give_weekly_schedule(technician, start=time(8), end=time(18))
            BookingFactory(
                confirmed=True,
                user=other_patient,
                technician=technician,
                service=service,
                service_area=area,
                start=local(day, 8 + 2 * (i % 5)),
            )

    data = {
        "action": "times",
        "area": area.pk,
        "address": patient.address,
        "date": day.isoformat(),
        "request_token": uuid.uuid4(),
    }
    url = reverse("bookings:new", kwargs={"slug": service.slug})
    assert_flat(patient_client, url, Rows(add), data=data, shows='name="start"')


def test_my_bookings(patient_client, patient, technician, service, area):
    first_day = timezone.localdate() + timedelta(days=3)

    def add(start, n):
        for when in distinct_starts(first_day, n, offset=start):
            BookingFactory(
                confirmed=True, user=patient, technician=technician, service=service, service_area=area, start=when
            )

    assert_flat(patient_client, reverse("bookings:list"), Rows(add), shows=service.name)


def test_booking_detail(patient_client, patient, technician, other_technician, admin_user, service, area):
    booking = BookingFactory(confirmed=True, user=patient, technician=technician, service=service, service_area=area)
    people = cycle([patient, technician.user, other_technician.user, admin_user])

    def add(start, n):
        for i in range(start, start + n):
            BookingStatusHistoryFactory(
                booking=booking, from_status="", to_status=BookingStatus.PENDING, changed_by=next(people), note=f"n{i}"
            )

    assert_flat(patient_client, booking.get_absolute_url(), Rows(add), shows=booking.reference)


def test_technician_dashboard(technician_client, technician, patient, other_patient, service, area):
    """Today's visits, job requests, upcoming visits and the earnings figures."""
    today = timezone.localdate()
    patients = cycle([patient, other_patient])

    def add(start, n):
        for i, when in enumerate(distinct_starts(today + timedelta(days=1), n, offset=start)):
            # Alternate offers waiting for an answer and accepted visits.
            status = {"confirmed": True} if (start + i) % 2 else {}
            BookingFactory(
                **status, user=next(patients), technician=technician, service=service, service_area=area, start=when
            )
        TechnicianEarningsFactory.create_batch(
            n, technician=technician, booking__service=service, booking__service_area=area
        )

    BookingFactory(
        confirmed=True,
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=local(today, 23, 30),
    )
    assert_flat(technician_client, reverse("portal:dashboard"), Rows(add), shows=service.name)


def test_earnings(technician_client, technician, service, area):
    def add(start, n):
        TechnicianEarningsFactory.create_batch(
            n, technician=technician, booking__service=service, booking__service_area=area
        )

    assert_flat(technician_client, reverse("earnings:list"), Rows(add), shows="68.00")


def test_notifications_inbox(patient_client, patient):
    def add(start, n):
        for i in range(start, start + n):
            NotificationFactory(user=patient, title=f"Notice {i:03d}", is_read=bool(i % 3), action_url="/bookings/")

    assert_flat(patient_client, reverse("notifications:list"), Rows(add), shows="Notice ")


def test_health_records_list(patient_client, patient, technician, service, area):
    def add(start, n):
        for i in range(start, start + n):
            # Half with their visit (whose service and technician the list names), half from elsewhere.
            if i % 2:
                booking = BookingFactory(
                    completed=True, user=patient, technician=technician, service=service, service_area=area
                )
                HealthRecordFactory(booking=booking, diagnosis=f"Finding {i}")
            else:
                HealthRecordFactory(user=patient, diagnosis=f"Finding {i}")

    assert_flat(patient_client, reverse("records:list"), Rows(add), shows="Check-up")


def test_admin_booking_list(admin_client):
    """Each booking with its own patient, service and area, spread over several technicians."""
    technicians = [TechnicianFactory() for _ in range(3)]

    def add(start, n):
        for i in range(start, start + n):
            BookingFactory(completed=True, technician=technicians[i % 3], total_amount=Decimal("50.00"))

    assert_flat(admin_client, reverse("admin:bookings_booking_changelist"), Rows(add), shows="HC")
