"""A patient downloads the receipt of a paid visit from its booking page, and the office's refund
gives them a credit note beside it; the office refunds part of a visit from the back office, and a
refund the provider refuses waits, failed, for the office's retry.

The download is caught as the browser saves it (Playwright's `expect_download`) and its text read
back with pypdf: the receipt's number, the platform, the service and the amount.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.tests.factories import DEFAULT_PASSWORD
from bookings import payments
from bookings.models import PaymentKind, PaymentMethod, PaymentState
from bookings.tests.factories import BookingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user):
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_a_patient_downloads_a_receipt_and_a_credit_note(
    page,
    live_server,
    screenshot,
    assert_accessible,
    failed_responses,
    patient,
    technician,
    service,
    area,
    admin_user,
    tmp_path,
):
    visit = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() - timedelta(days=2),
        completed=True,
        payment_method=PaymentMethod.ONLINE,
    )
    receipt = visit.payments.get()
    credit = payments.booking_refund(booking=visit, actor=admin_user, amount=Decimal("15.50"), reason="Late")

    log_in(page, live_server, patient)
    page.goto(live_server.url + visit.get_absolute_url())
    expect(page.get_by_role("heading", name="Receipts")).to_be_visible()
    screenshot("booking-with-receipts")
    assert_accessible("booking with receipts")

    with page.expect_download() as caught:
        page.get_by_role("link", name=f"Download receipt {receipt.number} (PDF)").click()
    download = caught.value
    assert download.suggested_filename == f"{receipt.number}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = PdfReader(saved).pages[0].extract_text()
    assert f"Receipt {receipt.number}" in text
    assert "HomeCure" in text
    assert service.name in text
    assert "80.00 USD" in text

    with page.expect_download() as caught:
        page.get_by_role("link", name=f"Download credit note {credit.number} (PDF)").click()
    saved = tmp_path / caught.value.suggested_filename
    caught.value.save_as(saved)
    assert "-15.50 USD" in PdfReader(saved).pages[0].extract_text()
    assert failed_responses == []


def test_the_office_refunds_part_of_a_visit_and_retries_a_refused_refund(
    page,
    live_server,
    screenshot,
    assert_accessible,
    patient,
    service,
    area,
    admin_user,
    log_in_with_code,
    settings,
):
    visit = BookingFactory(
        user=patient,
        service=service,
        service_area=area,
        start=timezone.now() - timedelta(days=1),
        completed=True,
        payment_method=PaymentMethod.ONLINE,
    )
    log_in_with_code(admin_user)

    page.goto(live_server.url + reverse("admin:bookings_booking_change", args=[visit.pk]))
    page.get_by_role("link", name="Refund", exact=True).click()
    expect(page.get_by_text("at most $80.00 can be refunded")).to_be_visible()
    page.get_by_label("Amount to refund").fill("90.00")
    page.get_by_label("Reason").fill("Visit started 40 minutes late")
    page.get_by_role("button", name="Refund").click()
    expect(
        page.get_by_text("At most $80.00 can be refunded: what was paid less what was refunded already.")
    ).to_be_visible()
    screenshot("refund-too-much")
    assert_accessible("refund form with an error")

    settings.PAYMENT_SANDBOX_REFUSE_REFUNDS = True
    page.get_by_label("Amount to refund").fill("20.00")
    page.get_by_role("button", name="Refund").click()
    expect(page.get_by_text("The refund failed: The test gateway refused the refund.")).to_be_visible()
    refund = visit.payments.get(kind=PaymentKind.REFUND)
    assert refund.state == PaymentState.FAILED

    settings.PAYMENT_SANDBOX_REFUSE_REFUNDS = False
    page.goto(live_server.url + reverse("admin:bookings_payment_changelist") + "?state__exact=failed")
    page.get_by_role("checkbox", name="Select this object for an action").first.check()
    page.get_by_label("Action:").select_option(label="Retry selected failed refunds")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("1 refund(s) went through.")).to_be_visible()
    screenshot("refund-retried")
    assert_accessible("payments list")
    refund.refresh_from_db()
    assert (refund.state, refund.amount) == (PaymentState.CONFIRMED, Decimal("20.00"))
