"""The technician's earnings: balance, per-month statement and chart, the list of visits, and a CSV export."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.cache import never_cache

from earnings import selectors
from earnings.exports import TECHNICIAN_COLUMNS, earnings_csv_response
from homecure.base.dates import format_when
from technicians.decorators import technician_profile_required

PAGE_SIZE = 20

# Chart geometry in SVG user units; the drawing scales to the width of the screen.
CHART_WIDTH = 360
CHART_HEIGHT = 180
CHART_TOP = 16
CHART_BOTTOM = 24
CHART_GAP = 6


@dataclass(frozen=True)
class Bar:
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal


@dataclass(frozen=True)
class MonthBars:
    earned: Bar
    owed: Bar
    label_x: Decimal
    label: str
    long_label: str
    month: selectors.Month


def _bar(x: Decimal, width: Decimal, value: Decimal, best: Decimal, plot_height: Decimal) -> Bar:
    height = (value / best * plot_height).quantize(Decimal("0.1")) if best > 0 else Decimal("0")
    return Bar(x=x.quantize(Decimal("0.1")), y=Decimal(CHART_TOP) + plot_height - height, width=width, height=height)


def _chart(months: list[selectors.Month]) -> dict:
    """Two bars a month for the SVG chart, what was earned and what is owed to the platform on
    money collected at the door, heights relative to the largest figure."""
    best = max((max(month.earned, month.owed) for month in months), default=Decimal("0"))
    plot_height = Decimal(CHART_HEIGHT - CHART_TOP - CHART_BOTTOM)
    slot = Decimal(CHART_WIDTH) / len(months)
    width = ((slot - CHART_GAP) / 2).quantize(Decimal("0.1"))
    groups = []
    for index, month in enumerate(months):
        x = slot * index + Decimal(CHART_GAP) / 2
        groups.append(
            MonthBars(
                earned=_bar(x, width, month.earned, best, plot_height),
                owed=_bar(x + width, width, month.owed, best, plot_height),
                label_x=(x + width).quantize(Decimal("0.1")),
                label=date_format(month.start, "M"),
                long_label=format_when(month.start, "month"),
                month=month,
            )
        )
    return {
        "groups": groups,
        "best": best,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_HEIGHT - CHART_BOTTOM,
        "label_y": CHART_HEIGHT - 8,
    }


@never_cache
@technician_profile_required
def earning_list(request, technician):
    now = timezone.now()
    page = Paginator(selectors.earnings_for(technician), PAGE_SIZE).get_page(request.GET.get("page"))
    months = selectors.monthly_statement(technician, now=now)
    totals = selectors.totals_for(technician, now=now)
    context = {
        "page_obj": page,
        "totals": totals,
        "balance_abs": abs(totals.balance),
        "chart": _chart(months),
        "statement": list(reversed(months)),
    }
    return render(request, "earnings/list.html", context)


@never_cache
@technician_profile_required
def earning_export(request, technician):
    """All of the technician's earnings as CSV, one row per visit."""
    earnings = selectors.earnings_for(technician).iterator(chunk_size=500)
    return earnings_csv_response(earnings, columns=TECHNICIAN_COLUMNS)
