"""The office runs the day from the day board: an administrator opens tomorrow's board, reads it
(also as a table), opens a visit from the time line with the keyboard and hands it to another nurse
through the assign form, and comes back to the board with the visit on the new nurse's row.

Driven by labels, link and button texts, as the administrator would; each step leaves a screenshot
in test-artifacts/screenshots/.
"""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import BookingStatus
from bookings.tests.factories import BookingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_reassigns_a_visit_from_the_day_board(
    page,
    live_server,
    screenshot,
    assert_accessible,
    failed_responses,
    admin_user,
    log_in_with_code,
    patient,
    other_patient,
    technician,
    other_technician,
    service,
    area,
):
    page.set_viewport_size({"width": 1280, "height": 800})
    day = timezone.localdate() + timedelta(days=1)
    zone = timezone.get_current_timezone()
    visit = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=datetime.combine(day, time(10), tzinfo=zone),
        confirmed=True,
    )
    BookingFactory(
        user=other_patient,
        technician=technician,
        service=service,
        service_area=area,
        start=datetime.combine(day, time(14), tzinfo=zone),
        confirmed=True,
    )
    waiting = BookingFactory(
        user=other_patient, service=service, service_area=area, start=datetime.combine(day, time(16), tzinfo=zone)
    )
    log_in_with_code(admin_user)

    page.goto(live_server.url + reverse("admin:index"))
    page.get_by_role("link", name="Day board: today's technicians and visits").click()
    page.get_by_label("Day", exact=True).fill(day.isoformat())
    page.get_by_label("Area").select_option(label="Camden")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Day board")
    expect(page.get_by_role("group", name="Nadia Nurse, working 08:00-18:00")).to_be_visible()
    expect(page.get_by_role("group", name="Otto Nurse, working 08:00-18:00")).to_be_visible()
    # The waiting lane and the table view say the same as the time line.
    expect(page.get_by_role("group", name="Waiting for the office").get_by_role("link")).to_have_count(1)
    table = page.get_by_role("table", name=f"Visits of {day:%A} {day.day} {day:%B %Y}, by technician")
    expect(table.get_by_role("row").filter(has_text=waiting.reference)).to_contain_text("needs a technician")
    expect(table.get_by_role("row").filter(has_text=visit.reference)).to_contain_text("Nadia Nurse")
    assert_accessible("day board")
    screenshot("board")

    # From the time line, with the keyboard: the visit's block is a link that says what it is.
    block = page.get_by_role("link", name="10:00 P.P. Nurse home visit, until 11:00, Confirmed")
    block.focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("region", name=f"{visit.reference} · Nurse home visit")
    expect(panel).to_contain_text("Paula Patient")
    assert_accessible("day board, visit chosen")
    screenshot("visit-chosen")

    panel.get_by_role("link", name="Reassign technician").click()
    page.get_by_label("Otto Nurse (Nurse): eligible and free").check()
    page.get_by_role("button", name="Assign technician").click()
    expect(page.get_by_text("Technician assigned; the booking waits for their answer.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Day board")
    otto = page.get_by_role("group", name="Otto Nurse, working 08:00-18:00")
    expect(otto.get_by_role("link", name="10:00 P.P. Nurse home visit, until 11:00, Pending")).to_be_visible()
    screenshot("reassigned")

    visit.refresh_from_db()
    assert (visit.technician, visit.status) == (other_technician, BookingStatus.PENDING)
    assert failed_responses == []
