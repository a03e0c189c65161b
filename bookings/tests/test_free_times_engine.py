"""The interval sweep gives exactly the free times of the engine it replaced, on random days.

`ReferencePlan` below is the previous engine, kept here only as the reference: it loads full
technician rows and scans every slot of the grid against every technician (`is_free`). Hypothesis
draws technicians (available or not, in the area or not, on time off or not), their windows,
their visits (any status, some across midnight), the slot, buffer and notice settings, and days
with and without a daylight-saving change; both engines must offer the same starts, and the
cached answer for the patient's form (`free_times`) must be the same too.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tests.factories import PatientFactory, ServiceAreaFactory
from bookings.models import ACTIVE_STATUSES, Booking, BookingStatus, ServiceCategory
from bookings.scheduling import (
    DayPlan,
    Rules,
    _day_bounds,
    bookable_days,
    forget_free_times,
    free_times,
    local_datetime,
)
from bookings.tests.factories import ServiceFactory
from homecure.base.system_settings import clear_settings_cache
from homecure.models import SystemSettings
from technicians.models import ScheduleWindow, Specialization, Technician, TimeOff
from technicians.tests.factories import TechnicianFactory

pytestmark = [pytest.mark.django_db]

LONDON = ZoneInfo("Europe/London")
# An ordinary Wednesday, the night the clocks go forward and the night they go back.
DAYS = (date(2027, 6, 16), date(2027, 3, 28), date(2027, 10, 31))


# --- The previous engine, verbatim but for the explanation it also gave --------------------------


@dataclass
class _ReferenceCandidate:
    technician: Technician
    windows: list[tuple[datetime, datetime]] = field(default_factory=list)
    busy: list[tuple[datetime, datetime, str]] = field(default_factory=list)
    visits_that_day: int = 0
    serves_area: bool = True
    on_time_off: bool = False

    def obstacles(self, start, end, buffer):
        reasons = []
        if not self.serves_area:
            reasons.append("not_in_area")
        if not any(w_start <= start and end <= w_end for w_start, w_end in self.windows):
            reasons.append("not_working_then")
        if self.on_time_off:
            reasons.append("time_off")
        if not self.technician.is_available:
            reasons.append("not_available")
        reasons.extend(
            "busy" for b_start, b_end, reference in self.busy if b_start < end + buffer and b_end > start - buffer
        )
        return reasons

    def is_free(self, start, end, buffer):
        return not self.obstacles(start, end, buffer)


class ReferencePlan:
    def __init__(self, *, service, area, day, now, rules):
        self.service = service
        self.area = area
        self.day = day
        self.now = now
        self.rules = rules
        self.duration = timedelta(minutes=service.duration_minutes)
        self.buffer = timedelta(minutes=self.rules.buffer_minutes)
        self.explaining = False
        self.candidates = self._load(frozenset(), None)

    def _load(self, exclude, ignore_booking):
        first_day, last_day = bookable_days(now=self.now, rules=self.rules)
        if not (first_day <= self.day <= last_day) or not self.service.is_active or not self.area.is_active:
            return []
        day_start, day_end = _day_bounds(self.day)
        time_off = TimeOff.objects.filter(technician=OuterRef("pk"), start_date__lte=self.day, end_date__gte=self.day)
        in_area = Technician.service_areas.through.objects.filter(technician=OuterRef("pk"), servicearea=self.area)
        technicians = (
            (Technician.objects.working() if self.explaining else Technician.objects.taking_jobs())
            .filter(specialization=self.service.specialization)
            .exclude(pk__in=exclude)
            .annotate(serves_area=Exists(in_area), on_time_off=Exists(time_off))
            .select_related("user")
            .order_by()
        )
        if not self.explaining:
            technicians = technicians.filter(serves_area=True, on_time_off=False)
        by_id = {
            t.pk: _ReferenceCandidate(technician=t, serves_area=t.serves_area, on_time_off=t.on_time_off)
            for t in technicians
        }
        if not by_id:
            return []
        zone = timezone.get_current_timezone()
        windows = ScheduleWindow.objects.filter(technician_id__in=by_id, weekday=self.day.weekday()).order_by()
        for technician_id, start, end in windows.values_list("technician_id", "start_time", "end_time"):
            by_id[technician_id].windows.append(
                (
                    datetime.combine(self.day, start, tzinfo=zone).astimezone(UTC),
                    datetime.combine(self.day, end, tzinfo=zone).astimezone(UTC),
                )
            )
        margin = self.buffer + self.duration
        busy = (
            Booking.objects.filter(
                technician_id__in=by_id,
                status__in=ACTIVE_STATUSES,
                scheduled_start__lt=day_end + margin,
                scheduled_end__gt=day_start - margin,
            )
            .values_list("pk", "technician_id", "scheduled_start", "scheduled_end", "reference")
            .order_by()
        )
        for pk, technician_id, start, end, reference in busy:
            candidate = by_id[technician_id]
            if day_start <= start < day_end:
                candidate.visits_that_day += 1
            if pk != ignore_booking:
                candidate.busy.append((start, end, reference))
        return [c for c in by_id.values() if c.windows or self.explaining]

    def _grid(self):
        step = self.rules.slot_minutes
        starts = []
        for minute in range(0, 24 * 60, step):
            start = local_datetime(self.day, time(minute // 60, minute % 60))
            if start is not None:
                starts.append(start.astimezone(UTC))
        return starts

    def _earliest(self):
        return self.now + timedelta(hours=self.rules.min_notice_hours)

    def free_starts(self):
        if not self.candidates:
            return []
        earliest = self._earliest()
        return [
            start
            for start in self._grid()
            if start >= earliest and any(c.is_free(start, start + self.duration, self.buffer) for c in self.candidates)
        ]


# --- Random days ---------------------------------------------------------------------------------

quarter_hours = st.integers(min_value=0, max_value=24 * 4 - 2)


@st.composite
def windows(draw):
    """Up to three windows of one weekday (quarter-hour edges, end after start, possibly overlapping)."""
    result = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(quarter_hours)
        end = draw(st.integers(start + 1, 24 * 4 - 1))
        result.append((time(start // 4, start % 4 * 15), time(end // 4, end % 4 * 15)))
    return result


@st.composite
def visits(draw):
    """Visits of one technician one after another (never overlapping: the database refuses that on
    PostgreSQL), from the evening before the day to the morning after, in any status."""
    result, offset = [], draw(st.integers(-6 * 60, 20 * 60))  # minutes from the day's midnight
    for _ in range(draw(st.integers(0, 5))):
        length = draw(st.sampled_from([15, 30, 45, 60, 90, 180]))
        result.append((offset, length, draw(st.sampled_from(BookingStatus.values))))
        offset += length + draw(st.integers(0, 8)) * 15
    return result


technician_days = st.fixed_dictionaries(
    {
        "available": st.booleans(),
        "in_area": st.integers(0, 4).map(bool),
        "time_off": st.integers(0, 5).map(lambda n: n == 0),
        "windows": windows(),
        "visits": visits(),
    }
)

day_settings = st.fixed_dictionaries(
    {
        "booking_slot_minutes": st.sampled_from([5, 15, 20, 30, 45, 60, 90]),
        "booking_buffer_minutes": st.sampled_from([0, 5, 15, 30]),
        "booking_min_notice_hours": st.sampled_from([0, 2, 36, 50, 60]),
    }
)


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"
    settings.FREE_TIMES_CACHE = True


@pytest.fixture
def world(db):
    area = ServiceAreaFactory()
    service = ServiceFactory(category=ServiceCategory.NURSING, duration_minutes=60)
    technicians = [TechnicianFactory(specialization=Specialization.NURSE, areas=[]) for _ in range(4)]
    return {"area": area, "service": service, "technicians": technicians, "patient": PatientFactory(area=area)}


def build(world, day, people, durations):
    area, service, patient = world["area"], world["service"], world["patient"]
    service.duration_minutes = durations
    service.save()
    midnight = datetime.combine(day, time.min, tzinfo=LONDON)
    bookings = []
    for n, (technician, person) in enumerate(zip(world["technicians"], people, strict=False)):
        Technician.objects.filter(pk=technician.pk).update(is_available=person["available"])
        if person["in_area"]:
            technician.service_areas.add(area)
        if person["time_off"]:
            TimeOff.objects.create(technician=technician, start_date=day - timedelta(days=1), end_date=day)
        ScheduleWindow.objects.bulk_create(
            ScheduleWindow(technician=technician, weekday=day.weekday(), start_time=start, end_time=end)
            for start, end in person["windows"]
        )
        for i, (offset, length, status) in enumerate(person["visits"]):
            booking = Booking(
                reference=f"HY{n}{i:02d}",
                user=patient,
                technician=technician,
                service=service,
                service_area=area,
                service_address="1 Test Road",
                total_amount=service.price,
                status=status,
            )
            # Minutes from midnight in real elapsed time, so the visits never overlap across a clock change.
            booking.set_schedule((midnight.astimezone(UTC) + timedelta(minutes=offset)), length)
            bookings.append(booking)
    Booking.objects.bulk_create(bookings)
    # Updates and bulk writes send no signal: like any such write, they forget the kept answers
    # themselves, or an example would be served the answer kept for an earlier one.
    forget_free_times()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    day=st.sampled_from(DAYS),
    people=st.lists(technician_days, min_size=1, max_size=4),
    rules=day_settings,
    durations=st.sampled_from([15, 30, 60, 75, 120]),
    hours_before=st.integers(1, 60),
)
def test_the_sweep_offers_the_same_times_as_the_slot_by_slot_scan(world, day, people, rules, durations, hours_before):
    now = datetime.combine(day, time(9), tzinfo=LONDON) - timedelta(hours=hours_before)
    with transaction.atomic():
        build(world, day, people, durations)
        for key, value in rules.items():
            SystemSettings.objects.filter(key=key).update(value=str(value))
        clear_settings_cache()
        service, area = world["service"], world["area"]
        expected = ReferencePlan(service=service, area=area, day=day, now=now, rules=Rules.current()).free_starts()

        assert DayPlan(service=service, area=area, day=day, now=now).free_starts() == expected
        assert free_times(service=service, area=area, day=day, now=now) == expected
        # The answer kept in the cache gives the same times again.
        assert free_times(service=service, area=area, day=day, now=now) == expected
        transaction.set_rollback(True)
    clear_settings_cache()
