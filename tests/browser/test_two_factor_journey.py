"""Two-factor log-in as an administrator lives it: a new administrator is taken to enrolment right
after the password, scans the QR code (here: types the key shown beside it into the "app"), confirms
with the app's code, keeps the ten recovery codes shown once, and later, without the phone, logs in
with one of them.

Driven by labels and button texts; each step leaves a screenshot in test-artifacts/screenshots/.
"""

import re
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD, AdminUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in_with_password(page, live_server, user):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_new_administrator_enrols_keeps_the_recovery_codes_and_logs_in_with_one(
    page, live_server, screenshot, assert_accessible, failed_responses
):
    admin = AdminUserFactory(email="new.admin@example.com", first_name="Nell", second_factor=False)

    log_in_with_password(page, live_server, admin)
    expect(page.get_by_role("heading", name="Set up two-factor log-in")).to_be_visible()
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.naturalWidth") > 0, "the QR code did not draw"
    assert_accessible("enrolment")
    screenshot("enrol")
    # Nowhere else until enrolled.
    page.goto(live_server.url + reverse("admin:index"))
    expect(page.get_by_role("heading", name="Set up two-factor log-in")).to_be_visible()

    key = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    app = TOTP(b32decode(key + "=" * (-len(key) % 8)))
    page.get_by_label("Code from the app").fill("000000" if app.token() != 0 else "111111")
    page.get_by_role("button", name="Switch on two-factor log-in").click()
    expect(page.get_by_role("alert").get_by_role("link", name=re.compile("That code does not match"))).to_be_visible()
    page.get_by_label("Code from the app").fill(f"{app.token():06d}")
    page.get_by_role("button", name="Switch on two-factor log-in").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_text("Keep these codes safe: this is the only time they are shown.")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", code) for code in codes)
    assert_accessible("recovery codes")
    screenshot("recovery-codes")
    page.get_by_role("link", name="I have kept them safe: continue").click()
    expect(page.get_by_role("heading", name="Platform administration")).to_be_visible()

    # Later, without the phone: a recovery code instead of the app's code, once.
    log_in_with_password(page, live_server, admin)
    expect(page.get_by_text("Enter the 6-digit code from your authenticator app.")).to_be_visible()
    page.get_by_label("Code").fill("wrongcod")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert").get_by_role("link", name=re.compile("That code is not right"))).to_be_visible()
    assert_accessible("wrong code")
    screenshot("wrong-code")
    page.wait_for_timeout(1100)  # the wait after one wrong code
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Platform administration")).to_be_visible()
    expect(page.get_by_text("9 codes are left")).to_be_visible()
    screenshot("logged-in-with-recovery-code")

    log_in_with_password(page, live_server, admin)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert").get_by_role("link", name=re.compile("That code is not right"))).to_be_visible()
    assert failed_responses == []
