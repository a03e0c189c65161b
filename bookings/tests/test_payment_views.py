"""The pages of payments: the patient's receipts, the office's refund form, the payments list and its Retry."""

import uuid
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bookings import payments
from bookings.models import Payment, PaymentKind, PaymentMethod, PaymentState, PaymentStatus
from bookings.tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(patient, technician, service, area):
    """A visit of `patient` completed two days ago, paid in cash at the door."""
    return BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() - timedelta(days=2),
        completed=True,
        payment_method=PaymentMethod.CASH,
    )


def document_url(booking, number):
    return reverse("bookings:document", args=[booking.reference, number])


def test_the_booking_page_links_each_receipt_and_credit_note(patient_client, paid, admin_user):
    credit = payments.booking_refund(booking=paid, actor=admin_user, amount=Decimal("5.00"), reason="Late")
    receipt = paid.payments.get(kind=PaymentKind.CASH)

    page = patient_client.get(paid.get_absolute_url()).content.decode()

    assert f"Download receipt {receipt.number} (PDF)" in page
    assert f"Download credit note {credit.number} (PDF)" in page
    assert document_url(paid, credit.number) in page


def test_a_patient_downloads_their_receipt_as_a_pdf(patient_client, paid):
    receipt = paid.payments.get()

    response = patient_client.get(document_url(paid, receipt.number))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{receipt.number}.pdf"'
    text = PdfReader(BytesIO(response.content)).pages[0].extract_text()
    assert f"Receipt {receipt.number}" in text
    assert "Cash collected at the door" in text


@pytest.mark.parametrize(
    "number",
    ["HC-R-2099-000001", "nonsense", "x" * 300, "HC-R-2026-" + "9" * 40],
)
def test_a_document_that_is_not_there_is_404(patient_client, paid, number):
    assert patient_client.get(document_url(paid, number)).status_code == 404


def test_another_patients_receipt_is_404(client, other_patient, paid):
    client.force_login(other_patient)

    assert client.get(document_url(paid, paid.payments.get().number)).status_code == 404


def test_a_failed_refund_has_no_document(patient_client, paid, admin_user, settings):
    settings.PAYMENT_SANDBOX_REFUSE_REFUNDS = True
    online = BookingFactory(
        user=paid.user,
        service=paid.service,
        service_area=paid.service_area,
        start=paid.scheduled_start - timedelta(hours=3),
        completed=True,
        payment_method=PaymentMethod.ONLINE,
    )
    failed = payments.booking_refund(booking=online, actor=admin_user, amount=Decimal("5.00"), reason="Late")

    assert failed.number is None
    assert "credit note" not in patient_client.get(online.get_absolute_url()).content.decode()


# --- The office -------------------------------------------------------------------------------------------------


def refund_url(booking):
    return reverse("admin:bookings_booking_refund", args=[booking.pk])


def test_the_booking_page_offers_the_refund_of_a_paid_booking(admin_client, paid):
    page = admin_client.get(reverse("admin:bookings_booking_change", args=[paid.pk])).content.decode()

    assert refund_url(paid) in page
    assert paid.payments.get().number in page


def test_the_refund_form_proposes_what_is_left(admin_client, paid, admin_user):
    payments.booking_refund(booking=paid, actor=admin_user, amount=Decimal("30.00"), reason="Late")

    response = admin_client.get(refund_url(paid))

    assert response.context["form"].initial["amount"] == Decimal("50.00")
    assert "at most $50.00 can be refunded" in response.content.decode()


def test_the_office_refunds_part_of_a_booking(admin_client, paid):
    response = admin_client.post(
        refund_url(paid), {"amount": "20.00", "reason": "Arrived late", "idempotency_key": uuid.uuid4()}
    )

    assert response.status_code == 302
    paid.refresh_from_db()
    refund = paid.payments.get(kind=PaymentKind.REFUND)
    assert (refund.amount, refund.state, refund.reason, refund.provider) == (
        Decimal("20.00"),
        PaymentState.CONFIRMED,
        "Arrived late",
        payments.OFFICE_PROVIDER,
    )
    assert paid.payment_status == PaymentStatus.PAID


def test_the_same_refund_form_posted_twice_refunds_once(admin_client, paid):
    form = {"amount": "20.00", "reason": "Arrived late", "idempotency_key": uuid.uuid4()}

    admin_client.post(refund_url(paid), form)
    admin_client.post(refund_url(paid), form)

    assert paid.payments.filter(kind=PaymentKind.REFUND).count() == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"amount": "80.01", "reason": "Too much"}, "At most $80.00 can be refunded"),
        ({"amount": "20.00", "reason": ""}, "This field is required."),
        ({"amount": "abc", "reason": "Typo"}, "Enter a number."),
        ({"amount": "1" * 30, "reason": "Huge"}, "Ensure that there are no more than 10 digits in total."),
    ],
)
def test_a_wrong_refund_form_says_why_and_refunds_nothing(admin_client, paid, form, message):
    response = admin_client.post(refund_url(paid), {**form, "idempotency_key": uuid.uuid4()})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not paid.payments.filter(kind=PaymentKind.REFUND).exists()


def test_the_payments_list_retries_failed_refunds(admin_client, admin_user, settings, patient, service, area):
    online = BookingFactory(
        user=patient,
        service=service,
        service_area=area,
        start=timezone.now() - timedelta(days=1),
        completed=True,
        payment_method=PaymentMethod.ONLINE,
    )
    settings.PAYMENT_SANDBOX_REFUSE_REFUNDS = True
    failed = payments.booking_refund(booking=online, actor=admin_user, amount=Decimal("80.00"), reason="Unhappy")
    changelist = reverse("admin:bookings_payment_changelist")
    listed = admin_client.get(changelist, {"state__exact": "failed"}).content.decode()
    assert "Failed" in listed and online.reference in listed

    settings.PAYMENT_SANDBOX_REFUSE_REFUNDS = False
    admin_client.post(changelist, {"action": "retry_refunds", "_selected_action": [failed.pk]})

    failed.refresh_from_db()
    online.refresh_from_db()
    assert failed.state == PaymentState.CONFIRMED
    assert online.payment_status == PaymentStatus.REFUNDED


def test_payments_cannot_be_added_changed_or_deleted_in_the_back_office(admin_client, paid):
    payment = paid.payments.get()

    assert admin_client.get(reverse("admin:bookings_payment_add")).status_code == 403
    admin_client.post(reverse("admin:bookings_payment_change", args=[payment.pk]), {"amount": "1.00"})
    assert admin_client.post(reverse("admin:bookings_payment_delete", args=[payment.pk])).status_code == 403
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("80.00")
