"""`run_scheduled` runs every time-based job that is due, and running it again, or after an outage,
does nothing twice.

The world: on Wednesday 16 June 2027 at 12:00 London time an offer made 26 hours earlier is
overdue, a pending visit started an hour ago, a confirmed visit started three days ago with
nobody checked in (an outage: it was never flagged), another confirmed visit starts in 90
minutes (its 2-hour reminder is due), and a sign-up was left unconfirmed for ten days.
"""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from bookings.models import Booking, BookingDecline, BookingStatus, BookingStatusHistory, MissedVisit
from bookings.tests.factories import BookingFactory
from homecure.management import scheduled
from homecure.models import ScheduledJobRun
from notifications.models import Notification, SentReminder

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 6, 16, 12, 0, tzinfo=LONDON)
H = timedelta(hours=1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def make_world(now, patient, technician, service, area):
    def visit(start, **fields):
        return BookingFactory(
            user=patient, technician=technician, service=service, service_area=area, start=start, **fields
        )

    sign_up = account_services.user_sign_up(
        email="late@example.com", password="lantern-orchard-42", role="patient", first_name="Lee"
    )
    User.objects.filter(pk=sign_up.pk).update(date_joined=now - 10 * 24 * H)
    return {
        "overdue_offer": visit(now + 26 * H, offered_at=now - 26 * H),
        "started_pending": visit(now - H, offered_at=now - 30 * H),
        "unattended": visit(now - 72 * H, confirmed=True),
        "soon": visit(now + 90 * timedelta(minutes=1), confirmed=True),
        "sign_up": sign_up,
    }


@pytest.fixture
def world(patient, technician, other_technician, admin_user, service, area):
    return make_world(NOW, patient, technician, service, area)


@pytest.fixture
def world_now(patient, technician, other_technician, admin_user, service, area):
    """The same world around the real clock, for the commands, which take no `now`."""
    return make_world(timezone.now(), patient, technician, service, area)


def snapshot():
    """Everything the jobs write, counted."""
    return {
        "declines": BookingDecline.objects.count(),
        "history": BookingStatusHistory.objects.count(),
        "notifications": Notification.objects.count(),
        "reminders": SentReminder.objects.count(),
        "missed": MissedVisit.objects.count(),
        "users": User.objects.count(),
        "statuses": sorted(Booking.objects.values_list("reference", "status", "technician_id")),
    }


def test_one_run_does_every_due_job(world, technician, other_technician):
    results = scheduled.run_due_jobs(now=NOW)

    assert results == {
        "lapse": 2,
        "offer_expiry": 1,
        "visit_reminders": 2,
        "series_later_visits": 0,
        "unconfirmed_sign_ups": 1,
        "break_glass_summary": 0,
    }
    offer = Booking.objects.get(pk=world["overdue_offer"].pk)
    assert offer.technician == other_technician
    started = Booking.objects.get(pk=world["started_pending"].pk)
    assert (started.status, started.cancellation_reason) == (BookingStatus.CANCELLED, "No technician accepted in time.")
    unattended = Booking.objects.get(pk=world["unattended"].pk)
    assert unattended.status == BookingStatus.CANCELLED
    assert MissedVisit.objects.get().booking == unattended
    assert SentReminder.objects.filter(booking=world["soon"]).count() == 2
    assert not User.objects.filter(pk=world["sign_up"].pk).exists()
    assert ScheduledJobRun.objects.get(name="unconfirmed_sign_ups").last_run_at == NOW


def test_running_twice_acts_once(world):
    scheduled.run_due_jobs(now=NOW)
    after_first = snapshot()

    again = scheduled.run_due_jobs(now=NOW)
    a_minute_later = scheduled.run_due_jobs(now=NOW + timedelta(minutes=1))

    assert again == {
        "lapse": 0,
        "offer_expiry": 0,
        "visit_reminders": 0,
        "series_later_visits": 0,
        "unconfirmed_sign_ups": None,
        "break_glass_summary": None,
    }
    assert a_minute_later == again
    assert snapshot() == after_first


def test_after_an_outage_an_unattended_visit_is_cancelled_without_a_separate_flag(world, admin_user):
    scheduled.run_due_jobs(now=NOW)

    titles = list(Notification.objects.filter(user=admin_user).values_list("title", flat=True))
    assert "A visit was not attended" not in titles
    assert Booking.objects.get(pk=world["unattended"].pk).not_attended_at == NOW


def test_the_daily_job_runs_again_only_a_day_later(db):
    runs = []

    def job(*, now):
        runs.append(now)
        return 0

    for hours in (0, 1, 23, 24, 25, 48):
        scheduled.run_daily("test_job", job, now=NOW + hours * H)

    assert runs == [NOW, NOW + 24 * H, NOW + 48 * H]


def test_the_command_prints_what_each_job_did(world_now):
    out = StringIO()

    call_command("run_scheduled", stdout=out)
    call_command("run_scheduled", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[:6] == [
        "lapse: 2",
        "offer_expiry: 1",
        "visit_reminders: 2",
        "series_later_visits: 0",
        "unconfirmed_sign_ups: 1",
        "break_glass_summary: 0",
    ]
    assert lines[6:] == [
        "lapse: 0",
        "offer_expiry: 0",
        "visit_reminders: 0",
        "series_later_visits: 0",
        "unconfirmed_sign_ups: not due",
        "break_glass_summary: not due",
    ]


def test_the_old_commands_still_run_their_job_alone(world_now):
    out = StringIO()

    call_command("send_visit_reminders", stdout=out)
    call_command("delete_unconfirmed_sign_ups", stdout=out)

    assert out.getvalue().splitlines() == ["2 reminder(s) sent.", "1 unconfirmed sign-up(s) deleted."]
    offer = world_now["overdue_offer"]
    assert Booking.objects.get(pk=offer.pk).technician_id == offer.technician_id
