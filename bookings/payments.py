"""Money of a booking: the payment provider interface, the rows every movement leaves, the refund
rules and the office's refunds.

A provider turns a charge or a refund into a `PaymentResult`. The one bundled provider is a
test gateway that moves no money: card number 4242 4242 4242 4242 succeeds, any other number
is declined, which lets patients and tests walk both paths; with the `PAYMENT_SANDBOX_REFUSE_REFUNDS`
setting on it refuses every refund, which walks the failed-refund path. A real provider implements
the same two methods and is named in the `PAYMENT_PROVIDER` setting.

Every movement of money is a `Payment` row (pretix's model): an online charge, cash or a card
payment collected at the door, a refund. The booking's `payment_status` and `payment_method` are
derived from the confirmed rows by `sync_booking_payment`, the one place that sets them:

- pending: nothing was collected (yet);
- paid: money was collected and some or all of it is kept (a partial refund leaves it paid: the
  amounts are on the booking page, the receipt and the credit note);
- refunded: everything that was collected went back.

The functions here run inside the booking services' transactions, on a booking row they locked.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings import receipts, selectors, signals
from bookings.models import (
    Booking,
    DocumentSeries,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentState,
    PaymentStatus,
)
from homecure.base.audit import audit_event
from homecure.base.errors import ServiceError
from homecure.base.money import format_money, round_money
from homecure.base.system_settings import get_setting

if TYPE_CHECKING:
    from accounts.models import User

#: The provider name of money the technician took at the door, and of its return by the office.
DOOR_PROVIDER = "door"
OFFICE_PROVIDER = "office"


@dataclass(frozen=True)
class PaymentResult:
    ok: bool
    transaction_id: str = ""
    message: str = ""


class PaymentProvider:
    code = ""
    name = ""
    is_test = False

    def charge(self, *, amount: Decimal, currency: str, reference: str, card_number: str) -> PaymentResult:
        raise NotImplementedError

    def refund(self, *, amount: Decimal, currency: str, reference: str) -> PaymentResult:
        raise NotImplementedError


class SandboxGateway(PaymentProvider):
    """Moves no money. For demonstrations and tests only, and labelled so on every page that uses it."""

    code = "sandbox"
    name = gettext_lazy("Test gateway (no real money)")
    is_test = True
    SUCCESS_CARD = "4242424242424242"

    def charge(self, *, amount, currency, reference, card_number):
        digits = "".join(ch for ch in card_number if ch.isdigit())
        if digits != self.SUCCESS_CARD:
            return PaymentResult(ok=False, message=str(_("The card was declined by the test gateway.")))
        return PaymentResult(ok=True, transaction_id=f"test_{secrets.token_hex(8)}")

    def refund(self, *, amount, currency, reference):
        if getattr(settings, "PAYMENT_SANDBOX_REFUSE_REFUNDS", False):
            return PaymentResult(ok=False, message=str(_("The test gateway refused the refund.")))
        return PaymentResult(ok=True, transaction_id=f"test_refund_{secrets.token_hex(8)}")


def get_provider() -> PaymentProvider:
    path = getattr(settings, "PAYMENT_PROVIDER", "bookings.payments.SandboxGateway")
    return import_string(path)()


def provider_code(provider: PaymentProvider) -> str:
    return (provider.code or type(provider).__name__)[:60]


class RefundRefused(ServiceError):
    """A refund the office asked for that cannot be made (too much, no reason, nothing paid)."""

    code = "refund_refused"


class RefundCause(TextChoices):
    """Why a booking's money goes back when it is cancelled: the refund rules (`refund_due`)."""

    PATIENT = "patient", gettext_lazy("Cancelled by the patient in time")
    OFFICE = "office", gettext_lazy("Cancelled by the office")
    NO_SHOW = "no_show", gettext_lazy("The patient was not at home")
    LAPSED = "lapsed", gettext_lazy("Nobody accepted or attended the visit")


# --- Reading the rows ------------------------------------------------------------------------------------------


def balance(booking: Booking) -> Decimal:
    """What was collected for `booking` and not refunded yet: the most a refund may return."""
    return selectors.amount_paid(booking) - selectors.amount_refunded(booking)


def refund_due(booking: Booking, *, cause: str) -> Decimal:
    """How much of `booking`'s money goes back when it is cancelled for `cause` (DESIGN 4.3).

    Everything still held, except after a patient's no-show, which keeps `no_show_fee_percent` of
    what was paid (rounded to the cent) and returns the rest. Nothing when nothing was collected
    (a cash visit cancelled before the door).
    """
    held = balance(booking)
    if cause == RefundCause.NO_SHOW:
        fee = round_money(selectors.amount_paid(booking) * Decimal(get_setting("no_show_fee_percent")) / 100)
        held -= fee
    return max(held, Decimal("0.00"))


def sync_booking_payment(booking: Booking) -> list[str]:
    """Set `booking.payment_status`, `payment_method` and `payment_reference` from its confirmed rows;
    the names of the fields to save. The only code that sets them."""
    paid, refunded = selectors.amount_paid(booking), selectors.amount_refunded(booking)
    if paid <= 0:
        status = PaymentStatus.PENDING
    elif refunded >= paid:
        status = PaymentStatus.REFUNDED
    else:
        status = PaymentStatus.PAID
    booking.payment_status = status
    charge = _latest_charge(booking)
    if charge is not None:
        booking.payment_method = PaymentMethod(charge.kind)
        booking.payment_reference = charge.provider_reference
    return ["payment_status", "payment_method", "payment_reference"]


def _latest_charge(booking: Booking) -> Payment | None:
    return (
        booking.payments.filter(kind__in=(PaymentKind.ONLINE, PaymentKind.CASH, PaymentKind.CARD))
        .filter(state=PaymentState.CONFIRMED)
        .order_by("-settled_at", "-pk")
        .first()
    )


# --- Writing the rows (inside the caller's transaction, on a locked booking) ------------------------------------


def settle(payment: Payment, *, reference: str, now: datetime) -> None:
    """Mark `payment` confirmed at `now` with the provider's `reference` and number its receipt or credit note
    (the caller saves it, in the transaction that took the number)."""
    series = DocumentSeries.CREDIT_NOTE if payment.is_refund else DocumentSeries.RECEIPT
    payment.state = PaymentState.CONFIRMED
    payment.provider_reference = reference[:100]
    payment.failure_message = ""
    payment.settled_at = now
    payment.number = receipts.allocate_number(series, at=now)


def record_charge(
    *, booking: Booking, kind: str, provider: str, reference: str = "", actor: User | None, now: datetime
) -> Payment:
    """Keep money received for `booking` (its whole total) as a confirmed row with its receipt number."""
    payment = Payment(
        booking=booking,
        kind=PaymentKind(kind),
        amount=booking.total_amount,
        currency=get_setting("currency"),
        provider=provider,
        created_by=actor,
        created_at=now,
    )
    settle(payment, reference=reference, now=now)
    payment.save()
    return payment


def _attempt_refund(payment: Payment, *, now: datetime) -> None:
    """Ask for `payment`'s money back where it was paid and keep the answer on the row (saved).

    Money paid online goes back through the provider; money taken at the door is returned by the
    office itself (by bank transfer or in cash), which it records here as done.
    """
    charge = _latest_charge(payment.booking)
    if charge is not None and charge.kind == PaymentKind.ONLINE:
        provider = get_provider()
        payment.provider = provider_code(provider)
        result = provider.refund(amount=payment.amount, currency=payment.currency, reference=payment.booking.reference)
    else:
        payment.provider = OFFICE_PROVIDER
        result = PaymentResult(ok=True)
    if result.ok:
        settle(payment, reference=result.transaction_id, now=now)
    else:
        payment.state = PaymentState.FAILED
        payment.failure_message = (result.message or _("The provider refused the refund."))[:500]
    payment.save()


def refund_on_cancellation(booking: Booking, *, cause: str, actor: User | None, now: datetime) -> Decimal:
    """Return what the refund rules give back for a cancellation of the locked `booking`; the amount.

    Raises `RefundRefused` when the provider refuses: the caller's transaction (the cancellation)
    rolls back with it, so nothing is marked refunded that was not.
    """
    amount = refund_due(booking, cause=cause)
    if amount <= 0:
        return Decimal("0.00")
    payment = Payment(
        booking=booking,
        kind=PaymentKind.REFUND,
        amount=amount,
        currency=get_setting("currency"),
        reason=str(RefundCause(cause).label),
        created_by=actor,
        created_at=now,
    )
    _attempt_refund(payment, now=now)
    if not payment.is_settled:
        raise RefundRefused(payment.failure_message, code="refund_failed")
    return amount


# --- The office's refunds ------------------------------------------------------------------------------------------


def _lock(booking: Booking) -> Booking:
    return Booking.objects.select_for_update(of=("self",)).select_related("user", "service").get(pk=booking.pk)


def _after_refund(payment: Payment, *, actor: User) -> None:
    """Audit the office's refund attempt; when it went through, update the booking and tell the patient."""
    booking = payment.booking
    facts = {"amount": format_money(payment.amount), "booking": booking.reference, "reason": payment.reason}
    if payment.is_settled:
        description = _("Refunded %(amount)s of booking %(booking)s. Reason: %(reason)s") % facts
    else:
        description = _("Refund of %(amount)s of booking %(booking)s failed (%(answer)s). Reason: %(reason)s") % {
            **facts,
            "answer": payment.failure_message,
        }
    audit_event(
        actor=actor,
        action="booking_refunded" if payment.is_settled else "booking_refund_failed",
        entity=booking,
        description=description,
        new_values={
            "payment": payment.pk,
            "amount": str(payment.amount),
            "state": payment.state,
            "number": payment.number,
        },
    )
    if payment.is_settled:
        booking.save(update_fields=[*sync_booking_payment(booking), "updated_at"])
        signals.booking_refunded.send(sender=Booking, booking=booking, actor=actor, payment=payment)


def _check_refund(booking: Booking, amount: Decimal) -> None:
    if amount is None or amount <= 0 or amount != round_money(amount):
        raise RefundRefused(_("Enter an amount above zero, in cents at most."), code="amount")
    left = balance(booking)
    if left <= 0:
        raise RefundRefused(_("Nothing paid for this booking is left to refund."), code="nothing_paid")
    if amount > left:
        raise RefundRefused(
            _("At most %(left)s can be refunded: what was paid less what was refunded already.")
            % {"left": format_money(left)},
            code="amount",
        )


@transaction.atomic
def booking_refund(
    *,
    booking: Booking,
    actor: User,
    amount: Decimal,
    reason: str,
    idempotency_key: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Payment:
    """The office returns `amount` of a paid booking's money (all or part of it), with a reason.

    Never more than was paid less what was refunded already. The refund row is kept whatever the
    provider answers: a refused refund stays failed, visible to the office, and may be retried
    (`payment_retry_refund`); only a confirmed one changes the booking's payment status, gets a
    credit note and tells the patient. A form submitted twice with the same `idempotency_key`
    refunds once and returns the first refund.
    """
    now = now or timezone.now()
    if not (actor and actor.is_active_admin):
        raise RefundRefused(_("Only an administrator can refund a booking."), code="not_allowed")
    booking = _lock(booking)
    if idempotency_key is not None:
        existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.booking_id != booking.pk:
                raise RefundRefused(_("This form was already used for another booking."), code="wrong_key")
            return existing
    reason = (reason or "").strip()
    if not reason:
        raise RefundRefused(_("Please give a reason."), code="reason")
    _check_refund(booking, amount)
    payment = Payment(
        booking=booking,
        kind=PaymentKind.REFUND,
        amount=amount,
        currency=get_setting("currency"),
        reason=reason[:500],
        idempotency_key=idempotency_key,
        created_by=actor,
        created_at=now,
    )
    try:
        with transaction.atomic():
            _attempt_refund(payment, now=now)
    except IntegrityError:
        # The same form, submitted at the same instant from another tab: its refund is the one.
        return Payment.objects.get(idempotency_key=idempotency_key)
    _after_refund(payment, actor=actor)
    return payment


@transaction.atomic
def payment_retry_refund(*, payment: Payment, actor: User, now: datetime | None = None) -> Payment:
    """Ask the provider again for a refund it refused. A refund that went through meanwhile is left as
    it is; one that would now return more than is left (another refund was made since) is refused."""
    now = now or timezone.now()
    if not (actor and actor.is_active_admin):
        raise RefundRefused(_("Only an administrator can refund a booking."), code="not_allowed")
    booking = _lock(payment.booking)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    payment.booking = booking
    if payment.is_settled:
        return payment
    if not payment.can_retry:
        raise RefundRefused(_("Only a failed refund can be tried again."), code="wrong_state")
    _check_refund(booking, payment.amount)
    payment.attempts += 1
    _attempt_refund(payment, now=now)
    _after_refund(payment, actor=actor)
    return payment
