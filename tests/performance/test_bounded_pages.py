"""Pages that show a bounded slice of a list that grows with the data, and link to the rest."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.admin import TechnicianListFilter
from bookings.tests.factories import BookingFactory
from notifications.tests.factories import NotificationFactory
from technicians.tests.factories import TechnicianFactory

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


def test_admin_booking_filter_lists_every_technician_while_they_fit(admin_client, monkeypatch):
    monkeypatch.setattr(TechnicianListFilter, "MAX_LISTED", 3)
    technicians = [TechnicianFactory(user__last_name=f"Listed{i}") for i in range(3)]

    html = admin_client.get(reverse("admin:bookings_booking_changelist")).content.decode()

    for technician in technicians:
        assert f"technician__id__exact={technician.pk}" in html


def test_admin_booking_filter_lists_only_the_chosen_technician_past_the_limit(admin_client, monkeypatch):
    monkeypatch.setattr(TechnicianListFilter, "MAX_LISTED", 3)
    technicians = [TechnicianFactory(user__last_name=f"Many{i}") for i in range(4)]
    chosen = technicians[2]
    BookingFactory(completed=True, technician=chosen)
    url = reverse("admin:bookings_booking_changelist")

    unfiltered = admin_client.get(url).content.decode()
    filtered = admin_client.get(url, {"technician__id__exact": chosen.pk}).content.decode()

    assert "technician__id__exact=" not in unfiltered.split('id="changelist-filter"')[1]
    assert "technician__isnull=True" in unfiltered
    assert f"technician__id__exact={chosen.pk}" in filtered
    assert f"technician__id__exact={technicians[0].pk}" not in filtered


def test_admin_notification_list_shows_the_newest_first_with_a_date_filter(admin_client, patient):
    older = NotificationFactory(user=patient, title="Older notice", is_read=False)
    newer = NotificationFactory(user=patient, title="Newer notice", is_read=True)

    html = admin_client.get(reverse("admin:notifications_notification_changelist")).content.decode()

    assert html.index(newer.title) < html.index(older.title)
    assert "created_at__gte=" in html
    assert "created_at__year=" not in html
