"""A patient books a six-visit physiotherapy care plan, sees one technician on all six, and cancels the
last two; the technician accepts the rest from the portal with one button."""

import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from bookings.models import BookingStatus, ServiceCategory, VisitSeries
from bookings.tests.factories import ServiceFactory
from technicians.models import Specialization, Weekday
from technicians.tests.factories import TechnicianFactory, give_weekly_schedule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, email):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def physiotherapist(area, first_name, rating):
    technician = TechnicianFactory(
        specialization=Specialization.PHYSIOTHERAPIST,
        areas=[area],
        rating=Decimal(rating),
        user__first_name=first_name,
        user__last_name="Physio",
    )
    give_weekly_schedule(technician, start=time(8), end=time(18))
    return technician


def test_patient_books_a_six_visit_series_with_one_technician_and_cancels_the_last_two(
    page, live_server, screenshot, failed_responses, assert_accessible, patient, area
):
    physio = ServiceFactory(
        name="Physiotherapy session",
        slug="physiotherapy",
        category=ServiceCategory.PHYSIOTHERAPY,
        price=Decimal("65.00"),
    )
    anna = physiotherapist(area, "Anna", "4.90")
    physiotherapist(area, "Ben", "4.20")
    first = timezone.localdate() + timedelta(days=3)
    second_weekday = (first.weekday() + 3) % 7
    log_in(page, live_server, patient.email)

    page.goto(live_server.url + reverse("bookings:new", args=[physio.slug]))
    page.get_by_role("link", name="Book a series (care plan)").click()
    expect(page.get_by_role("heading", name="Book a series: Physiotherapy session")).to_be_visible()
    page.get_by_label("First visit").fill(first.isoformat())
    page.get_by_label("Time of every visit").fill("10:00")
    page.get_by_label("On chosen weekdays each week").check()
    page.get_by_label(str(Weekday(first.weekday()).label), exact=True).check()
    page.get_by_label(str(Weekday(second_weekday).label), exact=True).check()
    page.get_by_label("Number of visits").fill("6")
    assert_accessible("series form")
    screenshot("series-form")

    page.get_by_role("button", name="Show the proposed dates").click()
    expect(page.get_by_role("heading", name="Your proposed care plan")).to_be_visible()
    expect(page.get_by_text("Anna Physio is free for all 6 visits.")).to_be_visible()
    rows = page.get_by_role("row").filter(has_text="10:00")
    expect(rows).to_have_count(6)
    for row in rows.all():
        expect(row.get_by_role("cell").nth(2)).to_have_text("Anna Physio")
    assert_accessible("series proposal")
    screenshot("series-proposal")

    page.get_by_role("button", name="Confirm 6 visits").click()
    expect(page.get_by_text("Your care plan is booked.")).to_be_visible()
    expect(page.get_by_role("heading", name="Care plan: Physiotherapy session")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Anna Physio")).to_have_count(6)
    assert_accessible("series page")
    screenshot("series-page")

    plan = VisitSeries.objects.get(user=patient)
    visits = list(plan.visits.order_by("scheduled_start"))
    fifth = timezone.localtime(visits[4].scheduled_start)
    page.get_by_role("combobox", name=re.compile("^Visit")).select_option(label=date_format(fifth, "D j M Y, H:i"))
    page.get_by_label("This visit and all later ones").check()
    page.get_by_label("Why are you cancelling?").fill("The course ends early")
    page.get_by_role("button", name="Cancel visits").click()
    expect(page.get_by_text("2 visits are cancelled.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Cancelled")).to_have_count(2)
    expect(page.get_by_role("row").filter(has_text="Pending")).to_have_count(4)
    screenshot("series-two-cancelled")
    assert [v.status for v in plan.visits.order_by("scheduled_start")] == [BookingStatus.PENDING] * 4 + [
        BookingStatus.CANCELLED
    ] * 2

    log_in(page, live_server, anna.user.email)
    page.goto(live_server.url + reverse("portal:series", args=[plan.reference]))
    expect(page.get_by_role("heading", name="Care plan: Physiotherapy session")).to_be_visible()
    assert_accessible("portal series page")
    page.get_by_role("button", name="Accept all 4 visits").click()
    expect(page.get_by_text("4 visits accepted.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Confirmed")).to_have_count(4)
    screenshot("portal-series-accepted")
    assert failed_responses == []
