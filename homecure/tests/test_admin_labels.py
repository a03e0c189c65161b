"""The back office speaks in words: actions and objects of the audit log, the names of status
changes, declines and missed visits; "View on site" only where the administrator can see that page;
a favicon on its pages."""

import pytest
from django.urls import reverse

from bookings.models import BookingStatus
from bookings.tests.factories import (
    BookingDeclineFactory,
    BookingFactory,
    BookingStatusHistoryFactory,
    MissedVisitFactory,
)
from homecure.base.audit import action_label, audit_event, entity_label
from homecure.models import AdminLog

pytestmark = pytest.mark.django_db


def test_audit_actions_and_objects_read_as_words(admin_client, admin_user):
    audit_event(actor=admin_user, action="setting_changed", entity=("homecure.systemsettings", "11"), description="x")
    entry = AdminLog.objects.get(action="setting_changed")

    page = admin_client.get(reverse("admin:homecure_adminlog_changelist")).content.decode()

    assert str(entry) == "Setting changed: System setting #11"
    assert "Setting changed" in page and "System setting #11" in page
    assert ">setting_changed<" not in page and ">homecure.systemsettings" not in page
    assert action_label("booking_assigned") == "Booking assigned"
    assert entity_label("gone.model", "3") == "gone.model #3"


def test_the_audit_log_filters_by_action_in_words(admin_client, admin_user):
    audit_event(actor=admin_user, action="booking_assigned", entity=("bookings.booking", "1"), description="x")
    audit_event(actor=admin_user, action="setting_changed", entity=("homecure.systemsettings", "2"), description="y")

    response = admin_client.get(reverse("admin:homecure_adminlog_changelist"), {"action": "booking_assigned"})

    assert [entry.action for entry in response.context["cl"].result_list] == ["booking_assigned"]
    assert "Booking assigned" in response.content.decode()


def test_history_declines_and_missed_visits_are_named_by_reference_and_person(technician, service, area):
    booking = BookingFactory(reference="HC-NAMED01", technician=technician, service=service, service_area=area)
    change = BookingStatusHistoryFactory(
        booking=booking, from_status=BookingStatus.PENDING, to_status=BookingStatus.CONFIRMED
    )

    assert str(change) == "HC-NAMED01: Pending to Confirmed"
    assert (
        str(BookingDeclineFactory(booking=booking, technician=technician))
        == "HC-NAMED01 declined by Nadia Nurse (Nurse)"
    )
    assert str(MissedVisitFactory(booking=booking, technician=technician)) == "HC-NAMED01 missed by Nadia Nurse (Nurse)"


def test_view_on_site_only_where_the_administrator_can_see_the_page(admin_client, admin_user, patient, service, area):
    booking = BookingFactory(user=patient, service=service, service_area=area)

    booking_page = admin_client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    user_page = admin_client.get(reverse("admin:accounts_user_change", args=[patient.pk])).content.decode()
    service_page = admin_client.get(reverse("admin:bookings_service_change", args=[service.pk])).content.decode()

    assert "View on site" not in booking_page
    assert "View on site" not in user_page
    assert "View on site" in service_page
    assert admin_client.get(service.get_absolute_url()).status_code == 200


def test_back_office_pages_have_a_favicon(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
