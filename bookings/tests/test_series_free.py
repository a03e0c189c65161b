"""The proposal's test of "free" (free spans and a bisection per technician) against the plain one:
`_Candidate.is_free` over every window and every busy time of the technician, on random days."""

from dataclasses import replace
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
        # Often from midnight or to the day's last quarter hour, where a busy time of the day before
        # or after can reach into the windows.
        start = draw(st.one_of(st.just(0), st.integers(0, 24 * 4 - 2)))
        end = draw(st.one_of(st.just(24 * 4 - 1), st.integers(start + 1, 24 * 4 - 1)))
        result.append((time(start // 4, start % 4 * 15), time(end // 4, end % 4 * 15)))
    return result


@st.composite
def busy(draw, day):
    """Busy times from the evening before to the morning after, as stored (UTC), some overlapping."""
    midnight = datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)
    result = []
    for i in range(draw(st.integers(0, 6))):
        start = midnight + timedelta(minutes=draw(st.integers(-6 * 12, 30 * 12)) * 5)
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
    """An `Availability` made from the rows `Availability.load` would read for `staff`."""
    now = datetime.combine(day - timedelta(days=2), time(9), tzinfo=LONDON)
    people = list(enumerate(staff, start=1))
    return Availability(
        duration=timedelta(minutes=duration),
        now=now,
        rules=replace(RULES, buffer_minutes=buffer),
        technicians=[Technician(pk=pk, rating=p["rating"], is_available=p["available"]) for pk, p in people],
        windows=[(pk, day.weekday(), start, end) for pk, p in people for start, end in p["windows"]],
        time_off=[(pk, day, day) for pk, p in people if p["time_off"]],
        busy=[(pk, *row) for pk, p in people for row in p["busy"]],
    )


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


def test_a_busy_time_the_evening_before_keeps_its_buffer_after_midnight():
    day = DAYS[0]
    midnight = datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)
    staff = [
        {
            "windows": [(time(0), time(6))],
            "busy": [(midnight - timedelta(minutes=30), midnight - timedelta(minutes=10), "HC1")],
            "available": True,
            "time_off": False,
            "rating": Decimal("4.50"),
        }
    ]
    plan = availability(day, staff, duration=30, buffer=15)
    assert plan.free(midnight) == []
    assert [t.pk for t in plan.free(midnight + timedelta(minutes=5))] == [1]
