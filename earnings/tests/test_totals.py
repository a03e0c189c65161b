"""The dashboard's and the earnings page's figures (`earnings.selectors.totals_for`), against the
same figures added up one earning at a time from each row's own fields and properties."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from itertools import product

import pytest
from django.utils import timezone

from earnings.models import CollectedBy, EarningStatus, TechnicianEarnings
from earnings.selectors import month_start, totals_for
from earnings.tests.factories import TechnicianEarningsFactory

pytestmark = pytest.mark.django_db


def test_the_totals_are_the_sums_of_the_earnings_one_by_one(technician, other_technician):
    now = datetime.combine(timezone.localdate().replace(day=15), time(12), tzinfo=timezone.get_current_timezone())
    this_month, last_month = now - timedelta(days=2), month_start(now) - timedelta(days=3)
    for index, (collected_by, status, created_at) in enumerate(
        product(CollectedBy.values, EarningStatus.values, (this_month, last_month, month_start(now)))
    ):
        amount = Decimal("40.00") + index * Decimal("7.31")
        net = amount - amount * Decimal("0.15")
        at_the_door = collected_by == CollectedBy.TECHNICIAN
        earning = TechnicianEarningsFactory(
            technician=technician, amount=amount, net_earnings=net.quantize(Decimal("0.01"))
        )
        TechnicianEarnings.objects.filter(pk=earning.pk).update(
            collected_by=collected_by,
            collected_amount=amount if at_the_door else Decimal("0.00"),
            balance_amount=(net - amount if at_the_door else net).quantize(Decimal("0.01")),
            payment_status=status,
            payment_date=now if status == EarningStatus.PAID else None,
            created_at=created_at,
        )
    # Another technician's earning counts for them alone.
    TechnicianEarningsFactory(technician=other_technician)

    rows = list(TechnicianEarnings.objects.filter(technician=technician))
    recent = [row for row in rows if row.created_at >= month_start(now)]

    def balance(status):
        return sum((row.balance_amount for row in rows if row.payment_status == status), Decimal("0.00"))

    totals = totals_for(technician, now=now)
    assert len(rows) == 27 and len(recent) == 18
    assert totals.pending == balance(EarningStatus.PENDING)
    assert totals.on_hold == balance(EarningStatus.ON_HOLD)
    assert totals.paid == balance(EarningStatus.PAID)
    assert totals.balance == balance(EarningStatus.PENDING) + balance(EarningStatus.ON_HOLD)
    received = [row for row in recent if row.collected_by != CollectedBy.NOBODY]
    assert totals.this_month == sum((row.net_earnings for row in received), Decimal("0.00"))
    assert totals.owed_this_month == sum((row.owed_to_platform for row in recent), Decimal("0.00"))
    assert totals.visits_this_month == 18
    assert totals.awaiting_collection == 9
    assert totals.owed_this_month > 0 and totals.this_month > 0


def test_a_technician_without_earnings_has_zero_everywhere(technician):
    totals = totals_for(technician)
    assert totals.balance == totals.paid == totals.this_month == totals.owed_this_month == Decimal("0.00")
    assert totals.visits_this_month == totals.awaiting_collection == 0
