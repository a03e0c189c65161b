from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from earnings.models import EarningStatus, PayoutMethod, TechnicianEarnings
from earnings.tests.factories import PayoutFactory, TechnicianEarningsFactory

pytestmark = pytest.mark.django_db


def _refused(earning, **changes):
    try:
        with transaction.atomic():
            TechnicianEarnings.objects.filter(pk=earning.pk).update(**changes)
    except IntegrityError:
        return True
    return False


def test_one_earning_per_booking():
    earning = TechnicianEarningsFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        TechnicianEarningsFactory(technician=earning.technician, booking=earning.booking)


@pytest.mark.parametrize("rate, refused", [(Decimal("-0.01"), True), (Decimal("0"), False), (Decimal("1"), False)])
def test_commission_rate_is_between_0_and_1(rate, refused):
    assert _refused(TechnicianEarningsFactory(), commission_rate=rate) is refused


def test_commission_rate_above_1_is_refused():
    assert _refused(TechnicianEarningsFactory(), commission_rate=Decimal("1.5"))


def test_amount_cannot_be_negative():
    assert _refused(TechnicianEarningsFactory(), amount=Decimal("-1.00"))


def test_a_paid_earning_has_a_payment_date():
    earning = TechnicianEarningsFactory()

    assert _refused(earning, payment_status=EarningStatus.PAID)
    assert not _refused(earning, payment_status=EarningStatus.PAID, payment_date=timezone.now())


def test_money_collected_at_the_door_is_the_whole_amount_and_only_there():
    door = TechnicianEarningsFactory(booking__payment_method="cash")
    online = TechnicianEarningsFactory()

    assert door.collected_amount == Decimal("80.00")
    assert _refused(door, collected_amount=Decimal("40.00"))
    assert _refused(online, collected_amount=Decimal("80.00"))
    assert not _refused(online, collected_by="technician", collected_amount=Decimal("80.00"))


def test_only_a_settled_earning_belongs_to_a_payout():
    earning = TechnicianEarningsFactory()
    payout = PayoutFactory(technician=earning.technician)

    assert _refused(earning, payout=payout)
    assert not _refused(earning, payout=payout, payment_status=EarningStatus.PAID, payment_date=timezone.now())


def test_net_and_commission_are_exact_to_the_cent():
    earning = TechnicianEarningsFactory(booking__total_amount=Decimal("33.33"))

    earning.refresh_from_db()
    # 15% of 33.33 is 4.9995, rounded half-up to 5.00.
    assert earning.amount == Decimal("33.33")
    assert earning.net_earnings == Decimal("28.33")
    assert earning.commission_amount == Decimal("5.00")


def test_an_earned_visit_is_kept():
    earning = TechnicianEarningsFactory()

    with pytest.raises(ProtectedError), transaction.atomic():
        earning.booking.delete()


def test_earning_belongs_to_the_visits_technician():
    earning = TechnicianEarningsFactory()

    assert earning.booking.technician == earning.technician
    assert earning.booking.status == "completed"
    assert list(earning.technician.earnings.all()) == [earning]


def test_str():
    earning = TechnicianEarningsFactory(
        technician__user__first_name="Nadia", technician__user__last_name="Nurse", booking__total_amount=Decimal("80")
    )

    assert str(earning) == "Nadia Nurse (Nurse) · 68.00"


def test_choices():
    assert EarningStatus.values == ["pending", "paid", "on_hold"]
    assert PayoutMethod.values == ["bank_transfer", "wallet", "cash", "other"]
