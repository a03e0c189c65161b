"""The office can always act: an administrator opens a booking nobody can take, assigns a nurse from
another area with an override and a reason, and reads the reason in the audit log.

Driven by labels, link and button texts, as the administrator would; each step leaves a screenshot
in test-artifacts/screenshots/.
"""

import re
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import ServiceAreaFactory
from bookings.models import Booking, BookingStatus
from bookings.tests.factories import BookingFactory
from homecure.models import AdminLog
from technicians.models import Specialization
from technicians.tests.factories import TechnicianFactory, give_weekly_schedule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Patient asked for Olive by name"


@pytest.fixture
def nobody_can_take(patient, service, area, other_technician):
    """A nursing visit in Camden in four days at 10:00: the only Camden nurse is busy then, and the
    other nurse serves Hackney only."""
    start = datetime.combine(timezone.localdate() + timedelta(days=4), time(10), tzinfo=timezone.get_current_timezone())
    BookingFactory(
        reference="HC-BUSY0001",
        technician=other_technician,
        service=service,
        service_area=area,
        start=start,
        confirmed=True,
    )
    outsider = TechnicianFactory(
        specialization=Specialization.NURSE,
        areas=[ServiceAreaFactory(name="Hackney", slug="hackney")],
        user__first_name="Olive",
        user__last_name="Outsider",
    )
    give_weekly_schedule(outsider)
    return BookingFactory(user=patient, technician=None, service=service, service_area=area, start=start)


def test_admin_assigns_a_nurse_from_another_area_with_a_reason_and_reads_it_in_the_audit_log(
    page, live_server, screenshot, assert_accessible, failed_responses, admin_user, nobody_can_take, log_in_with_code
):
    booking = nobody_can_take
    log_in_with_code(admin_user)

    page.goto(live_server.url + reverse("admin:bookings_booking_changelist") + "?technician__isnull=True")
    page.get_by_role("link", name=booking.reference).click()
    page.get_by_role("link", name="Assign or reassign technician").click()
    expect(page.get_by_text("No eligible technician is free at this time.")).to_be_visible()
    expect(page.get_by_label("Otto Nurse (Nurse): not eligible (busy with HC-BUSY0001)")).to_be_visible()
    outsider = page.get_by_label("Olive Outsider (Nurse): not eligible (not in the area)")
    expect(outsider).to_be_visible()
    assert_accessible("assign a technician, nobody eligible")
    screenshot("nobody-eligible")

    # Without a reason the override is refused, next to the reason's field.
    outsider.check()
    page.get_by_role("button", name="Assign technician").click()
    expect(page.get_by_text("Give a reason to assign them anyway.")).to_be_visible()
    booking.refresh_from_db()
    assert booking.technician is None
    assert_accessible("assign a technician, reason missing")
    screenshot("reason-missing")

    page.get_by_label("Olive Outsider (Nurse): not eligible (not in the area)").check()
    page.get_by_label("Reason for the override").fill(REASON)
    page.get_by_role("button", name="Assign technician").click()
    expect(page.get_by_text("Technician assigned; the booking waits for their answer.")).to_be_visible()
    screenshot("assigned")
    booking.refresh_from_db()
    assert (booking.technician.user.first_name, booking.status) == ("Olive", BookingStatus.PENDING)

    page.goto(live_server.url + reverse("admin:index"))
    page.get_by_role("link", name="Audit log", exact=True).click()
    page.get_by_role("link", name="Booking assigned").click()
    row = page.get_by_role("row").filter(has_text="Booking assigned")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"Override: {REASON}.")
    screenshot("audit-log")
    row.get_by_role("link").first.click()
    expect(page.get_by_text(re.compile(f"Override: {REASON}. Assigned booking {booking.reference}"))).to_be_visible()
    expect(page.get_by_text("Overridden: not in the area.", exact=False)).to_be_visible()
    screenshot("audit-entry")

    assert AdminLog.objects.get(action="booking_assigned").new_values["override_reason"] == REASON
    assert Booking.objects.filter(technician=None).count() == 0
    assert failed_responses == []
