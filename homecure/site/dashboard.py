"""Today's numbers on the back office's first page, each linking to the list it counts.

A fixed handful of aggregate queries, whatever the size of the tables.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bookings.models import Booking, BookingStatus
from earnings.models import EarningStatus, TechnicianEarnings
from homecure.base.money import format_money
from homecure.models import Contact
from technicians.models import Technician

VISIT_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)


@dataclass(frozen=True)
class Line:
    label: str
    value: str
    url: str


@dataclass(frozen=True)
class Card:
    title: str
    value: str
    detail: str
    url: str
    lines: tuple[Line, ...] = ()


#: How many technicians the "Payouts due" card names (the largest amounts either way).
PAYOUT_LINES = 5


def _payouts_due() -> Card:
    """The net balance of each technician's pending earnings (DESIGN 6): what the platform pays them,
    or what they owe it on money collected at the door. One grouped query."""
    rows = list(
        TechnicianEarnings.objects.filter(payment_status=EarningStatus.PENDING)
        .values("technician", "technician__user__first_name", "technician__user__last_name")
        .annotate(net=Sum("balance_amount"))
        .exclude(net=0)
    )
    to_pay = sum((row["net"] for row in rows if row["net"] > 0), Decimal("0.00"))
    to_collect = -sum((row["net"] for row in rows if row["net"] < 0), Decimal("0.00"))
    lines = []
    for row in sorted(rows, key=lambda row: -abs(row["net"]))[:PAYOUT_LINES]:
        name = f"{row['technician__user__first_name']} {row['technician__user__last_name']}".strip()
        template = _("pay %(amount)s") if row["net"] > 0 else _("collect %(amount)s")
        lines.append(
            Line(
                name,
                template % {"amount": format_money(abs(row["net"]))},
                _changelist(
                    TechnicianEarnings, technician__id__exact=row["technician"], payment_status__exact="pending"
                ),
            )
        )
    return Card(
        _("Payouts due"),
        format_money(to_pay),
        _("to pay technicians, net of what they collected; %(amount)s to collect from technicians")
        % {"amount": format_money(to_collect)},
        _changelist(TechnicianEarnings, payment_status__exact=EarningStatus.PENDING),
        tuple(lines),
    )


def _changelist(model, **params) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}"


def _month_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return timezone.make_aware(datetime.combine(local.date().replace(day=1), time.min))


def dashboard_cards(*, now: datetime | None = None) -> list[Card]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    month_start = _month_start(now)
    zero = Decimal("0.00")

    visits_today = Booking.objects.filter(scheduled_date=today, status__in=VISIT_STATUSES).count()
    unassigned = Booking.objects.filter(status=BookingStatus.PENDING, technician__isnull=True).count()
    # A sign-up whose address is not confirmed yet is nobody to verify: its owner may not exist.
    to_verify = Technician.objects.filter(is_verified=False, is_active=True, user__is_active=True).count()
    month = TechnicianEarnings.objects.filter(created_at__gte=month_start).aggregate(
        revenue=Sum("amount"), commission=Sum(F("amount") - F("net_earnings"))
    )
    unhandled = Contact.objects.filter(is_handled=False).count()

    month_filter = {"created_at__year": month_start.year, "created_at__month": month_start.month}
    return [
        Card(
            _("Visits today"),
            str(visits_today),
            _("booked for %(day)s, not cancelled") % {"day": date_format(today, "j M")},
            _changelist(
                Booking,
                scheduled_date__gte=today.isoformat(),
                scheduled_date__lt=(today + timedelta(days=1)).isoformat(),
                status__in=",".join(VISIT_STATUSES),
            ),
        ),
        Card(
            _("Waiting for a technician"),
            str(unassigned),
            _("pending bookings nobody is assigned to"),
            _changelist(Booking, status__exact=BookingStatus.PENDING, technician__isnull="True"),
        ),
        Card(
            _("Technicians to verify"),
            str(to_verify),
            _("active profiles whose credentials are not checked yet"),
            _changelist(Technician, is_verified__exact="0", is_active__exact="1", user__is_active__exact="1"),
        ),
        Card(
            _("Revenue this month"),
            format_money(month["revenue"] or zero),
            _("completed visits since %(day)s") % {"day": date_format(month_start, "j M")},
            _changelist(TechnicianEarnings, **month_filter),
        ),
        Card(
            _("Platform commission this month"),
            format_money(month["commission"] or zero),
            _("kept from this month's completed visits"),
            _changelist(TechnicianEarnings, **month_filter),
        ),
        _payouts_due(),
        Card(
            _("Messages to answer"),
            str(unhandled),
            _("contact messages not marked handled"),
            _changelist(Contact, is_handled__exact="0"),
        ),
    ]
