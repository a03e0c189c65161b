"""A care plan confirmed at the same instant as single bookings for one of its dates: either the whole
plan is made, or none of it and that date is proposed again; nobody is ever booked twice.

Threads with their own database connections wait at a barrier and then confirm at once (PostgreSQL
only: SQLite serializes every writer). The negative control switches the guards off and shows that
the same race then double-books.
"""

import importlib
import itertools
from datetime import date, datetime, time
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from accounts.tests.factories import PatientFactory
from bookings import series as plans
from bookings import services
from bookings.models import ACTIVE_STATUSES, Booking, SeriesRepeat, ServiceCategory, VisitSeries
from bookings.tests.factories import ServiceFactory
from bookings.tests.test_concurrency import race
from technicians.models import Specialization
from technicians.tests.factories import TechnicianFactory, give_weekly_schedule

no_overlap_migration = importlib.import_module("bookings.migrations.0004_no_overlap_constraint")

LONDON = ZoneInfo("Europe/London")
FIRST = date(2027, 6, 14)
NOW = datetime(2027, 6, 11, 9, 0, tzinfo=LONDON)
PLANS = SINGLES = 6
RULE = plans.RepeatRule(repeat=SeriesRepeat.WEEKDAYS, weekdays=(0, 3), count=6)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL: SQLite serializes all writers, so no race can happen "
        "(run with DATABASE_URL=postgres://...)",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def physio(db):
    return ServiceFactory(category=ServiceCategory.PHYSIOTHERAPY, duration_minutes=45)


@pytest.fixture
def anna(area):
    technician = TechnicianFactory(specialization=Specialization.PHYSIOTHERAPIST, areas=[area])
    give_weekly_schedule(technician, start=time(8), end=time(18))
    return technician


def contenders(area, physio):
    """Confirmations of the same six-visit plan by some patients, and single bookings of its third
    visit's time by others, all proposed before anyone books."""
    request = plans.SeriesRequest(
        service=physio, area=area, address="1 Camden Road", first_day=FIRST, wall=time(10), rule=RULE
    )
    proposal = request.propose(now=NOW)
    assert proposal.one_technician
    third = proposal.visits[2]
    confirming = [
        partial(plans.series_create, patient=patient, request=request, proposal=proposal, now=NOW)
        for patient in PatientFactory.create_batch(PLANS, area=area)
    ]
    single = [
        partial(
            services.booking_create,
            patient=patient,
            service=physio,
            area=area,
            address="2 Camden Road",
            start=third.start,
            now=NOW,
        )
        for patient in PatientFactory.create_batch(SINGLES, area=area)
    ]
    return request, third, [attempt for pair in zip(confirming, single, strict=True) for attempt in pair]


def overlapping_pairs():
    visits = list(Booking.objects.filter(status__in=ACTIVE_STATUSES).order_by("technician_id", "scheduled_start"))
    return [
        (a.reference, b.reference)
        for a, b in itertools.pairwise(visits)
        if a.technician_id == b.technician_id and b.scheduled_start < a.scheduled_end
    ]


def test_a_plan_racing_single_bookings_is_made_whole_or_not_at_all(area, physio, anna):
    request, third, attempts = contenders(area, physio)

    made, taken = race(attempts)

    print(f"\nplan vs single bookings: {len(made)} made, {len(taken)} told the time was taken")
    assert len(made) == 1 and len(taken) == PLANS + SINGLES - 1
    assert overlapping_pairs() == []
    at_third = Booking.objects.filter(status__in=ACTIVE_STATUSES, scheduled_start=third.start)
    assert at_third.count() == 1
    if VisitSeries.objects.exists():
        (plan,) = VisitSeries.objects.all()
        assert plan.visits.count() == 6 and Booking.objects.count() == 6
    else:
        assert Booking.objects.filter(series__isnull=False).count() == 0 and Booking.objects.count() == 1
        lost = [refusal for refusal in taken if isinstance(refusal, plans.SeriesSlotsTaken)]
        assert len(lost) == PLANS and all(refusal.days == [third.day] for refusal in lost)
        again = request.propose(now=NOW, taken={third.day})
        marked = again.visits[2]
        assert marked.taken and marked.technician is None and marked.alternatives
        assert [v.technician for v in again.visits if v.day != third.day] == [anna] * 5


@pytest.fixture
def guards_off(monkeypatch):
    """The lock and re-check and the exclusion constraint switched off for one test, then restored."""
    monkeypatch.setattr(services, "_claim", lambda *args, **kwargs: True)
    monkeypatch.setattr(
        services.DayPlan, "free_technicians", lambda plan, start: [c.technician for c in plan.candidates]
    )
    with connection.cursor() as cursor:
        cursor.execute(no_overlap_migration.DROP)
    yield
    Booking.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(no_overlap_migration.ADD)


def test_negative_control_without_the_guards_the_same_race_double_books(guards_off, area, physio, anna):
    _request, _third, attempts = contenders(area, physio)

    made, _taken = race(attempts)

    assert len(made) > 1
    assert overlapping_pairs() != []
