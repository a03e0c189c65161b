"""Free start times and technician eligibility (DESIGN 4.2).

A `DayPlan` loads everything one (service, area, day) question needs in a fixed number of
queries, whatever the number of technicians and bookings: the eligible technicians, their
windows for that weekday, and their active bookings near that day. Everything after that is
arithmetic in Python on aware datetimes, so a daylight-saving change is handled by the time
zone database rather than by hand: the grid walks wall-clock times of the platform's zone,
skips wall times that do not exist (spring forward), and measures a visit's length in real
elapsed minutes. Python adds and compares datetimes that share a zone as wall-clock times,
so every instant is converted to UTC before any arithmetic.

The free times of a day are one sweep: each technician's possible starts are closed intervals
(each window less what each visit and its buffer rule out, `_Candidate.free_spans`), and the grid
times covered by their union are the answer (`_sweep`). The patient's form reads them through
`free_times`, which keeps each day's answer in the cache (see `forget_free_times`).

The same plan answers the back office's question "who could do this visit, and why not the
others?" (`explain_eligibility`): with `explain=True` it also loads the verified, working
technicians of the specialization whom the patient's search leaves out (another area, time off,
not taking new jobs, no window that day), and each candidate lists what stands in its way. A
technician is free exactly when that list is empty, so the explanation and the scheduler cannot
disagree.
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary
from django.contrib.postgres.lookups import Overlap
from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import Exists, FilteredRelation, OuterRef
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import ServiceArea
from bookings.models import ACTIVE_STATUSES, Booking, Service
from homecure.base.system_settings import get_setting
from technicians.models import Technician, TimeOff


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


class _Candidate:
    """One technician's day: when they work, when they are busy, and what keeps them out.

    Built from plain rows (`values_list`); the `Technician` object is loaded only when a caller
    asks who is free at a start (`DayPlan.free_technicians`, `DayPlan.explain`), never to list
    the free times.
    """

    __slots__ = (
        "_plan",
        "busy",
        "is_available",
        "on_time_off",
        "pk",
        "rating",
        "serves_area",
        "visits_that_day",
        "windows",
    )

    def __init__(self, plan: DayPlan, pk: int, rating, is_available: bool, serves_area: bool, on_time_off: bool):
        self._plan = plan
        self.pk = pk
        self.rating = rating
        self.is_available = is_available
        self.serves_area = serves_area
        self.on_time_off = on_time_off
        self.windows: list[tuple[datetime, datetime]] = []
        self.busy: list[tuple[datetime, datetime, str]] = []
        self.visits_that_day = 0

    @property
    def technician(self) -> Technician:
        return self._plan.technician(self.pk)

    @property
    def takes_work(self) -> bool:
        """Nothing but the clock keeps this technician from a visit in one of their windows."""
        return self.serves_area and not self.on_time_off and self.is_available

    def obstacles(self, start: datetime, end: datetime, buffer: timedelta) -> list[Reason]:
        """Everything that keeps this technician from a visit from `start` to `end` (UTC)."""
        reasons = []
        if not self.serves_area:
            reasons.append(Reason(Obstacle.NOT_IN_AREA))
        if not any(w_start <= start and end <= w_end for w_start, w_end in self.windows):
            reasons.append(Reason(Obstacle.NOT_WORKING_THEN))
        if self.on_time_off:
            reasons.append(Reason(Obstacle.TIME_OFF))
        if not self.is_available:
            reasons.append(Reason(Obstacle.NOT_AVAILABLE))
        reasons.extend(
            Reason(Obstacle.BUSY, clash=reference)
            for b_start, b_end, reference in self.busy
            if b_start < end + buffer and b_end > start - buffer
        )
        return reasons

    def is_free(self, start: datetime, end: datetime, buffer: timedelta) -> bool:
        return not self.obstacles(start, end, buffer)

    def free_spans(self, duration: timedelta, buffer: timedelta) -> list[tuple[datetime, datetime]]:
        """The starts this technician could take, as closed spans [first, last] in UTC.

        A start `s` fits a window when `w_start <= s` and `s + duration <= w_end`, so a window
        gives the span [w_start, w_end - duration]. A visit clashes with a busy one when
        `b_start < s + duration + buffer` and `b_end > s - buffer`, so a busy visit rules out the
        open span (b_start - duration - buffer, b_end + buffer): its two ends stay free. The
        result is exactly the set of starts for which `is_free` holds.
        """
        if not self.takes_work:
            return []
        blocked = sorted((b_start - duration - buffer, b_end + buffer) for b_start, b_end, _ in self.busy)
        spans = []
        for w_start, w_end in self.windows:
            first, last = w_start, w_end - duration
            for b_first, b_last in blocked:
                if first > last or b_first >= last:
                    break
                if b_last <= first:
                    continue
                if b_first >= first:
                    spans.append((first, b_first))
                first = max(first, b_last)
            if first <= last:
                spans.append((first, last))
        return spans


def _sweep(grid: tuple[datetime, ...], spans: list[tuple[datetime, datetime]]) -> list[datetime]:
    """The grid starts (ascending) that fall in at least one closed span: one pass over both.

    A start is covered when some span begins at or before it and ends at or after it, that is
    when the latest end among the spans begun by then reaches it.
    """
    spans = sorted(spans)
    covered, reach, i = [], None, 0
    for start in grid:
        while i < len(spans) and spans[i][0] <= start:
            if reach is None or spans[i][1] > reach:
                reach = spans[i][1]
            i += 1
        if reach is not None and reach >= start:
            covered.append(start)
    return covered


def _grid(day: date, slot_minutes: int) -> tuple[datetime, ...]:
    """Every wall-clock start on the slot grid of the day that exists in the platform zone (UTC)."""
    return _zone_grid(day, slot_minutes, timezone.get_current_timezone())


@lru_cache(maxsize=128)
def _zone_grid(day: date, slot_minutes: int, zone: tzinfo) -> tuple[datetime, ...]:
    # A day's grid is the same for every service and area asked about: worked out once.
    starts = []
    for minute in range(0, 24 * 60, slot_minutes):
        start = local_datetime(day, time(minute // 60, minute % 60))
        if start is not None:
            starts.append(start.astimezone(UTC))
    return tuple(starts)


class TsTzRange(models.Func):
    """PostgreSQL's `tstzrange(start, end, '[)')`, the expression the no-overlap constraint indexes."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class UtcInstant(models.Func):
    """A `DateTimeField` read as its UTC wall time and made aware again here: the same instant, read faster.

    On PostgreSQL Django reads a `timestamp with time zone` through a loader written in Python
    (about 4 µs a value, a third of the CPU time of the free times of a busy day); the same instant as
    a plain `timestamp` goes through psycopg's own loader, some 30 times faster, and needs only its
    zone put back. Other databases read the column as it is.
    """

    template = "%(expressions)s"
    output_field = models.DateTimeField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(%(expressions)s AT TIME ZONE 'UTC')", **extra_context)

    def get_db_converters(self, connection):
        if connection.vendor == "postgresql":
            return [self._aware]
        return super().get_db_converters(connection)

    @staticmethod
    def _aware(value, expression, connection):
        return value if value is None else value.replace(tzinfo=UTC)


class AnyOf(models.Func):
    """PostgreSQL's `column = ANY(%s)`: a list of ids sent as one array parameter, as it is.

    Django's `__in` prepares, compiles and sends one parameter per id; for the two hundred
    technicians of a busy area that was a third of the CPU time of their free times.
    """

    output_field = models.BooleanField()

    def __init__(self, column: str, ids: list[int]):
        super().__init__(models.F(column))
        self.ids = list(ids)

    def as_sql(self, compiler, connection, **extra_context):
        column_sql, params = compiler.compile(self.source_expressions[0])
        return f"{column_sql} = ANY(%s)", (*params, self.ids)


def _among(column: str, ids: list[int]) -> models.Q | AnyOf:
    """Rows whose `column` is one of `ids`: one array parameter on PostgreSQL, `IN` elsewhere."""
    if connection.vendor == "postgresql":
        return AnyOf(column, ids)
    return models.Q(**{f"{column}__in": ids})


def _overlapping(start: datetime, end: datetime) -> models.Q | Overlap:
    """Bookings whose visit [scheduled_start, scheduled_end) meets [start, end).

    On PostgreSQL this is the range overlap `&&` on the expression of the GiST index
    `booking_active_time_idx` (migration 0017), which with the active statuses and a technician is
    also the partial index's own predicate, so that index answers it: it reads the pages of that
    stretch of time alone, where the no-overlap constraint's index, led by the technician, would
    walk most of its pages. On SQLite, which has no range type, the same condition as two comparisons.
    """
    if connection.vendor == "postgresql":
        return Overlap(
            TsTzRange("scheduled_start", "scheduled_end", RangeBoundary()),
            TsTzRange(models.Value(start), models.Value(end), RangeBoundary()),
        )
    return models.Q(scheduled_start__lt=end, scheduled_end__gt=start)


class _Rows:
    """What the free times of a run of days need, in a fixed number of queries whatever the data's
    size: the technicians who could be asked (plain values, with whether they are off on the first
    day), their days off (a run of more than one day only), their weekly windows and their active
    visits in the run (with the margin a visit's length and buffer reach into it)."""

    def __init__(
        self,
        *,
        service: Service,
        area: ServiceArea,
        first: date,
        last: date,
        margin: timedelta,
        exclude: set[int] | frozenset[int] = frozenset(),
        explain: bool = False,
    ):
        in_area = Technician.service_areas.through.objects.filter(technician=OuterRef("pk"), servicearea=area)
        time_off = TimeOff.objects.filter(start_date__lte=last, end_date__gte=first)
        weekdays = {(first + timedelta(days=i)).weekday() for i in range(min((last - first).days + 1, 7))}
        technicians = (Technician.objects.working() if explain else Technician.objects.taking_jobs()).filter(
            specialization=service.specialization
        )
        # The free times ask only those of the area; the explanation also says who is not.
        technicians = (
            technicians.annotate(serves_area=Exists(in_area))
            if explain
            else technicians.filter(Exists(in_area)).annotate(serves_area=models.Value(True))
        )
        technicians = (
            technicians.exclude(pk__in=exclude)
            .annotate(
                off_first_day=Exists(time_off.filter(technician=OuterRef("pk"))),
                # Each technician comes once per window on the run's weekdays (once, without any).
                run_window=FilteredRelation(
                    "availability_schedule", condition=models.Q(availability_schedule__weekday__in=weekdays)
                ),
            )
            .annotate(
                window_weekday=models.F("run_window__weekday"),
                window_start=models.F("run_window__start_time"),
                window_end=models.F("run_window__end_time"),
            )
            # Ranked in Python (free_technicians); the default order by name would only add a sort.
            .order_by()
        )
        columns = (
            "pk",
            "rating",
            "is_available",
            "serves_area",
            "off_first_day",
            "window_weekday",
            "window_start",
            "window_end",
        )
        self.technicians = {}
        self.time_off: dict[int, list[tuple[date, date]]] = {}
        self.windows: dict[tuple[int, int], list[tuple[time, time]]] = {}
        self.busy: dict[int, list[tuple[int, datetime, datetime, str]]] = {}
        # The back office's explanation names everyone it lists, so it reads whole technicians;
        # the free times need only these few values.
        self.objects: dict[int, Technician] | None = None
        if explain:
            self.objects = {}
            rows = []
            for technician in technicians.select_related("user"):
                self.objects.setdefault(technician.pk, technician)
                rows.append(tuple(getattr(technician, column) for column in columns))
        else:
            rows = technicians.values_list(*columns)
        for pk, rating, is_available, serves_area, off, weekday, start, end in rows:
            self.technicians[pk] = (rating, is_available, serves_area)
            if off and first == last:
                self.time_off[pk] = [(first, last)]
            if weekday is not None:
                self.windows.setdefault((pk, weekday), []).append((start, end))
        if not self.technicians:
            return
        ids = list(self.technicians)
        if first != last:
            # A run of days reads the days off themselves; one day needs only the flag above.
            time_off = time_off.filter(_among("technician_id", ids)).values_list(
                "technician_id", "start_date", "end_date"
            )
            for technician_id, start, end in time_off.order_by():
                self.time_off.setdefault(technician_id, []).append((start, end))
        run_start, run_end = _day_bounds(first)[0], _day_bounds(last)[1]
        busy = (
            Booking.objects.filter(
                _overlapping(run_start - margin, run_end + margin),
                _among("technician_id", ids),
                status__in=ACTIVE_STATUSES,
            )
            .values_list("technician_id", "pk", UtcInstant("scheduled_start"), UtcInstant("scheduled_end"), "reference")
            .order_by()
        )
        for technician_id, *row in busy:
            self.busy.setdefault(technician_id, []).append(tuple(row))


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
        rows: _Rows | None = None,
    ):
        self.service = service
        self.area = area
        self.day = day
        self.now = now or timezone.now()
        self.rules = rules or Rules.current()
        self.duration = timedelta(minutes=service.duration_minutes)
        self.buffer = timedelta(minutes=self.rules.buffer_minutes)
        self.explaining = explain
        self._technicians: dict[int, Technician] | None = None
        self.candidates = self._load(exclude_technicians, ignore_booking, rows)

    def _load(
        self, exclude: set[int] | frozenset[int], ignore_booking: int | None, rows: _Rows | None
    ) -> list[_Candidate]:
        first_day, last_day = bookable_days(now=self.now, rules=self.rules)
        if not (first_day <= self.day <= last_day) or not self.service.is_active or not self.area.is_active:
            return []
        if rows is None:
            rows = _Rows(
                service=self.service,
                area=self.area,
                first=self.day,
                last=self.day,
                margin=self.buffer + self.duration,
                exclude=exclude,
                explain=self.explaining,
            )
        self._technicians = rows.objects
        day_start, day_end = _day_bounds(self.day)
        # The visits that can stand in the way of a visit that day: those that reach into the day
        # with its margin (the rows of a run of days hold the other days' too).
        reach_start, reach_end = day_start - (self.buffer + self.duration), day_end + self.buffer + self.duration
        zone = timezone.get_current_timezone()
        weekday = self.day.weekday()
        instants: dict[tuple[time, time], tuple[datetime, datetime]] = {}
        candidates = []
        for pk, (rating, is_available, serves_area) in rows.technicians.items():
            on_time_off = any(start <= self.day <= end for start, end in rows.time_off.get(pk, ()))
            if on_time_off and not self.explaining:
                continue
            candidate = _Candidate(self, pk, rating, is_available, serves_area, on_time_off)
            # A window edge inside a spring-forward gap resolves to the instant PEP 495 gives it.
            # Most technicians share their hours, so each distinct window is converted once.
            for edges in rows.windows.get((pk, weekday), ()):
                if edges not in instants:
                    instants[edges] = tuple(datetime.combine(self.day, t, tzinfo=zone).astimezone(UTC) for t in edges)
                candidate.windows.append(instants[edges])
            if not (candidate.windows or self.explaining):
                continue
            # The same rows give the busy times and each technician's visits that day (counted with
            # the booking being re-assigned, which still belongs to its technician).
            for booking_pk, start, end, reference in rows.busy.get(pk, ()):
                if not (start < reach_end and end > reach_start):
                    continue
                if day_start <= start < day_end:
                    candidate.visits_that_day += 1
                if booking_pk != ignore_booking:
                    candidate.busy.append((start, end, reference))
            candidates.append(candidate)
        return candidates

    def technician(self, pk: int) -> Technician:
        """The technician of a candidate, all of them loaded in one query the first time one is asked for."""
        if self._technicians is None:
            self._technicians = Technician.objects.select_related("user").in_bulk([c.pk for c in self.candidates])
        return self._technicians[pk]

    def _earliest(self) -> datetime:
        return self.now + timedelta(hours=self.rules.min_notice_hours)

    def free_technicians(self, start: datetime) -> list[Technician]:
        """Technicians free for a visit starting at `start`, best first: fewest visits that day, then best rating."""
        start = start.astimezone(UTC)
        if start < self._earliest() or timezone.localdate(start) != self.day:
            return []
        end = start + self.duration
        free = [c for c in self.candidates if c.is_free(start, end, self.buffer)]
        free.sort(key=lambda c: (c.visits_that_day, -c.rating, c.pk))
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
                -pair[0].rating,
                pair[0].pk,
            )
        )
        return [Candidate(technician=c.technician, reasons=reasons) for c, reasons in explained]

    def open_starts(self) -> list[datetime]:
        """Every start of the day's grid some candidate could take, the minimum notice aside
        (what `free_times` keeps in the cache: the notice moves with the clock)."""
        spans = [span for c in self.candidates for span in c.free_spans(self.duration, self.buffer)]
        if not spans:
            return []
        return _sweep(_grid(self.day, self.rules.slot_minutes), spans)

    def free_starts(self) -> list[datetime]:
        """The union over eligible technicians of the start times they could take."""
        earliest = self._earliest()
        return [start for start in self.open_starts() if start >= earliest]


# The patient's question "when is this service free in my area on this day?" is asked far more
# often than the answer changes, so the answer is kept in the cache. Its key holds everything the
# answer is computed from that a request can read for free (the service's specialization and
# length, the area, the day, the slot and buffer settings), and it is kept with a generation
# number for what only the database knows: bookings, schedules, time off and who works where. The
# generation is bumped by `forget_free_times` whenever one of those changes (bookings.receivers),
# so a change is never served stale: an answer kept under an older generation is not used, and is
# worked out again. The generation and the answers are read together, in one round trip to the
# cache. A key built from `max(updated_at)` values was the alternative; it costs a query per table
# on every read and cannot see a deleted row (a schedule window or day off taken back), while a
# bump costs one cache write per change. The minimum notice and the bookable days move with the
# clock, so they are applied to the cached answer, never kept in it.
GENERATION_KEY = "bookings:free-times:generation"
ANSWER_SECONDS = 600


def free_times_cached() -> bool:
    """Whether answers are kept: only in a cache every process shares (FREE_TIMES_CACHE), since a
    per-process cache would miss the generation bumped by another process."""
    return settings.FREE_TIMES_CACHE


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # A lost counter starts from the clock, never from a number an older answer may carry.
        cache.add(GENERATION_KEY, clock.time_ns(), None)
        generation = cache.get(GENERATION_KEY)
    return generation


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, clock.time_ns(), None)


def forget_free_times() -> None:
    """Something free times depend on changed: no answer cached before it is used again.

    Bumped at once and again when the transaction commits: an answer computed by another
    request between the two, from the data as it was before the commit, is kept with the
    generation the commit leaves behind.
    """
    if free_times_cached():
        _bump()
        transaction.on_commit(_bump)


def free_times_generation() -> int | None:
    """The generation of kept answers, which every change free times depend on moves; None when
    answers are not kept (then nothing built on free times may be kept either)."""
    return _generation() if free_times_cached() else None


def _answer_key(service: Service, area: ServiceArea, day: date, rules: Rules) -> str:
    return (
        f"bookings:free-times:answer:{service.pk}:{service.specialization}:{service.duration_minutes}:"
        f"{area.pk}:{day.isoformat()}:{rules.slot_minutes}:{rules.buffer_minutes}"
    )


def _kept_answers(keys: list[str]) -> tuple[int, dict[str, list[datetime]]]:
    """The current generation and the answers kept under `keys` for it, read in one round trip."""
    kept = cache.get_many([GENERATION_KEY, *keys])
    generation = kept.pop(GENERATION_KEY, None)
    if generation is None:
        return _generation(), {}
    return generation, {key: starts for key, (of, starts) in kept.items() if of == generation}


def free_times_by_day(
    *, service: Service, area: ServiceArea, days: list[date], now: datetime | None = None
) -> dict[date, list[datetime]]:
    """The free start times of `service` in `area` on each of `days` (the patient's booking form).

    The same times as `DayPlan(...).free_starts()` for each day; days outside the bookable range
    have none. The days not in the cache are worked out together from one load of rows.
    """
    now = now or timezone.now()
    rules = Rules.current()
    first, last = bookable_days(now=now, rules=rules)
    answers: dict[date, list[datetime]] = {day: [] for day in days}
    wanted = sorted({day for day in days if first <= day <= last})
    if not wanted or not service.is_active or not area.is_active:
        return answers
    open_starts: dict[date, list[datetime]] = {}
    keys = {}
    if free_times_cached():
        keys = {day: _answer_key(service, area, day, rules) for day in wanted}
        generation, kept = _kept_answers(list(keys.values()))
        open_starts = {day: kept[key] for day, key in keys.items() if key in kept}
    missing = [day for day in wanted if day not in open_starts]
    if missing:
        duration = timedelta(minutes=service.duration_minutes)
        rows = _Rows(
            service=service,
            area=area,
            first=missing[0],
            last=missing[-1],
            margin=duration + timedelta(minutes=rules.buffer_minutes),
        )
        computed = {
            day: DayPlan(service=service, area=area, day=day, now=now, rules=rules, rows=rows).open_starts()
            for day in missing
        }
        if keys:
            cache.set_many({keys[day]: (generation, starts) for day, starts in computed.items()}, ANSWER_SECONDS)
        open_starts.update(computed)
    earliest = now + timedelta(hours=rules.min_notice_hours)
    for day in wanted:
        answers[day] = [start for start in open_starts[day] if start >= earliest]
    return answers


def free_times(*, service: Service, area: ServiceArea, day: date, now: datetime | None = None) -> list[datetime]:
    """The free start times of one day: `free_times_by_day` for a single day."""
    return free_times_by_day(service=service, area=area, days=[day], now=now)[day]


def first_day_with_free_times(
    *, service: Service, area: ServiceArea, now: datetime | None = None, days_at_once: int = 8
) -> date | None:
    """The first bookable day on which `service` has a free time in `area`, or None up to the horizon."""
    now = now or timezone.now()
    first, last = bookable_days(now=now)
    while first <= last:
        days = [first + timedelta(days=i) for i in range(min(days_at_once, (last - first).days + 1))]
        by_day = free_times_by_day(service=service, area=area, days=days, now=now)
        found = next((day for day in days if by_day[day]), None)
        if found is not None:
            return found
        first = days[-1] + timedelta(days=1)
    return None


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
