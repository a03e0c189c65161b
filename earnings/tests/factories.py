from decimal import ROUND_HALF_UP, Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from bookings.models import PaymentMethod
from bookings.tests.factories import BookingFactory
from earnings.models import EarningStatus, Payout, PayoutMethod, TechnicianEarnings
from earnings.services import collection_terms
from technicians.tests.factories import TechnicianFactory


def net_of(amount: Decimal, rate: Decimal) -> Decimal:
    """The technician's share: the amount minus the commission rounded half-up to cents."""
    return amount - (amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _terms(o):
    return collection_terms(
        payment_method=o.booking.payment_method,
        payment_status=o.booking.payment_status,
        amount=o.amount,
        net=o.net_earnings,
    )


class TechnicianEarningsFactory(DjangoModelFactory):
    """The pending earning of a completed visit of `technician`, paid online unless the booking says
    otherwise (pass `booking__payment_method=PaymentMethod.CASH` for a visit paid at the door)."""

    class Meta:
        model = TechnicianEarnings

    technician = factory.SubFactory(TechnicianFactory)
    booking = factory.SubFactory(
        BookingFactory,
        completed=True,
        technician=factory.SelfAttribute("..technician"),
        payment_method=PaymentMethod.ONLINE,
    )
    amount = factory.SelfAttribute("booking.total_amount")
    commission_rate = Decimal("0.15")
    net_earnings = factory.LazyAttribute(lambda o: net_of(o.amount, o.commission_rate))
    collected_by = factory.LazyAttribute(lambda o: _terms(o).collected_by)
    collected_amount = factory.LazyAttribute(lambda o: _terms(o).collected_amount)
    balance_amount = factory.LazyAttribute(lambda o: _terms(o).balance_amount)
    payment_status = EarningStatus.PENDING


class PayoutFactory(DjangoModelFactory):
    """A payout row of `technician`; settle earnings with `earnings.services.payout_record` instead."""

    class Meta:
        model = Payout

    technician = factory.SubFactory(TechnicianFactory)
    amount = Decimal("68.00")
    method = PayoutMethod.BANK_TRANSFER
    transaction_id = factory.Sequence(lambda n: f"TX-{n:05d}")
    paid_at = factory.LazyFunction(timezone.now)
