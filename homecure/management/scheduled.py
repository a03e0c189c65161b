"""The time-based jobs of every app, and which of them are due: what `run_scheduled` runs.

Run every minute from cron. Each job is a service that takes `now=` and can run again at once
without acting twice: the booking jobs lock and re-check each booking (`bookings.services`), the
reminders keep one unique row per reminder sent, and the daily job keeps its last run in a
`ScheduledJobRun` row, locked while it runs, so only one of several servers' crons takes it.
After an outage the first run catches up: every offer, lapse and reminder that fell due is
handled once, and the daily job runs once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services import delete_unconfirmed_sign_ups
from bookings.series import series_place_due
from bookings.services import bookings_lapse_due, offers_expire_due
from homecure.models import ScheduledJobRun
from notifications.services import notify_break_glass_summary, reminders_send_due

DAY = timedelta(days=1)

#: Run on every call, in this order: a visit whose start passed lapses before its offer could expire.
EVERY_MINUTE: dict[str, Callable[..., int]] = {
    "lapse": bookings_lapse_due,
    "offer_expiry": offers_expire_due,
    "visit_reminders": reminders_send_due,
    # Care plans' dates the booking horizon has just reached (at local midnight): booked at once,
    # before anyone else can take the time.
    "series_later_visits": series_place_due,
}


def break_glass_summary(*, now: datetime) -> int:
    """The administrators' reads of the days since the summary last ran, up to today (local days):
    a run that comes a little later each day, or after an outage, leaves no day out and lists none
    twice. Called by `run_daily`, which holds this job's row and sets its last run afterwards."""
    last_run_at = ScheduledJobRun.objects.filter(name="break_glass_summary").values_list("last_run_at", flat=True)
    last = last_run_at.first()
    since = timezone.localtime(last).replace(hour=0, minute=0, second=0, microsecond=0) if last else None
    return notify_break_glass_summary(now=now, since=since)


#: Run when their last run is a day old or more.
DAILY: dict[str, Callable[..., int]] = {
    "unconfirmed_sign_ups": delete_unconfirmed_sign_ups,
    "break_glass_summary": break_glass_summary,
}


def run_daily(name: str, job: Callable[..., int], *, now: datetime) -> int | None:
    """Run `job` if it last ran a day or more before `now`; what it returned, or None when it was
    not due or another run holds it right now."""
    try:
        with transaction.atomic():
            ScheduledJobRun.objects.get_or_create(name=name)
    except IntegrityError:
        pass  # another run made the row at the same moment
    with transaction.atomic():
        run = ScheduledJobRun.objects.select_for_update(skip_locked=True).filter(name=name).first()
        if run is None or (run.last_run_at is not None and now < run.last_run_at + DAY):
            return None
        result = job(now=now)
        run.last_run_at = now
        run.save(update_fields=["last_run_at"])
        return result


def run_due_jobs(*, now: datetime | None = None) -> dict[str, int | None]:
    """Run every job that is due at `now`; per job, how many things it did (None: not due)."""
    now = now or timezone.now()
    results: dict[str, int | None] = {name: job(now=now) for name, job in EVERY_MINUTE.items()}
    for name, job in DAILY.items():
        results[name] = run_daily(name, job, now=now)
    return results
