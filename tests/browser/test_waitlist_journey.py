"""A patient finds no free time, joins the waitlist, and books the freed time from the e-mail's link.

The area's only nurse works 10:00-11:00, and another patient holds that hour on the chosen day.
When that visit is cancelled the patient is e-mailed a link; its page has one "Book this time"
button. Each step leaves a screenshot in test-artifacts/screenshots/ and is checked with axe.
"""

import re
from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PatientFactory
from bookings import services
from bookings.models import Booking, BookingStatus, WaitlistEntry, WaitlistStatus
from bookings.tests.factories import BookingFactory
from technicians.tests.factories import give_weekly_schedule
from tests.browser.test_booking_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_patient_joins_the_waitlist_and_books_the_freed_time_from_the_link(
    page, live_server, screenshot, failed_responses, assert_accessible, patient, technician, service, area, admin_user
):
    day = timezone.localdate() + timedelta(days=3)
    ten = datetime.combine(day, time(10, 0), tzinfo=timezone.get_current_timezone())
    technician.availability_schedule.all().delete()
    give_weekly_schedule(technician, start=time(10, 0), end=time(11, 0))
    taken = BookingFactory(
        user=PatientFactory(area=area), technician=technician, service=service, service_area=area, start=ten,
        confirmed=True,
    )  # fmt: skip
    log_in(page, live_server, patient)

    page.goto(live_server.url + service.get_absolute_url())
    page.get_by_role("link", name="Book this service").click()
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_role("button", name="Show free times").click()
    expect(page.get_by_text("There are no free times on this day in this area.")).to_be_visible()
    page.get_by_role("link", name="Tell me when a time opens").click()

    expect(page.get_by_role("heading", name="Tell me when a time opens")).to_be_visible()
    expect(page.get_by_label("Service")).to_have_value(str(service.pk))
    expect(page.get_by_label("From")).to_have_value(day.isoformat())
    page.get_by_label("Part of the day").select_option(label="Morning (before 12:00)")
    assert_accessible("waitlist join")
    screenshot("join")
    page.get_by_role("button", name="Join the waitlist").click()

    expect(page.get_by_role("heading", name="My waitlist")).to_be_visible()
    expect(page.get_by_text("You are on the waitlist.")).to_be_visible()
    expect(page.get_by_text("Nurse home visit · Camden")).to_be_visible()
    assert_accessible("my waitlist")
    screenshot("my-waitlist")

    mail.outbox.clear()
    services.booking_cancel(booking=taken, actor=admin_user, reason="Patient moved away")
    (email,) = [message for message in mail.outbox if message.to == [patient.email]]
    link = re.search(re.escape(settings.SITE_URL) + r"(/bookings/waitlist/offers/\d+/)", email.body).group(1)

    page.goto(live_server.url + link)
    expect(page.get_by_role("heading", name="Nurse home visit")).to_be_visible()
    expect(page.get_by_text(f"{day:%A} {day.day} {day:%B %Y}, 10:00")).to_be_visible()
    assert_accessible("waitlist offer")
    screenshot("offer")
    page.get_by_role("button", name="Book this time").click()

    expect(page.get_by_text("Your visit is booked.")).to_be_visible()
    screenshot("booked")
    booking = Booking.objects.get(user=patient)
    assert (booking.scheduled_start, booking.status) == (ten, BookingStatus.PENDING)
    assert WaitlistEntry.objects.get(patient=patient).status == WaitlistStatus.BOOKED
    assert failed_responses == []
