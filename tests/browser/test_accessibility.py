"""Every page a person reaches, checked with axe-core (WCAG 2.2 A and AA): no serious or critical
violation anywhere. Patient and portal pages are opened on a 390x844 phone screen as well, where
nothing may scroll sideways and every tap target is at least 24x24 CSS pixels. Site pages also need
a title of their own, a visible label on every field and words on every status badge.

The pages are listed below by role so that a new page is added here on purpose. The data is the
demo platform (`seed_demo`): bookings in every status, records, earnings and notifications.

Forms, after a failed submit, list every error at the top, announced and linked to its field.
"""

import re
from io import StringIO

import pytest
from a11y import sideways_overflow, small_tap_targets, unlabelled_fields, wordless_badges
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from bookings.models import Booking, BookingStatus
from homecure.management.commands.seed_demo import DEMO_PASSWORD
from records.models import HealthRecord
from technicians.models import Technician

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# The home page's title; any other page names itself before the site's name.
GENERIC_TITLE = "Healthcare at home · HomeCure"
# Pages that answer with a refusal on purpose; every other page must answer 200.
REFUSALS = {"page not found": 404, "check-in too early": 409}

EMMA = "emma.clarke@homecure.example"  # patient: completed visits with records, a confirmed one ahead
JAMES = "james.wilson@homecure.example"  # patient: a visit under way, a pending one, a cancelled one
GRACE = "grace.okafor@homecure.example"  # patient: lab results to read, a visit to review, one to pay online
SARAH = "sarah.bennett@homecure.example"  # nurse: a completed visit with its record, a confirmed one ahead
DAVID = "david.okoye@homecure.example"  # nurse: a visit under way today, for which he writes the record
NINA = "nina.kowalski@homecure.example"  # nurse the office has not verified yet
ADMIN = "admin@homecure.example"


@pytest.fixture
def demo(db):
    call_command("seed_demo", allow_without_debug=True, stdout=StringIO())


def log_in(page, live_server, email, password=DEMO_PASSWORD):
    """Log in as someone else: a demo account, or with `DEFAULT_PASSWORD` a person the factories made."""
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
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
        "sign-up link sent": reverse("accounts:signup-sent"),
        "sign-up link not valid": reverse("accounts:signup-confirm", args=["MQ", "no-such-token"]),
        "forgotten password": reverse("accounts:password_reset"),
        "password reset sent": reverse("accounts:password_reset_done"),
        "work with us": reverse("portal:join"),
        "page not found": "/no-such-page/",
    }


def patient_pages():
    """Emma's pages; James's and Grace's bookings show the states Emma has none of."""
    return {
        "catalog": reverse("catalog:list"),
        "book a service": reverse("bookings:new", args=["wound-dressing"]),
        "my bookings": reverse("bookings:list"),
        "booking completed and reviewed": reverse("bookings:detail", args=["HC-DEMO0001"]),
        "booking confirmed with QR code": reverse("bookings:detail", args=["HC-DEMO0005"]),
        "change the time of a booking": reverse("bookings:reschedule", args=["HC-DEMO0005"]),
        "my health records": reverse("records:list"),
        "health record": reverse("records:detail", args=[record_of("HC-DEMO0001").pk]),
        "printable health record": reverse("records:print", args=[record_of("HC-DEMO0001").pk]),
        "who viewed my records": reverse("records:who-viewed"),
        "notifications": reverse("notifications:list"),
        "e-mail preferences": reverse("notifications:preferences"),
        "profile": reverse("accounts:profile"),
        "change password": reverse("accounts:password_change"),
    }


def james_pages():
    """James's bookings, in the states Emma has none of."""
    return {
        "booking under way": reverse("bookings:detail", args=["HC-DEMO0004"]),
        "booking pending, can cancel": reverse("bookings:detail", args=["HC-DEMO0006"]),
        "booking cancelled": reverse("bookings:detail", args=["HC-DEMO0008"]),
    }


def grace_pages():
    """Grace's forms to review and to pay a visit, and her lab results."""
    return {
        "booking completed, to review": reverse("bookings:detail", args=["HC-DEMO0003"]),
        "booking confirmed, to pay online": reverse("bookings:detail", args=["HC-DEMO0010"]),
        "health record with lab results": reverse("records:detail", args=[record_of("HC-DEMO0003").pk]),
    }


def technician_pages():
    """Sarah's portal, her jobs and the record she wrote."""
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
        "ratings and reviews": reverse("portal:reviews"),
        "records I wrote": reverse("portal:records"),
        "profile": reverse("portal:profile"),
        "earnings": reverse("earnings:list"),
        "notifications": reverse("notifications:list"),
        "account": reverse("accounts:profile"),
        "set up two-factor log-in": reverse("accounts:two-factor"),
    }


def record_writer_pages():
    """David writes the record of the visit he has under way."""
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
        "assign a technician": reverse("admin:bookings_booking_assign", args=[booking.pk]),
        "technicians": reverse("admin:technicians_technician_changelist"),
        "technician": reverse("admin:technicians_technician_change", args=[technician.pk]),
        "earnings": reverse("admin:earnings_technicianearnings_changelist"),
        "audit log": reverse("admin:homecure_adminlog_changelist"),
        "contact messages": reverse("admin:homecure_contact_changelist"),
    }


def check_pages(page, live_server, axe_problems, pages, *, phone, site=True):
    """Every problem of every page, so that one run lists them all.

    Site pages (not the back office) must also have a title of their own ("My bookings · HomeCure"),
    a visible label on every field and words on every status badge.
    """
    problems = []
    for name, url in pages.items():
        response = page.goto(live_server.url + url)
        if response.status != REFUSALS.get(name, 200):
            problems.append(f"{name} ({url}) answered {response.status}")
        problems.extend(axe_problems(f"{name} ({'phone' if phone else 'desktop'})"))
        if site:
            title = page.title()
            if not title.endswith(" · HomeCure") or (title == GENERIC_TITLE and url != reverse("home")):
                problems.append(f"{name} ({url}) has the title {title!r}, which does not say where one is")
            problems.extend(f"{name} ({url}): no visible label for {field}" for field in unlabelled_fields(page))
            problems.extend(f"{name} ({url}): a badge shows only a colour ({badge})" for badge in wordless_badges(page))
        if phone:
            overflow = sideways_overflow(page)
            if overflow > 0:
                problems.append(f"{name} ({url}) scrolls sideways by {overflow}px")
            problems.extend(f"{name} ({url}): small tap target {target}" for target in small_tap_targets(page))
    return problems


def test_every_page_passes_axe_on_desktop_and_patient_and_portal_pages_fit_a_phone(
    page, live_server, axe_problems, demo, log_in_with_code
):
    problems = []

    def check(pages, *, phone, site=True):
        page.set_viewport_size(PHONE if phone else DESKTOP)
        problems.extend(check_pages(page, live_server, axe_problems, pages, phone=phone, site=site))

    check(public_pages(), phone=False)
    check(public_pages(), phone=True)

    log_in(page, live_server, EMMA)
    check(patient_pages(), phone=False)
    check(patient_pages(), phone=True)
    log_in(page, live_server, JAMES)
    check(james_pages(), phone=True)
    log_in(page, live_server, GRACE)
    check(grace_pages(), phone=True)

    log_in(page, live_server, SARAH)
    check(technician_pages(), phone=True)
    log_in(page, live_server, DAVID)
    check(record_writer_pages(), phone=True)
    log_in(page, live_server, NINA)
    check({"portal before verification": reverse("portal:dashboard")}, phone=True)

    page.set_viewport_size(DESKTOP)
    log_in_with_code(ADMIN, DEMO_PASSWORD, on_code_page=lambda page: problems.extend(axe_problems("two-factor code")))
    check(admin_pages(), phone=False, site=False)
    check(
        {
            "two-factor log-in": reverse("accounts:two-factor"),
            "why open a health record": reverse("records:reason", args=[record_of("HC-DEMO0001").pk]),
        },
        phone=False,
    )

    assert problems == [], "\n".join(problems)


def error_summary(page):
    return page.get_by_role("alert").filter(has_text="with what you entered")


def test_form_errors_are_listed_at_the_top_linked_to_their_fields_and_announced(
    page, live_server, screenshot, assert_accessible, patient, technician, service, area
):
    # Sign-up with an e-mail address without a domain ending and two passwords that differ. (The form
    # does not say that an address is taken: that would tell strangers who has an account.)
    page.goto(live_server.url + reverse("accounts:signup"))
    expect(page.get_by_text("Fields marked * are required.")).to_be_visible()
    email = page.get_by_label("E-mail address")
    expect(email).to_have_attribute("type", "email")
    expect(email).to_have_attribute("autocomplete", "email")
    expect(page.get_by_label("Phone")).to_have_attribute("type", "tel")
    expect(page.get_by_label("Phone")).to_have_attribute("autocomplete", "tel")
    expect(page.get_by_label("Home address")).to_have_attribute("autocomplete", "street-address")
    page.get_by_label("First name").fill("Vera")
    page.get_by_label("Last name").fill("Visitor")
    email.fill("vera@example")
    page.get_by_label("Area").select_option(label=area.name)
    page.get_by_label("Password", exact=False).first.fill("violet-harbour-lantern-42")
    page.get_by_label("Password confirmation").fill("violet-harbour-lantern-43")
    page.get_by_role("button", name="Create account").click()

    summary = error_summary(page)
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There are 2 problems with what you entered:")
    expect(summary.get_by_role("link")).to_have_text(
        [
            "E-mail address: Enter a valid email address.",
            "Password confirmation: The two password fields didn\u2019t match.",
        ]
    )
    assert_accessible("sign-up with errors")
    screenshot("sign-up-errors")

    # The first Tab reaches the first error; Enter takes focus to its field, which says what is wrong.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(email).to_be_focused()
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("Enter a valid email address"))
    expect(page.locator("#div_id_email")).to_contain_text("Enter a valid email address")

    # An error of the whole form is announced too, without a link.
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(patient.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(error_summary(page)).to_have_text(re.compile("The e-mail address or password is not correct."))
    expect(error_summary(page).get_by_role("link")).to_have_count(0)
    assert_accessible("log in refused")

    # A form rendered field by field (the booking) has the same summary.
    log_in(page, live_server, patient.email, DEFAULT_PASSWORD)
    page.goto(live_server.url + reverse("bookings:new", args=[service.slug]))
    page.get_by_label("Address of the visit").fill("")
    page.get_by_role("button", name="Review booking").click()
    expect(error_summary(page).get_by_role("link").first).to_have_text("Address of the visit: This field is required.")
    error_summary(page).get_by_role("link", name=re.compile("^Address")).click()
    expect(page.get_by_label("Address of the visit")).to_be_focused()
    assert_accessible("booking form with errors")
    # Free times asked for a day that cannot be booked say why, where the times would be.
    page.get_by_label("Date").fill("2020-01-06")
    page.get_by_role("button", name="Show free times").click()
    expect(page.get_by_role("heading", name="Please check the area and the date")).to_be_focused()
    expect(page.locator("#free-times")).to_contain_text("Date: The earliest date you can book is ")
    assert_accessible("free times for a day that cannot be booked")
    screenshot("booking-errors")

    # The technician's check-in code field offers the code a phone may have received.
    log_in(page, live_server, technician.user.email, DEFAULT_PASSWORD)
    page.goto(live_server.url + reverse("portal:check-in-code"))
    expect(page.get_by_label("Check-in code")).to_have_attribute("autocomplete", "one-time-code")
