"""A technician makes their private calendar address in the portal, a calendar app fetches it, and
"Renew link" gives a new address while the old one stops answering."""

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from bookings import services
from bookings.models import CalendarFeed
from bookings.tests.factories import BookingFactory
from tests.browser.test_portal_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_technician_subscribes_to_their_calendar_and_renews_the_link(
    page, live_server, screenshot, failed_responses, assert_accessible, patient, technician, service, area
):
    visit = services.booking_accept(
        booking=BookingFactory(user=patient, technician=technician, service=service, service_area=area),
        actor=technician.user,
    )
    log_in(page, live_server, technician.user)

    page.get_by_role("link", name="Calendar feed").click()
    expect(page.get_by_role("heading", name="Calendar feed", level=1)).to_be_visible()
    assert_accessible("calendar feed, no link yet")
    page.get_by_role("button", name="Make my calendar link").click()
    address = page.get_by_label("Calendar address").input_value()
    assert_accessible("calendar feed, new link")
    screenshot("new-link")

    fetched = page.request.get(address)
    assert fetched.status == 200
    (event,) = Calendar.from_ical(fetched.body()).walk("VEVENT")
    assert event.decoded("DTSTART") == visit.scheduled_start

    page.reload()
    expect(page.get_by_label("Calendar address")).to_have_count(0)
    expect(page.get_by_text("1 time")).to_be_visible()
    page.get_by_role("button", name="Renew link").click()
    renewed = page.get_by_label("Calendar address").input_value()
    screenshot("renewed")

    assert renewed != address
    assert page.request.get(address).status == 404
    assert page.request.get(renewed).status == 200
    assert CalendarFeed.objects.get(technician=technician).fetch_count == 1
    assert failed_responses == []
