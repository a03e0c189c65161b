"""A patient moves a confirmed visit to another time in the browser and sees the new time on the booking.

Playwright drives the system Chromium against the live server, by labels and button texts. Each step
leaves a screenshot in test-artifacts/screenshots/.
"""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings import services
from bookings.models import Booking, BookingStatus
from bookings.tests.factories import BookingFactory
from tests.browser.test_booking_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_patient_moves_a_visit_to_another_time_and_sees_it(
    page, live_server, screenshot, failed_responses, patient, technician, service, area
):
    day = timezone.localdate() + timedelta(days=3)
    new_day = day + timedelta(days=1)
    booking = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=datetime.combine(day, time(10, 0), tzinfo=timezone.get_current_timezone()),
    )
    booking = services.booking_accept(booking=booking, actor=technician.user)
    old_code = booking.checkin_code
    log_in(page, live_server, patient)

    page.goto(live_server.url + booking.get_absolute_url())
    expect(page.get_by_text(f"{day:%A} {day.day} {day:%B %Y}, 10:00")).to_be_visible()
    screenshot("booking-confirmed")
    page.get_by_role("link", name="Change the time").click()

    expect(page.get_by_role("heading", name="Change the time")).to_be_visible()
    page.get_by_label("Date").fill(new_day.isoformat())
    page.get_by_role("button", name="Show free times").click()
    times = page.get_by_role("group", name=f"Free times ({new_day:%A} {new_day.day} {new_day:%B %Y})")
    expect(times).to_be_visible()
    times.get_by_text("14:00", exact=True).click()
    screenshot("new-time-chosen")
    page.get_by_role("button", name="Review the new time").click()

    expect(page.get_by_role("heading", name="Review the new time")).to_be_visible()
    expect(page.get_by_text(f"{new_day:%A} {new_day.day} {new_day:%B %Y}, 14:00")).to_be_visible()
    expect(page.get_by_text("Nadia Nurse is free then and keeps your visit.")).to_be_visible()
    screenshot("review-new-time")
    page.get_by_role("button", name="Confirm the new time").click()

    moved = f"{new_day:%A} {new_day.day} {new_day:%B %Y}, 14:00"
    expect(page.get_by_text(f"Your visit is moved to {moved}.")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text=f"{moved} (60 minutes)")).to_be_visible()
    expect(page.get_by_role("img", name="Check-in QR code for booking " + booking.reference)).to_be_visible()
    expect(page.get_by_text("Rescheduled from")).to_be_visible()
    screenshot("moved")

    booking.refresh_from_db()
    assert (booking.status, booking.technician) == (BookingStatus.CONFIRMED, technician)
    assert booking.checkin_code != old_code
    assert Booking.objects.filter(user=patient).count() == 1
    assert failed_responses == []
