"""Reads of a technician's earnings: the list, the totals and the per-month figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from earnings.models import EarningStatus, TechnicianEarnings
from technicians.models import Technician

ZERO = Decimal("0.00")


def _sum(**filters):
    return Coalesce(
        Sum("net_earnings", filter=Q(**filters) if filters else None),
        Value(ZERO),
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )


def earnings_for(technician: Technician) -> QuerySet[TechnicianEarnings]:
    """The technician's own earnings, latest first, with the visit each one is for."""
    return (
        TechnicianEarnings.objects.filter(technician=technician)
        .select_related("booking__service")
        .order_by("-created_at", "-pk")
    )


def month_start(now: datetime | None = None) -> datetime:
    """Midnight on the first day of the current month in the platform's time zone."""
    today = timezone.localdate(now or timezone.now())
    return datetime.combine(today.replace(day=1), datetime.min.time(), tzinfo=timezone.get_current_timezone())


@dataclass(frozen=True)
class Totals:
    pending: Decimal
    paid: Decimal
    on_hold: Decimal
    this_month: Decimal
    visits_this_month: int


def totals_for(technician: Technician, *, now: datetime | None = None) -> Totals:
    """Net amounts waiting for payout, paid out, on hold, and earned this month, in one query."""
    since = month_start(now)
    figures = TechnicianEarnings.objects.filter(technician=technician).aggregate(
        pending=_sum(payment_status=EarningStatus.PENDING),
        paid=_sum(payment_status=EarningStatus.PAID),
        on_hold=_sum(payment_status=EarningStatus.ON_HOLD),
        this_month=_sum(created_at__gte=since),
        visits_this_month=Count("pk", filter=Q(created_at__gte=since)),
    )
    return Totals(**figures)


@dataclass(frozen=True)
class Month:
    start: date
    net: Decimal


def monthly_totals(technician: Technician, *, months: int = 12, now: datetime | None = None) -> list[Month]:
    """Net earnings per calendar month for the last `months` months (this one included), oldest first;
    a month without earnings is shown as zero, not left out."""
    starts = [month_start(now).date()]
    for _ in range(months - 1):
        starts.append(_month_before(starts[-1]))
    starts.reverse()
    since = datetime.combine(starts[0], datetime.min.time(), tzinfo=timezone.get_current_timezone())
    rows = (
        TechnicianEarnings.objects.filter(technician=technician, created_at__gte=since)
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(net=Sum("net_earnings"))
        .order_by("month")
    )
    by_month = {_as_date(row["month"]): row["net"] for row in rows}
    return [Month(start=start, net=by_month.get(start, ZERO)) for start in starts]


def _as_date(value) -> date:
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def _month_before(first_day: date) -> date:
    if first_day.month == 1:
        return first_day.replace(year=first_day.year - 1, month=12)
    return first_day.replace(month=first_day.month - 1)
