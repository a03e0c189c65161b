"""A visitor finds a service, creates an account, logs out and logs back in, in a real browser."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User, UserRole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "violet-harbour-lantern-42"


def field(page, label):
    """The form field with this label; required fields show a trailing asterisk."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def assert_styled(page):
    # Bootstrap makes the navbar a flex row; unstyled, a <nav> is a plain block.
    assert page.locator("nav.navbar").evaluate("element => getComputedStyle(element).display") == "flex"


def test_visitor_signs_up_logs_out_and_logs_back_in(page, live_server, service, area, screenshot, failed_responses):
    navbar = page.get_by_role("navigation", name="Main")

    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Care from trusted professionals")
    assert_styled(page)
    screenshot("home")

    page.get_by_role("link", name="See our services").click()
    expect(page.get_by_role("heading", level=1, name="Our services")).to_be_visible()
    screenshot("catalog")

    page.get_by_role("link", name=service.name).click()
    expect(page.get_by_role("heading", level=1, name=service.name)).to_be_visible()
    expect(page.get_by_role("link", name="Log in to book this service")).to_be_visible()
    screenshot("service")

    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    field(page, "First name").fill("Vera")
    field(page, "Last name").fill("Visitor")
    field(page, "E-mail address").fill("vera.visitor@example.com")
    field(page, "Area").select_option(label=area.name)
    field(page, "Password").fill(PASSWORD)
    field(page, "Password confirmation").fill(PASSWORD)
    screenshot("sign-up-form")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1, name="Check your e-mail")).to_be_visible()
    screenshot("check-your-email")

    # The e-mailed link confirms the address; logging in with the password, after signing up from
    # a service page, then carries on to booking that service.
    (message,) = mail.outbox
    link = re.search(r"https?://\S+?(/accounts/signup/confirm/\S+)", message.body).group(1)
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_text("Your address is confirmed. Log in with your password.")).to_be_visible()
    field(page, "E-mail address").fill("vera.visitor@example.com")
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(service.name)
    expect(navbar).to_contain_text("Vera Visitor")
    screenshot("signed-up")
    assert User.objects.get(email="vera.visitor@example.com").role == UserRole.PATIENT

    navbar.get_by_role("button", name=re.compile("Vera Visitor")).click()
    navbar.get_by_role("button", name="Log out").click()
    expect(navbar.get_by_role("link", name="Log in")).to_be_visible()
    expect(navbar).not_to_contain_text("Vera Visitor")
    screenshot("logged-out")

    navbar.get_by_role("link", name="Log in").click()
    field(page, "E-mail address").fill("Vera.Visitor@example.com")
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()

    expect(navbar).to_contain_text("Vera Visitor")
    assert_styled(page)
    screenshot("logged-in")
    assert failed_responses == []
