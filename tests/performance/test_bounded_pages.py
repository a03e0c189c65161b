"""Pages that show a bounded slice of a list that grows with the data, and link to the rest."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


def test_dashboard_shows_the_five_soonest_requests_and_links_to_all(
    technician_client, technician, patient, service, area
):
    first_day = timezone.localdate() + timedelta(days=2)
    zone = timezone.get_current_timezone()
    requests = [
        BookingFactory(
            user=patient,
            technician=technician,
            service=service,
            service_area=area,
            start=datetime.combine(first_day + timedelta(days=i), time(10), tzinfo=zone),
        )
        for i in range(7)
    ]

    html = technician_client.get(reverse("portal:dashboard")).content.decode()

    for booking in requests[:5]:
        assert booking.reference in html
    for booking in requests[5:]:
        assert booking.reference not in html
    assert '<span class="badge text-bg-warning">5+</span>' in html
    assert f'href="{reverse("portal:jobs")}?show=requests"' in html


def test_dashboard_with_few_requests_shows_them_all_without_a_link(
    technician_client, technician, patient, service, area
):
    BookingFactory(user=patient, technician=technician, service=service, service_area=area)

    html = technician_client.get(reverse("portal:dashboard")).content.decode()

    assert '<span class="badge text-bg-warning">1</span>' in html
    assert "?show=requests" not in html
