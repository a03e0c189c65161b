"""Technician earnings: created once per completed visit, paid out by admins."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from earnings.models import TechnicianEarnings
from homecure.config import get_setting
from homecure.money import money

if TYPE_CHECKING:
    from bookings.models import Booking


def net_after_commission(amount: Decimal, commission_rate: Decimal) -> Decimal:
    """What the technician keeps: the amount less the platform's commission, rounded to cents."""
    return money(amount - money(amount * commission_rate))


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
