"""A patient books a visit in the browser, sees it confirmed with its QR code, and cancels (or cannot).

Playwright drives the system Chromium against the live server, finding things by their labels and
button texts as a person would. Each step leaves a screenshot in test-artifacts/screenshots/.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from bookings import services
from bookings.models import Booking, BookingStatus
from bookings.tests.factories import BookingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_patient_books_a_visit_sees_its_qr_code_and_cancels_another(
    page, live_server, screenshot, failed_responses, patient, technician, service, area
):
    day = timezone.localdate() + timedelta(days=3)
    log_in(page, live_server, patient)

    page.goto(live_server.url + service.get_absolute_url())
    page.get_by_role("link", name="Book this service").click()
    expect(page.get_by_role("heading", name="Book: Nurse home visit")).to_be_visible()
    expect(page.get_by_label("Area")).to_have_value(str(area.pk))
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_role("button", name="Show free times").click()
    # The form opens on the first day with free times, and the date's change fetches the times
    # too: wait for the button's answer, whose heading takes the focus, before choosing a time.
    expect(page.get_by_role("heading", name=re.compile(f"^Free times.*{day.day} {day:%B %Y}"))).to_be_focused()
    times = page.get_by_role("group", name=re.compile(f"^Free times.*{day.day} {day:%B %Y}"))
    expect(times).to_be_visible()
    screenshot("free-times")

    first_time = times.get_by_text(re.compile(r"^\d\d:\d\d$")).first
    chosen = first_time.inner_text()
    assert chosen == "08:00"
    first_time.click()
    page.get_by_role("button", name="Review booking").click()
    expect(page.get_by_role("heading", name="Review your booking")).to_be_visible()
    expect(page.get_by_text(f"{day:%A} {day.day} {day:%B %Y}, 08:00")).to_be_visible()
    expect(page.get_by_text("You can cancel free of charge until")).to_be_visible()
    screenshot("review")

    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("Your visit is booked.")).to_be_visible()
    expect(page.get_by_text("Pending", exact=True).first).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Check-in QR code"))).to_have_count(0)
    screenshot("booked-pending")

    booking = Booking.objects.get(user=patient)
    assert booking.status == BookingStatus.PENDING
    services.booking_accept(booking=booking, actor=technician.user)
    page.reload()
    qr_image = page.get_by_role("img", name=re.compile("Check-in QR code"))
    expect(qr_image).to_be_visible()
    assert qr_image.evaluate("image => image.complete && image.naturalWidth > 0")
    expect(page.get_by_text("Confirmed", exact=True).first).to_be_visible()
    screenshot("confirmed-with-qr")

    later = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() + timedelta(days=6),
        confirmed=True,
    )
    page.goto(live_server.url + later.get_absolute_url())
    expect(page.get_by_text("You can cancel free of charge until")).to_be_visible()
    page.get_by_label("Why are you cancelling?").fill("I am feeling better")
    screenshot("before-cancelling")
    page.get_by_role("button", name="Cancel booking").click()
    expect(page.get_by_text("Your booking is cancelled.")).to_be_visible()
    expect(page.get_by_text("I am feeling better")).to_be_visible()
    screenshot("cancelled")
    later.refresh_from_db()
    assert later.status == BookingStatus.CANCELLED

    soon = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() + timedelta(hours=3),
        confirmed=True,
    )
    # Booked yesterday: the grace after booking is long over.
    Booking.objects.filter(pk=soon.pk).update(created_at=timezone.now() - timedelta(days=1))
    page.goto(live_server.url + soon.get_absolute_url())
    expect(page.get_by_text("Online cancellation closed at")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel booking")).to_have_count(0)
    expect(page.get_by_role("link", name="Contact us").first).to_be_visible()
    screenshot("after-the-deadline")

    page.goto(live_server.url + reverse("bookings:list"))
    expect(page.get_by_role("heading", name="My bookings")).to_be_visible()
    screenshot("my-bookings")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + booking.get_absolute_url())
    expect(page.get_by_role("img", name=re.compile("Check-in QR code"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("phone-confirmed-with-qr")

    assert failed_responses == []
