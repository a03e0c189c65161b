"""Receivers of the bookings app: thin functions, each one call; and the bookings app's answer to
`personal_data_requested` (the patient's visits and their history).

The technicians app asks its questions about visits through signals rather than calling this app,
so that it never imports the apps built on top of it.
"""

from collections.abc import Iterator
from functools import partial

from django.db import transaction
from django.db.models import Prefetch

from accounts.models import User
from accounts.personal_data import CHUNK_SIZE, PersonalData, Row, Section, fields_of, json_value
from bookings import selectors, waitlist
from bookings.models import Booking, BookingStatusHistory, Payment, VisitSeries, WaitlistEntry
from bookings.scheduling import forget_free_times
from homecure.base.public_cache import forget_public_pages
from technicians.selectors import name_for_patients


def service_changed(**kwargs):
    """A service was saved or deleted: the kept public pages show the catalog, so they go.

    Again at commit: a page rendered by another request before the change is committed would
    otherwise keep the old catalog.
    """
    forget_public_pages()
    transaction.on_commit(forget_public_pages)


def cancelled_frees_time(sender, booking, **kwargs):
    """A cancelled (or lapsed) visit's time is offered to the waitlist."""
    waitlist.waitlist_offer_freed_time(booking=booking, start=booking.scheduled_start, now=booking.cancelled_at)


def rescheduled_frees_time(sender, booking, previous_start, **kwargs):
    """A visit moved to another time frees its old one for the waitlist."""
    waitlist.waitlist_offer_freed_time(booking=booking, start=previous_start)


def free_times_changed(**kwargs):
    """A schedule, a day off or who works where changed: the cached free times go."""
    forget_free_times()


# The fields of a booking, a technician and a user that free times are computed from; a save
# that names none of them (a payment, a note, a log-in) leaves the cached answers alone.
BOOKING_FIELDS_FOR_FREE_TIMES = frozenset({"status", "technician", "technician_id", "scheduled_start", "scheduled_end"})
TECHNICIAN_FIELDS_FOR_FREE_TIMES = frozenset({"is_verified", "is_active", "is_available", "specialization"})
USER_FIELDS_FOR_FREE_TIMES = frozenset({"is_active", "role"})


def _saved_fields_matter(fields, update_fields) -> bool:
    return update_fields is None or not fields.isdisjoint(update_fields)


def booking_saved(sender, instance, update_fields=None, **kwargs):
    if _saved_fields_matter(BOOKING_FIELDS_FOR_FREE_TIMES, update_fields):
        forget_free_times()


def technician_saved(sender, instance, update_fields=None, **kwargs):
    if _saved_fields_matter(TECHNICIAN_FIELDS_FOR_FREE_TIMES, update_fields):
        forget_free_times()


def user_saved(sender, instance, update_fields=None, **kwargs):
    if _saved_fields_matter(USER_FIELDS_FOR_FREE_TIMES, update_fields):
        forget_free_times()


def patient_has_visit_with(sender, technician, user, **kwargs):
    """A patient may see the photo of a technician they have a visit with."""
    return selectors.has_visit_with(user, technician)


def visits_on_days(sender, technician, start_date, end_date, **kwargs):
    return (
        selectors.active_jobs(technician).filter(scheduled_date__gte=start_date, scheduled_date__lte=end_date).count()
    )


#: A visit in the data download. The technician's visit notes are in it: they are about the
#: patient's visit, and the technician's form says so. The office's own notes (`admin_notes`) are
#: not: they are the office's working notes (gate codes, who to call, remarks about other people
#: and staff), written for the office, and may name third parties; the patient gets them through
#: a request to the office, which reviews them for other people's data first (README, Security).
BOOKING_FIELDS = (
    "id",
    "reference",
    "status",
    "scheduled_start",
    "scheduled_end",
    "duration_minutes",
    "service_address",
    "service_location",
    "total_amount",
    "payment_status",
    "payment_method",
    "payment_reference",
    "user_notes",
    "technician_notes",
    "user_rating",
    "user_review",
    "cancellation_reason",
    "created_at",
    "checked_in_at",
    "completed_at",
    "cancelled_at",
    "not_attended_at",
    "series_id",
)


#: A booking's money as the patient saw it move: charges, collections at the door and refunds, with
#: their receipt or credit note numbers. The office's reason for a refund and a provider's refusal
#: are its working notes, left out as the booking's office notes are.
PAYMENT_FIELDS = (
    "id",
    "kind",
    "state",
    "amount",
    "currency",
    "provider",
    "provider_reference",
    "number",
    "created_at",
    "settled_at",
)


def _bookings(user: User) -> Iterator[Row]:
    bookings = (
        Booking.objects.filter(user=user)
        .select_related("service", "service_area", "technician__user__technician")
        .prefetch_related(
            Prefetch(
                "history",
                queryset=BookingStatusHistory.objects.select_related("changed_by__technician").order_by("pk"),
            ),
            Prefetch("payments", queryset=Payment.objects.order_by("created_at", "pk")),
        )
        .order_by("scheduled_start", "pk")
    )
    for booking in bookings.iterator(chunk_size=CHUNK_SIZE):
        data = fields_of(booking, BOOKING_FIELDS)
        data.update(
            service=booking.service.name,
            service_area=booking.service_area.name,
            technician=name_for_patients(booking.technician.user) if booking.technician_id else None,
            status_history=[
                {
                    "id": change.pk,
                    "from_status": change.from_status,
                    "to_status": change.to_status,
                    "changed_by": name_for_patients(change.changed_by),
                    "note": change.note,
                    "at": json_value(change.created_at),
                }
                for change in booking.history.all()
            ],
            payments=[fields_of(payment, PAYMENT_FIELDS) for payment in booking.payments.all()],
        )
        yield data


WAITLIST_FIELDS = (
    "id",
    "address",
    "first_day",
    "last_day",
    "day_part",
    "status",
    "created_at",
    "expires_at",
    "ended_at",
)


def _waitlist(user: User) -> Iterator[Row]:
    entries = (
        WaitlistEntry.objects.filter(patient=user)
        .select_related("service", "area")
        .prefetch_related("offers__booking")
        .order_by("created_at", "pk")
    )
    for entry in entries.iterator(chunk_size=CHUNK_SIZE):
        data = fields_of(entry, WAITLIST_FIELDS)
        data.update(
            service=entry.service.name,
            area=entry.area.name,
            offers=[
                {
                    "id": offer.pk,
                    "time_offered": json_value(offer.start),
                    "offered_at": json_value(offer.created_at),
                    "booking": offer.booking.reference if offer.booking else None,
                }
                for offer in entry.offers.all()
            ],
        )
        yield data


SERIES_FIELDS = (
    "id",
    "reference",
    "service_address",
    "payment_method",
    "user_notes",
    "repeat",
    "interval_days",
    "weekdays",
    "wall_time",
    "visit_count",
    "price_per_visit",
    "later_dates",
    "unplaced_dates",
    "created_at",
)


def _care_plans(user: User) -> Iterator[Row]:
    """The patient's care plans; their visits are among the bookings, each with its plan's id (`series_id`)."""
    plans = VisitSeries.objects.filter(user=user).select_related("service", "service_area").order_by("pk")
    for plan in plans.iterator(chunk_size=CHUNK_SIZE):
        yield {**fields_of(plan, SERIES_FIELDS), "service": plan.service.name, "service_area": plan.service_area.name}


def personal_data_requested(sender, user, **kwargs) -> PersonalData:
    return PersonalData(
        sections=(
            Section(
                key="waitlist",
                position=15,
                read=partial(_waitlist, user),
                models={"bookings.waitlistentry": "waitlist", "bookings.waitlistoffer": "waitlist.*.offers"},
            ),
            Section(
                key="bookings",
                position=10,
                read=partial(_bookings, user),
                models={
                    "bookings.booking": "bookings",
                    "bookings.bookingstatushistory": "bookings.*.status_history",
                    "bookings.payment": "bookings.*.payments",
                },
            ),
            Section(
                key="care_plans",
                position=11,
                read=partial(_care_plans, user),
                models={"bookings.visitseries": "care_plans"},
            ),
        ),
        left_out={
            "bookings.bookingdecline": "A technician's answer to a job offer: about their availability, "
            "not the patient.",
            "bookings.failedcheckin": "A technician's failed check-in attempt; its user is the technician who tried.",
            "bookings.missedvisit": "A technician's missed visit: their work record; the patient's booking shows "
            "its cancellation.",
        },
    )
