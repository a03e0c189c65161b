"""Reads for the technician portal, each scoped to the technician asking.

A technician reaches only the visits assigned to them, and none while they are unverified or
suspended: the portal then shows why instead of work.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking, BookingStatus
from technicians.models import CheckInMethod, FailedCheckIn, Technician

TODAY_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)


def technician_of(user: User) -> Technician | None:
    """The technician profile of `user`, or None (an invited technician who has not filled it in)."""
    return Technician.objects.select_related("user").filter(user=user).first()


def may_work(technician: Technician | None) -> bool:
    return bool(technician and technician.is_working)


def jobs_for(technician: Technician) -> QuerySet[Booking]:
    if not may_work(technician):
        return Booking.objects.none()
    return Booking.objects.filter(technician=technician).select_related("service", "service_area", "user")


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
        jobs_for(technician)
        .filter(status__in=TODAY_STATUSES, scheduled_start__gte=start, scheduled_start__lt=end)
        .order_by("scheduled_start", "pk")
    )


def job_requests(technician: Technician, *, now: datetime | None = None) -> QuerySet[Booking]:
    """Visits offered to the technician that wait for their answer, soonest first."""
    return (
        jobs_for(technician)
        .filter(status=BookingStatus.PENDING, scheduled_start__gt=now or timezone.now())
        .order_by("scheduled_start", "pk")
    )


def upcoming_visits(technician: Technician, *, now: datetime | None = None) -> QuerySet[Booking]:
    """Accepted visits after today, soonest first."""
    _start, end_of_today = _local_day_bounds(now or timezone.now())
    return (
        jobs_for(technician)
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


def recent_failed_codes(user: User, *, since: datetime) -> int:
    """Typed codes of `user` refused since `since`: the code form slows down guessing with it."""
    return FailedCheckIn.objects.filter(user=user, method=CheckInMethod.TYPED, created_at__gte=since).count()


def may_see_photo(user: User, technician: Technician) -> bool:
    """The technician, administrators, and patients who have a visit with this technician."""
    if not user.is_authenticated:
        return False
    if technician.user_id == user.pk or user.is_platform_admin:
        return True
    return user.is_patient and Booking.objects.filter(user=user, technician=technician).exists()
