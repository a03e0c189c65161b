"""A patient books a visit with the keyboard alone: Tab, Shift+Tab, Enter, Space and the arrow keys.

From the catalog, logged out, to the booked visit: the skip link, the service, logging in, the
booking form (area, date typed into the date field, a time chosen with the arrow keys, payment
with the arrow keys, a note), the review and the confirmation. At every stop the focused element
must show a visible outline, and axe-core checks the page in each new state. The user menu opens
from the keyboard, and Escape closes it and hands focus back to its button; on a phone the folded
menu opens with Enter too.
"""

import re
from datetime import timedelta

import pytest
from a11y import focused
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from bookings.models import Booking, BookingStatus, PaymentMethod
from technicians.tests.factories import TechnicianFactory, give_weekly_schedule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Enough presses to cross any page of the site; more means the target cannot be reached.
MAX_TABS = 60


@pytest.fixture
def browser_context_args(browser_context_args):
    # The date field takes its digits in the order of the browser's locale: month, day, year here.
    return {**browser_context_args, "locale": "en-US"}


def assert_focus_visible(page):
    element = focused(page)
    assert element is not None, "nothing has focus"
    assert element["focusVisible"] and element["outlined"], f"focus on {element} is not visible"
    assert element["onScreen"], f"the focused {element} is off screen"
    return element


def tab_to(page, name, *, tag=None, backwards=False):
    """Press Tab (or Shift+Tab) until an element whose name matches has focus; each stop must show it."""
    pattern = re.compile(name) if isinstance(name, str) else name
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        element = assert_focus_visible(page)
        if pattern.search(element["name"]) and (tag is None or element["tag"] == tag):
            return element
    pytest.fail(f"{name!r} cannot be reached with the keyboard on {page.url}")


def test_patient_books_a_visit_with_the_keyboard_only(
    page, live_server, screenshot, assert_accessible, patient, technician, service
):
    day = timezone.localdate() + timedelta(days=3)
    page.goto(live_server.url + reverse("catalog:list"))

    # 1. The first Tab reaches "Skip to content", shown on screen; Enter moves focus into the page.
    page.keyboard.press("Tab")
    skip = assert_focus_visible(page)
    assert skip["name"] == "Skip to content"
    screenshot("skip-link")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    # 2. The next Tabs go through the page's own content, first the category filter, then the service.
    tab_to(page, "^Nurse home visit$", tag="a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=service.name)).to_be_visible()

    # 3. The service page offers logging in first; the login form comes back to the booking.
    tab_to(page, "^Log in to book this service$")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Log in")).to_be_visible()
    # The e-mail field has focus on arrival (autofocus).
    assert focused(page)["id"] == "id_username"
    page.keyboard.type(patient.email)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_password"
    page.keyboard.type(DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=f"Book: {service.name}")).to_be_visible()

    # 4. The booking form: the area and address come from the profile; the date is typed.
    tab_to(page, "^Area", tag="select")
    expect(page.get_by_label("Area")).to_have_value(str(patient.area.pk))
    tab_to(page, "^Date", tag="input")
    page.keyboard.type(day.strftime("%m%d%Y"))
    # Choosing a date fetches its free times without leaving the field.
    times = page.get_by_role("group", name=re.compile(f"^Free times.*{day.day} {day:%B %Y}"))
    expect(times).to_be_visible()
    assert focused(page)["id"] == "id_date"
    assert_accessible("booking form with free times")
    screenshot("date-typed")

    # 5. Tab enters the free times at the first; the right arrow moves to and picks the next one.
    tab_to(page, r"^\d\d:\d\d$", tag="input")
    assert focused(page)["name"] == "08:00"
    page.keyboard.press("ArrowRight")
    chosen = assert_focus_visible(page)["name"]
    assert chosen != "08:00"
    expect(times.get_by_role("radio", name=chosen)).to_be_checked()
    assert_accessible("booking form with a time chosen")
    screenshot("time-chosen")

    # 6. Payment with the arrow keys, a note typed, then Space on "Review booking".
    tab_to(page, "^Payment", tag="select")
    payment = page.get_by_label("Payment")
    expect(payment).to_have_value(PaymentMethod.CASH)
    page.keyboard.press("ArrowDown")
    expect(payment).not_to_have_value(PaymentMethod.CASH)
    chosen_payment = payment.input_value()
    tab_to(page, "^Notes for the technician", tag="textarea")
    page.keyboard.type("Please ring twice.")
    tab_to(page, "^Review booking$", tag="button")
    page.keyboard.press("Space")

    # 7. The review names the chosen day and time; Enter on "Confirm booking" books it.
    expect(page.get_by_role("heading", level=1, name="Review your booking")).to_be_visible()
    expect(page.get_by_text(f"{day:%A} {day.day} {day:%B %Y}, {chosen}")).to_be_visible()
    assert_accessible("booking review")
    screenshot("review")
    tab_to(page, "^Confirm booking$", tag="button")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your visit is booked.")).to_be_visible()
    assert_accessible("booking just made")
    screenshot("booked")

    booking = Booking.objects.get(user=patient)
    assert booking.status == BookingStatus.PENDING
    assert (booking.scheduled_date, booking.local_start.strftime("%H:%M")) == (day, chosen)
    assert booking.payment_method == chosen_payment
    assert booking.user_notes == "Please ring twice."

    # 8. The user menu opens with Enter, its items are reached with the arrow keys, and Escape
    #    closes it and gives focus back to the button that opened it.
    tab_to(page, re.escape(patient.get_full_name()), tag="button", backwards=True)
    page.keyboard.press("Enter")
    menu = page.get_by_role("navigation", name="Main").locator(".dropdown-menu")
    expect(menu).to_be_visible()
    page.keyboard.press("ArrowDown")
    assert assert_focus_visible(page)["name"] == "Profile"
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    assert patient.get_full_name() in assert_focus_visible(page)["name"]

    # 9. On a phone the menu is folded behind a button that Enter opens; its links come next.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    tab_to(page, "^Toggle navigation", tag="button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=re.compile("^Toggle navigation"))).to_have_attribute("aria-expanded", "true")
    tab_to(page, "^Book a visit$", tag="a")
    tab_to(page, "^My bookings$", tag="a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="My bookings")).to_be_visible()


def log_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_showing_free_times_moves_the_focus_to_them(
    page, live_server, screenshot, assert_accessible, patient, technician, service
):
    """After "Show free times" the heading of the times has focus: the next Tab is on the first time."""
    day = timezone.localdate() + timedelta(days=4)
    log_in(page, live_server, patient)
    page.goto(live_server.url + reverse("bookings:new", args=[service.slug]))
    tab_to(page, "^Date", tag="input")
    page.keyboard.type(day.strftime("%m%d%Y"))
    tab_to(page, "^Show free times$", tag="button")
    page.keyboard.press("Enter")

    heading = page.get_by_role("heading", name=re.compile(f"^Free times.*{day.day} {day:%B %Y}"))
    expect(heading).to_be_focused()
    expect(page.get_by_role("status").filter(has_text="free times on")).to_have_text(
        re.compile(f"^19 free times on {day:%A} {day.day} {day:%B}$")
    )
    assert_accessible("free times shown")
    screenshot("free-times-focused")
    page.keyboard.press("Tab")
    assert assert_focus_visible(page)["name"] == "08:00"


def test_without_javascript_the_free_times_page_opens_on_the_times(
    browser, browser_context_args, live_server, patient, technician, service
):
    """The same without JavaScript: the button asks for the whole page, whose times' heading has focus."""
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    day = timezone.localdate() + timedelta(days=4)
    log_in(page, live_server, patient)
    page.goto(live_server.url + reverse("bookings:new", args=[service.slug]))
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_role("button", name="Show free times").click()
    expect(page).to_have_url(re.compile(rf"date={day.isoformat()}"))
    expect(page.get_by_role("heading", name=re.compile(f"^Free times.*{day.day} {day:%B %Y}"))).to_be_focused()
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "08:00"
    context.close()


def test_a_day_without_times_leads_to_the_next_day_that_has_some(
    page, live_server, screenshot, assert_accessible, patient, service, area
):
    """The form opens on the first day with times; a full day points at the next days that have some."""
    later = timezone.localdate() + timedelta(days=5)
    nurse = TechnicianFactory(areas=[area])
    give_weekly_schedule(nurse, weekdays=[later.weekday()])
    log_in(page, live_server, patient)
    page.goto(live_server.url + reverse("bookings:new", args=[service.slug]))
    expect(page.get_by_label("Date")).to_have_value(later.isoformat())
    expect(page.get_by_role("group", name=re.compile(f"^Free times.*{later.day} {later:%B %Y}"))).to_be_visible()

    earlier = later - timedelta(days=2)
    page.get_by_label("Date").fill(earlier.isoformat())
    page.get_by_role("button", name="Show free times").click()
    expect(page.get_by_role("heading", name=re.compile("^No free times on"))).to_be_focused()
    days = page.get_by_role("navigation", name="Next days with free times")
    assert_accessible("a day without free times")
    screenshot("no-free-times")
    days.get_by_role("link", name=re.compile(f"{later.day} {later:%b}")).click()
    expect(page.get_by_role("heading", name=re.compile(f"^Free times.*{later.day} {later:%B %Y}"))).to_be_focused()
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "08:00"
