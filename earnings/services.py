"""Technician earnings: created once per completed visit, paid out by admins."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from earnings import signals
from earnings.models import EarningStatus, PayoutMethod, TechnicianEarnings
from homecure.base.audit import audit_event
from homecure.base.errors import ServiceError
from homecure.base.money import format_money, round_money
from homecure.base.system_settings import get_setting

if TYPE_CHECKING:
    from accounts.models import User
    from bookings.models import Booking


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


@transaction.atomic
def earning_create_for_booking(*, booking: Booking) -> TechnicianEarnings:
    """The technician's earning for a completed visit; calling it again returns the same row.

    The commission rate is the platform's rate at this moment, kept on the row so a later change
    of the setting does not rewrite what was earned.
    """
    rate = get_setting("platform_commission_rate")
    earning, _created = TechnicianEarnings.objects.get_or_create(
        booking=booking,
        defaults={
            "technician_id": booking.technician_id,
            "amount": booking.total_amount,
            "commission_rate": rate,
            "net_earnings": net_after_commission(booking.total_amount, rate),
        },
    )
    return earning


@transaction.atomic
def earning_mark_paid(
    *,
    earning: TechnicianEarnings,
    actor: User,
    method: str,
    transaction_id: str,
    now: datetime | None = None,
) -> TechnicianEarnings:
    """Record that the technician was paid (pending or on hold -> paid) and send `earnings_paid`.

    Marking a paid earning again changes nothing, so a double submit records one payout.
    """
    _require_admin(actor)
    if method not in PayoutMethod.values:
        raise PayoutError(_("Choose how the payout was made."), code="method_required")
    transaction_id = transaction_id.strip()
    if not transaction_id:
        raise PayoutError(_("Enter the transaction id of the payout."), code="transaction_id_required")
    earning = _lock(earning)
    if earning.payment_status == EarningStatus.PAID:
        return earning
    earning.payment_status = EarningStatus.PAID
    earning.payment_date = now or timezone.now()
    earning.payment_method = method
    earning.transaction_id = transaction_id[:100]
    earning.save(update_fields=["payment_status", "payment_date", "payment_method", "transaction_id", "updated_at"])
    audit_event(
        actor=actor,
        action="earning_paid",
        entity=earning,
        description=_(
            "Paid %(amount)s to %(technician)s for visit %(booking)s by %(method)s, transaction %(transaction)s."
        )
        % {
            "amount": format_money(earning.net_earnings),
            "technician": earning.technician,
            "booking": earning.booking.reference,
            "method": earning.get_payment_method_display(),
            "transaction": earning.transaction_id,
        },
    )
    signals.earnings_paid.send(sender=TechnicianEarnings, earning=earning, actor=actor)
    return earning


@transaction.atomic
def earning_put_on_hold(*, earning: TechnicianEarnings, actor: User) -> TechnicianEarnings:
    """Hold back a pending earning (a dispute, a question about the visit) until it is paid later."""
    _require_admin(actor)
    earning = _lock(earning)
    if earning.payment_status == EarningStatus.ON_HOLD:
        return earning
    if earning.payment_status == EarningStatus.PAID:
        raise PayoutError(_("This earning is already paid out."), code="already_paid")
    earning.payment_status = EarningStatus.ON_HOLD
    earning.save(update_fields=["payment_status", "updated_at"])
    audit_event(
        actor=actor,
        action="earning_put_on_hold",
        entity=earning,
        description=_("Put the earning of %(technician)s for visit %(booking)s on hold.")
        % {"technician": earning.technician, "booking": earning.booking.reference},
        previous_values={"payment_status": EarningStatus.PENDING},
        new_values={"payment_status": EarningStatus.ON_HOLD},
    )
    return earning


@transaction.atomic
def earning_release(*, earning: TechnicianEarnings, actor: User) -> TechnicianEarnings:
    """Release an earning from hold (the question is settled): it is pending payout again."""
    _require_admin(actor)
    earning = _lock(earning)
    if earning.payment_status == EarningStatus.PENDING:
        return earning
    if earning.payment_status == EarningStatus.PAID:
        raise PayoutError(_("This earning is already paid out."), code="already_paid")
    earning.payment_status = EarningStatus.PENDING
    earning.save(update_fields=["payment_status", "updated_at"])
    audit_event(
        actor=actor,
        action="earning_released",
        entity=earning,
        description=_("Released the earning of %(technician)s for visit %(booking)s from hold.")
        % {"technician": earning.technician, "booking": earning.booking.reference},
        previous_values={"payment_status": EarningStatus.ON_HOLD},
        new_values={"payment_status": EarningStatus.PENDING},
    )
    return earning
