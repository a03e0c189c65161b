"""The Content Security Policy holds in a real browser: no page breaks it.

Chromium reports every blocked script, stylesheet, style attribute or image as a
`securitypolicyviolation` event and a console error. The pages below are opened, and the booking
page used (choosing an area and a date loads the free times through htmx), as the people who see
them; not one violation may be reported.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Kept by the page itself from its first script on, so nothing the page does escapes it.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.pathname}:${event.lineNumber}`);
});
"""


@pytest.fixture
def violations(page):
    """Every CSP violation the browser reported, from events and from the console."""
    found = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda message: "Content Security Policy" in message.text and found.append(message.text))

    def collect(label):
        found.extend(f"{label}: {v}" for v in page.evaluate("window.__cspViolations || []"))
        return found

    return collect


def _log_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _visit(page, live_server, violations, pages):
    for label, url in pages.items():
        response = page.goto(live_server.url + url)
        assert response.ok, f"{label}: {response.status}"
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        violations(label)


def test_public_and_patient_pages_break_no_rule_of_the_policy(page, live_server, violations, world, area):
    _visit(page, live_server, violations, {"home": reverse("home"), "catalog": reverse("catalog:list")})
    _log_in(page, live_server, world.users["patient"])
    _visit(
        page,
        live_server,
        violations,
        {
            "my bookings": reverse("bookings:list"),
            "booking with its QR code": reverse("bookings:detail", args=[world.confirmed.reference]),
            "health record": reverse("records:detail", args=[world.record.pk]),
            "notifications": reverse("notifications:list"),
        },
    )

    page.goto(live_server.url + reverse("bookings:new", args=[world.service.slug]))
    page.get_by_label("Area").select_option(str(area.pk))
    page.get_by_label("Date").fill((timezone.localdate() + timedelta(days=4)).isoformat())
    page.get_by_label("Date").dispatch_event("change")
    expect(page.locator("#free-times")).to_contain_text(":")

    assert violations("booking page") == []


def test_portal_and_back_office_pages_break_no_rule_of_the_policy(
    page, live_server, violations, world, log_in_with_code
):
    _log_in(page, live_server, world.users["technician"])
    _visit(
        page,
        live_server,
        violations,
        {
            "portal dashboard": reverse("portal:dashboard"),
            "job": reverse("portal:job", args=[world.confirmed.reference]),
            "schedule": reverse("portal:schedule"),
            "earnings": reverse("earnings:list"),
        },
    )
    page.context.clear_cookies()

    log_in_with_code(world.users["admin"], on_code_page=lambda page: violations("two-factor code"))
    _visit(
        page,
        live_server,
        violations,
        {
            "back office dashboard": reverse("admin:index"),
            "bookings list": reverse("admin:bookings_booking_changelist"),
            "booking with its QR code": reverse("admin:bookings_booking_change", args=[world.confirmed.pk]),
            "technician": reverse("admin:technicians_technician_change", args=[world.technician.pk]),
            "reason for opening a health record": reverse("admin:records_healthrecord_change", args=[world.record.pk]),
        },
    )
    page.get_by_label("Why do you need to open this record?").fill("The patient asked for a copy of this record.")
    page.get_by_role("button", name="Open the record").click()
    page.wait_for_load_state()
    assert page.url.endswith(reverse("admin:records_healthrecord_change", args=[world.record.pk]))
    violations("health record")

    assert violations("back office") == []
