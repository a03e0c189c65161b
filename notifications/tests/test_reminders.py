"""Visit reminders: 24 hours and 2 hours before each confirmed visit, to patient and technician, once each.

The clock is passed as `now=`. Times are real elapsed time, so the daylight-saving tests pick visits
where a wall-clock calculation would be an hour off.
"""

import threading
from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from bookings.models import BookingStatus
from notifications.models import Notification, NotificationType, ReminderKind, SentReminder
from notifications.services import reminders_send_due

LONDON = ZoneInfo("Europe/London")
VISIT = datetime(2027, 6, 16, 10, 0, tzinfo=LONDON)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def reminders():
    return sorted(
        (n.user.email, n.title) for n in Notification.objects.filter(notification_type=NotificationType.REMINDER)
    )


def test_each_reminder_goes_out_once_however_often_it_runs(
    make_booking, patient, technician, django_capture_on_commit_callbacks, mailoutbox
):
    booking = make_booking(confirmed=True, start=VISIT)

    with django_capture_on_commit_callbacks(execute=True):
        for hours_before in (30, 24, 23.9, 20, 2.5):
            reminders_send_due(now=VISIT - timedelta(hours=hours_before))
    day_before = "Reminder: your visit on Wednesday 16 June at 10:00"
    assert reminders() == [(technician.user.email, day_before), (patient.email, day_before)]

    with django_capture_on_commit_callbacks(execute=True):
        for minutes_before in (120, 119, 60, 1):
            reminders_send_due(now=VISIT - timedelta(minutes=minutes_before))
    soon = "Your visit starts at 10:00"
    assert reminders() == sorted(
        (person.email, title) for person in (patient, technician.user) for title in (day_before, soon)
    )
    assert SentReminder.objects.filter(booking=booking).count() == 4
    assert sorted(message.to[0] for message in mailoutbox) == sorted([patient.email, technician.user.email] * 2)


def test_nothing_is_sent_more_than_24_hours_ahead_or_once_the_visit_started(make_booking):
    make_booking(confirmed=True, start=VISIT)

    assert reminders_send_due(now=VISIT - timedelta(hours=24, seconds=1)) == 0
    assert reminders_send_due(now=VISIT) == 0
    assert reminders_send_due(now=VISIT + timedelta(minutes=5)) == 0
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "state",
    [
        {"cancelled": True},
        {"status": BookingStatus.PENDING},
        {"in_progress": True},
        {"completed": True},
    ],
    ids=["cancelled", "pending", "in progress", "completed"],
)
def test_only_confirmed_visits_are_reminded(make_booking, state):
    make_booking(start=VISIT, **state)

    assert reminders_send_due(now=VISIT - timedelta(hours=1)) == 0
    assert reminders_send_due(now=VISIT - timedelta(hours=20)) == 0
    assert not Notification.objects.exists()


def test_a_visit_cancelled_after_the_first_reminder_gets_no_second(make_booking, admin_user):
    from bookings.services import booking_cancel

    booking = make_booking(confirmed=True, start=VISIT)
    reminders_send_due(now=VISIT - timedelta(hours=23))
    booking_cancel(booking=booking, actor=admin_user, reason="Technician unwell", now=VISIT - timedelta(hours=5))

    assert reminders_send_due(now=VISIT - timedelta(hours=1)) == 0
    assert SentReminder.objects.filter(kind=ReminderKind.SOON).count() == 0


def test_a_visit_confirmed_at_short_notice_gets_only_the_2_hour_reminder(make_booking):
    make_booking(confirmed=True, start=VISIT)

    assert reminders_send_due(now=VISIT - timedelta(minutes=90)) == 2
    assert reminders_send_due(now=VISIT - timedelta(minutes=30)) == 0
    assert set(SentReminder.objects.values_list("kind", flat=True)) == {ReminderKind.SOON}


def test_a_new_technician_is_reminded_even_if_the_previous_one_was(make_booking, other_technician):
    booking = make_booking(confirmed=True, start=VISIT)
    reminders_send_due(now=VISIT - timedelta(hours=23))
    booking.technician = other_technician
    booking.save()

    assert reminders_send_due(now=VISIT - timedelta(hours=22)) == 1
    assert Notification.objects.filter(user=other_technician.user).count() == 1


def test_the_2_hour_reminder_is_two_real_hours_before_a_visit_just_after_clocks_go_forward(make_booking, patient):
    # Clocks go from 01:00 GMT to 02:00 BST on 28 March 2027. A visit at 03:30 BST (02:30 UTC) is
    # reminded at 00:30 GMT; counting on the wall clock would give 01:30, an hour that does not exist.
    visit = datetime(2027, 3, 28, 3, 30, tzinfo=LONDON)
    make_booking(confirmed=True, start=visit)
    reminders_send_due(now=visit - timedelta(hours=23))

    assert reminders_send_due(now=datetime(2027, 3, 28, 0, 29, tzinfo=UTC)) == 0
    assert reminders_send_due(now=datetime(2027, 3, 28, 0, 30, tzinfo=UTC)) == 2
    soon = Notification.objects.get(user=patient, title__startswith="Your visit starts")
    assert soon.title == "Your visit starts at 03:30"


def test_the_24_hour_reminder_is_24_real_hours_before_a_visit_after_clocks_go_back(make_booking, patient):
    # Clocks go from 02:00 BST back to 01:00 GMT on 25 October 2026. A visit at 10:00 GMT on that
    # Sunday is 24 hours after 11:00 BST on Saturday, not after 10:00 BST as the wall clock suggests.
    visit = datetime(2026, 10, 25, 10, 0, tzinfo=LONDON)
    make_booking(confirmed=True, start=visit)

    assert reminders_send_due(now=datetime(2026, 10, 24, 10, 30, tzinfo=LONDON)) == 0
    assert reminders_send_due(now=datetime(2026, 10, 24, 11, 0, tzinfo=LONDON)) == 2
    reminder = Notification.objects.get(user=patient)
    assert reminder.title == "Reminder: your visit on Sunday 25 October at 10:00"


def test_the_command_sends_what_is_due_and_says_how_many(make_booking):
    make_booking(confirmed=True, start=timezone.now() + timedelta(hours=5))
    out = StringIO()

    call_command("send_visit_reminders", stdout=out)
    call_command("send_visit_reminders", stdout=out)

    assert out.getvalue() == "2 reminder(s) sent.\n0 reminder(s) sent.\n"


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent runs need PostgreSQL: SQLite serializes every writer (run with DATABASE_URL=postgres://...)",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("guarded", [True, False], ids=["unique row", "negative control: no unique row"])
def test_runs_at_the_same_instant_send_each_reminder_once(make_booking, guarded):
    make_booking(confirmed=True, start=VISIT)
    constraint = next(c for c in SentReminder._meta.constraints if c.name == "reminder_once_per_visit_kind_user")
    runs = 6
    barrier = threading.Barrier(runs)
    failures = []

    def run():
        try:
            barrier.wait(timeout=30)
            reminders_send_due(now=VISIT - timedelta(hours=20))
        except Exception as error:  # a thread's exception would vanish otherwise
            failures.append(error)
        finally:
            connections.close_all()

    if not guarded:
        with connection.schema_editor() as editor:
            editor.remove_constraint(SentReminder, constraint)
    try:
        threads = [threading.Thread(target=run) for _ in range(runs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        if not guarded:
            SentReminder.objects.all().delete()
            with connection.schema_editor() as editor:
                editor.add_constraint(SentReminder, constraint)

    assert failures == []
    if guarded:
        assert Notification.objects.count() == 2
    else:
        assert Notification.objects.count() > 2
