"""`manage.py seed_demo`: complete demo data, safe to run twice, with logins that work."""

from base64 import b32decode
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from accounts.models import ServiceArea, User, UserRole
from bookings.models import Booking, BookingStatus, Service, ServiceCategory
from bookings.services import eligible_technicians_for
from earnings.models import TechnicianEarnings
from homecure.base.system_settings import SETTINGS
from homecure.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_KEY, Command
from homecure.management.demo_paths import status_steps
from homecure.models import SystemSettings
from notifications.models import Notification
from records.models import HealthRecord
from technicians.models import ScheduleWindow, Specialization, Technician

PROJECT_APPS = {"accounts", "technicians", "bookings", "records", "earnings", "notifications", "homecure"}


def seed():
    out = StringIO()
    call_command("seed_demo", "--allow-without-debug", stdout=out)
    return out.getvalue()


def row_counts():
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in PROJECT_APPS
    }


def booking_snapshot():
    return list(
        Booking.objects.order_by("reference").values_list(
            "reference", "status", "technician_id", "scheduled_start", "qr_code_data", "total_amount"
        )
    )


@pytest.fixture
def seeded(db):
    return seed()


def test_running_seed_demo_twice_changes_nothing(db):
    seed()
    counts, bookings = row_counts(), booking_snapshot()
    passwords = dict(User.objects.values_list("email", "password"))

    seed()

    assert row_counts() == counts
    assert booking_snapshot() == bookings
    assert dict(User.objects.values_list("email", "password")) == passwords
    assert counts["bookings.Booking"] >= 5
    assert counts["bookings.BookingStatusHistory"] > counts["bookings.Booking"]


def test_demo_covers_every_status_category_and_specialization(seeded):
    assert set(Booking.objects.values_list("status", flat=True)) == set(BookingStatus.values)
    assert set(Service.objects.values_list("category", flat=True)) == set(ServiceCategory.values)
    verified = Technician.objects.filter(is_verified=True)
    assert set(verified.values_list("specialization", flat=True)) == set(Specialization.values)
    assert Technician.objects.filter(is_verified=False).count() == 1
    assert ServiceArea.objects.count() == 4
    assert set(SystemSettings.objects.values_list("key", flat=True)) >= set(SETTINGS)
    assert Notification.objects.exists()
    # Some technician works two windows on one day.
    assert ScheduleWindow.objects.values("technician", "weekday").distinct().count() < ScheduleWindow.objects.count()


def test_every_demo_booking_has_a_history_ending_in_its_status(seeded):
    for booking in Booking.objects.prefetch_related("history"):
        timeline = [change.to_status for change in booking.history.all()]
        assert timeline[0] == BookingStatus.PENDING
        assert timeline[-1] == booking.status


def test_cancelled_demo_booking_keeps_its_reason(seeded):
    cancelled = Booking.objects.get(status=BookingStatus.CANCELLED)
    assert cancelled.cancellation_reason
    assert cancelled.cancelled_at is not None


def test_demo_bookings_take_the_status_paths_the_scale_data_takes(seeded):
    for booking in Booking.objects.prefetch_related("history"):
        steps = [(change.from_status, change.to_status) for change in booking.history.order_by("created_at", "pk")]
        assert steps == status_steps(booking.status)


def test_completed_demo_visits_have_one_record_and_one_earning_rounded_half_up(seeded):
    completed = Booking.objects.filter(status=BookingStatus.COMPLETED)
    assert completed.exists()
    for booking in completed:
        assert HealthRecord.objects.filter(booking=booking).count() == 1
        earning = TechnicianEarnings.objects.get(booking=booking)
        assert earning.amount == booking.total_amount
        assert earning.commission_rate == Decimal("0.15")
    # 15% of 59.90 is 8.985: half-up keeps 8.99 for the platform (banker's rounding would give 8.98).
    lab_panel = TechnicianEarnings.objects.get(booking__total_amount=Decimal("59.90"))
    assert lab_panel.net_earnings == Decimal("50.91")


def test_earnings_use_the_commission_rate_in_force(db):
    SystemSettings.objects.filter(key="platform_commission_rate").update(value="0.20")

    seed()

    earning = TechnicianEarnings.objects.get(booking__total_amount=Decimal("59.90"))
    assert earning.commission_rate == Decimal("0.20")
    assert earning.net_earnings == Decimal("47.92")


def test_seed_demo_refuses_to_run_with_debug_off_unless_told(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())

    assert not User.objects.exists()


def test_printed_demo_logins_work(seeded, client):
    for user in User.objects.filter(email__endswith="@homecure.example"):
        assert user.email in seeded
        assert client.login(request=HttpRequest(), email=user.email, password=DEMO_PASSWORD), user.email
        client.logout()
    assert DEMO_PASSWORD in seeded

    # The administrator then gives the code of the app that holds the printed demo key.
    assert DEMO_TOTP_KEY in seeded
    client.login(request=HttpRequest(), email="admin@homecure.example", password=DEMO_PASSWORD)
    assert client.get(reverse("admin:index")).status_code == 302
    code = f"{TOTP(b32decode(DEMO_TOTP_KEY)).token():06d}"
    client.post(reverse("accounts:two-factor-verify"), {"code": code})
    assert client.get(reverse("admin:index")).status_code == 200


def test_seed_demo_restores_a_changed_demo_password(seeded, client):
    patient = User.objects.filter(role=UserRole.PATIENT).first()
    patient.set_password("changed-during-the-demo")
    patient.save()

    seed()

    assert client.login(request=HttpRequest(), email=patient.email, password=DEMO_PASSWORD)


# A Monday and the six days after it, away from any daylight-saving change.
A_WEEK = [date(2027, 6, 14) + timedelta(days=n) for n in range(7)]


def inside_a_window(technician, booking):
    start, end = timezone.localtime(booking.scheduled_start), timezone.localtime(booking.scheduled_end)
    return any(
        window.start_time <= start.time() and end.time() <= window.end_time and start.date() == end.date()
        for window in technician.availability_schedule.filter(weekday=start.weekday())
    )


@pytest.mark.parametrize("today", A_WEEK, ids=[day.strftime("%A") for day in A_WEEK])
def test_demo_visits_sit_in_their_technicians_hours_and_the_waiting_one_can_be_assigned_on_any_weekday(db, today):
    Command(stdout=StringIO()).seed(today=today)
    now = datetime.combine(today, time(7), tzinfo=timezone.get_current_timezone())

    waiting = Booking.objects.get(reference="HC-DEMO0007")
    offered = eligible_technicians_for(waiting, now=now)
    assert [t.user.email for t in offered] == ["tom.hughes@homecure.example"]
    assert inside_a_window(offered[0], waiting)
    for booking in Booking.objects.exclude(technician=None).select_related("technician"):
        assert inside_a_window(booking.technician, booking), booking.reference
