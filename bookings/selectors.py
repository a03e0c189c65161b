"""Reads of bookings scoped to the person asking: a patient's own bookings, and the visits of the
technician portal.

A technician reaches only the visits assigned to them, and none while they are unverified or
suspended: the portal then shows why instead of work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import ServiceArea, User
from bookings import signals
from bookings.models import (
    ACTIVE_STATUSES,
    CHARGE_KINDS,
    DOOR_KINDS,
    Booking,
    BookingStatus,
    BookingStatusHistory,
    Payment,
    PaymentKind,
    PaymentState,
    Service,
    VisitSeries,
)
from homecure.base.money import round_money
from homecure.base.page_cache import Source, instant_sql, rows_stamp, table_of
from technicians.models import ScheduleWindow, Technician
from technicians.selectors import may_work, technician_id_sql

TODAY_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)
# Typed codes are short; after this many wrong ones in the window the form stops answering for a while.
CHECK_IN_CODE_TRIES = 10
CHECK_IN_CODE_TRIES_WINDOW = timedelta(minutes=15)


def bookings_for_patient(user: User) -> QuerySet[Booking]:
    return Booking.objects.filter(user=user).select_related("service", "technician__user", "service_area")


def booking_of_request(user: User, request_token: uuid.UUID) -> Booking | None:
    """The booking `user` already made with this booking form, if any: a resubmitted form finds it."""
    return Booking.objects.filter(user=user, request_token=request_token).first()


#: What a row of "My bookings" shows. Loading only these (not the technician, nor the visit's
#: thirty-odd other columns) halves the CPU of reading a page of rows.
PATIENT_ROW_FIELDS = (
    "reference",
    "status",
    "scheduled_start",
    "total_amount",
    "service__name",
    "service_area__name",
)


def _patient_rows(user: User) -> QuerySet[Booking]:
    return Booking.objects.filter(user=user).select_related("service", "service_area").only(*PATIENT_ROW_FIELDS)


def upcoming_bookings_for_patient(user: User, *, now=None) -> QuerySet[Booking]:
    now = now or timezone.now()
    return (
        _patient_rows(user).filter(status__in=ACTIVE_STATUSES, scheduled_end__gte=now).order_by("scheduled_start", "pk")
    )


def past_bookings_for_patient(user: User, *, now=None) -> QuerySet[Booking]:
    now = now or timezone.now()
    return (
        _patient_rows(user)
        .exclude(status__in=ACTIVE_STATUSES, scheduled_end__gte=now)
        .order_by("-scheduled_start", "-pk")
    )


def has_visit_with(patient: User, technician: Technician) -> bool:
    """Whether `patient` has (or had) a visit with `technician`, whatever its state."""
    return Booking.objects.filter(user=patient, technician=technician).exists()


def get_booking_for_patient(user: User, reference: str) -> Booking:
    """The patient's own booking, or 404: another patient's booking does not exist for them."""
    return get_object_or_404(bookings_for_patient(user), reference=reference)


def jobs_for(technician: Technician) -> QuerySet[Booking]:
    if not may_work(technician):
        return Booking.objects.none()
    return Booking.objects.filter(technician=technician).select_related("service", "service_area", "user")


#: What a visit shows in the portal's lists (the dashboard's, the jobs page's): the rest of the
#: visit and of the patient's account is not read.
JOB_ROW_FIELDS = (
    "reference",
    "status",
    "scheduled_start",
    "duration_minutes",
    "service_address",
    "service__name",
    "service_area__name",
    "user__first_name",
    "user__last_name",
)


def _job_rows(technician: Technician) -> QuerySet[Booking]:
    return jobs_for(technician).only(*JOB_ROW_FIELDS)


def get_job(technician: Technician, reference: str) -> Booking:
    """One of the technician's visits, or 404: another technician's visit does not exist for them."""
    return get_object_or_404(jobs_for(technician), reference=reference)


def _local_day_bounds(now: datetime) -> tuple[datetime, datetime]:
    today = timezone.localdate(now)
    zone = timezone.get_current_timezone()
    start = datetime.combine(today, datetime.min.time(), tzinfo=zone)
    return start, datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=zone)


def today_visits(technician: Technician, *, now: datetime | None = None) -> QuerySet[Booking]:
    """Today's accepted visits (done, under way and to come), in time order."""
    start, end = _local_day_bounds(now or timezone.now())
    return (
        _job_rows(technician)
        .filter(status__in=TODAY_STATUSES, scheduled_start__gte=start, scheduled_start__lt=end)
        .order_by("scheduled_start", "pk")
    )


def job_requests(technician: Technician, *, now: datetime | None = None) -> QuerySet[Booking]:
    """Visits offered to the technician that wait for their answer, soonest first."""
    return (
        _job_rows(technician)
        .filter(status=BookingStatus.PENDING, scheduled_start__gt=now or timezone.now())
        .order_by("scheduled_start", "pk")
    )


def upcoming_visits(technician: Technician, *, now: datetime | None = None) -> QuerySet[Booking]:
    """Accepted visits after today, soonest first."""
    _start, end_of_today = _local_day_bounds(now or timezone.now())
    return (
        _job_rows(technician)
        .filter(status=BookingStatus.CONFIRMED, scheduled_start__gte=end_of_today)
        .order_by("scheduled_start", "pk")
    )


def past_jobs(technician: Technician, *, now: datetime | None = None) -> QuerySet[Booking]:
    """Completed and cancelled visits, and offers that expired unanswered, latest first."""
    now = now or timezone.now()
    return (
        jobs_for(technician)
        .filter(
            Q(status__in=(BookingStatus.COMPLETED, BookingStatus.CANCELLED))
            | Q(status=BookingStatus.PENDING, scheduled_start__lte=now)
        )
        .order_by("-scheduled_start", "-pk")
    )


def active_jobs(technician: Technician) -> QuerySet[Booking]:
    """Accepted visits still to do (today's included), soonest first."""
    return (
        jobs_for(technician)
        .filter(status__in=(BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS))
        .order_by("scheduled_start", "pk")
    )


def booking_for_token(token: str) -> Booking | None:
    return (
        Booking.objects.select_related("service", "service_area", "user", "technician__user")
        .filter(qr_code_data=token)
        .first()
    )


def booking_for_code(code: str) -> Booking | None:
    return (
        Booking.objects.select_related("service", "service_area", "user", "technician__user")
        .filter(checkin_code=code)
        .first()
    )


# --- Money of a booking, from its payment rows (see `bookings.payments`) --------------------------------------------


def _confirmed_sum(booking: Booking, kinds) -> Decimal:
    total = (
        Payment.objects.filter(booking_id=booking.pk, kind__in=kinds, state=PaymentState.CONFIRMED)
        .aggregate(total=Sum("amount"))
        .get("total")
    )
    return total or Decimal("0.00")


def amount_paid(booking: Booking) -> Decimal:
    """What was collected for `booking`, online or at the door (confirmed charges; refunds not deducted)."""
    return _confirmed_sum(booking, CHARGE_KINDS)


def amount_refunded(booking: Booking) -> Decimal:
    """What of `booking`'s money went back to the patient (confirmed refunds)."""
    return _confirmed_sum(booking, (PaymentKind.REFUND,))


def collected_at_door(booking: Booking) -> Decimal:
    """What the technician took at the door for `booking` (cash or card): money the technician holds."""
    return _confirmed_sum(booking, DOOR_KINDS)


def documents_for_patient(user: User, booking: Booking) -> QuerySet[Payment]:
    """The receipts and credit notes of `user`'s own `booking`: its confirmed rows, oldest first."""
    return Payment.objects.filter(
        booking=booking, booking__user=user, state=PaymentState.CONFIRMED, number__isnull=False
    ).order_by("settled_at", "pk")


def get_document_for_patient(user: User, reference: str, number: str) -> Payment:
    """One receipt or credit note of the patient's own booking, or 404: another's does not exist for them."""
    booking = get_booking_for_patient(user, reference)
    return get_object_or_404(documents_for_patient(user, booking).select_related("booking__service"), number=number)


# --- Ratings and reviews ----------------------------------------------------------------------------------------

STARS = (5, 4, 3, 2, 1)


@dataclass(frozen=True)
class StarCount:
    stars: int
    count: int
    percent: int


@dataclass(frozen=True)
class RatingSummary:
    """A technician's ratings: how many, their average (two places, as `Technician.rating`), and how
    many visits got each number of stars, 5 first."""

    count: int
    average: Decimal | None
    distribution: list[StarCount]


def rated_visits(technician: Technician) -> QuerySet[Booking]:
    """The technician's visits their patients rated, latest visit first (a review is written after
    its visit, and the booking keeps no separate time for it). Their own feedback, so it is shown
    whatever the state of their account."""
    return (
        Booking.objects.filter(technician=technician, user_rating__isnull=False)
        .select_related("user", "service")
        .order_by("-scheduled_start", "-pk")
    )


def rating_summary(technician: Technician) -> RatingSummary:
    """Average and distribution in one query, whatever the number of reviews."""
    row = Booking.objects.filter(technician=technician, user_rating__isnull=False).aggregate(
        average=Avg("user_rating"),
        count=Count("pk"),
        **{f"stars_{n}": Count("pk", filter=Q(user_rating=n)) for n in STARS},
    )
    total = row["count"]
    distribution = [
        StarCount(n, row[f"stars_{n}"], round(100 * row[f"stars_{n}"] / total) if total else 0) for n in STARS
    ]
    average = round_money(Decimal(str(row["average"]))) if total else None
    return RatingSummary(count=total, average=average, distribution=distribution)


# --- Care plans (visit series) ------------------------------------------------------------------------------


def get_series_for_patient(user: User, reference: str) -> VisitSeries:
    """The patient's own care plan, or 404."""
    return get_object_or_404(
        VisitSeries.objects.filter(user=user).select_related("service", "service_area"), reference=reference
    )


def series_visits(series: VisitSeries) -> QuerySet[Booking]:
    """Every visit of a plan, in order, with what the plan's page shows of each."""
    return series.visits.select_related("technician__user", "service").order_by("scheduled_start", "pk")


def get_series_for_technician(technician: Technician, reference: str) -> tuple[VisitSeries, QuerySet[Booking]]:
    """A plan with at least one visit of `technician`, and those visits only; 404 otherwise."""
    visits = jobs_for(technician).filter(series__reference=reference).order_by("scheduled_start", "pk")
    first = visits.select_related("series__service").first()
    if first is None:
        raise Http404
    return first.series, visits


# --- What kept pages show (`homecure.base.page_cache`) ---------------------------------------------------------
# Each list names every table a page reads, narrowed to the rows it reads; a change to any of them
# gives the page a new key. The service and area tables are small and read whole. Only the models'
# table names go into the SQL text; values are parameters.


def _catalog_sources() -> list[Source]:
    return [rows_stamp(table_of(Service)), rows_stamp(table_of(ServiceArea))]


def my_bookings_sources(user: User) -> list[Source]:
    """The patient's list of visits: their bookings, with each one's service and area."""
    return [rows_stamp(table_of(Booking), "user_id = %s", [user.pk]), *_catalog_sources()]


def free_times_reply_sources() -> list[Source]:
    """The booking form's fragment of free times: besides the free times themselves (kept under
    their own generation), the service and the area it names; the patient's address is the account's."""
    return _catalog_sources()


def booking_page_sources(user: User, reference: str) -> list[Source]:
    """The patient's booking page: the visit, its history and who made each change, its payments
    and documents, its technician (profile and account), and what the other apps show of it."""
    booking = f"SELECT id FROM {table_of(Booking)} WHERE user_id = %s AND reference = %s"  # noqa: S608
    params = (user.pk, reference)
    # The reference is unique: each subquery gives one id or none, compared with `=`.
    of_booking = f"booking_id = ({booking})"
    technician = f"SELECT technician_id FROM {table_of(Booking)} WHERE user_id = %s AND reference = %s"  # noqa: S608
    history = table_of(BookingStatusHistory)
    technicians = table_of(Technician)
    panel_sources = signals.booking_page_sources.send(sender=Booking, user=user, booking=booking, params=params)
    return [
        rows_stamp(table_of(Booking), "user_id = %s AND reference = %s", params),
        rows_stamp(history, of_booking, params, column=None),
        rows_stamp(table_of(User), f"id IN (SELECT changed_by_id FROM {history} WHERE {of_booking})", params),  # noqa: S608
        rows_stamp(table_of(Payment), of_booking, params),
        rows_stamp(technicians, f"id = ({technician})", params),
        rows_stamp(table_of(User), f"id = (SELECT user_id FROM {technicians} WHERE id = ({technician}))", params),  # noqa: S608
        *_catalog_sources(),
        *(source for _receiver, answer in panel_sources for source in answer),
    ]


def dashboard_sources(user: User, *, now: datetime) -> list[Source]:
    """The portal dashboard of the technician `user`: their profile (whether they may work, what
    it lacks: areas and weekly schedule), their visits from today on (the dashboard lists no earlier
    ones), the names of those visits' patients, and the panels. Named from the account alone, so a
    kept dashboard is served without reading the profile."""
    visits = table_of(Booking)
    areas = Technician.service_areas.through
    technician_id = technician_id_sql()
    start_of_today, _end = _local_day_bounds(now)
    # The visits listed and their patients (whose names the lists show), in one pass over the visits.
    listed = f"{visits} visit JOIN {table_of(User)} patient ON patient.id = visit.user_id"
    from_today = f"visit.technician_id = {technician_id} AND visit.scheduled_start >= {instant_sql(start_of_today)}"
    panel_sources = signals.dashboard_sources.send(sender=Booking, user=user, now=now)
    return [
        rows_stamp(table_of(Technician), "user_id = %s", [user.pk]),
        rows_stamp(table_of(areas), f"technician_id = {technician_id}", [user.pk], column=None),
        rows_stamp(table_of(ScheduleWindow), f"technician_id = {technician_id}", [user.pk], column=None),
        rows_stamp(listed, from_today, [user.pk], column=("visit.updated_at", "patient.updated_at")),
        *_catalog_sources(),
        *(source for _receiver, answer in panel_sources for source in answer),
    ]
