"""Reads of bookings scoped to the person asking."""

import uuid

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from bookings.models import ACTIVE_STATUSES, Booking


def bookings_for_patient(user: User) -> QuerySet[Booking]:
    return Booking.objects.filter(user=user).select_related("service", "technician__user", "service_area")


def booking_of_request(user: User, request_token: uuid.UUID) -> Booking | None:
    """The booking `user` already made with this booking form, if any: a resubmitted form finds it."""
    return Booking.objects.filter(user=user, request_token=request_token).first()


def upcoming_bookings_for_patient(user: User, *, now=None) -> QuerySet[Booking]:
    now = now or timezone.now()
    return (
        bookings_for_patient(user)
        .filter(status__in=ACTIVE_STATUSES, scheduled_end__gte=now)
        .order_by("scheduled_start", "pk")
    )


def past_bookings_for_patient(user: User, *, now=None) -> QuerySet[Booking]:
    now = now or timezone.now()
    return (
        bookings_for_patient(user)
        .exclude(status__in=ACTIVE_STATUSES, scheduled_end__gte=now)
        .order_by("-scheduled_start", "-pk")
    )


def get_booking_for_patient(user: User, reference: str) -> Booking:
    """The patient's own booking, or 404: another patient's booking does not exist for them."""
    return get_object_or_404(bookings_for_patient(user), reference=reference)
