"""A technician reads their ratings and reviews, then opens a record they wrote weeks ago from
"Records I wrote": the blood pressure is shown in its clinical category and the read is kept."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD, PatientFactory
from bookings.tests.factories import BookingFactory
from records import vitals
from records.models import AccessReason, RecordAccess
from records.tests.factories import HealthRecordFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_technician_reads_reviews_and_opens_a_record_they_wrote(
    page, live_server, screenshot, failed_responses, assert_accessible, patient, technician, service, area
):
    reviews = [
        (5, "Nadia was gentle and explained every step.", "Grace"),
        (4, "On time, friendly.", "Tom"),
        (2, "Rushed at the end.", "Ivan"),
    ]
    for days_ago, (rating, review, first_name) in enumerate(reviews, start=2):
        BookingFactory(
            user=PatientFactory(first_name=first_name, last_name="Longsurname"),
            technician=technician,
            service=service,
            service_area=area,
            start=timezone.now() - timedelta(days=days_ago),
            completed=True,
            user_rating=rating,
            user_review=review,
        )
    old_visit = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() - timedelta(days=45),
        completed=True,
    )
    stored = {"blood_pressure_systolic": 168, "blood_pressure_diastolic": 95, "heart_rate": 78}
    record = HealthRecordFactory(booking=old_visit, vitals=stored, vital_flags=vitals.flags_for(stored))

    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server, technician.user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()
    expect(page.get_by_role("heading", name="Ratings and reviews", level=1)).to_be_visible()
    expect(page.get_by_text("3.7 out of 5")).to_be_visible()
    expect(page.get_by_role("row", name="5 stars")).to_contain_text("1")
    expect(page.get_by_role("link", name="Reviews", exact=True)).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("Grace, visit of")).to_be_visible()
    expect(page.get_by_text("Longsurname")).to_have_count(0)
    screenshot("reviews")
    assert_accessible("portal reviews")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Records").click()
    expect(page.get_by_role("heading", name="Records I wrote")).to_be_visible()
    screenshot("records-i-wrote")
    assert_accessible("portal records I wrote")
    assert not RecordAccess.objects.exists()

    page.get_by_role("link", name="Check-up").click()
    expect(page.get_by_text("Grade 2 hypertension")).to_be_visible()
    expect(page.get_by_text("168/95 mmHg")).to_be_visible()
    screenshot("record-with-blood-pressure-category")
    assert_accessible("record page with a blood pressure category")
    read = RecordAccess.objects.get()
    assert (read.record_id, read.reason) == (record.pk, AccessReason.AUTHOR)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + reverse("portal:reviews"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("reviews-phone")
    assert failed_responses == []
