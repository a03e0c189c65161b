"""A patient sees who is coming (photo and biography), opens the record of a finished visit from its
booking page, finds a high-priority alert at the top of the inbox, and the navigation says where they are."""

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from bookings.tests.factories import BookingFactory
from notifications.models import Priority
from notifications.tests.factories import NotificationFactory
from records import vitals
from records.tests.factories import HealthRecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def portrait() -> bytes:
    image = Image.new("RGB", (240, 240), (11, 110, 121))
    image.paste((240, 200, 170), (70, 50, 170, 170))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def log_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_patient_sees_the_technician_the_record_and_urgent_alerts(
    page, live_server, screenshot, failed_responses, assert_accessible, patient, technician, service, area
):
    technician.bio = "Registered nurse for twelve years, eight of them in community care. I speak English and Polish."
    technician.profile_picture.save("nadia.png", ContentFile(portrait()))
    technician.save()
    visit = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() - timedelta(days=3),
        completed=True,
    )
    stored = {"blood_pressure_systolic": 84, "blood_pressure_diastolic": 52}
    HealthRecordFactory(booking=visit, vitals=stored, vital_flags=vitals.flags_for(stored))
    NotificationFactory(user=patient, title="Your visit is confirmed")
    NotificationFactory(user=patient, title="Your record has a flagged vital sign", priority=Priority.HIGH)
    NotificationFactory(user=patient, title="Welcome to HomeCure")

    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server, patient)
    page.goto(live_server.url + visit.get_absolute_url())
    photo = page.get_by_role("img", name="Photo of Nadia Nurse")
    expect(photo).to_be_visible()
    assert photo.evaluate("image => image.naturalWidth") == 240
    expect(page.get_by_text("Registered nurse for twelve years")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My bookings")).to_have_attribute("aria-current", "page")
    screenshot("booking-with-technician-and-record")
    assert_accessible("booking page with the technician and the record")

    page.get_by_role("link", name="Check-up").click()
    expect(page.get_by_text("Hypotension", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="My health records")).to_have_attribute("aria-current", "page")
    screenshot("record-with-hypotension")

    nav.get_by_role("link", name="Notifications").click()
    first = page.locator(".notification-list > li").first
    expect(first).to_contain_text("High priority")
    expect(first.get_by_role("button")).to_have_accessible_name("High priority: Your record has a flagged vital sign")
    screenshot("inbox-high-priority-first")
    assert_accessible("inbox with a high-priority alert")

    page.goto(live_server.url + reverse("bookings:new", args=[service.slug]))
    expect(nav.get_by_role("link", name="Book a visit")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="My bookings")).not_to_have_attribute("aria-current", "page")
    screenshot("booking-form-nav")
    assert failed_responses == []
