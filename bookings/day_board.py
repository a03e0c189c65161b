"""The back office's day board: one day of one area (or all areas) laid out on a time axis.

`day_board()` is a pure read: it loads the day in a fixed number of queries (the day's visits with
their patient, service, technician and area; the working technicians with their windows that
weekday), whatever the number of technicians and visits, and places everything in Python.

What the board shows, and why:

- one row per working technician (verified, active, not on time off) who serves the area and has
  a working window that weekday, and per technician who has a visit in the area that day even
  outside those rules (an override, a suspended technician's accepted visit): their windows, and
  all their visits of the day, in any area, since one person cannot be in two places;
- around each visit the travel buffer (`booking_buffer_minutes`, the margin the scheduler keeps
  between one technician's visits); a visit that starts less than the buffer after the previous
  one ends is marked `tight`;
- visits that overlap in time (an old override, data written on SQLite before the no-overlap rule)
  are never drawn on top of each other: each row is split into as many lanes as it needs;
- a visit is `late` when it is confirmed, its start has passed and nobody has checked in, and
  `escalated` once `run_scheduled` has told the office about it (`not_attended_at`);
- the waiting lane holds the area's pending visits of the day that nobody is assigned to and the
  escalated ones: what the office has to act on.

Positions are percentages of the axis, measured in wall-clock minutes of the platform's time zone,
so a visit sits under the hour its start reads in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ServiceArea
from bookings.models import Booking, BookingStatus
from homecure.base.system_settings import get_setting
from technicians.models import ScheduleWindow, Technician, TimeOff

# The axis covers the whole hours of the windows and visits shown, and at least this working day.
AXIS_FIRST_HOUR = 8
AXIS_LAST_HOUR = 18
# Drawing sizes of a row, in CSS pixels: one lane per set of visits that do not overlap.
LANE_HEIGHT = 44
VISIT_HEIGHT = 38
DAY_MINUTES = 24 * 60


def _minute(moment: datetime, day: date) -> int:
    """Wall-clock minutes since the local midnight of `day`, clamped to that day."""
    local = timezone.localtime(moment)
    if local.date() < day:
        return 0
    if local.date() > day:
        return DAY_MINUTES
    return local.hour * 60 + local.minute


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def initials(user) -> str:
    """The patient as the board names them: initials only, so a screen seen over a shoulder gives little away."""
    parts = [user.first_name, user.last_name]
    letters = [part.strip()[0].upper() for part in parts if part and part.strip()]
    return ".".join(letters) + "." if letters else user.email[:1].upper() + "."


@dataclass(frozen=True)
class Axis:
    first_minute: int
    last_minute: int

    @property
    def span(self) -> int:
        return self.last_minute - self.first_minute

    def left(self, minute: int) -> float:
        """Where `minute` sits on the axis, in percent of its width."""
        clamped = min(max(minute, self.first_minute), self.last_minute)
        return round(100 * (clamped - self.first_minute) / self.span, 3)

    def width(self, start: int, end: int) -> float:
        return round(self.left(end) - self.left(start), 3)

    @property
    def hours(self) -> list[tuple[str, float]]:
        return [
            (f"{minute // 60:02d}:00", self.left(minute))
            for minute in range(self.first_minute, self.last_minute + 1, 60)
        ]


@dataclass(frozen=True)
class Span:
    """A stretch of the axis: a working window or a travel buffer."""

    start_minute: int
    end_minute: int
    left: float
    width: float

    @property
    def label(self) -> str:
        return f"{_clock(self.start_minute)}-{_clock(self.end_minute)}"


@dataclass
class BoardVisit:
    booking: Booking
    start_minute: int
    end_minute: int
    left: float = 0.0
    width: float = 0.0
    lane: int = 0
    buffer_before: Span | None = None
    buffer_after: Span | None = None
    late: bool = False
    escalated: bool = False
    tight: bool = False
    elsewhere: bool = False  # in another area than the one shown

    height = VISIT_HEIGHT

    @property
    def y(self) -> int:
        return self.lane * LANE_HEIGHT + (LANE_HEIGHT - VISIT_HEIGHT) // 2

    @property
    def reference(self) -> str:
        return self.booking.reference

    @property
    def initials(self) -> str:
        return initials(self.booking.user)

    @property
    def times(self) -> str:
        start, end = timezone.localtime(self.booking.scheduled_start), timezone.localtime(self.booking.scheduled_end)
        return f"{start:%H:%M}-{end:%H:%M}"

    @property
    def marks(self) -> list[str]:
        """What needs the office's eye, in words (the colours and markers say the same)."""
        marks = []
        if self.escalated:
            marks.append(_("nobody checked in, office told"))
        elif self.late:
            marks.append(_("late to check in"))
        if self.tight:
            marks.append(_("less travel time than the buffer before it"))
        if self.elsewhere:
            marks.append(_("in %(area)s") % {"area": self.booking.service_area})
        return marks

    @property
    def headline(self) -> str:
        """The block's first line: start, patient, and whether the check-in is late."""
        start = f"{timezone.localtime(self.booking.scheduled_start):%H:%M} {self.initials}"
        if self.escalated:
            return _("Not checked in %(start)s") % {"start": start}
        if self.late:
            return _("Late %(start)s") % {"start": start}
        return start

    @property
    def subline(self) -> str:
        """The block's second line: the service, and the area when it is not the one shown."""
        if self.elsewhere:
            return f"{self.booking.service} · {self.booking.service_area}"
        return str(self.booking.service)

    @property
    def description(self) -> str:
        """What a screen reader reads for the visit's block: its visible lines first, then the rest."""
        end = f"{timezone.localtime(self.booking.scheduled_end):%H:%M}"
        parts = [
            f"{self.headline} {self.subline}",
            _("until %(end)s") % {"end": end},
            self.booking.get_status_display(),
        ]
        if self.tight:
            parts.append(_("less travel time than the buffer before it"))
        return ", ".join(parts)


@dataclass
class BoardRow:
    technician: Technician
    windows: list[Span] = field(default_factory=list)
    visits: list[BoardVisit] = field(default_factory=list)
    lanes: int = 1

    @property
    def height(self) -> int:
        return self.lanes * LANE_HEIGHT

    @property
    def hours_label(self) -> str:
        return ", ".join(window.label for window in self.windows) or _("no working hours this day")


@dataclass
class DayBoard:
    day: date
    area: ServiceArea | None
    buffer_minutes: int
    axis: Axis
    rows: list[BoardRow]
    waiting: list[BoardVisit]
    waiting_lanes: int
    now_left: float | None

    @property
    def visits(self) -> list[BoardVisit]:
        """Every visit on the board once: the rows' visits, then the unassigned ones."""
        seen = [visit for row in self.rows for visit in row.visits]
        return seen + [visit for visit in self.waiting if visit.booking.technician_id is None]

    @property
    def waiting_height(self) -> int:
        return self.waiting_lanes * LANE_HEIGHT

    def find(self, pk: int | None) -> BoardVisit | None:
        return next((visit for visit in self.visits if visit.booking.pk == pk), None)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _load_visits(day: date) -> list[Booking]:
    day_start, day_end = _day_bounds(day)
    return list(
        Booking.objects.filter(scheduled_start__gte=day_start, scheduled_start__lt=day_end)
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("user", "service", "service_area", "technician__user")
        .order_by("scheduled_start", "pk")
    )


def _load_technicians(day: date, area: ServiceArea | None) -> list[Technician]:
    """Working technicians with a window that weekday and no time off that day, serving `area` when given."""
    has_window = ScheduleWindow.objects.filter(technician=OuterRef("pk"), weekday=day.weekday())
    time_off = TimeOff.objects.filter(technician=OuterRef("pk"), start_date__lte=day, end_date__gte=day)
    technicians = Technician.objects.working().filter(Exists(has_window), ~Exists(time_off)).select_related("user")
    if area is not None:
        serves = Technician.service_areas.through.objects.filter(technician=OuterRef("pk"), servicearea=area)
        technicians = technicians.filter(Exists(serves))
    return list(technicians)


def _windows(technician_ids: list[int], day: date) -> dict[int, list[tuple[time, time]]]:
    windows: dict[int, list[tuple[time, time]]] = {}
    rows = ScheduleWindow.objects.filter(technician_id__in=technician_ids, weekday=day.weekday()).order_by(
        "technician_id", "start_time"
    )
    for technician_id, start, end in rows.values_list("technician_id", "start_time", "end_time"):
        windows.setdefault(technician_id, []).append((start, end))
    return windows


def _axis(minutes: list[int]) -> Axis:
    first = min([AXIS_FIRST_HOUR * 60, *minutes])
    last = max([AXIS_LAST_HOUR * 60, *minutes])
    return Axis(first_minute=first - first % 60, last_minute=min(DAY_MINUTES, last + (-last) % 60))


def _place_lanes(visits: list[BoardVisit], buffer: int | None) -> int:
    """Give each visit the first lane where it overlaps nothing; with a `buffer`, mark the visits
    that start less than the buffer after the previous one ends (one technician's travel time).

    Returns the number of lanes the row needs (at least one).
    """
    lane_ends: list[int] = []
    previous_end: int | None = None
    for visit in sorted(visits, key=lambda v: (v.start_minute, v.end_minute, v.booking.pk)):
        if buffer is not None and previous_end is not None and visit.start_minute < previous_end + buffer:
            visit.tight = True
        previous_end = visit.end_minute if previous_end is None else max(previous_end, visit.end_minute)
        for lane, end in enumerate(lane_ends):
            if end <= visit.start_minute:
                visit.lane, lane_ends[lane] = lane, visit.end_minute
                break
        else:
            visit.lane = len(lane_ends)
            lane_ends.append(visit.end_minute)
    return max(1, len(lane_ends))


def day_board(*, day: date, area: ServiceArea | None = None, now: datetime | None = None) -> DayBoard:
    """Everything the day board draws for `day` in `area` (every area when None)."""
    now = now or timezone.now()
    buffer = get_setting("booking_buffer_minutes")
    bookings = _load_visits(day)
    technicians = {t.pk: t for t in _load_technicians(day, area)}
    in_area = [b for b in bookings if area is None or b.service_area_id == area.pk]
    for booking in in_area:
        if booking.technician_id is not None:
            technicians.setdefault(booking.technician_id, booking.technician)
    windows = _windows(list(technicians), day)

    visits = [
        BoardVisit(
            booking=b,
            start_minute=_minute(b.scheduled_start, day),
            end_minute=_minute(b.scheduled_end, day),
            late=b.status == BookingStatus.CONFIRMED and b.checked_in_at is None and b.scheduled_start < now,
            escalated=b.status == BookingStatus.CONFIRMED and b.not_attended_at is not None,
            elsewhere=area is not None and b.service_area_id != area.pk,
        )
        for b in bookings
        if b.technician_id in technicians or (b.technician_id is None and b in in_area)
    ]
    window_minutes = [
        m for spans in windows.values() for s, e in spans for m in (s.hour * 60 + s.minute, e.hour * 60 + e.minute)
    ]
    axis = _axis([m for v in visits for m in (v.start_minute, v.end_minute)] + window_minutes)
    for visit in visits:
        visit.left, visit.width = axis.left(visit.start_minute), axis.width(visit.start_minute, visit.end_minute)
        before = max(axis.first_minute, visit.start_minute - buffer)
        after = min(axis.last_minute, visit.end_minute + buffer)
        visit.buffer_before = Span(
            before, visit.start_minute, axis.left(before), axis.width(before, visit.start_minute)
        )
        visit.buffer_after = Span(
            visit.end_minute, after, axis.left(visit.end_minute), axis.width(visit.end_minute, after)
        )

    rows = []
    for technician in sorted(technicians.values(), key=lambda t: (t.user.last_name, t.user.first_name, t.pk)):
        row = BoardRow(technician=technician)
        for start, end in windows.get(technician.pk, []):
            first, last = start.hour * 60 + start.minute, end.hour * 60 + end.minute
            row.windows.append(Span(first, last, axis.left(first), axis.width(first, last)))
        row.visits = [v for v in visits if v.booking.technician_id == technician.pk]
        row.lanes = _place_lanes(row.visits, buffer)
        rows.append(row)

    # Copies: an escalated visit keeps its place in its technician's row as well.
    waiting = [replace(v) for v in visits if (v.booking.technician_id is None or v.escalated) and not v.elsewhere]
    waiting_lanes = _place_lanes(waiting, None)
    now_minute = _minute(now, day)
    shown = timezone.localdate(now) == day and axis.first_minute <= now_minute <= axis.last_minute
    now_left = axis.left(now_minute) if shown else None
    return DayBoard(
        day=day,
        area=area,
        buffer_minutes=buffer,
        axis=axis,
        rows=rows,
        waiting=waiting,
        waiting_lanes=waiting_lanes,
        now_left=now_left,
    )
