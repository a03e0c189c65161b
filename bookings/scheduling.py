"""Free start times and technician eligibility (DESIGN 4.2).

A `DayPlan` loads everything one (service, area, day) question needs in a fixed number of
queries, whatever the number of technicians and bookings: the eligible technicians, their
windows for that weekday, and their active bookings near that day. Everything after that is
arithmetic in Python on aware datetimes, so a daylight-saving change is handled by the time
zone database rather than by hand: the grid walks wall-clock times of the platform's zone,
skips wall times that do not exist (spring forward), and measures a visit's length in real
elapsed minutes. Python adds and compares datetimes that share a zone as wall-clock times,
so every instant is converted to UTC before any arithmetic.

The same plan answers the back office's question "who could do this visit, and why not the
others?" (`explain_eligibility`): with `explain=True` it also loads the verified, working
technicians of the specialization whom the patient's search leaves out (another area, time off,
not taking new jobs, no window that day), and each candidate lists what stands in its way. A
technician is free exactly when that list is empty, so the explanation and the scheduler cannot
disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import ServiceArea
from bookings.models import ACTIVE_STATUSES, Booking, Service
from homecure.base.system_settings import get_setting
from technicians.models import ScheduleWindow, Technician, TimeOff


@dataclass(frozen=True)
class Rules:
    slot_minutes: int
    buffer_minutes: int
    min_notice_hours: int
    horizon_days: int

    @classmethod
    def current(cls) -> Rules:
        return cls(
            slot_minutes=get_setting("booking_slot_minutes"),
            buffer_minutes=get_setting("booking_buffer_minutes"),
            min_notice_hours=get_setting("booking_min_notice_hours"),
            horizon_days=get_setting("booking_horizon_days"),
        )


def local_datetime(day: date, wall: time) -> datetime | None:
    """The aware instant of a wall-clock time in the platform zone, or None if that wall time does not exist."""
    zone = timezone.get_current_timezone()
    candidate = datetime.combine(day, wall, tzinfo=zone)
    round_trip = candidate.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != candidate.replace(tzinfo=None):
        return None
    return candidate


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def bookable_days(*, now: datetime | None = None, rules: Rules | None = None) -> tuple[date, date]:
    """First and last day a patient may pick."""
    now = now or timezone.now()
    rules = rules or Rules.current()
    today = timezone.localdate(now)
    first = timezone.localdate(now + timedelta(hours=rules.min_notice_hours))
    return first, today + timedelta(days=rules.horizon_days)


class Obstacle(models.TextChoices):
    """What keeps a working technician of the right specialization from a visit."""

    NOT_IN_AREA = "not_in_area", _("not in the area")
    NOT_WORKING_THEN = "not_working_then", _("not working then")
    TIME_OFF = "time_off", _("on time off")
    NOT_AVAILABLE = "not_available", _("not available for new jobs")
    BUSY = "busy", _("busy")


@dataclass(frozen=True)
class Reason:
    """One obstacle; `clash` is the reference of the visit a busy technician already has then."""

    obstacle: Obstacle
    clash: str = ""

    @property
    def overridable(self) -> bool:
        """An administrator may set aside anything but a clash: nobody is ever booked twice."""
        return self.obstacle != Obstacle.BUSY

    def __str__(self) -> str:
        if self.obstacle == Obstacle.BUSY:
            return gettext("busy with %(reference)s") % {"reference": self.clash}
        return str(self.obstacle.label)


@dataclass(frozen=True)
class Candidate:
    """A technician the office could consider for a visit, with what stands in the way (nothing when eligible)."""

    technician: Technician
    reasons: tuple[Reason, ...] = ()

    @property
    def is_eligible(self) -> bool:
        return not self.reasons

    @property
    def can_override(self) -> bool:
        return all(reason.overridable for reason in self.reasons)

    @property
    def explanation(self) -> str:
        return ", ".join(str(reason) for reason in self.reasons)


@dataclass
class _Candidate:
    technician: Technician
    windows: list[tuple[datetime, datetime]] = field(default_factory=list)
    busy: list[tuple[datetime, datetime, str]] = field(default_factory=list)
    visits_that_day: int = 0
    serves_area: bool = True
    on_time_off: bool = False

    def obstacles(self, start: datetime, end: datetime, buffer: timedelta) -> list[Reason]:
        """Everything that keeps this technician from a visit from `start` to `end` (UTC)."""
        reasons = []
        if not self.serves_area:
            reasons.append(Reason(Obstacle.NOT_IN_AREA))
        if not any(w_start <= start and end <= w_end for w_start, w_end in self.windows):
            reasons.append(Reason(Obstacle.NOT_WORKING_THEN))
        if self.on_time_off:
            reasons.append(Reason(Obstacle.TIME_OFF))
        if not self.technician.is_available:
            reasons.append(Reason(Obstacle.NOT_AVAILABLE))
        reasons.extend(
            Reason(Obstacle.BUSY, clash=reference)
            for b_start, b_end, reference in self.busy
            if b_start < end + buffer and b_end > start - buffer
        )
        return reasons

    def is_free(self, start: datetime, end: datetime, buffer: timedelta) -> bool:
        return not self.obstacles(start, end, buffer)


class DayPlan:
    """Who can do `service` in `area` on `day`, and at which start times.

    `exclude_technicians` leaves out people who already declined the booking being placed.
    `ignore_booking` leaves a booking's own slot out of the busy times (re-assigning it).
    `explain` keeps every verified, working technician of the specialization, so that `explain`
    can say why each one who is not free is not (the back office's view).
    """

    def __init__(
        self,
        *,
        service: Service,
        area: ServiceArea,
        day: date,
        now: datetime | None = None,
        rules: Rules | None = None,
        exclude_technicians: set[int] | frozenset[int] = frozenset(),
        ignore_booking: int | None = None,
        explain: bool = False,
    ):
        self.service = service
        self.area = area
        self.day = day
        self.now = now or timezone.now()
        self.rules = rules or Rules.current()
        self.duration = timedelta(minutes=service.duration_minutes)
        self.buffer = timedelta(minutes=self.rules.buffer_minutes)
        self.explaining = explain
        self.candidates = self._load(exclude_technicians, ignore_booking)

    def _load(self, exclude: set[int] | frozenset[int], ignore_booking: int | None) -> list[_Candidate]:
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
            # Ranked in Python (free_technicians); the default order by name would only add a sort.
            .order_by()
        )
        if not self.explaining:
            technicians = technicians.filter(serves_area=True, on_time_off=False)
        by_id = {
            t.pk: _Candidate(technician=t, serves_area=t.serves_area, on_time_off=t.on_time_off) for t in technicians
        }
        if not by_id:
            return []

        zone = timezone.get_current_timezone()
        windows = ScheduleWindow.objects.filter(technician_id__in=by_id, weekday=self.day.weekday()).order_by()
        for technician_id, start, end in windows.values_list("technician_id", "start_time", "end_time"):
            # A window edge inside a spring-forward gap resolves to the instant PEP 495 gives it.
            by_id[technician_id].windows.append(
                (
                    datetime.combine(self.day, start, tzinfo=zone).astimezone(UTC),
                    datetime.combine(self.day, end, tzinfo=zone).astimezone(UTC),
                )
            )

        # The same rows give the busy times and each technician's visits that day (counted with the
        # booking being re-assigned, which still belongs to its technician): counting them in SQL
        # would join every booking each technician ever had.
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

    def _grid(self) -> list[datetime]:
        """Every wall-clock start on the slot grid of the day that exists in the platform zone."""
        step = self.rules.slot_minutes
        starts = []
        for minute in range(0, 24 * 60, step):
            start = local_datetime(self.day, time(minute // 60, minute % 60))
            if start is not None:
                starts.append(start.astimezone(UTC))
        return starts

    def _earliest(self) -> datetime:
        return self.now + timedelta(hours=self.rules.min_notice_hours)

    def free_technicians(self, start: datetime) -> list[Technician]:
        """Technicians free for a visit starting at `start`, best first: fewest visits that day, then best rating."""
        start = start.astimezone(UTC)
        if start < self._earliest() or timezone.localdate(start) != self.day:
            return []
        end = start + self.duration
        free = [c for c in self.candidates if c.is_free(start, end, self.buffer)]
        free.sort(key=lambda c: (c.visits_that_day, -c.technician.rating, c.technician.pk))
        return [c.technician for c in free]

    def explain(self, start: datetime) -> list[Candidate]:
        """Every candidate for a visit starting at `start`: the free ones first, ranked as
        `free_technicians` ranks them, then those an administrator may assign anyway (by how few
        obstacles stand in the way), then the busy ones. Nobody when the start has passed."""
        start = start.astimezone(UTC)
        if start < self._earliest() or timezone.localdate(start) != self.day:
            return []
        end = start + self.duration
        explained = [(c, tuple(c.obstacles(start, end, self.buffer))) for c in self.candidates]
        explained.sort(
            key=lambda pair: (
                len(pair[1]) > 0,
                not all(reason.overridable for reason in pair[1]),
                len(pair[1]),
                pair[0].visits_that_day,
                -pair[0].technician.rating,
                pair[0].technician.pk,
            )
        )
        return [Candidate(technician=c.technician, reasons=reasons) for c, reasons in explained]

    def free_starts(self) -> list[datetime]:
        """The union over eligible technicians of the start times they could take."""
        if not self.candidates:
            return []
        earliest = self._earliest()
        return [
            start
            for start in self._grid()
            if start >= earliest and any(c.is_free(start, start + self.duration, self.buffer) for c in self.candidates)
        ]


def explain_eligibility(booking: Booking, *, now: datetime | None = None) -> list[Candidate]:
    """Whom the office could assign to `booking`, free ones first, each with why not when not.

    The office may place a visit at any time before its start, so the minimum notice a patient
    needs does not apply, and declines are not held against anyone. The booking's own slot does
    not count against its technician.
    """
    plan = DayPlan(
        service=booking.service,
        area=booking.service_area,
        day=booking.scheduled_date,
        now=now,
        rules=replace(Rules.current(), min_notice_hours=0),
        ignore_booking=booking.pk,
        explain=True,
    )
    return plan.explain(booking.scheduled_start)
