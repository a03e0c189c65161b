"""Money of a booking as rows (issue: payments, refunds and receipts).

The money table walks each payment method through each outcome and checks the rows written and the
booking's derived payment status, to the cent. The visit is on Wednesday 16 June 2027 at 10:00
London time and costs 80.25, so the no-show fee (50 %) rounds: 40.125 -> 40.13 kept, 40.12 back.
"""

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib import import_module
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from pypdf import PdfReader

from bookings import payments, receipts, selectors, services
from bookings.models import (
    BookingStatus,
    DocumentCounter,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentState,
    PaymentStatus,
)
from bookings.tests.factories import BookingFactory
from homecure.models import AdminLog
from homecure.tests.factories import SystemSettingsFactory
from notifications.models import Notification

LONDON = ZoneInfo("Europe/London")
START = datetime.combine(date(2027, 6, 16), time(10, 0), tzinfo=LONDON)
BOOKED = START - timedelta(days=5)
BEFORE_DEADLINE = START - timedelta(hours=48)
AFTER_DEADLINE = START - timedelta(hours=3)
PRICE = Decimal("80.25")
TEST_CARD = "4242 4242 4242 4242"
DATA_MIGRATION = import_module("bookings.migrations.0014_payment_rows_for_paid_bookings")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def visit(patient, technician, service, area, method, *, start=START):
    """A confirmed visit at `start` paid by `method`; an online one is paid when booked."""
    booking = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=start,
        total_amount=PRICE,
        payment_method=method,
        confirmed=True,
    )
    if method == PaymentMethod.ONLINE:
        services.booking_pay_online(booking=booking, actor=patient, card_number=TEST_CARD, now=BOOKED)
    return booking


def complete(booking, technician):
    actor = technician.user
    services.booking_check_in(booking=booking, actor=actor, now=START)
    services.booking_complete(booking=booking, actor=actor, payment_collected=True, now=START + timedelta(hours=1))


def patient_cancels(booking, technician, admin):
    services.booking_cancel(booking=booking, actor=booking.user, reason="Feeling better", now=BEFORE_DEADLINE)


def office_cancels_late(booking, technician, admin):
    services.booking_cancel(booking=booking, actor=admin, reason="Technician ill", now=AFTER_DEADLINE)


def patient_not_home(booking, technician, admin):
    services.booking_report_no_show(booking=booking, actor=technician.user, now=START + timedelta(minutes=10))


def lapses(booking, technician, admin):
    services.booking_lapse(booking=booking, now=START + timedelta(hours=25))


def completed(booking, technician, admin):
    complete(booking, technician)


def partly_refunded(booking, technician, admin):
    complete(booking, technician)
    payments.booking_refund(
        booking=booking, actor=admin, amount=Decimal("30.00"), reason="Visit cut short", now=START + timedelta(days=1)
    )


ONLINE, CASH, CARD = PaymentMethod.ONLINE, PaymentMethod.CASH, PaymentMethod.CARD
REFUND = PaymentKind.REFUND
FULL, NO_SHOW_BACK = PRICE, Decimal("40.12")

# (method, outcome) -> the confirmed rows (kind, amount) in order, and the derived payment status.
MONEY_TABLE = [
    (ONLINE, completed, [(ONLINE, PRICE)], PaymentStatus.PAID),
    (CASH, completed, [(CASH, PRICE)], PaymentStatus.PAID),
    (CARD, completed, [(CARD, PRICE)], PaymentStatus.PAID),
    (ONLINE, patient_cancels, [(ONLINE, PRICE), (REFUND, FULL)], PaymentStatus.REFUNDED),
    (CASH, patient_cancels, [], PaymentStatus.PENDING),
    (CARD, patient_cancels, [], PaymentStatus.PENDING),
    (ONLINE, office_cancels_late, [(ONLINE, PRICE), (REFUND, FULL)], PaymentStatus.REFUNDED),
    (CASH, office_cancels_late, [], PaymentStatus.PENDING),
    (CARD, office_cancels_late, [], PaymentStatus.PENDING),
    (ONLINE, patient_not_home, [(ONLINE, PRICE), (REFUND, NO_SHOW_BACK)], PaymentStatus.PAID),
    (CASH, patient_not_home, [], PaymentStatus.PENDING),
    (CARD, patient_not_home, [], PaymentStatus.PENDING),
    (ONLINE, lapses, [(ONLINE, PRICE), (REFUND, FULL)], PaymentStatus.REFUNDED),
    (CASH, lapses, [], PaymentStatus.PENDING),
    (CARD, lapses, [], PaymentStatus.PENDING),
    (ONLINE, partly_refunded, [(ONLINE, PRICE), (REFUND, Decimal("30.00"))], PaymentStatus.PAID),
    (CASH, partly_refunded, [(CASH, PRICE), (REFUND, Decimal("30.00"))], PaymentStatus.PAID),
    (CARD, partly_refunded, [(CARD, PRICE), (REFUND, Decimal("30.00"))], PaymentStatus.PAID),
]


@pytest.mark.parametrize(
    ("method", "outcome", "rows", "status"),
    [pytest.param(*case, id=f"{case[0]}-{case[1].__name__}") for case in MONEY_TABLE],
)
def test_the_money_table(patient, technician, service, area, admin_user, method, outcome, rows, status):
    booking = visit(patient, technician, service, area, method)

    outcome(booking, technician, admin_user)

    booking.refresh_from_db()
    written = Payment.objects.filter(booking=booking).order_by("pk")
    assert [(p.kind, p.amount, p.state) for p in written] == [(k, a, PaymentState.CONFIRMED) for k, a in rows]
    assert booking.payment_status == status
    assert booking.payment_method == method
    charged = sum((a for k, a in rows if k != REFUND), Decimal("0.00"))
    refunded = sum((a for k, a in rows if k == REFUND), Decimal("0.00"))
    assert (selectors.amount_paid(booking), selectors.amount_refunded(booking)) == (charged, refunded)
    assert selectors.collected_at_door(booking) == (charged if method != ONLINE else Decimal("0.00"))
    # Every settled row has its document: receipts for charges, credit notes for refunds.
    assert [p.number[:4] for p in written] == ["HC-C" if p.kind == REFUND else "HC-R" for p in written]


def test_the_no_show_fee_is_a_setting(patient, technician, service, area, admin_user):
    SystemSettingsFactory(key="no_show_fee_percent", value="20")
    booking = visit(patient, technician, service, area, ONLINE)

    patient_not_home(booking, technician, admin_user)

    # 20 % of 80.25 is 16.05 kept.
    assert selectors.amount_refunded(booking) == Decimal("64.20")


def test_the_patient_is_told_what_a_no_show_refunded(patient, technician, service, area, admin_user):
    booking = visit(patient, technician, service, area, ONLINE)

    patient_not_home(booking, technician, admin_user)

    told = Notification.objects.filter(user=patient, title="Your visit was cancelled").get()
    assert told.message.endswith("Your payment was refunded less the no-show fee.")


def test_the_technician_may_record_a_card_taken_for_a_cash_booking(patient, technician, service, area):
    booking = visit(patient, technician, service, area, CASH)
    services.booking_check_in(booking=booking, actor=technician.user, now=START)

    services.booking_complete(
        booking=booking, actor=technician.user, payment_collected=True, collected_by=CARD, now=START
    )

    booking.refresh_from_db()
    assert (booking.payment_method, booking.payment_status) == (CARD, PaymentStatus.PAID)


def test_a_settled_payment_cannot_be_changed(patient, technician, service, area):
    booking = visit(patient, technician, service, area, ONLINE)
    payment = booking.payments.get()

    payment.amount = Decimal("1.00")
    with pytest.raises(ValueError, match="settled"):
        payment.save()

    assert booking.payments.get().amount == PRICE


# --- The office's refunds ---------------------------------------------------------------------------------------


@pytest.fixture
def paid(patient, technician, service, area):
    booking = visit(patient, technician, service, area, ONLINE)
    complete(booking, technician)
    return booking


def refund(booking, admin, amount, **kwargs):
    return payments.booking_refund(booking=booking, actor=admin, amount=Decimal(amount), reason="Goodwill", **kwargs)


def test_a_refund_is_audited_and_the_patient_told(paid, admin_user, patient):
    made = refund(paid, admin_user, "10.00")

    entry = AdminLog.objects.get(action="booking_refunded")
    assert entry.admin_user == admin_user
    assert "Refunded $10.00 of booking" in entry.description
    assert entry.new_values["number"] == made.number
    assert Notification.objects.filter(user=patient, title="Money refunded").count() == 1


@pytest.mark.parametrize("amount", ["80.26", "0.00", "-5.00", "10.001"])
def test_a_refund_is_never_more_than_paid_nor_nonsense(paid, admin_user, amount):
    with pytest.raises(payments.RefundRefused):
        refund(paid, admin_user, amount)

    assert selectors.amount_refunded(paid) == Decimal("0.00")


def test_refunds_together_never_exceed_what_was_paid(paid, admin_user):
    refund(paid, admin_user, "50.00")
    with pytest.raises(payments.RefundRefused, match=r"At most \$30.25"):
        refund(paid, admin_user, "30.26")
    refund(paid, admin_user, "30.25")

    paid.refresh_from_db()
    assert paid.payment_status == PaymentStatus.REFUNDED
    with pytest.raises(payments.RefundRefused, match="Nothing paid"):
        refund(paid, admin_user, "0.01")


def test_a_refund_needs_a_reason_and_an_administrator(paid, admin_user, patient):
    with pytest.raises(payments.RefundRefused, match="reason"):
        payments.booking_refund(booking=paid, actor=admin_user, amount=Decimal("1.00"), reason="  ")
    with pytest.raises(payments.RefundRefused, match="administrator"):
        payments.booking_refund(booking=paid, actor=patient, amount=Decimal("1.00"), reason="Me")
    assert not Payment.objects.filter(kind=REFUND).exists()


def test_a_refused_refund_is_kept_as_failed_and_refunds_nothing(paid, admin_user, settings, patient):
    settings.PAYMENT_SANDBOX_REFUSE_REFUNDS = True

    made = refund(paid, admin_user, "20.00")

    paid.refresh_from_db()
    assert (made.state, made.number, made.failure_message) == (
        PaymentState.FAILED,
        None,
        "The test gateway refused the refund.",
    )
    assert paid.payment_status == PaymentStatus.PAID
    assert selectors.amount_refunded(paid) == Decimal("0.00")
    assert AdminLog.objects.filter(action="booking_refund_failed").count() == 1
    assert not Notification.objects.filter(user=patient, title="Money refunded").exists()


def test_a_failed_refund_can_be_retried(paid, admin_user, settings):
    settings.PAYMENT_SANDBOX_REFUSE_REFUNDS = True
    failed = refund(paid, admin_user, "20.00")
    assert payments.payment_retry_refund(payment=failed, actor=admin_user).state == PaymentState.FAILED

    settings.PAYMENT_SANDBOX_REFUSE_REFUNDS = False
    retried = payments.payment_retry_refund(payment=failed, actor=admin_user)
    again = payments.payment_retry_refund(payment=failed, actor=admin_user)

    assert (retried.pk, retried.state, retried.attempts) == (failed.pk, PaymentState.CONFIRMED, 3)
    assert retried.number.startswith("HC-C-")
    assert again.number == retried.number
    assert selectors.amount_refunded(paid) == Decimal("20.00")


def test_a_retry_never_refunds_more_than_is_left(paid, admin_user, settings):
    settings.PAYMENT_SANDBOX_REFUSE_REFUNDS = True
    failed = refund(paid, admin_user, "60.00")
    settings.PAYMENT_SANDBOX_REFUSE_REFUNDS = False
    refund(paid, admin_user, "60.00")

    with pytest.raises(payments.RefundRefused, match="At most"):
        payments.payment_retry_refund(payment=failed, actor=admin_user)
    assert selectors.amount_refunded(paid) == Decimal("60.00")


def test_a_double_submit_refunds_once(paid, admin_user):
    key = uuid.uuid4()
    first = refund(paid, admin_user, "80.25", idempotency_key=key)
    second = refund(paid, admin_user, "80.25", idempotency_key=key)

    assert first.pk == second.pk
    assert Payment.objects.filter(kind=REFUND).count() == 1


def test_a_refused_cancellation_refund_marks_nothing_refunded(patient, technician, service, area, settings):
    booking = visit(patient, technician, service, area, ONLINE)
    settings.PAYMENT_SANDBOX_REFUSE_REFUNDS = True

    with pytest.raises(services.PaymentFailed, match="refused"):
        services.booking_cancel(booking=booking, actor=patient, reason="Feeling better", now=BEFORE_DEADLINE)

    booking.refresh_from_db()
    assert (booking.status, booking.payment_status) == (BookingStatus.CONFIRMED, PaymentStatus.PAID)
    assert not Payment.objects.filter(kind=REFUND).exists()


# --- Receipts ------------------------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_numbers_are_consecutive_per_series_and_year(patient, technician, service, area, admin_user):
    first = visit(patient, technician, service, area, ONLINE)
    second = visit(patient, technician, service, area, ONLINE, start=START + timedelta(hours=3))
    office_cancels_late(second, technician, admin_user)
    later = receipts.allocate_number("R", at=datetime(2028, 1, 1, 0, 30, tzinfo=LONDON))

    numbers = list(Payment.objects.order_by("pk").values_list("number", flat=True))
    assert numbers == ["HC-R-2027-000001", "HC-R-2027-000002", "HC-C-2027-000001"]
    assert later == "HC-R-2028-000001"
    assert first.payments.get().number == "HC-R-2027-000001"


def test_the_receipt_says_who_what_when_and_how_much(paid, settings):
    SystemSettingsFactory(key="platform_name", value="HomeCure Clinics Ltd")
    SystemSettingsFactory(key="platform_address", value="12 Rue de l'Église, Kőrös House, London")
    paid.technician_notes = "Wound dressed, leg ulcer healing"
    paid.save(update_fields=["technician_notes"])

    text = pdf_text(receipts.render_pdf(paid.payments.get()))

    assert "Receipt HC-R-2027-000001" in text
    assert "HomeCure Clinics Ltd" in text
    # Latin-1 letters as they are; others without their accent.
    assert "12 Rue de l'Église" in text
    assert "Korös House" in text
    assert paid.service.name in text
    assert "16 June 2027" in text
    assert "80.25 USD" in text
    assert "Online payment" in text
    assert paid.reference in text
    assert "ulcer" not in text


def test_the_credit_note_refers_to_the_receipt(paid, admin_user):
    credit = refund(paid, admin_user, "30.00", now=START + timedelta(days=2))

    text = pdf_text(receipts.render_pdf(credit))

    assert "Credit note HC-C-2027-000001" in text
    assert "Credit for receipt: HC-R-2027-000001" in text
    assert "-30.00 USD" in text
    assert "Goodwill" not in text


def kinds_amounts_references(booking):
    return [(p.kind, p.amount, p.provider_reference) for p in booking.payments.order_by("pk")]


def test_the_data_migration_gives_earlier_paid_bookings_their_rows(patient, technician, service, area):
    common = {"user": patient, "service": service, "service_area": area, "total_amount": PRICE}
    cash = BookingFactory(**common, start=START, completed=True, payment_method=CASH)
    refunded = BookingFactory(
        **common,
        start=START + timedelta(hours=3),
        cancelled=True,
        payment_method=ONLINE,
        payment_status=PaymentStatus.REFUNDED,
        payment_reference="ch_123",
    )
    unpaid = BookingFactory(**common, start=START + timedelta(hours=6), cancelled=True, payment_method=CASH)
    # As the rows stood before payments were rows: none.
    Payment.objects.all().delete()
    DocumentCounter.objects.all().delete()

    DATA_MIGRATION.forwards(apps, None)
    DATA_MIGRATION.forwards(apps, None)

    assert kinds_amounts_references(cash) == [(CASH, PRICE, "")]
    assert kinds_amounts_references(refunded) == [(ONLINE, PRICE, "ch_123"), (REFUND, PRICE, "")]
    assert kinds_amounts_references(unpaid) == []
    assert sorted(Payment.objects.values_list("number", flat=True))[-1].startswith("HC-R-")
    assert Payment.objects.filter(number__startswith="HC-C-").count() == 1
