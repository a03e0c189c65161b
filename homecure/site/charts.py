"""The back office's trend charts: visits per day, revenue and commission, cancellations and
no-shows, and how long a booking waits to be accepted.

Each chart is ONE aggregate query, whatever the number of bookings (the query-count tests hold
this at 10 and at 1,000 bookings), and is drawn as server-side SVG (no script, no third party),
with the same figures as a table for screen readers and for anyone who wants the numbers.

Decisions:
- Revenue and commission are those of completed visits, per month of their earnings row (written
  when the visit completes), as the dashboard's "revenue this month" card counts them.
- A no-show is a visit its technician reported as "nobody at home" (`booking_report_no_show`: the
  technician cancelled a confirmed visit); every other cancellation, by the patient, the office or
  the clock, counts as a cancellation. Rates are of the visits due that month up to now.
- The time to acceptance runs from the moment a booking was made to its first confirmation (the
  technician accepting, or the office confirming), per month of booking. The median is taken in
  Python from one query of (booked, accepted) pairs, so it is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from statistics import median

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bookings.models import Booking, BookingStatus, BookingStatusHistory
from earnings.models import TechnicianEarnings
from homecure.base.dates import format_when
from homecure.base.money import format_money

# Drawing area, in SVG user units (the SVG scales to the width of its box).
WIDTH = 640
HEIGHT = 220
LEFT = 56  # room for the value labels
BOTTOM = 24  # room for the date labels
TOP = 10
DAYS = 30
MONTHS = 12


@dataclass(frozen=True)
class Segment:
    y: float
    height: float
    series: str  # CSS class of the series' colour


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    segments: tuple[Segment, ...]


@dataclass
class Chart:
    key: str
    title: str
    summary: str
    legend: list[tuple[str, str]]  # (series class, label)
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (y, label) of the value axis
    labels: list[tuple[float, str]] = field(default_factory=list)  # (x, label) of the time axis
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    width = WIDTH
    height = HEIGHT
    left = LEFT
    baseline = HEIGHT - BOTTOM


def _nice_top(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 1
    while True:
        for step in (1, 2, 2.5, 5):
            if step * power >= value:
                return step * power
        power *= 10


def _layout(chart: Chart, groups: list[list[tuple[str, float]]], *, stacked: bool, tick_label) -> None:
    """Place `groups` (per slot: (series, value) pairs) as bars, stacked or side by side."""
    totals = [sum(v for _s, v in group) if stacked else max([v for _s, v in group] or [0]) for group in groups]
    top = _nice_top(max(totals or [0]))
    plot = chart.baseline - TOP
    slot = (WIDTH - LEFT) / max(len(groups), 1)
    for index, group in enumerate(groups):
        x = LEFT + index * slot + slot * 0.15
        width = slot * 0.7
        segments = []
        if stacked:
            y = chart.baseline
            for series, value in group:
                height = plot * value / top
                y -= height
                segments.append(Segment(round(y, 2), round(height, 2), series))
            chart.bars.append(Bar(round(x, 2), round(width, 2), tuple(s for s in segments if s.height > 0)))
        else:
            each = width / max(len(group), 1)
            for position, (series, value) in enumerate(group):
                height = plot * value / top
                bar = Bar(round(x + position * each, 2), round(each, 2), ())
                segments = (Segment(round(chart.baseline - height, 2), round(height, 2), series),)
                chart.bars.append(Bar(bar.x, bar.width, segments if height > 0 else ()))
    chart.ticks = [(round(chart.baseline - plot * share, 2), tick_label(top * share)) for share in (0, 0.5, 1)]


def _month_starts(today: date) -> list[date]:
    first = today.replace(day=1)
    months = []
    for _month in range(MONTHS):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return months[::-1]


def _aware(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _month_key(moment) -> date:
    """The first day of the month that `TruncMonth` gave (a datetime or a date, by database)."""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment) if timezone.is_aware(moment) else moment
        return moment.date().replace(day=1)
    return moment.replace(day=1)


def _month_labels(chart: Chart, months: list[date]) -> None:
    slot = (WIDTH - LEFT) / len(months)
    chart.labels = [(round(LEFT + (i + 0.5) * slot, 2), date_format(m, "M")) for i, m in enumerate(months)]


STATUS_ORDER = (
    BookingStatus.COMPLETED,
    BookingStatus.IN_PROGRESS,
    BookingStatus.CONFIRMED,
    BookingStatus.PENDING,
    BookingStatus.CANCELLED,
)


def visits_per_day(*, today: date) -> Chart:
    """Visits per day of the last 30 days (today included), stacked by status: one query."""
    days = [today - timedelta(days=offset) for offset in range(DAYS - 1, -1, -1)]
    counts: dict[tuple[date, str], int] = {}
    rows = (
        Booking.objects.filter(scheduled_date__gte=days[0], scheduled_date__lte=today)
        .values_list("scheduled_date", "status")
        .annotate(visits=Count("pk"))
        .order_by()
    )
    for day, status, visits in rows:
        counts[(day, status)] = visits
    total = sum(counts.values())
    chart = Chart(
        key="visits",
        title=_("Visits per day, last 30 days"),
        summary=_("%(total)d visits from %(first)s to %(last)s, by status.")
        % {
            "total": total,
            "first": format_when(days[0], "day_month_long"),
            "last": format_when(today, "day_month_long"),
        },
        legend=[(f"hc-series-{status}", str(status.label)) for status in STATUS_ORDER],
        columns=[_("Day"), *[str(status.label) for status in STATUS_ORDER], _("Total")],
    )
    groups = [[(f"hc-series-{s}", counts.get((day, s), 0)) for s in STATUS_ORDER] for day in days]
    _layout(chart, groups, stacked=True, tick_label=lambda value: f"{value:g}")
    slot = (WIDTH - LEFT) / DAYS
    chart.labels = [
        (round(LEFT + (i + 0.5) * slot, 2), format_when(day, "day_month")) for i, day in enumerate(days) if i % 7 == 1
    ]
    for day in days:
        figures = [counts.get((day, s), 0) for s in STATUS_ORDER]
        chart.rows.append([format_when(day, "short_weekday"), *map(str, figures), str(sum(figures))])
    return chart


def revenue_per_month(*, today: date) -> Chart:
    """Revenue and the platform's commission of completed visits, per month for 12 months: one query."""
    months = _month_starts(today)
    rows = (
        TechnicianEarnings.objects.filter(created_at__gte=_aware(months[0]))
        .annotate(month=TruncMonth("created_at"))
        .values_list("month")
        .annotate(revenue=Sum("amount"), commission=Sum(F("amount") - F("net_earnings")))
        .order_by()
    )
    zero = Decimal("0.00")
    figures = dict.fromkeys(months, (zero, zero))
    for month, revenue, commission in rows:
        key = _month_key(month)
        if key in figures:
            previous = figures[key]
            figures[key] = (previous[0] + (revenue or zero), previous[1] + (commission or zero))
    total = sum((f[0] for f in figures.values()), zero)
    chart = Chart(
        key="revenue",
        title=_("Revenue and commission per month"),
        summary=_("%(total)s of completed visits in 12 months, and the platform's commission of it.")
        % {"total": format_money(total)},
        legend=[("hc-series-revenue", _("Revenue")), ("hc-series-commission", _("Commission"))],
        columns=[_("Month"), _("Revenue"), _("Commission")],
    )
    groups = [
        [("hc-series-revenue", float(figures[m][0])), ("hc-series-commission", float(figures[m][1]))] for m in months
    ]
    _layout(chart, groups, stacked=False, tick_label=lambda value: format_money(Decimal(str(round(value)))))
    _month_labels(chart, months)
    chart.rows = [[format_when(m, "month"), format_money(figures[m][0]), format_money(figures[m][1])] for m in months]
    return chart


def cancellation_rates(*, today: date, now: datetime) -> Chart:
    """The share of each month's visits (due up to now) that were cancelled or were no-shows: one query."""
    months = _month_starts(today)
    reported_by_technician = BookingStatusHistory.objects.filter(
        booking=OuterRef("pk"),
        from_status=BookingStatus.CONFIRMED,
        to_status=BookingStatus.CANCELLED,
        changed_by=OuterRef("technician__user"),
    )
    cancelled = Q(status=BookingStatus.CANCELLED)
    rows = (
        Booking.objects.filter(scheduled_start__gte=_aware(months[0]), scheduled_start__lt=now)
        .annotate(month=TruncMonth("scheduled_start"), no_show=Exists(reported_by_technician))
        .values_list("month")
        .annotate(
            visits=Count("pk"),
            cancelled=Count("pk", filter=cancelled & Q(no_show=False)),
            no_shows=Count("pk", filter=cancelled & Q(no_show=True)),
        )
        .order_by()
    )
    figures = {month: [0, 0, 0] for month in months}
    for month, visits, cancelled_count, no_shows in rows:
        key = _month_key(month)
        if key in figures:
            figures[key] = [a + b for a, b in zip(figures[key], (visits, cancelled_count, no_shows), strict=True)]

    def rate(part, whole):
        return 100 * part / whole if whole else 0.0

    visits = sum(f[0] for f in figures.values())
    chart = Chart(
        key="cancellations",
        title=_("Cancellation and no-show rate per month"),
        summary=_(
            "Of %(visits)d visits due in 12 months, %(cancelled).1f%% were cancelled "
            "and %(no_shows).1f%% were no-shows."
        )
        % {
            "visits": visits,
            "cancelled": rate(sum(f[1] for f in figures.values()), visits),
            "no_shows": rate(sum(f[2] for f in figures.values()), visits),
        },
        legend=[("hc-series-cancelled", _("Cancelled")), ("hc-series-no-show", _("No-show"))],
        columns=[_("Month"), _("Visits due"), _("Cancelled"), _("No-shows")],
    )
    groups = [
        [("hc-series-cancelled", rate(f[1], f[0])), ("hc-series-no-show", rate(f[2], f[0]))]
        for f in (figures[m] for m in months)
    ]
    _layout(chart, groups, stacked=False, tick_label=lambda value: f"{value:g}%")
    _month_labels(chart, months)
    chart.rows = [
        [format_when(m, "month"), str(f[0]), f"{f[1]} ({rate(f[1], f[0]):.1f}%)", f"{f[2]} ({rate(f[2], f[0]):.1f}%)"]
        for m, f in ((m, figures[m]) for m in months)
    ]
    return chart


def _duration(minutes: float | None) -> str:
    if minutes is None:
        return "-"
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": round(minutes)}
    if minutes < 48 * 60:
        return _("%(hours).1f h") % {"hours": minutes / 60}
    return _("%(days).1f days") % {"days": minutes / (24 * 60)}


def acceptance_times(*, today: date) -> Chart:
    """The median time from booking to first acceptance, per month of booking: one query of pairs."""
    months = _month_starts(today)
    rows = (
        Booking.objects.filter(created_at__gte=_aware(months[0]))
        .annotate(accepted=Min("history__created_at", filter=Q(history__to_status=BookingStatus.CONFIRMED)))
        .filter(accepted__isnull=False)
        .values_list("created_at", "accepted")
        .order_by()
    )
    waits: dict[date, list[float]] = {month: [] for month in months}
    for booked, accepted in rows:
        key = _month_key(booked)
        if key in waits:
            waits[key].append(max((accepted - booked).total_seconds() / 60, 0))
    medians = {month: median(values) if values else None for month, values in waits.items()}
    every = [value for values in waits.values() for value in values]
    chart = Chart(
        key="acceptance",
        title=_("Median time from booking to acceptance"),
        summary=_("Over 12 months the median booking was accepted after %(median)s (%(count)d accepted bookings).")
        % {"median": _duration(median(every) if every else None), "count": len(every)},
        legend=[("hc-series-acceptance", _("Median wait"))],
        columns=[_("Month of booking"), _("Accepted bookings"), _("Median wait")],
    )
    groups = [[("hc-series-acceptance", (medians[m] or 0) / 60)] for m in months]
    _layout(chart, groups, stacked=False, tick_label=lambda hours: _duration(hours * 60))
    _month_labels(chart, months)
    chart.rows = [[format_when(m, "month"), str(len(waits[m])), _duration(medians[m])] for m in months]
    return chart


def dashboard_charts(*, now: datetime | None = None) -> list[Chart]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    return [
        visits_per_day(today=today),
        revenue_per_month(today=today),
        cancellation_rates(today=today, now=now),
        acceptance_times(today=today),
    ]
