"""Every page a person reaches, checked with axe-core (WCAG 2.2 A and AA): no serious or critical
violation anywhere. Patient and portal pages are opened on a 390x844 phone screen as well, where
nothing may scroll sideways and every tap target is at least 24x24 CSS pixels.

The pages are listed below by role so that a new page is added here on purpose. The data is the
demo platform (`seed_demo`): bookings in every status, records, earnings and notifications.
"""

import re
from io import StringIO

import pytest
from a11y import sideways_overflow, small_tap_targets
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus
from homecure.management.commands.seed_demo import DEMO_PASSWORD
from records.models import HealthRecord
from technicians.models import Technician

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

EMMA = "emma.clarke@homecure.example"  # patient: completed visits with records, a confirmed one ahead
JAMES = "james.wilson@homecure.example"  # patient: a visit under way, a pending one, a cancelled one
SARAH = "sarah.bennett@homecure.example"  # nurse: a completed visit with its record, a confirmed one ahead
DAVID = "david.okoye@homecure.example"  # nurse: a visit under way today, for which he writes the record
ADMIN = "admin@homecure.example"


@pytest.fixture
def demo(db):
    call_command("seed_demo", allow_without_debug=True, stdout=StringIO())


def log_in(page, live_server, email):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(reverse("accounts:login")))


def record_of(reference):
    return HealthRecord.objects.get(booking__reference=reference)


def public_pages():
    return {
        "home": reverse("home"),
        "services": reverse("catalog:list"),
        "service": reverse("catalog:service", args=["wound-dressing"]),
        "contact": reverse("contact"),
        "log in": reverse("accounts:login"),
        "sign up": reverse("accounts:signup"),
        "forgotten password": reverse("accounts:password_reset"),
        "password reset sent": reverse("accounts:password_reset_done"),
        "work with us": reverse("portal:join"),
        "page not found": "/no-such-page/",
    }


def patient_pages():
    """Emma's pages; James's bookings show the statuses Emma has none of."""
    return {
        "catalog": reverse("catalog:list"),
        "book a service": reverse("bookings:new", args=["wound-dressing"]),
        "my bookings": reverse("bookings:list"),
        "booking completed and reviewed": reverse("bookings:detail", args=["HC-DEMO0001"]),
        "booking confirmed with QR code": reverse("bookings:detail", args=["HC-DEMO0005"]),
        "my health records": reverse("records:list"),
        "health record": reverse("records:detail", args=[record_of("HC-DEMO0001").pk]),
        "printable health record": reverse("records:print", args=[record_of("HC-DEMO0001").pk]),
        "who viewed my records": reverse("records:who-viewed"),
        "notifications": reverse("notifications:list"),
        "e-mail preferences": reverse("notifications:preferences"),
        "profile": reverse("accounts:profile"),
        "change password": reverse("accounts:password_change"),
    }


def other_patient_pages():
    return {
        "booking under way": reverse("bookings:detail", args=["HC-DEMO0004"]),
        "booking pending, can cancel": reverse("bookings:detail", args=["HC-DEMO0006"]),
        "booking cancelled": reverse("bookings:detail", args=["HC-DEMO0008"]),
    }


def technician_pages():
    """Sarah's portal; David writes the record of the visit he has under way."""
    ahead = Booking.objects.get(reference="HC-DEMO0009")
    return {
        "portal dashboard": reverse("portal:dashboard"),
        "jobs": reverse("portal:jobs"),
        "job confirmed": reverse("portal:job", args=[ahead.reference]),
        "job completed with record": reverse("portal:job", args=["HC-DEMO0001"]),
        "health record written": reverse("records:detail", args=[record_of("HC-DEMO0001").pk]),
        "correct a health record": reverse("records:amend", args=[record_of("HC-DEMO0001").pk]),
        "check-in too early": reverse("portal:check-in", args=[ahead.qr_code_data]),
        "check-in by code": reverse("portal:check-in-code"),
        "schedule": reverse("portal:schedule"),
        "profile": reverse("portal:profile"),
        "earnings": reverse("earnings:list"),
        "notifications": reverse("notifications:list"),
        "account": reverse("accounts:profile"),
    }


def record_writer_pages():
    under_way = Booking.objects.get(reference="HC-DEMO0004")
    assert under_way.status == BookingStatus.IN_PROGRESS
    return {
        "job under way": reverse("portal:job", args=[under_way.reference]),
        "write a health record": reverse("records:new", args=[under_way.reference]),
    }


def admin_pages():
    booking = Booking.objects.get(reference="HC-DEMO0007")
    technician = Technician.objects.get(user__email=SARAH)
    return {
        "back office dashboard": reverse("admin:index"),
        "bookings": reverse("admin:bookings_booking_changelist"),
        "bookings waiting for a technician": reverse("admin:bookings_booking_changelist") + "?status__exact=pending",
        "booking": reverse("admin:bookings_booking_change", args=[booking.pk]),
        "technicians": reverse("admin:technicians_technician_changelist"),
        "technician": reverse("admin:technicians_technician_change", args=[technician.pk]),
        "earnings": reverse("admin:earnings_technicianearnings_changelist"),
        "audit log": reverse("admin:homecure_adminlog_changelist"),
        "contact messages": reverse("admin:homecure_contact_changelist"),
    }


def check_pages(page, live_server, axe_problems, pages, *, phone):
    """Every problem of every page, so that one run lists them all."""
    problems = []
    for name, url in pages.items():
        page.goto(live_server.url + url)
        problems.extend(axe_problems(f"{name} ({'phone' if phone else 'desktop'})"))
        if phone:
            overflow = sideways_overflow(page)
            if overflow > 0:
                problems.append(f"{name} ({url}) scrolls sideways by {overflow}px")
            problems.extend(f"{name} ({url}): small tap target {target}" for target in small_tap_targets(page))
    return problems


def test_every_page_passes_axe_on_desktop_and_patient_and_portal_pages_fit_a_phone(
    page, live_server, axe_problems, demo
):
    problems = []

    def check(pages, *, phone):
        page.set_viewport_size(PHONE if phone else DESKTOP)
        problems.extend(check_pages(page, live_server, axe_problems, pages, phone=phone))

    check(public_pages(), phone=False)
    check(public_pages(), phone=True)

    log_in(page, live_server, EMMA)
    check(patient_pages(), phone=False)
    check(patient_pages(), phone=True)
    log_in(page, live_server, JAMES)
    check(other_patient_pages(), phone=True)

    log_in(page, live_server, SARAH)
    check(technician_pages(), phone=True)
    log_in(page, live_server, DAVID)
    check(record_writer_pages(), phone=True)

    log_in(page, live_server, ADMIN)
    check(admin_pages(), phone=False)

    assert problems == [], "\n".join(problems)
