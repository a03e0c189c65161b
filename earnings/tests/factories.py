from decimal import ROUND_HALF_UP, Decimal

import factory
from factory.django import DjangoModelFactory

from bookings.tests.factories import BookingFactory
from earnings.models import EarningStatus, TechnicianEarnings
from technicians.tests.factories import TechnicianFactory


def net_of(amount: Decimal, rate: Decimal) -> Decimal:
    """The technician's share: the amount minus the commission rounded half-up to cents."""
    return amount - (amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class TechnicianEarningsFactory(DjangoModelFactory):
    """The pending earning of a completed visit of `technician`."""

    class Meta:
        model = TechnicianEarnings

    technician = factory.SubFactory(TechnicianFactory)
    booking = factory.SubFactory(BookingFactory, completed=True, technician=factory.SelfAttribute("..technician"))
    amount = factory.SelfAttribute("booking.total_amount")
    commission_rate = Decimal("0.15")
    net_earnings = factory.LazyAttribute(lambda o: net_of(o.amount, o.commission_rate))
    payment_status = EarningStatus.PENDING
