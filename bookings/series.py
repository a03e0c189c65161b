"""Care plans (visit series): the dates of a repeat rule, the proposal, and what can happen to a plan.

A plan's visits are ordinary bookings linked to their `VisitSeries`. Every visit starts at the same
wall-clock time, so across a daylight-saving change the instant moves and the local time stays
(`scheduling.local_datetime`); a wall time that does not exist on a date (spring forward) is a
problem of that date.

The proposal loads what it needs in a fixed number of queries whatever the number of visits and
technicians (`Availability`: the eligible technicians, their weekly windows, their time off and
their active bookings over the plan's days), then works in Python with the same test of "free"
as the single-visit scheduler (`scheduling._Candidate`). Choosing the technicians is a set cover:
one technician when someone is free on every date; otherwise greedily the technician free on the
most dates not yet covered, then the next, which gives few technicians (not always the fewest
possible, a known limit of the greedy rule, which is within a small factor of the best and fast).
A date nobody is free on comes with the nearest alternatives: other times that day, and the same
time on the days around it.

Confirming books every visit in one transaction under the single booking's no-double-booking rule
(`services.claim_and_book`: a lock on each technician's row and a re-check, the exclusion
constraint on PostgreSQL, serialized writers on SQLite). If any visit cannot be claimed, the whole
plan is rolled back and `SeriesSlotsTaken` names the dates, so the patient sees the proposal again
with them marked: a plan is never half made.

Dates beyond the booking horizon are kept on the plan (`later_dates`) and booked by
`series_place_due` (a `run_scheduled` job) once the horizon reaches them, with the plan's
technician where they are free.
"""

from __future__ import annotations

import itertools
import secrets
import uuid
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ServiceArea, User
from bookings import services
from bookings.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    PaymentMethod,
    SeriesRepeat,
    Service,
    VisitSeries,
)
from bookings.scheduling import Rules, _Candidate, bookable_days, local_datetime
from homecure.base.system_settings import get_setting
from technicians.models import ScheduleWindow, Technician, TimeOff

#: How many other times a date nobody is free on is offered, and how far around it they are looked for.
ALTERNATIVES = 4
ALTERNATIVE_DAYS = 3


class SeriesSlotsTaken(services.SlotTaken):
    """Some visits of a plan could not be claimed at confirmation; `days` are their planned dates."""

    def __init__(self, days: list[date]):
        super().__init__(_("Some times were just taken. Please look at the marked dates and confirm again."))
        self.days = days


# --- The dates of a plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepeatRule:
    """Every `interval_days` days, or on `weekdays` (Monday 0) each week; `count` visits or until `until`
    (whichever comes first), never more than `series_max_visits`."""

    repeat: str
    interval_days: int | None = None
    weekdays: tuple[int, ...] = ()
    count: int | None = None
    until: date | None = None


def series_dates(first: date, rule: RepeatRule, *, max_visits: int | None = None) -> list[date]:
    """The planned dates, the first one included."""
    limit = max_visits if max_visits is not None else get_setting("series_max_visits")
    if rule.count:
        limit = min(limit, rule.count)
    if rule.repeat == SeriesRepeat.EVERY_N_DAYS:
        step = timedelta(days=max(rule.interval_days or 1, 1))
    else:
        step = timedelta(days=1)
    if rule.repeat == SeriesRepeat.WEEKDAYS and not rule.weekdays:
        return [first]
    dates: list[date] = []
    day = first
    while len(dates) < limit and (rule.until is None or day <= rule.until):
        if day == first or rule.repeat == SeriesRepeat.EVERY_N_DAYS or day.weekday() in rule.weekdays:
            dates.append(day)
        day += step
    return dates


# --- Who is free when --------------------------------------------------------------------------------------


class Availability:
    """Everything about the technicians who could do a service in an area over some days: who they are,
    their weekly windows, their time off and their active bookings (`load` reads them in four queries),
    indexed once so that each day's question "who is free at this start" is a bisection per technician."""

    def __init__(
        self,
        *,
        duration: timedelta,
        now: datetime,
        rules: Rules,
        technicians: list[Technician] = (),
        windows=(),
        time_off=(),
        busy=(),
    ):
        """From plain rows: `windows` (technician id, weekday, start, end), `time_off` (technician id,
        first day, last day) and `busy` (technician id, start, end, reference; aware datetimes)."""
        self.now = now
        self.rules = rules
        self.duration = duration
        self.buffer = timedelta(minutes=rules.buffer_minutes)
        self._first, self._last = bookable_days(now=now, rules=rules)
        self._earliest = now + timedelta(hours=rules.min_notice_hours)
        self._days: dict[date, list[_Candidate]] = {}
        self._spans: dict[date, list[tuple[_Candidate, list[datetime], list[datetime]]]] = {}
        self.technicians = {t.pk: t for t in technicians}
        self._by_rating = sorted(technicians, key=lambda t: (-t.rating, t.pk))
        walls: dict[tuple[int, int], list[tuple[time, time]]] = {}
        for technician_id, weekday, start, end in windows:
            walls.setdefault((technician_id, weekday), []).append((start, end))
        # Sorted tuples, so that technicians with the same hours share one conversion per day.
        self.windows = {key: tuple(sorted(value)) for key, value in walls.items()}
        self.time_off: dict[int, list[tuple[date, date]]] = {}
        for technician_id, off_from, off_to in time_off:
            self.time_off.setdefault(technician_id, []).append((off_from, off_to))
        # Each busy time under every local day whose windows it can touch: a start inside day d's
        # windows lies between d's midnights, so a busy time clashes only when it begins less than a
        # buffer after the next midnight and ends less than a buffer before this one.
        self._busy: dict[date, dict[int, list[tuple[datetime, datetime, str]]]] = {}
        one_day = timedelta(days=1)
        zone = timezone.get_current_timezone()
        for technician_id, start, end, reference in busy:
            day, last = (start - self.buffer).astimezone(zone).date(), (end + self.buffer).astimezone(zone).date()
            while day <= last:
                self._busy.setdefault(day, {}).setdefault(technician_id, []).append((start, end, reference))
                day += one_day

    @classmethod
    def load(
        cls, *, service: Service, area: ServiceArea, first: date, last: date, now: datetime, rules: Rules
    ) -> Availability:
        """The technicians who could do `service` in `area` between `first` and `last`, in four queries."""
        duration = timedelta(minutes=service.duration_minutes)
        if not (service.is_active and area.is_active) or first > last:
            return cls(duration=duration, now=now, rules=rules)
        in_area = Technician.service_areas.through.objects.filter(technician=OuterRef("pk"), servicearea=area)
        eligible = (
            Technician.objects.taking_jobs()
            .filter(specialization=service.specialization)
            .filter(Exists(in_area))
            .select_related("user")
            .order_by()
        )
        technicians = list(eligible)
        if not technicians:
            return cls(duration=duration, now=now, rules=rules)
        ids = eligible.values("pk")
        zone = timezone.get_current_timezone()
        margin = timedelta(minutes=rules.buffer_minutes) + duration + timedelta(days=1)
        return cls(
            duration=duration,
            now=now,
            rules=rules,
            technicians=technicians,
            windows=ScheduleWindow.objects.filter(technician__in=ids)
            .order_by()
            .values_list("technician_id", "weekday", "start_time", "end_time"),
            time_off=TimeOff.objects.filter(technician__in=ids, start_date__lte=last, end_date__gte=first)
            .order_by()
            .values_list("technician_id", "start_date", "end_date"),
            busy=Booking.objects.filter(
                technician__in=ids,
                status__in=ACTIVE_STATUSES,
                scheduled_start__lt=datetime.combine(last, time.min, tzinfo=zone) + margin,
                scheduled_end__gt=datetime.combine(first, time.min, tzinfo=zone) - margin,
            )
            .order_by()
            .values_list("technician_id", "scheduled_start", "scheduled_end", "reference"),
        )

    def _candidates(self, day: date) -> list[_Candidate]:
        """The technicians working on `day` and not on time off, as the single-visit scheduler sees them,
        best rated first, each with the busy times that can touch that day."""
        if day in self._days:
            return self._days[day]
        zone = timezone.get_current_timezone()
        weekday = day.weekday()
        busy = self._busy.get(day, {})
        instants: dict[tuple, list[tuple[datetime, datetime]]] = {}
        candidates = []
        for technician in self._by_rating:
            pk = technician.pk
            walls = self.windows.get((pk, weekday))
            if walls is None:
                continue
            off = self.time_off.get(pk)
            if off and any(a <= day <= b for a, b in off):
                continue
            windows = instants.get(walls)
            if windows is None:
                windows = instants[walls] = [
                    (
                        datetime.combine(day, start, tzinfo=zone).astimezone(UTC),
                        datetime.combine(day, end, tzinfo=zone).astimezone(UTC),
                    )
                    for start, end in walls
                ]
            candidate = _Candidate(self, pk, technician.rating, technician.is_available, True, False)
            candidate.windows = windows
            candidate.busy = busy.get(pk, [])
            candidates.append(candidate)
        self._days[day] = candidates
        return candidates

    def _free_spans(self, day: date) -> list[tuple[_Candidate, list[datetime], list[datetime]]]:
        """Each candidate of `day` with the starts they are free for (`_Candidate.free_spans`, exactly
        the starts `is_free` accepts) as the sorted span beginnings and, for each, the furthest span end
        reached by then: a start is free when the last span begun at or before it reaches it."""
        if day in self._spans:
            return self._spans[day]
        result = []
        # Technicians with the same hours and nothing booked that day have the same spans: once.
        idle: dict[tuple, list[tuple[datetime, datetime]]] = {}
        for candidate in self._candidates(day):
            if candidate.busy or not candidate.takes_work:
                spans = candidate.free_spans(self.duration, self.buffer)
            else:
                key = tuple(candidate.windows)
                if key not in idle:
                    idle[key] = candidate.free_spans(self.duration, self.buffer)
                spans = idle[key]
            if len(spans) == 1:
                result.append((candidate, [spans[0][0]], [spans[0][1]]))
            elif spans:
                spans = sorted(spans)
                reach = list(itertools.accumulate((last for _, last in spans), max))
                result.append((candidate, [first for first, _ in spans], reach))
        self._spans[day] = result
        return result

    def technician(self, pk: int) -> Technician:
        """The technician `pk` among those loaded (what `_Candidate.technician` asks its plan for)."""
        return self.technicians[pk]

    def bookable(self, start: datetime) -> bool:
        return start >= self._earliest and self._first <= timezone.localdate(start) <= self._last

    def free(self, start: datetime) -> list[Technician]:
        """Technicians free for a visit at `start`, best rated first: per technician one bisection
        in the day's free spans instead of a scan of their busy times."""
        start = start.astimezone(UTC)
        if not self.bookable(start):
            return []
        free = []
        for candidate, firsts, reach in self._free_spans(timezone.localdate(start)):
            i = bisect_right(firsts, start)
            if i and reach[i - 1] >= start:
                free.append(candidate.technician)
        return free


# --- The proposal ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alternative:
    start: datetime
    technician: Technician


@dataclass
class ProposedVisit:
    """One planned date: its start (None when that wall time does not exist that day), the
    technician proposed (None when nobody is free), or the problem and the nearest alternatives."""

    day: date
    start: datetime | None
    technician: Technician | None = None
    problem: str = ""
    alternatives: list[Alternative] = field(default_factory=list)
    moved: bool = False
    taken: bool = False

    @property
    def local_start(self) -> datetime | None:
        return timezone.localtime(self.start) if self.start else None


@dataclass
class Proposal:
    visits: list[ProposedVisit]
    later: list[date]
    technicians: list[Technician]

    @property
    def placed(self) -> list[ProposedVisit]:
        return [v for v in self.visits if v.technician is not None]

    @property
    def problems(self) -> list[ProposedVisit]:
        return [v for v in self.visits if v.technician is None]

    @property
    def one_technician(self) -> bool:
        return len(self.technicians) == 1 and not self.problems


def _cover(visits: list[ProposedVisit], free: dict[int, set[int]], technicians: dict, prefer: int | None) -> list[int]:
    """Greedy set cover: repeatedly the technician free on most of the dates still open (the preferred
    one first, then the best rated); assigns each date to the first chosen technician free on it."""
    open_ = {i for i, v in enumerate(visits) if v.start is not None and not v.problem}
    chosen: list[int] = []
    while open_:
        best = max(
            free,
            key=lambda pk: (len(free[pk] & open_), pk == prefer, technicians[pk].rating, -pk),
            default=None,
        )
        if best is None or not free[best] & open_:
            break
        chosen.append(best)
        for i in free[best] & open_:
            visits[i].technician = technicians[best]
        open_ -= free[best]
    return chosen


def _alternatives(
    visit: ProposedVisit, availability: Availability, wall: time, taken_days: set[date], chosen: list[int]
) -> list[Alternative]:
    """The nearest starts to a date nobody is free on: the nearest other times that day, and the same
    time on the nearest days around it that hold no other visit of the plan (half of each)."""
    zone = timezone.get_current_timezone()
    wanted = (local_datetime(visit.day, wall) or datetime.combine(visit.day, wall, tzinfo=zone)).astimezone(UTC)
    step = availability.rules.slot_minutes
    same_day = [local_datetime(visit.day, time(m // 60, m % 60)) for m in range(0, 24 * 60, step)]
    around = [
        local_datetime(day, wall)
        for offset in range(1, ALTERNATIVE_DAYS + 1)
        for day in (visit.day - timedelta(days=offset), visit.day + timedelta(days=offset))
        if day not in taken_days
    ]
    rank = {pk: i for i, pk in enumerate(chosen)}
    found = []
    for starts in (same_day, around):
        nearest_first = sorted((s.astimezone(UTC) for s in starts if s is not None), key=lambda s: abs(s - wanted))
        free_starts = ((start, availability.free(start)) for start in nearest_first)
        for start, free in itertools.islice(((s, f) for s, f in free_starts if f), ALTERNATIVES // 2):
            free.sort(key=lambda t: rank.get(t.pk, len(rank)))
            found.append(Alternative(start=start, technician=free[0]))
    return sorted(found, key=lambda a: a.start)


def series_propose(
    *,
    service: Service,
    area: ServiceArea,
    days: list[date],
    wall: time,
    now: datetime | None = None,
    moves: dict[date, datetime] | None = None,
    taken: set[date] | frozenset[date] = frozenset(),
    prefer: int | None = None,
) -> Proposal:
    """A proposal for visits of `service` at wall-clock time `wall` on `days`.

    Days past the booking horizon go to `later`. `moves` replaces a day's start by one of its
    alternatives; `taken` marks the days lost at a confirmation. Queries: a fixed number.
    """
    now = now or timezone.now()
    moves = moves or {}
    rules = Rules.current()
    first_bookable, last_bookable = bookable_days(now=now, rules=rules)
    within = [d for d in days if d <= last_bookable]
    later = [d for d in days if d > last_bookable]
    if not within:
        return Proposal(visits=[], later=later, technicians=[])
    reach = timedelta(days=ALTERNATIVE_DAYS)
    availability = Availability.load(
        service=service,
        area=area,
        first=max(within[0] - reach, first_bookable),
        last=min(within[-1] + reach, last_bookable),
        now=now,
        rules=rules,
    )
    visits = [_proposed(day, wall, moves.get(day), availability, taken) for day in within]
    _mark_clashes(visits, availability)
    free = {pk: set() for pk in availability.technicians}
    for i, visit in enumerate(visits):
        if visit.start is not None and not visit.problem:
            for technician in availability.free(visit.start):
                free[technician.pk].add(i)
    chosen = _cover(visits, free, availability.technicians, prefer)
    taken_days = set(days)
    for visit in visits:
        if visit.technician is None:
            visit.problem = visit.problem or _("Nobody is free at this time.")
            visit.alternatives = _alternatives(visit, availability, wall, taken_days, chosen)
    return Proposal(visits=visits, later=later, technicians=[availability.technicians[pk] for pk in chosen])


def _proposed(day: date, wall: time, moved_to: datetime | None, availability: Availability, taken) -> ProposedVisit:
    if moved_to is not None:
        return ProposedVisit(day=day, start=moved_to.astimezone(UTC), moved=True, taken=day in taken)
    start = local_datetime(day, wall)
    visit = ProposedVisit(day=day, start=start.astimezone(UTC) if start else None, taken=day in taken)
    if start is None:
        visit.problem = _("This time does not exist on this day (the clocks go forward).")
    elif not availability.bookable(start):
        visit.problem = _("This time is too soon to book.")
    return visit


def _mark_clashes(visits: list[ProposedVisit], availability: Availability) -> None:
    """A moved visit too close to another visit of the plan cannot be placed where it was moved."""
    placed: list[tuple[datetime, datetime]] = []
    for visit in sorted((v for v in visits if v.start is not None and not v.problem), key=lambda v: v.start):
        if placed and visit.start < placed[-1][1] + availability.buffer:
            visit.problem = _("This time is too close to another visit of the plan.")
            continue
        placed.append((visit.start, visit.start + availability.duration))


# --- Services ----------------------------------------------------------------------------------------------


def _new_series_reference() -> str:
    return "CP-" + "".join(secrets.choice(services.REFERENCE_ALPHABET) for _ in range(8))


@dataclass(frozen=True)
class SeriesRequest:
    """What the patient asked for: the service, where, the first date and time and the repeat rule."""

    service: Service
    area: ServiceArea
    address: str
    first_day: date
    wall: time
    rule: RepeatRule
    payment_method: str = PaymentMethod.CASH
    user_notes: str = ""

    @property
    def days(self) -> list[date]:
        return series_dates(self.first_day, self.rule)

    def propose(self, *, now: datetime | None = None, moves=None, taken=frozenset()) -> Proposal:
        return series_propose(
            service=self.service, area=self.area, days=self.days, wall=self.wall, now=now, moves=moves, taken=taken
        )


@transaction.atomic
def series_create(
    *,
    patient: User,
    request: SeriesRequest,
    proposal: Proposal,
    request_token: uuid.UUID | None = None,
    now: datetime | None = None,
) -> VisitSeries:
    """Book every placed visit of `proposal` as one care plan, or none of them.

    Raises SeriesSlotsTaken (with the dates) when a technician is no longer free for a visit, and
    BookingError when there is nothing to book.
    """
    if not (patient.is_active and patient.is_patient):
        raise services.NotAllowed(_("Only patients can book visits."))
    if request_token is not None:
        existing = VisitSeries.objects.filter(user=patient, request_token=request_token).first()
        if existing is not None:
            return existing
    now = now or timezone.now()
    placed = sorted(proposal.placed, key=lambda v: v.start)
    if len(placed) < 1:
        raise services.BookingError(_("No visit of this plan can be booked."), code="empty_series")
    if len(placed) + len(proposal.later) > get_setting("series_max_visits"):
        raise services.BookingError(_("This plan has too many visits."), code="too_many_visits")
    series = VisitSeries(
        reference=_new_series_reference(),
        request_token=request_token,
        user=patient,
        service=request.service,
        service_area=request.area,
        service_address=request.address,
        payment_method=request.payment_method,
        user_notes=request.user_notes,
        repeat=request.rule.repeat,
        interval_days=request.rule.interval_days,
        weekdays=",".join(str(d) for d in sorted(request.rule.weekdays)),
        wall_time=request.wall,
        visit_count=len(placed) + len(proposal.later),
        price_per_visit=request.service.price,
        later_dates=[d.isoformat() for d in proposal.later],
        created_at=now,
    )
    try:
        with transaction.atomic():
            series.save()
    except IntegrityError:
        return VisitSeries.objects.get(user=patient, request_token=request_token)
    # Every technician of the plan is locked up front, in one order, so that two plans sharing
    # technicians queue instead of deadlocking; `claim_and_book` then re-checks each visit.
    list(Technician.objects.select_for_update().filter(pk__in={v.technician.pk for v in placed}).order_by("pk"))
    lost = [visit.day for visit in placed if _book(series, request, visit, now) is None]
    if lost:
        raise SeriesSlotsTaken(lost)
    return series


def _book(series: VisitSeries, request: SeriesRequest, visit: ProposedVisit, now: datetime) -> Booking | None:
    return services.claim_and_book(
        patient=series.user,
        technician=visit.technician,
        service=request.service,
        area=request.area,
        address=request.address,
        start=visit.start,
        payment_method=request.payment_method,
        user_notes=request.user_notes,
        now=now,
        series=series,
    )


def series_accept(*, series: VisitSeries, actor: User, now: datetime | None = None) -> tuple[int, list[str]]:
    """The technician accepts every visit of the plan offered to them, each as `booking_accept` would.

    A visit that can no longer be accepted (its offer ran out) does not stop the others: returns how
    many were accepted and the refusals, one line per visit.
    """
    now = now or timezone.now()
    technician = getattr(actor, "technician", None)
    offered = Booking.objects.filter(series=series, technician=technician, status=BookingStatus.PENDING)
    accepted, refused = 0, []
    for booking in offered.order_by("scheduled_start", "pk"):
        try:
            with transaction.atomic():
                services.booking_accept(booking=booking, actor=actor, now=now)
        except services.BookingError as error:
            refused.append(f"{booking.reference}: {error.message}")
        else:
            accepted += 1
    return accepted, refused


@transaction.atomic
def series_cancel(
    *, booking: Booking, actor: User, reason: str, later: bool = True, now: datetime | None = None
) -> tuple[list[Booking], list[Booking]]:
    """Cancel a visit of a plan and, with `later`, every later active one (and the dates not booked yet).

    Each visit under the usual rule (`can_cancel`, `booking_cancel`); a visit past its deadline is
    left as it is. Returns (cancelled, left). A refund the provider refuses rolls all of it back.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if booking.series_id is None:
        raise services.NotAllowed(_("This visit is not part of a care plan."))
    series = VisitSeries.objects.select_for_update().get(pk=booking.series_id)
    if not (series.user_id == getattr(actor, "pk", None) or getattr(actor, "is_active_admin", False)):
        raise services.NotAllowed(_("You cannot cancel this booking."))
    if not reason:
        raise services.BookingError(_("Please give a reason."), code="reason_required")
    visits = [booking]
    if later:
        visits = list(
            series.visits.filter(status__in=ACTIVE_STATUSES, scheduled_start__gte=booking.scheduled_start)
            .select_related("user", "technician__user")
            .order_by("scheduled_start", "pk")
        )
        if series.later_dates:
            series.later_dates = []
            series.save(update_fields=["later_dates"])
    cancelled, left = [], []
    for visit in visits:
        if visit.status in ACTIVE_STATUSES and services.can_cancel(visit, actor, now=now):
            cancelled.append(services.booking_cancel(booking=visit, actor=actor, reason=reason, now=now))
        elif visit.status in ACTIVE_STATUSES:
            left.append(visit)
    return cancelled, left


# --- The scheduled job -------------------------------------------------------------------------------------


def _plan_technician(series: VisitSeries) -> int | None:
    """The technician with most of the plan's active visits: the one its later visits go to first."""
    counts = Counter(
        series.visits.filter(status__in=ACTIVE_STATUSES, technician__isnull=False).values_list(
            "technician_id", flat=True
        )
    )
    return counts.most_common(1)[0][0] if counts else None


@transaction.atomic
def series_place_later(*, series: VisitSeries, now: datetime) -> int:
    """Book the plan's dates the horizon now reaches; a date nobody is free on is kept as unplaced."""
    series = VisitSeries.objects.select_for_update().select_related("user", "service", "service_area").get(pk=series.pk)
    _first, last = bookable_days(now=now)
    due = [d for d in (date.fromisoformat(x) for x in series.later_dates) if d <= last]
    if not due:
        return 0
    request = SeriesRequest(
        service=series.service,
        area=series.service_area,
        address=series.service_address,
        first_day=due[0],
        wall=series.wall_time,
        rule=RepeatRule(repeat=series.repeat),
        payment_method=series.payment_method,
        user_notes=series.user_notes,
    )
    proposal = series_propose(
        service=series.service,
        area=series.service_area,
        days=due,
        wall=series.wall_time,
        now=now,
        prefer=_plan_technician(series),
    )
    placed = 0
    for visit in proposal.visits:
        if visit.technician is not None and _book(series, request, visit, now) is not None:
            placed += 1
        else:
            series.unplaced_dates = [*series.unplaced_dates, visit.day.isoformat()]
    series.later_dates = [x for x in series.later_dates if date.fromisoformat(x) > last]
    series.save(update_fields=["later_dates", "unplaced_dates"])
    return placed


def series_place_due(*, now: datetime | None = None) -> int:
    """The job: every plan with dates the horizon now reaches gets them booked. Visits placed."""
    now = now or timezone.now()
    _first, last = bookable_days(now=now)
    placed = 0
    for series in VisitSeries.objects.exclude(later_dates=[]).only("pk", "later_dates"):
        if any(date.fromisoformat(x) <= last for x in series.later_dates):
            placed += series_place_later(series=series, now=now)
    return placed
