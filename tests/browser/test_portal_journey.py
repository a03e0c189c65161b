"""A technician joins from "Work with us" and confirms the e-mailed link, then works a visit on a
phone-sized screen (390x844): accepts the request on the portal, opens the booking's QR check-in
link, checks in, completes the visit with cash collected; the patient then sees the visit
completed. Every page is checked for sideways overflow and leaves a screenshot in
test-artifacts/screenshots/.
"""

import re
from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User, UserRole
from accounts.tests.factories import DEFAULT_PASSWORD
from bookings import services
from bookings.models import Booking, BookingStatus, PaymentMethod, PaymentStatus
from bookings.tests.factories import BookingFactory
from earnings.models import TechnicianEarnings
from earnings.tests.factories import TechnicianEarningsFactory
from homecure.tests.factories import SystemSettingsFactory
from technicians.models import Technician

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def log_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def assert_fits_the_screen(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


def field(page, label):
    """The form field with this label; required fields show a trailing asterisk."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def test_technician_joins_confirms_the_emailed_link_and_lands_on_the_profile(
    page, live_server, screenshot, failed_responses
):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("portal:join"))
    field(page, "First name").fill("Jana")
    field(page, "Last name").fill("Joiner")
    field(page, "E-mail address").fill("jana.joiner@example.com")
    field(page, "Mobile phone").fill("+44 7700 900123")
    field(page, "Specialization").select_option(label="Physiotherapist")
    field(page, "Professional license number").fill("HCPC-PH12345")
    field(page, "Password").fill("harbour-lantern-violet-42")
    field(page, "Password confirmation").fill("harbour-lantern-violet-42")
    page.get_by_role("button", name="Create technician account").click()
    expect(page.get_by_role("heading", level=1, name="Check your e-mail")).to_be_visible()
    assert_fits_the_screen(page)
    screenshot("joined-check-your-email")
    assert not User.objects.get(email="jana.joiner@example.com").is_active

    (message,) = mail.outbox
    link = re.search(r"https?://\S+?(/accounts/signup/confirm/\S+)", message.body).group(1)
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Confirm my address").click()
    expect(
        page.get_by_text(
            "Your address is confirmed. Log in with your password, then complete your profile: "
            "the office verifies it before you get visits."
        )
    ).to_be_visible()
    screenshot("confirmed-log-in")
    field(page, "E-mail address").fill("jana.joiner@example.com")
    field(page, "Password").fill("harbour-lantern-violet-42")
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Waiting for verification")).to_be_visible()
    assert page.url == live_server.url + reverse("portal:profile")
    assert_fits_the_screen(page)
    screenshot("confirmed-profile")

    technician = Technician.objects.select_related("user").get(user__email="jana.joiner@example.com")
    assert (technician.user.role, technician.user.is_active) == (UserRole.TECHNICIAN, True)
    assert (technician.license_number, technician.is_verified) == ("HCPC-PH12345", False)
    assert failed_responses == []


def test_technician_accepts_checks_in_and_completes_a_visit_on_a_phone(
    page, live_server, screenshot, failed_responses, patient, technician, service, area
):
    page.set_viewport_size(PHONE)
    # Offered just now for a visit in 20 minutes: with no minimum notice the offer runs to the start.
    SystemSettingsFactory(key="booking_min_notice_hours", value="0")
    booking = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() + timedelta(minutes=20),
        offered_at=timezone.now(),
        service_address="1 Camden Road, Flat 2",
        user_notes="The bell does not work; please knock.",
        payment_method=PaymentMethod.CASH,
    )

    log_in(page, live_server, technician.user)
    expect(page.get_by_role("heading", level=1, name="Hello, Nadia")).to_be_visible()
    requests = page.get_by_role("region", name=re.compile("^Job requests"))
    expect(requests).to_contain_text("1 Camden Road, Flat 2")
    assert_fits_the_screen(page)
    screenshot("dashboard-with-a-request")

    requests.get_by_role("button", name=re.compile("^Accept")).click()
    expect(page.get_by_text("Visit accepted. The patient has been told.")).to_be_visible()
    expect(page.get_by_text("The bell does not work; please knock.")).to_be_visible()
    expect(page.get_by_role("link", name="+44 20 7946 0000")).to_be_visible()
    assert_fits_the_screen(page)
    screenshot("job-accepted")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    page.goto(live_server.url + reverse("portal:check-in", args=[booking.qr_code_data]))
    expect(page.get_by_role("heading", level=1, name="Check in")).to_be_visible()
    expect(page.get_by_text("Paula Patient")).to_be_visible()
    assert_fits_the_screen(page)
    screenshot("check-in-page")

    page.get_by_role("button", name="Check in now").click()
    expect(page.get_by_role("heading", level=1, name="Checked in")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Checked in at \d\d:\d\d\. The visit has started\."))).to_be_visible()
    assert_fits_the_screen(page)
    screenshot("checked-in")

    page.reload()
    expect(page.get_by_role("heading", level=1, name="Already checked in")).to_be_visible()
    screenshot("scanned-again")

    page.get_by_role("link", name="Open the visit").click()
    page.get_by_label("Visit notes").fill("Wound dressing changed; healing well.")
    page.get_by_label("I collected the payment of $80.00 (cash at the visit)").check()
    assert_fits_the_screen(page)
    screenshot("before-completing")
    page.get_by_role("button", name="Complete visit").click()
    expect(page.get_by_text("Visit completed. Thank you.")).to_be_visible()
    assert_fits_the_screen(page)
    screenshot("completed")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    assert booking.payment_status == PaymentStatus.PAID
    assert TechnicianEarnings.objects.get(booking=booking).net_earnings == Decimal("68.00")

    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("link", name="Earnings").click()
    expect(page.get_by_role("heading", level=1, name="Earnings")).to_be_visible()
    expect(page.get_by_text("$68.00").first).to_be_visible()
    assert_fits_the_screen(page)
    screenshot("earnings")

    page.context.clear_cookies()
    log_in(page, live_server, patient)
    page.goto(live_server.url + booking.get_absolute_url())
    expect(page.get_by_text("Completed", exact=True).first).to_be_visible()
    expect(page.get_by_role("heading", name="How was your visit?")).to_be_visible()
    assert_fits_the_screen(page)
    screenshot("patient-sees-completed")

    assert failed_responses == []


def test_every_portal_page_fits_a_phone_screen(
    page, live_server, screenshot, failed_responses, patient, technician, service, area
):
    page.set_viewport_size(PHONE)
    long_address = "Flat 14, Wellington Court, 221 Saint Pancras Way, Camden Town, London NW1 0QT, United Kingdom"
    early = services.booking_accept(
        booking=BookingFactory(
            user=patient,
            technician=technician,
            service=service,
            service_area=area,
            start=timezone.now() + timedelta(hours=5),
            service_address=long_address,
        ),
        actor=technician.user,
    )
    BookingFactory(
        user=patient, technician=technician, service=service, service_area=area, service_address=long_address
    )
    for months_ago in range(4):
        row = TechnicianEarningsFactory(technician=technician)
        TechnicianEarnings.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=31 * months_ago))

    page.goto(live_server.url + reverse("portal:join"))
    assert_fits_the_screen(page)
    screenshot("work-with-us")

    log_in(page, live_server, technician.user)
    pages = {
        "dashboard": reverse("portal:dashboard"),
        "jobs": reverse("portal:jobs"),
        "job-confirmed": reverse("portal:job", args=[early.reference]),
        "too-early": reverse("portal:check-in", args=[early.qr_code_data]),
        "unknown-code": reverse("portal:check-in", args=["no-such-code"]),
        "type-a-code": reverse("portal:check-in-code"),
        "schedule": reverse("portal:schedule"),
        "profile": reverse("portal:profile"),
        "earnings": reverse("earnings:list"),
    }
    for name, url in pages.items():
        page.goto(live_server.url + url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_fits_the_screen(page)
        screenshot(name)

    page.goto(live_server.url + reverse("portal:schedule"))
    page.get_by_role("group", name="Window 1", exact=True).get_by_label("Until").fill("07:00")
    page.get_by_role("button", name="Save weekly hours").click()
    # The window says what is wrong, and so does the error summary at the top of the form.
    window_1 = page.get_by_role("group", name="Window 1", exact=True)
    expect(window_1.get_by_text("The end must be later than the start (08:00).")).to_be_visible()
    expect(page.get_by_role("link", name="Until: The end must be later than the start (08:00).")).to_be_visible()
    assert_fits_the_screen(page)
    screenshot("schedule-error")

    page.get_by_role("group", name="Window 1", exact=True).get_by_label("Until").fill("12:00")
    new_window = page.get_by_role("group", name="Window 8", exact=True)
    new_window.get_by_label("Day").select_option(label="Monday")
    new_window.get_by_label("From").fill("13:00")
    new_window.get_by_label("Until").fill("17:00")
    page.get_by_role("button", name="Save weekly hours").click()
    expect(page.get_by_text("Your weekly schedule was saved.")).to_be_visible()
    assert list(technician.availability_schedule.filter(weekday=0).values_list("start_time", "end_time")) == [
        (time(8), time(12)),
        (time(13), time(17)),
    ]
    screenshot("schedule-saved")

    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1
    # The refused check-ins answer 404 and 409 on purpose; nothing else (a stylesheet, an image) failed.
    assert sorted(failed_responses) == sorted(
        [f"404 {live_server.url}{pages['unknown-code']}", f"409 {live_server.url}{pages['too-early']}"]
    )
