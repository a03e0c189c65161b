"""The daily summary of break-glass reads: every active administrator is told, once a day, who opened
whose health record, when and why (`notifications.services.notify_break_glass_summary`, run by
`run_scheduled`)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.tests.factories import AdminUserFactory
from homecure.management import scheduled
from notifications.models import Notification
from records import services as record_services
from records.models import AccessKind, AccessReason
from records.tests.factories import HealthRecordFactory

LONDON = ZoneInfo("Europe/London")
#: Wednesday 16 June 2027, 06:00 in London: "yesterday" is Tuesday the 15th.
NOW = datetime(2027, 6, 16, 6, 0, tzinfo=LONDON)
TITLE = "Health records opened by administrators"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def record(patient):
    return HealthRecordFactory(user=patient, diagnosis="Zebra-diagnosis-4711")


def read(record, reader, at, reason="The patient asked for a copy by phone", **extra):
    access = record_services.record_log_read(
        record=record, reader=reader, reason=AccessReason.ADMIN, kind=AccessKind.VIEW, reason_given=reason, **extra
    )
    type(access).objects.filter(pk=access.pk).update(created_at=at)
    return access


def summaries():
    return Notification.objects.filter(title__startswith=TITLE).order_by("user__email")


def test_every_active_administrator_gets_yesterdays_reads_once(
    record, admin_user, patient, django_capture_on_commit_callbacks, mailoutbox
):
    colleague = AdminUserFactory(email="second.admin@example.com", first_name="Bea")
    AdminUserFactory(email="gone.admin@example.com", is_active=False)
    read(record, admin_user, datetime(2027, 6, 15, 9, 30, tzinfo=LONDON))
    read(record, colleague, datetime(2027, 6, 15, 23, 10, tzinfo=LONDON), reason="Complaint about the visit, checking")
    read(record, admin_user, datetime(2027, 6, 14, 23, 59, tzinfo=LONDON), reason="The day before yesterday")
    read(record, admin_user, datetime(2027, 6, 16, 0, 5, tzinfo=LONDON), reason="Today, for tomorrow's summary")

    with django_capture_on_commit_callbacks(execute=True):
        results = scheduled.run_due_jobs(now=NOW)

    sent = list(summaries())
    assert results["break_glass_summary"] == 2
    assert [n.user for n in sent] == [admin_user, colleague]
    message = sent[0].message
    assert sent[0].title == f"{TITLE}: 2"
    assert "Tuesday 15 June at 09:30: Ada Admin" in message
    assert f"opened the record of {patient.get_full_name()} (viewed the record)" in message
    assert "Reason: The patient asked for a copy by phone" in message
    assert "Reason: Complaint about the visit, checking" in message
    assert "The day before yesterday" not in message
    assert "Today, for tomorrow" not in message
    assert "Zebra" not in message
    assert sorted(m.to[0] for m in mailoutbox if m.subject.startswith(TITLE)) == [
        "admin@example.com",
        "second.admin@example.com",
    ]
    assert all("Zebra" not in m.body for m in mailoutbox)


def test_nothing_is_sent_when_there_were_no_reads(record, admin_user, technician):
    # A technician's read is not break-glass.
    record_services.record_log_read(
        record=record, reader=technician.user, reason=AccessReason.ASSIGNED_VISIT, kind=AccessKind.VIEW
    )

    results = scheduled.run_due_jobs(now=NOW)

    assert results["break_glass_summary"] == 0
    assert not summaries().exists()


def test_running_twice_sends_it_once(record, admin_user):
    read(record, admin_user, NOW - timedelta(hours=10))

    scheduled.run_due_jobs(now=NOW)
    again = scheduled.run_due_jobs(now=NOW + timedelta(minutes=1))
    later_that_day = scheduled.run_due_jobs(now=NOW + timedelta(hours=12))

    assert again["break_glass_summary"] is None
    assert later_that_day["break_glass_summary"] is None
    assert summaries().count() == 1


def test_a_day_later_only_the_new_days_reads_are_listed(record, admin_user):
    read(record, admin_user, NOW - timedelta(hours=10), reason="Read on the first day")
    read(record, admin_user, NOW + timedelta(hours=3), reason="Read on the second day")

    scheduled.run_due_jobs(now=NOW)
    next_day = scheduled.run_due_jobs(now=NOW + timedelta(days=1))

    first, second = Notification.objects.filter(title__startswith=TITLE).order_by("pk")
    assert next_day["break_glass_summary"] == 1
    assert "Read on the first day" in first.message
    assert "Read on the first day" not in second.message
    assert "Read on the second day" in second.message


def test_after_an_outage_the_days_missed_are_listed_once(record, admin_user):
    scheduled.run_due_jobs(now=NOW)
    read(record, admin_user, NOW + timedelta(days=1), reason="Read during the outage")

    scheduled.run_due_jobs(now=NOW + timedelta(days=3))

    assert [n.message.count("Read during the outage") for n in summaries()] == [1]
