"""The proposal's test of "free" (free spans and a bisection per technician) against the plain one:
`_Candidate.is_free` over every window and every busy time of the technician, on random days."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.scheduling import Rules, _Candidate, local_datetime
from bookings.series import Availability
from technicians.models import Technician

LONDON = ZoneInfo("Europe/London")
# An ordinary day and the two daylight-saving changes of 2027 (the clocks go forward, then back).
DAYS = [date(2027, 6, 15), date(2027, 3, 28), date(2027, 10, 31)]
RULES = Rules(slot_minutes=15, buffer_minutes=0, min_notice_hours=0, horizon_days=400)


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


@st.composite
def windows(draw):
    result = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, 24 * 4 - 2))
        end = draw(st.integers(start + 1, 24 * 4 - 1))
        result.append((time(start // 4, start % 4 * 15), time(end // 4, end % 4 * 15)))
    return result


@st.composite
def busy(draw, day):
    """Busy times from the evening before to the morning after, as stored (UTC), some overlapping."""
    midnight = datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)
    result = []
    for i in range(draw(st.integers(0, 6))):
        start = midnight + timedelta(minutes=draw(st.integers(-6 * 60, 30 * 60)))
        length = timedelta(minutes=draw(st.sampled_from([15, 30, 45, 60, 90, 180])))
        result.append((start, start + length, f"HC{i}"))
    return result


@st.composite
def people(draw, day):
    return [
        {
            "windows": draw(windows()),
            "busy": draw(busy(day)),
            "available": draw(st.integers(0, 4).map(bool)),
            "time_off": draw(st.integers(0, 5).map(lambda n: n == 0)),
            "rating": Decimal(draw(st.integers(0, 500))) / 100,
        }
        for _ in range(draw(st.integers(1, 5)))
    ]


def availability(day: date, staff: list[dict], duration: int, buffer: int) -> Availability:
    """An `Availability` holding `staff` as if loaded from the database (the loading is what the
    query-count test covers; this one covers the decision)."""
    now = datetime.combine(day - timedelta(days=2), time(9), tzinfo=LONDON)
    plan = Availability.__new__(Availability)
    plan.now, plan.rules = now, RULES
    plan.duration, plan.buffer = timedelta(minutes=duration), timedelta(minutes=buffer)
    plan._first, plan._last = day - timedelta(days=1), day + timedelta(days=1)
    plan._earliest = now
    plan._days, plan._spans = {}, {}
    plan.technicians = {
        pk: Technician(pk=pk, rating=person["rating"], is_available=person["available"])
        for pk, person in enumerate(staff, start=1)
    }
    plan.windows = {
        (pk, day.weekday()): person["windows"] for pk, person in enumerate(staff, start=1) if person["windows"]
    }
    plan.time_off = {pk: [(day, day)] for pk, person in enumerate(staff, start=1) if person["time_off"]}
    plan.busy = {pk: person["busy"] for pk, person in enumerate(staff, start=1)}
    return plan


def plainly_free(plan: Availability, day: date, staff: list[dict], start: datetime) -> list[int]:
    """Who `_Candidate.is_free` accepts, with every busy time of the technician, best rated first."""
    free = []
    for pk, person in enumerate(staff, start=1):
        if not person["windows"] or person["time_off"]:
            continue
        candidate = _Candidate(plan, pk, person["rating"], person["available"], True, False)
        candidate.windows = [
            (
                datetime.combine(day, a, tzinfo=LONDON).astimezone(UTC),
                datetime.combine(day, b, tzinfo=LONDON).astimezone(UTC),
            )
            for a, b in person["windows"]
        ]
        candidate.busy = person["busy"]
        if candidate.is_free(start, start + plan.duration, plan.buffer):
            free.append((-person["rating"], pk))
    return [pk for _, pk in sorted(free)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    day=st.sampled_from(DAYS),
    duration=st.sampled_from([15, 30, 45, 60, 120]),
    buffer=st.sampled_from([0, 5, 15, 30]),
)
def test_the_proposal_finds_free_exactly_who_is_free_slot_by_slot(data, day, duration, buffer):
    staff = data.draw(people(day))
    plan = availability(day, staff, duration, buffer)
    for minute in range(0, 24 * 60, 5):
        start = local_datetime(day, time(minute // 60, minute % 60))
        if start is None:
            continue
        start = start.astimezone(UTC)
        assert [t.pk for t in plan.free(start)] == plainly_free(plan, day, staff, start), start
