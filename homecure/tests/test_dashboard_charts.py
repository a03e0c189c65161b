"""The dashboard's trend charts: what each one counts, and that each costs ONE query whatever the
number of bookings (10 or 1,000)."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, BookingStatus, BookingStatusHistory
from bookings.tests.factories import BookingFactory, BookingStatusHistoryFactory
from earnings.models import TechnicianEarnings
from earnings.tests.factories import TechnicianEarningsFactory
from homecure.site import charts

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.get_fixed_timezone(0))


def _at(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def _row(chart, first_cell):
    return next(row for row in chart.rows if row[0] == first_cell)


def test_visits_per_day_counts_each_status_on_its_day(service, area):
    today = timezone.localdate(NOW)
    yesterday = today - timedelta(days=1)
    BookingFactory(service=service, service_area=area, start=_at(yesterday, 9), completed=True)
    BookingFactory(service=service, service_area=area, start=_at(yesterday, 11), completed=True)
    BookingFactory(service=service, service_area=area, start=_at(yesterday, 14), cancelled=True)
    BookingFactory(service=service, service_area=area, start=_at(today), confirmed=True)
    BookingFactory(service=service, service_area=area, start=_at(today - timedelta(days=30)), completed=True)

    chart = charts.visits_per_day(today=today)

    assert chart.columns == ["Day", "Completed", "In progress", "Confirmed", "Pending", "Cancelled", "Total"]
    assert len(chart.rows) == 30
    assert _row(chart, "Sun 14 Jun") == ["Sun 14 Jun", "2", "0", "0", "0", "1", "3"]
    assert chart.rows[-1] == ["Mon 15 Jun", "0", "0", "1", "0", "0", "1"]
    assert chart.summary.startswith("4 visits from 17 May to 15 June")
    # Yesterday's bar stacks its two statuses: 3 visits on a scale that runs to 5.
    yesterday_bar = chart.bars[-2]
    assert [s.series for s in yesterday_bar.segments] == ["hc-series-completed", "hc-series-cancelled"]
    assert sum(s.height for s in yesterday_bar.segments) == pytest.approx(
        (chart.baseline - charts.TOP) * 3 / 5, abs=0.05
    )
    assert [label for _y, label in chart.ticks] == ["0", "2.5", "5"]


def test_revenue_and_commission_fall_in_the_month_the_visit_completed(technician):
    may = TechnicianEarningsFactory(technician=technician, amount=Decimal("100.00"), net_earnings=Decimal("85.00"))
    june = TechnicianEarningsFactory(technician=technician, amount=Decimal("80.00"), net_earnings=Decimal("68.00"))
    old = TechnicianEarningsFactory(technician=technician, amount=Decimal("50.00"), net_earnings=Decimal("42.50"))
    TechnicianEarnings.objects.filter(pk=may.pk).update(created_at=datetime(2026, 5, 3, 9, tzinfo=NOW.tzinfo))
    TechnicianEarnings.objects.filter(pk=june.pk).update(created_at=datetime(2026, 6, 1, 9, tzinfo=NOW.tzinfo))
    TechnicianEarnings.objects.filter(pk=old.pk).update(created_at=datetime(2025, 5, 30, 9, tzinfo=NOW.tzinfo))

    chart = charts.revenue_per_month(today=timezone.localdate(NOW))

    assert len(chart.rows) == 12
    assert chart.rows[0][0] == "July 2025"
    assert _row(chart, "May 2026")[1:] == ["$100.00", "$15.00"]
    assert _row(chart, "June 2026")[1:] == ["$80.00", "$12.00"]
    assert "$180.00" in chart.summary


def test_a_no_show_is_the_technicians_report_and_other_cancellations_are_cancellations(
    technician, patient, service, area
):
    due = _at(timezone.localdate(NOW) - timedelta(days=3))
    BookingFactory(technician=technician, service=service, service_area=area, start=due, completed=True)
    BookingFactory(
        technician=technician, service=service, service_area=area, start=due + timedelta(hours=2), completed=True
    )
    by_patient = BookingFactory(
        user=patient, service=service, service_area=area, start=due + timedelta(hours=4), cancelled=True
    )
    BookingStatusHistoryFactory(
        booking=by_patient, from_status=BookingStatus.PENDING, to_status=BookingStatus.CANCELLED, changed_by=patient
    )
    nobody_home = BookingFactory(
        technician=technician, service=service, service_area=area, start=due + timedelta(hours=6), cancelled=True
    )
    BookingStatusHistoryFactory(
        booking=nobody_home,
        from_status=BookingStatus.CONFIRMED,
        to_status=BookingStatus.CANCELLED,
        changed_by=technician.user,
    )
    # Not due yet: not counted.
    BookingFactory(service=service, service_area=area, start=NOW + timedelta(days=2), cancelled=True)

    chart = charts.cancellation_rates(today=timezone.localdate(NOW), now=NOW)

    assert _row(chart, "June 2026")[1:] == ["4", "1 (25.0%)", "1 (25.0%)"]
    assert "25.0% were cancelled and 25.0% were no-shows" in chart.summary


def test_the_median_wait_runs_from_booking_to_first_acceptance(technician, service, area):
    booked = datetime(2026, 6, 2, 8, tzinfo=NOW.tzinfo)
    for hours in (1, 3, 10):
        booking = BookingFactory(technician=technician, service=service, service_area=area, confirmed=True)
        Booking.objects.filter(pk=booking.pk).update(created_at=booked)
        BookingStatusHistoryFactory(
            booking=booking, to_status=BookingStatus.CONFIRMED, created_at=booked + timedelta(hours=hours)
        )
        # A later confirmation (after a decline) does not count.
        BookingStatusHistoryFactory(
            booking=booking, to_status=BookingStatus.CONFIRMED, created_at=booked + timedelta(days=5)
        )
    never = BookingFactory(service=service, service_area=area)
    Booking.objects.filter(pk=never.pk).update(created_at=booked)

    chart = charts.acceptance_times(today=timezone.localdate(NOW))

    assert _row(chart, "June 2026")[1:] == ["3", "3.0 h"]
    assert _row(chart, "May 2026")[1:] == ["0", "-"]
    assert "accepted after 3.0 h (3 accepted bookings)" in chart.summary


def _bulk(count, *, technician, patient, service, area):
    """`count` bookings an hour apart back from now, in every status, with their history and earnings."""
    statuses = list(BookingStatus)
    bookings = []
    for n in range(count):
        booking = Booking(
            reference=f"HCQ{n:07d}",
            user=patient,
            technician=technician,
            service=service,
            service_area=area,
            status=statuses[n % len(statuses)],
            service_address="1 Camden Road",
            total_amount=Decimal("80.00"),
        )
        booking.set_schedule(NOW - timedelta(hours=n), 60)
        bookings.append(booking)
    Booking.objects.bulk_create(bookings)
    BookingStatusHistory.objects.bulk_create(
        BookingStatusHistory(
            booking=b, from_status=BookingStatus.PENDING, to_status=BookingStatus.CONFIRMED, created_at=NOW
        )
        for b in bookings
    )
    TechnicianEarnings.objects.bulk_create(
        TechnicianEarnings(
            technician=technician,
            booking=b,
            amount=b.total_amount,
            commission_rate=Decimal("0.15"),
            net_earnings=Decimal("68.00"),
        )
        for b in bookings
        if b.status == BookingStatus.COMPLETED
    )


CHARTS = {
    "visits": lambda: charts.visits_per_day(today=timezone.localdate(NOW)),
    "revenue": lambda: charts.revenue_per_month(today=timezone.localdate(NOW)),
    "cancellations": lambda: charts.cancellation_rates(today=timezone.localdate(NOW), now=NOW),
    "acceptance": lambda: charts.acceptance_times(today=timezone.localdate(NOW)),
}


@pytest.mark.parametrize("name", CHARTS)
@pytest.mark.parametrize("bookings", [10, 1000])
def test_each_chart_is_one_query(name, bookings, technician, patient, service, area):
    _bulk(bookings, technician=technician, patient=patient, service=service, area=area)
    CHARTS[name]()  # the platform's settings (the currency) are cached from here on

    with CaptureQueriesContext(connection) as queries:
        chart = CHARTS[name]()

    assert len(queries) == 1
    assert chart.rows and chart.bars


def test_the_dashboard_costs_the_same_queries_for_10_and_1000_bookings(
    admin_client, technician, patient, service, area
):
    _bulk(10, technician=technician, patient=patient, service=service, area=area)
    admin_client.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(reverse("admin:index"))
    TechnicianEarnings.objects.all().delete()
    Booking.objects.all().delete()
    _bulk(1000, technician=technician, patient=patient, service=service, area=area)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(reverse("admin:index"))

    assert len(few) == len(many)
    page = response.content.decode()
    for title in (
        "Visits per day, last 30 days",
        "Revenue and commission per month",
        "Cancellation and no-show rate per month",
        "Median time from booking to acceptance",
    ):
        assert title in page
    assert page.count("Figures as a table") == 4
