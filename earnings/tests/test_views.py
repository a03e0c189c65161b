"""The technician's earnings pages: list, totals, per-month chart and the CSV export."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import PaymentMethod, PaymentStatus
from bookings.tests.factories import BookingFactory, ServiceFactory
from earnings.models import EarningStatus, PayoutMethod, TechnicianEarnings
from earnings.selectors import month_start
from earnings.services import earning_put_on_hold, earning_release, payout_record
from earnings.tests.factories import TechnicianEarningsFactory
from homecure.base.csv_cells import safe_cell

pytestmark = pytest.mark.django_db


def earning(technician, *, amount="80.00", net="68.00", created=None, **fields):
    row = TechnicianEarningsFactory(technician=technician, amount=Decimal(amount), net_earnings=Decimal(net), **fields)
    if created is not None:
        type(row).objects.filter(pk=row.pk).update(created_at=created)
        row.refresh_from_db()
    return row


def at_the_door(technician, *, amount="80.00", **fields):
    """The earning of a visit paid in cash to the technician at the door."""
    return TechnicianEarningsFactory(
        technician=technician, booking__payment_method=PaymentMethod.CASH, amount=Decimal(amount), **fields
    )


def last_month():
    return month_start() - timedelta(days=3)


def test_list_shows_amount_commission_net_and_payout_status(technician_client, technician):
    earning(
        technician,
        amount="120.00",
        net="102.00",
        payment_status=EarningStatus.PAID,
        payment_date=timezone.now(),
        payment_method=PayoutMethod.BANK_TRANSFER,
    )

    response = technician_client.get(reverse("earnings:list"))

    html = response.content.decode()
    assert response.status_code == 200
    for text in ("$120.00", "Commission 15%", "$18.00", "$102.00", "Paid", "Bank transfer"):
        assert text in html


def test_totals_add_up_in_decimal(technician_client, technician, other_technician):
    earning(technician, amount="45.50", net="38.67")
    earning(technician, amount="80.00", net="68.00")
    earning(technician, amount="33.33", net="28.33", payment_status=EarningStatus.ON_HOLD)
    earning(
        technician,
        amount="99.99",
        net="84.99",
        payment_status=EarningStatus.PAID,
        payment_date=timezone.now(),
        created=last_month(),
    )
    earning(technician, amount="10.10", net="8.59", payment_status=EarningStatus.PAID, payment_date=timezone.now())
    earning(other_technician, amount="500.00", net="425.00")

    totals = technician_client.get(reverse("earnings:list")).context["totals"]

    assert totals.pending == Decimal("106.67")
    assert totals.paid == Decimal("93.58")
    assert totals.on_hold == Decimal("28.33")
    assert totals.this_month == Decimal("143.59")
    assert totals.visits_this_month == 4
    assert all(isinstance(value, Decimal) for value in (totals.pending, totals.paid, totals.this_month))


def test_totals_are_zero_without_earnings(technician_client):
    totals = technician_client.get(reverse("earnings:list")).context["totals"]

    assert (totals.pending, totals.paid, totals.this_month) == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
    assert "No earnings yet." in technician_client.get(reverse("earnings:list")).content.decode()


def test_chart_has_two_bars_per_month_earned_and_owed_to_the_platform(technician_client, technician):
    earning(technician, net="68.00")
    earning(technician, net="32.00")
    earning(technician, net="50.00", created=last_month())
    earning(technician, net="999.00", created=month_start() - timedelta(days=400))
    at_the_door(technician, amount="80.00")  # earns 68.00, owes 12.00 commission

    response = technician_client.get(reverse("earnings:list"))

    statement = response.context["statement"]
    groups = response.context["chart"]["groups"]
    assert len(statement) == len(groups) == 12
    assert statement[0].start == timezone.localdate().replace(day=1)
    assert [(m.earned, m.owed) for m in statement[:2]] == [
        (Decimal("168.00"), Decimal("12.00")),
        (Decimal("50.00"), Decimal("0.00")),
    ]
    assert sum(m.earned for m in statement[2:]) == Decimal("0.00")
    assert (groups[-1].earned.height, groups[-1].owed.height) == (Decimal("140.0"), Decimal("10.0"))
    assert groups[-2].earned.height == Decimal("41.7")
    assert groups[0].earned.height == Decimal("0")
    html = response.content.decode()
    assert '<svg class="w-100 h-auto" viewBox="0 0 360 180"' in html
    assert html.count("<rect ") == 24
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_list_pages_and_runs_a_fixed_number_of_queries(technician_client, technician):
    for _ in range(25):
        earning(technician)

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = technician_client.get(reverse("earnings:list"))

    # Session, user, technician, the navbar's unread count, totals, the statement (earnings made, earnings
    # settled per month, the balance before), the page count and one page of earnings with their visit,
    # service and payout, and the settings (currency).
    assert len(captured) <= 11, "\n".join(q["sql"][:120] for q in captured)
    assert len(response.context["page_obj"]) == 20
    assert len(technician_client.get(reverse("earnings:list"), {"page": 2}).context["page_obj"]) == 5


# --- CSV export -----------------------------------------------------------------------------------------------


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_export_has_one_row_per_earning_with_decimal_amounts(technician_client, technician):
    row = earning(technician, amount="45.50", net="38.67")

    response = technician_client.get(reverse("earnings:export"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="homecure-earnings-')
    header, line = read_csv(response)
    assert header[:7] == ["Date", "Booking", "Service", "Amount", "Commission rate", "Commission", "Net"]
    assert line[1:7] == [row.booking.reference, row.booking.service.name, "45.50", "0.1500", "6.83", "38.67"]
    columns = dict(zip(header, line, strict=True))
    assert (columns["Paid by the patient"], columns["Collected at the door"], columns["Balance"]) == (
        "Paid online",
        "0.00",
        "38.67",
    )
    assert columns["Payout status"] == "Pending"


def test_csv_export_writes_iso_dates_and_local_paid_at_times(technician_client, technician):
    paid_at = timezone.make_aware(datetime(2025, 3, 2, 14, 30))
    earning(
        technician,
        created=timezone.make_aware(datetime(2025, 2, 28, 9, 0)),
        payment_status=EarningStatus.PAID,
        payment_date=paid_at,
        payment_method=PayoutMethod.BANK_TRANSFER,
    )

    header, line = read_csv(technician_client.get(reverse("earnings:export")))

    assert (line[0], line[header.index("Settled at")]) == ("2025-02-28", "2025-03-02 14:30")


def test_csv_cells_cannot_start_a_spreadsheet_formula(technician_client, technician):
    service = ServiceFactory(name='=HYPERLINK("http://evil.example","Click")')
    booking = BookingFactory(technician=technician, service=service, completed=True)
    earning(technician, booking=booking, transaction_id="+SUM(A1:A9)")
    earning(technician, transaction_id="@cmd")
    earning(technician, transaction_id="-2+3")

    rows = read_csv(technician_client.get(reverse("earnings:export")))[1:]

    cells = [cell for line in rows for cell in line]
    assert '\'=HYPERLINK("http://evil.example","Click")' in cells
    assert {"'+SUM(A1:A9)", "'@cmd", "'-2+3"} <= set(cells)
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Nurse visit", "Nurse visit"),
        (Decimal("68.00"), "68.00"),
        (None, ""),
    ],
)
def test_safe_cell_neutralises_formula_starts(value, cell):
    assert safe_cell(value) == cell


def test_month_start_is_local_midnight_on_the_first():
    start = month_start(datetime(2026, 3, 15, 12, tzinfo=timezone.get_current_timezone()))

    assert (start.day, start.hour, start.minute) == (1, 0, 0)
    assert timezone.localtime(start).month == 3


# --- Balance and the month-by-month statement ---------------------------------------------------------------


def test_statement_shows_each_months_money_and_the_running_balance(technician_client, technician, admin_user):
    before = month_start() - timedelta(days=40)  # always two months back: a month has at most 31 days
    online_before = earning(technician, created=before)  # +68.00
    door_before = at_the_door(technician)  # 80.00 collected, 12.00 owed
    TechnicianEarnings.objects.filter(pk=door_before.pk).update(created_at=before)
    payout_record(
        technician=technician,
        earnings=[online_before, door_before],
        actor=admin_user,
        method=PayoutMethod.BANK_TRANSFER,
        transaction_id="TX-1",
        now=before + timedelta(days=1),
    )
    earning(technician)  # +68.00 this month
    at_the_door(technician)
    at_the_door(technician)

    response = technician_client.get(reverse("earnings:list"))

    this, last, earlier = response.context["statement"][:3]
    assert (earlier.earned, earlier.collected, earlier.owed) == (Decimal("136.00"), Decimal("80.00"), Decimal("12.00"))
    assert (earlier.paid_out, earlier.balance) == (Decimal("56.00"), Decimal("0.00"))
    assert (last.earned, last.paid_out, last.balance) == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
    assert (this.earned, this.collected, this.owed) == (Decimal("204.00"), Decimal("160.00"), Decimal("24.00"))
    assert (this.paid_out, this.paid_in, this.balance) == (Decimal("0.00"), Decimal("0.00"), Decimal("44.00"))
    assert response.context["totals"].balance == Decimal("44.00")
    html = response.content.decode()
    assert "The platform owes you this" in html
    assert "$44.00" in html


def test_a_technician_who_owes_the_platform_sees_it_and_a_payment_they_made(technician_client, technician, admin_user):
    door = [at_the_door(technician) for _ in range(3)]
    payout_record(
        technician=technician,
        earnings=door[:2],
        actor=admin_user,
        method=PayoutMethod.CASH,
        transaction_id="RCPT-1",
    )

    response = technician_client.get(reverse("earnings:list"))

    this = response.context["statement"][0]
    assert (this.collected, this.owed, this.paid_in, this.balance) == (
        Decimal("240.00"),
        Decimal("36.00"),
        Decimal("24.00"),
        Decimal("-12.00"),
    )
    html = response.content.decode()
    assert "You owe the platform this" in html
    assert "Collected at the door" in html


def test_the_hold_reason_is_shown_to_the_technician_only(technician_client, technician, other_technician, admin_user):
    mine = earning(technician)
    theirs = earning(other_technician)
    earning_put_on_hold(earning=mine, actor=admin_user, reason="The patient asked about the length of the visit.")
    earning_put_on_hold(earning=theirs, actor=admin_user, reason="Someone else's dispute.")

    html = technician_client.get(reverse("earnings:list")).content.decode()

    assert "On hold: The patient asked about the length of the visit." in html
    assert "Someone else" not in html

    earning_release(earning=mine, actor=admin_user, reason="Confirmed by the <b>patient</b>.")
    html = technician_client.get(reverse("earnings:list")).content.decode()
    assert "Released from hold: Confirmed by the &lt;b&gt;patient&lt;/b&gt;." in html


def test_unpaid_visits_are_flagged_as_awaiting_collection(technician_client, technician):
    TechnicianEarningsFactory(technician=technician, booking__payment_status=PaymentStatus.PENDING)

    response = technician_client.get(reverse("earnings:list"))

    assert response.context["totals"].awaiting_collection == 1
    assert response.context["totals"].balance == Decimal("0.00")
    assert "1 completed visit was not paid, so nothing is due for it yet." in response.content.decode()
