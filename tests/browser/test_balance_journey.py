"""A technician's balance, as the technician and the office live it.

The technician completes a visit paid in cash at the door and sees on the earnings page that they
owe the platform its commission on it, next to what the platform owes them for a visit paid
online. The office puts a third visit on hold with a reason, then records one payout for the
rest, net of the cash the technician kept; the technician sees the balance settled and the hold's
reason. Every new page is checked with axe and leaves a screenshot in test-artifacts/screenshots/.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD
from bookings.models import PaymentMethod
from bookings.tests.factories import BookingFactory
from earnings.models import EarningStatus, Payout, TechnicianEarnings
from earnings.tests.factories import TechnicianEarningsFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOLD_REASON = "The patient asked about the length of the visit."


def log_in(page, live_server, user):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_cash_at_the_door_is_owed_commission_and_the_office_pays_out_the_net(
    page,
    live_server,
    screenshot,
    assert_accessible,
    failed_responses,
    log_in_with_code,
    admin_user,
    patient,
    technician,
    service,
    area,
):
    online = TechnicianEarningsFactory(technician=technician)  # the platform owes 68.00
    to_hold = TechnicianEarningsFactory(technician=technician)
    visit = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() - timedelta(minutes=50),
        in_progress=True,
        payment_method=PaymentMethod.CASH,
    )

    log_in(page, live_server, technician.user)
    page.goto(live_server.url + reverse("portal:job", args=[visit.reference]))
    page.get_by_label("I collected the payment of $80.00 (cash at the visit)").check()
    page.get_by_role("button", name="Complete visit").click()
    expect(page.get_by_text("Visit completed. Thank you.")).to_be_visible()

    page.goto(live_server.url + reverse("earnings:list"))
    statement = page.get_by_role("table", name="Your money per month, latest first")
    this_month = statement.get_by_role("row").nth(1)
    expect(this_month).to_contain_text("$204.00")  # earned: 3 x 68.00
    expect(this_month).to_contain_text("$80.00")  # collected at the door
    expect(this_month).to_contain_text("$12.00")  # owed to the platform
    expect(this_month).to_contain_text("$124.00")  # balance: 68 + 68 - 12
    expect(page.get_by_text("Collected at the door").first).to_be_visible()
    screenshot("technician-owes-commission-on-cash")
    assert_accessible("earnings page")

    log_in_with_code(admin_user)
    page.goto(live_server.url + reverse("admin:index"))
    due = page.get_by_role("listitem").filter(has_text="Payouts due").first
    expect(due).to_contain_text("Nadia Nurse: pay $124.00")
    screenshot("office-sees-the-net-due-per-technician")
    assert_accessible("back-office dashboard")
    changelist = reverse("admin:earnings_technicianearnings_changelist")
    page.goto(live_server.url + changelist + f"?technician__id__exact={technician.pk}")
    page.get_by_role("row").filter(has_text=to_hold.booking.reference).get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Put selected earnings on hold")
    page.get_by_role("button", name="Go").click()
    page.get_by_label("Reason").fill(HOLD_REASON)
    screenshot("office-gives-the-reason")
    assert_accessible("hold reason form")
    page.get_by_role("button", name="Put earnings on hold").click()
    expect(page.get_by_text("1 earning put on hold.")).to_be_visible()

    page.goto(live_server.url + changelist + f"?technician__id__exact={technician.pk}")
    page.get_by_role("checkbox", name="Select all objects on this page for an action").check()
    page.get_by_label("Action:").select_option(label="Record a payout for the selected earnings")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("Net: the platform pays the technician $56.00.")).to_be_visible()
    expect(page.get_by_text(f"{to_hold.booking.reference}: on hold")).to_be_visible()
    page.get_by_label("Payout method").select_option(label="Bank transfer")
    page.get_by_label("Transaction id").fill("TX-2026-0101")
    screenshot("office-sees-the-net-before-confirming")
    assert_accessible("record a payout")
    page.get_by_role("button", name="Record payout").click()
    expect(
        page.get_by_text("Paid to the technician: $56.00 for Nadia Nurse (Nurse), settling 2 earnings.")
    ).to_be_visible()

    payout = Payout.objects.get()
    assert (payout.amount, payout.transaction_id) == (Decimal("56.00"), "TX-2026-0101")
    assert set(payout.earnings.all()) == {online, TechnicianEarnings.objects.get(booking=visit)}

    log_in(page, live_server, technician.user)
    page.goto(live_server.url + reverse("earnings:list"))
    balance = page.get_by_role("region", name="Balance")
    expect(balance).to_contain_text("$68.00")  # the held visit only
    expect(balance).to_contain_text("Of which $68.00 is on hold.")
    expect(page.get_by_text(f"On hold: {HOLD_REASON}")).to_be_visible()
    expect(page.get_by_role("region", name="Settled so far")).to_contain_text("$56.00")
    screenshot("technician-sees-the-payout-and-the-hold")
    assert_accessible("earnings page after the payout")
    assert TechnicianEarnings.objects.get(pk=to_hold.pk).payment_status == EarningStatus.ON_HOLD
    assert failed_responses == []
