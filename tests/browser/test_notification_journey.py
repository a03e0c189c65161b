"""A patient books, the technician accepts, and the patient follows the notification to the QR code.

Playwright drives the system Chromium against the live server, by labels and button texts. Each
step leaves a screenshot in test-artifacts/screenshots/.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from bookings import services
from bookings.models import Booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def notifications_link(page):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Notifications"))


def test_patient_follows_the_confirmation_from_the_badge_to_the_qr_code(
    page, live_server, screenshot, failed_responses, patient, technician, service, area
):
    day = timezone.localdate() + timedelta(days=3)
    log_in(page, live_server, patient)
    expect(notifications_link(page)).to_have_text("Notifications")

    page.goto(live_server.url + service.get_absolute_url())
    page.get_by_role("link", name="Book this service").click()
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_role("button", name="Show free times").click()
    # The form opens on the first day with free times, and the date's change fetches the times
    # too: wait for the button's answer, whose heading takes the focus, before choosing a time.
    expect(page.get_by_role("heading", name=re.compile(f"^Free times.*{day.day} {day:%B %Y}"))).to_be_focused()
    times = page.get_by_role("group", name=re.compile(f"^Free times.*{day.day} {day:%B %Y}"))
    times.get_by_text(re.compile(r"^\d\d:\d\d$")).first.click()
    page.get_by_role("button", name="Review booking").click()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("Your visit is booked.")).to_be_visible()
    expect(notifications_link(page)).to_have_text(re.compile(r"Notifications\s*1 unread"))
    screenshot("booked-badge-1")

    notifications_link(page).click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    page.get_by_role("button", name="We received your booking request").click()
    expect(page.get_by_role("img", name=re.compile("Check-in QR code"))).to_have_count(0)
    expect(notifications_link(page)).to_have_text("Notifications")

    booking = Booking.objects.get(user=patient)
    services.booking_accept(booking=booking, actor=technician.user)
    page.reload()
    expect(notifications_link(page)).to_have_text(re.compile(r"Notifications\s*1 unread"))
    screenshot("accepted-badge-1")

    notifications_link(page).click()
    confirmation = page.get_by_role("button", name="Your visit is confirmed")
    expect(confirmation).to_be_visible()
    expect(page.get_by_text("Nadia Nurse will visit you on")).to_be_visible()
    screenshot("inbox")
    confirmation.click()

    expect(page).to_have_url(live_server.url + booking.get_absolute_url())
    qr_image = page.get_by_role("img", name=re.compile("Check-in QR code"))
    expect(qr_image).to_be_visible()
    # The image is fetched after the page: once the page has loaded, it has too.
    page.wait_for_load_state("load")
    assert qr_image.evaluate("image => image.complete && image.naturalWidth > 0")
    expect(notifications_link(page)).to_have_text("Notifications")
    screenshot("booking-with-qr")

    assert sorted(message.subject for message in mail.outbox if message.to == [patient.email]) == [
        "We received your booking request",
        "Your visit is confirmed",
    ]

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("notifications:list"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("phone-inbox")
    page.get_by_role("link", name="E-mail settings").click()
    expect(page.get_by_label("Visit reminders")).to_be_checked()
    screenshot("phone-email-settings")

    assert failed_responses == []
