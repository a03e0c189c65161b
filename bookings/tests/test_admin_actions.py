"""Back-office assignment, confirmation and cancellation go through the booking services."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import BookingStatus
from bookings.tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


def _start(days=5, hour=10):
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def booking(patient, technician, service, area):
    return BookingFactory(user=patient, technician=technician, service=service, service_area=area, start=_start())


def test_assign_page_offers_free_eligible_technicians_first_and_never_an_unverified_one(
    admin_client, booking, other_technician, unverified_technician, service, area
):
    busy = BookingFactory(technician=other_technician, service=service, service_area=area, start=_start())
    assert busy.technician == other_technician
    response = admin_client.get(reverse("admin:bookings_booking_assign", args=[booking.pk]))
    assert response.status_code == 200
    choices = [label for _pk, label in response.context["form"].fields["technician"].choices]
    assert choices == [
        f"{booking.technician}: eligible and free",
        f"{other_technician}: not eligible (busy with {busy.reference})",
    ]


def test_admin_reassigns_through_the_service(admin_client, admin_user, booking, other_technician):
    response = admin_client.post(
        reverse("admin:bookings_booking_assign", args=[booking.pk]), {"technician": other_technician.pk}
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.technician == other_technician
    assert booking.status == BookingStatus.PENDING
    last = booking.history.last()
    assert last.changed_by == admin_user
    assert "Assigned" in last.note


def test_assigning_a_busy_technician_is_refused(admin_client, booking, other_technician, service, area):
    BookingFactory(
        technician=other_technician, service=service, service_area=area, start=_start() + timedelta(minutes=30)
    )
    response = admin_client.post(
        reverse("admin:bookings_booking_assign", args=[booking.pk]), {"technician": other_technician.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["technician"]
    booking.refresh_from_db()
    assert booking.technician != other_technician


def test_admin_cancels_with_a_reason(admin_client, booking):
    url = reverse("admin:bookings_booking_cancel", args=[booking.pk])
    response = admin_client.post(url, {"reason": ""})
    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING
    admin_client.post(url, {"reason": "Patient called: in hospital"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancellation_reason == "Patient called: in hospital"


def test_confirm_action_confirms_pending_bookings_with_a_qr_code(admin_client, booking):
    admin_client.post(
        reverse("admin:bookings_booking_changelist"), {"action": "confirm_selected", "_selected_action": [booking.pk]}
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.qr_code_data


def test_patients_cannot_reach_the_back_office_actions(patient_client, booking):
    response = patient_client.post(
        reverse("admin:bookings_booking_cancel", args=[booking.pk]), {"reason": "Not my booking"}
    )
    booking.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:after-login")
    assert booking.status == BookingStatus.PENDING
