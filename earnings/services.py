"""Technician earnings: created once per completed visit, settled by payouts that the office records.

The balance rule (DESIGN 6) lives in `collection_terms`: a visit paid online leaves the platform
owing the technician the net; a visit paid at the door (cash or card the technician took) leaves
the technician owing the platform its commission; a visit whose money nobody received adds
nothing, so nothing is ever paid out for money the platform never had.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import PaymentMethod, PaymentStatus
from earnings import signals
from earnings.models import CollectedBy, EarningStatus, Payout, PayoutMethod, TechnicianEarnings, money_received
from homecure.base.audit import audit_event
from homecure.base.errors import ServiceError
from homecure.base.money import format_money, round_money
from homecure.base.system_settings import get_setting
from technicians.models import Technician

if TYPE_CHECKING:
    from accounts.models import User
    from bookings.models import Booking

#: The longest reason kept for a hold or a release (the field's length).
REASON_MAX_LENGTH = 500


class PayoutError(ServiceError):
    """A payout change that cannot be made; `message` is meant for the administrator."""


def _require_admin(actor: User) -> None:
    if not (actor and actor.is_active_admin):
        raise PayoutError(_("Only an administrator can record payouts."), code="not_allowed")


def _lock(earning: TechnicianEarnings) -> TechnicianEarnings:
    return (
        TechnicianEarnings.objects.select_for_update(of=("self",))
        .select_related("technician__user", "booking")
        .get(pk=earning.pk)
    )


def net_after_commission(amount: Decimal, commission_rate: Decimal) -> Decimal:
    """What the technician keeps: the amount less the platform's commission, rounded to cents."""
    return round_money(amount - round_money(amount * commission_rate))


@dataclass(frozen=True)
class Collection:
    """Who received the patient's money and what the visit adds to the technician's balance."""

    collected_by: str
    collected_amount: Decimal
    balance_amount: Decimal


def collection_terms(*, payment_method: str, payment_status: str, amount: Decimal, net: Decimal) -> Collection:
    """The balance rule, from the booking's payment when the visit completed.

    Paid online: the platform holds the money and owes the technician the net. Paid at the door
    (cash or card collected by the technician): the technician keeps the amount and owes the
    platform the commission. Not paid: nothing is due either way until the money is received.
    """
    if payment_status != PaymentStatus.PAID:
        return Collection(CollectedBy.NOBODY, Decimal("0.00"), Decimal("0.00"))
    if payment_method == PaymentMethod.ONLINE:
        return Collection(CollectedBy.PLATFORM, Decimal("0.00"), net)
    return Collection(CollectedBy.TECHNICIAN, amount, net - amount)


@transaction.atomic
def earning_create_for_booking(*, booking: Booking) -> TechnicianEarnings:
    """The technician's earning for a completed visit; calling it again returns the same row.

    The commission rate is the platform's rate at this moment, kept on the row so a later change
    of the setting does not rewrite what was earned; who collected the money is kept with it.
    """
    rate = get_setting("platform_commission_rate")
    net = net_after_commission(booking.total_amount, rate)
    terms = collection_terms(
        payment_method=booking.payment_method,
        payment_status=booking.payment_status,
        amount=booking.total_amount,
        net=net,
    )
    earning, _created = TechnicianEarnings.objects.get_or_create(
        booking=booking,
        defaults={
            "technician_id": booking.technician_id,
            "amount": booking.total_amount,
            "commission_rate": rate,
            "net_earnings": net,
            "collected_by": terms.collected_by,
            "collected_amount": terms.collected_amount,
            "balance_amount": terms.balance_amount,
        },
    )
    return earning


def _clean_payout_fields(method: str, transaction_id: str) -> str:
    if method not in PayoutMethod.values:
        raise PayoutError(_("Choose how the payout was made."), code="method_required")
    transaction_id = (transaction_id or "").strip()
    if not transaction_id:
        raise PayoutError(_("Enter the transaction id of the payout."), code="transaction_id_required")
    if len(transaction_id) > 100:
        raise PayoutError(_("The transaction id is at most 100 characters."), code="transaction_id_too_long")
    return transaction_id


def _lock_for_payout(technician: Technician, earning_ids: list[int]) -> list[TechnicianEarnings]:
    """Lock the technician (one payout of theirs at a time), then the chosen earnings, in key order."""
    Technician.objects.select_for_update().filter(pk=technician.pk).first()
    earnings = list(
        TechnicianEarnings.objects.select_for_update(of=("self",))
        .filter(pk__in=earning_ids)
        .select_related("booking")
        .order_by("pk")
    )
    if len(earnings) != len(earning_ids) or any(e.technician_id != technician.pk for e in earnings):
        raise PayoutError(_("Choose earnings of this technician only."), code="not_this_technician")
    return earnings


def _refuse_unpayable(earnings: list[TechnicianEarnings]) -> None:
    for earning in earnings:
        reference = earning.booking.reference
        if earning.payment_status == EarningStatus.PAID:
            raise PayoutError(
                _("The earning for visit %(booking)s is already settled.") % {"booking": reference},
                code="already_settled",
            )
        if earning.payment_status == EarningStatus.ON_HOLD:
            raise PayoutError(
                _("The earning for visit %(booking)s is on hold: release it first.") % {"booking": reference},
                code="on_hold",
            )
        if not money_received(earning.collected_by):
            raise PayoutError(
                _("Nothing was collected for visit %(booking)s, so nothing is due for it.") % {"booking": reference},
                code="not_collected",
            )


def payout_amount(earnings: Iterable[TechnicianEarnings]) -> Decimal:
    """The net of a set of earnings: positive, the platform pays; negative, the technician pays."""
    return sum((earning.balance_amount for earning in earnings), Decimal("0.00"))


@transaction.atomic
def payout_record(
    *,
    technician: Technician,
    earnings: Iterable[TechnicianEarnings | int],
    actor: User,
    method: str,
    transaction_id: str,
    now: datetime | None = None,
) -> Payout:
    """Settle these pending earnings of one technician with one payout for their net, either way.

    Every earning must be pending (not held, not settled) and its money received. An earning that
    is already settled is refused, so a double submit (or twenty at once) records one payout:
    the later ones wait for the technician's lock and then find the earnings settled.
    """
    _require_admin(actor)
    transaction_id = _clean_payout_fields(method, transaction_id)
    earning_ids = sorted({getattr(earning, "pk", earning) for earning in earnings})
    if not earning_ids:
        raise PayoutError(_("Choose at least one earning to settle."), code="nothing_chosen")
    if not all(isinstance(pk, int) and 0 < pk < 2**63 for pk in earning_ids):
        raise PayoutError(_("Choose earnings of this technician only."), code="not_this_technician")
    now = now or timezone.now()
    locked = _lock_for_payout(technician, earning_ids)
    _refuse_unpayable(locked)
    payout = Payout.objects.create(
        technician=technician,
        amount=payout_amount(locked),
        method=method,
        transaction_id=transaction_id,
        paid_at=now,
        recorded_by=actor,
    )
    TechnicianEarnings.objects.filter(pk__in=earning_ids).update(
        payout=payout,
        payment_status=EarningStatus.PAID,
        payment_date=now,
        payment_method=method,
        transaction_id=transaction_id,
        updated_at=now,
    )
    audit_event(
        actor=actor,
        action="payout_recorded",
        entity=payout,
        description=_(
            "%(direction)s %(amount)s for %(technician)s, settling %(count)s visits (%(bookings)s), "
            "by %(method)s, transaction %(transaction)s."
        )
        % {
            "direction": payout.direction_label,
            "amount": format_money(abs(payout.amount)),
            "technician": technician,
            "count": len(locked),
            "bookings": ", ".join(earning.booking.reference for earning in locked),
            "method": payout.get_method_display(),
            "transaction": transaction_id,
        },
        new_values={"amount": str(payout.amount), "earnings": earning_ids},
    )
    signals.payout_recorded.send(sender=Payout, payout=payout, actor=actor)
    return payout


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise PayoutError(_("Give a reason: the technician sees it."), code="reason_required")
    if len(reason) > REASON_MAX_LENGTH:
        raise PayoutError(
            _("Keep the reason to %(limit)s characters.") % {"limit": REASON_MAX_LENGTH}, code="reason_too_long"
        )
    return reason


@transaction.atomic
def earning_put_on_hold(*, earning: TechnicianEarnings, actor: User, reason: str) -> TechnicianEarnings:
    """Hold back a pending earning (a dispute, a question about the visit) with a reason the technician
    sees; a payout cannot settle it until it is released. Holding a held earning changes nothing."""
    _require_admin(actor)
    reason = _clean_reason(reason)
    earning = _lock(earning)
    if earning.payment_status == EarningStatus.ON_HOLD:
        return earning
    if earning.payment_status == EarningStatus.PAID:
        raise PayoutError(_("This earning is already settled."), code="already_settled")
    earning.payment_status = EarningStatus.ON_HOLD
    earning.hold_reason = reason
    earning.release_reason = ""
    earning.save(update_fields=["payment_status", "hold_reason", "release_reason", "updated_at"])
    audit_event(
        actor=actor,
        action="earning_put_on_hold",
        entity=earning,
        description=_("Put the earning of %(technician)s for visit %(booking)s on hold: %(reason)s")
        % {"technician": earning.technician, "booking": earning.booking.reference, "reason": reason},
        previous_values={"payment_status": EarningStatus.PENDING},
        new_values={"payment_status": EarningStatus.ON_HOLD, "hold_reason": reason},
    )
    signals.earning_held.send(sender=TechnicianEarnings, earning=earning, actor=actor)
    return earning


@transaction.atomic
def earning_release(*, earning: TechnicianEarnings, actor: User, reason: str) -> TechnicianEarnings:
    """Release an earning from hold (the question is settled), with a reason the technician sees:
    it is pending again. Releasing a pending earning changes nothing."""
    _require_admin(actor)
    reason = _clean_reason(reason)
    earning = _lock(earning)
    if earning.payment_status == EarningStatus.PENDING:
        return earning
    if earning.payment_status == EarningStatus.PAID:
        raise PayoutError(_("This earning is already settled."), code="already_settled")
    earning.payment_status = EarningStatus.PENDING
    earning.release_reason = reason
    earning.save(update_fields=["payment_status", "release_reason", "updated_at"])
    audit_event(
        actor=actor,
        action="earning_released",
        entity=earning,
        description=_("Released the earning of %(technician)s for visit %(booking)s from hold: %(reason)s")
        % {"technician": earning.technician, "booking": earning.booking.reference, "reason": reason},
        previous_values={"payment_status": EarningStatus.ON_HOLD},
        new_values={"payment_status": EarningStatus.PENDING, "release_reason": reason},
    )
    signals.earning_released.send(sender=TechnicianEarnings, earning=earning, actor=actor)
    return earning
