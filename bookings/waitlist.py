"""The waitlist: a patient who found no free time asks to be told when one opens.

Services (`waitlist_join`, `waitlist_remove`, `waitlist_offer_freed_time`, `waitlist_book`) and the
patient's selectors. The rules, in one place:

- An entry names a service, an area, the address of the visit, a day or a range of days (at most
  `MAX_RANGE_DAYS`, within the booking horizon) and a part of the day (`DAY_PART_HOURS`). It expires
  at the end of its last day; a patient has at most `MAX_LIVE_ENTRIES` live ones.
- A time freed by a cancellation, a move to another time or a lapse (the receivers of the bookings
  signals call `waitlist_offer_freed_time`) is offered to the live entries it fits, in order of
  asking (`created_at`, then id), one offer per patient, at most `waitlist_offers_per_time` of them,
  and only while the entry's service can still be booked then (the booking form's rules: minimum
  notice, horizon, a free technician). Expired or removed entries are never told.
- Every patient told gets the same chance: the first to press "Book this time" books it through
  `booking_create` (its locks and the database's no-overlap constraint decide a race); the others
  are told it was just taken and see the times still free that day, which they may book instead.
- An entry is consumed (`booked`) when its patient books from one of its offers: they asked for one
  visit. A visit booked another way leaves the entry waiting; the patient removes it on "My waitlist".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ServiceArea, User
from bookings import signals
from bookings.models import (
    Booking,
    DayPart,
    Service,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from bookings.scheduling import DayPlan, bookable_days
from bookings.services import NotAllowed, booking_create
from homecure.base.dates import format_when
from homecure.base.errors import ServiceError
from homecure.base.system_settings import get_setting

#: The longest range of days one entry may cover.
MAX_RANGE_DAYS = 14
#: How many live entries a patient may have at once.
MAX_LIVE_ENTRIES = 10


class WaitlistError(ServiceError):
    pass


def expiry_of(last_day: date) -> datetime:
    """The end of `last_day` in the platform's time zone: when an entry stops being told."""
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())
    return end.astimezone(UTC)


# --- Services ---------------------------------------------------------------------------------------------------


def _check_days(first_day: date, last_day: date, *, now: datetime) -> None:
    _first_bookable, last_bookable = bookable_days(now=now)
    today = timezone.localdate(now)
    if first_day < today:
        raise WaitlistError(_("The first day cannot be in the past."), code="past")
    if last_day < first_day:
        raise WaitlistError(_("The last day cannot be before the first day."), code="order")
    if last_day > last_bookable:
        raise WaitlistError(
            _("Visits can be booked up to %(day)s.") % {"day": format_when(last_bookable, "short_date")}, code="horizon"
        )
    if (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise WaitlistError(_("Choose at most %(days)s days.") % {"days": MAX_RANGE_DAYS}, code="too_long")


@transaction.atomic
def waitlist_join(
    *,
    patient: User,
    service: Service,
    area: ServiceArea,
    address: str,
    first_day: date,
    last_day: date | None = None,
    day_part: str = DayPart.ANY,
    now: datetime | None = None,
) -> WaitlistEntry:
    """Put `patient` on the waitlist for `service` in `area` from `first_day` to `last_day` (the same
    day when None), in `day_part`. An entry that already waits for the same thing is returned as it is."""
    now = now or timezone.now()
    last_day = last_day or first_day
    if not (patient.is_active and patient.is_patient):
        raise NotAllowed(_("Only patients can join the waitlist."))
    if not (service.is_active and area.is_active):
        raise WaitlistError(_("This service is not offered there."), code="inactive")
    address = (address or "").strip()
    if not address:
        raise WaitlistError(_("Please give the address of the visit."), code="address_required")
    _check_days(first_day, last_day, now=now)
    User.objects.select_for_update().get(pk=patient.pk)  # one join at a time per patient, for the count below
    live = live_entries_for_patient(patient, now=now)
    same = live.filter(service=service, area=area, first_day=first_day, last_day=last_day, day_part=day_part).first()
    if same is not None:
        return same
    if live.count() >= MAX_LIVE_ENTRIES:
        raise WaitlistError(
            _("You can wait for at most %(count)s times at once. Please remove one first.")
            % {"count": MAX_LIVE_ENTRIES},
            code="too_many",
        )
    return WaitlistEntry.objects.create(
        patient=patient,
        service=service,
        area=area,
        address=address[:500],
        first_day=first_day,
        last_day=last_day,
        day_part=DayPart(day_part),
        created_at=now,
        expires_at=expiry_of(last_day),
    )


@transaction.atomic
def waitlist_remove(*, entry: WaitlistEntry, actor: User, now: datetime | None = None) -> WaitlistEntry:
    """The patient takes their entry off the waitlist; it is told nothing more. Quiet when already off."""
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.patient_id != getattr(actor, "pk", None):
        raise NotAllowed(_("You cannot change this waitlist entry."))
    if entry.status != WaitlistStatus.WAITING:
        return entry
    entry.status = WaitlistStatus.REMOVED
    entry.ended_at = now or timezone.now()
    entry.save(update_fields=["status", "ended_at"])
    return entry


def waitlist_offer_freed_time(*, booking: Booking, start: datetime, now: datetime | None = None) -> list[WaitlistOffer]:
    """Offer `start`, the time `booking` no longer holds, to the waitlist (the rules in the module's
    docstring); sends `waitlist_time_offered` with the offers made. Runs in the caller's transaction:
    the offers exist only if the cancellation or move commits."""
    now = now or timezone.now()
    if start <= now:
        return []
    day = timezone.localdate(start)
    entries = (
        WaitlistEntry.objects.filter(
            area_id=booking.service_area_id,
            status=WaitlistStatus.WAITING,
            expires_at__gt=now,
            first_day__lte=day,
            last_day__gte=day,
            patient__is_active=True,
        )
        .exclude(patient_id=booking.user_id)
        .select_related("service", "area", "patient")
        .order_by("created_at", "pk")
    )
    limit = get_setting("waitlist_offers_per_time")
    plans: dict[int, DayPlan] = {}
    told: set[int] = set()
    offers = []
    for entry in entries:
        if len(offers) >= limit:
            break
        if entry.patient_id in told or not entry.covers(start):
            continue
        if entry.service_id not in plans:
            plans[entry.service_id] = DayPlan(service=entry.service, area=entry.area, day=day, now=now)
        if not plans[entry.service_id].free_technicians(start):
            continue
        offer, created = WaitlistOffer.objects.get_or_create(
            entry=entry, start=start, defaults={"request_token": uuid.uuid4(), "created_at": now}
        )
        told.add(entry.patient_id)
        if created:
            offers.append(offer)
    if offers:
        signals.waitlist_time_offered.send(sender=Booking, booking=booking, actor=None, offers=offers)
    return offers


@transaction.atomic
def waitlist_book(
    *, offer: WaitlistOffer, actor: User, start: datetime | None = None, now: datetime | None = None
) -> Booking:
    """Book the offered time (or `start`, another time of the same day) for the offer's patient, under
    `booking_create`'s rules; the entry is then consumed. Raises SlotTaken when the time was just
    taken. A second press finds the booking the first one made (the offer's one-time token)."""
    now = now or timezone.now()
    entries = WaitlistEntry.objects.select_for_update(of=("self",)).select_related("service", "area", "patient")
    entry = entries.get(pk=offer.entry_id)
    if entry.patient_id != getattr(actor, "pk", None):
        raise NotAllowed(_("This offer is not yours."))
    offer = WaitlistOffer.objects.select_related("booking").get(pk=offer.pk)
    if offer.booking is not None:
        return offer.booking
    if entry.status != WaitlistStatus.WAITING:
        raise WaitlistError(_("This waitlist entry is closed: it was booked or removed."), code="closed")
    start = start or offer.start
    if timezone.localdate(start) != timezone.localdate(offer.start):
        raise WaitlistError(_("Choose a time on the day offered."), code="other_day")
    booking = booking_create(
        patient=entry.patient,
        service=entry.service,
        area=entry.area,
        address=entry.address,
        start=start,
        request_token=offer.request_token,
        now=now,
    )
    offer.booking = booking
    offer.save(update_fields=["booking"])
    entry.status = WaitlistStatus.BOOKED
    entry.ended_at = now
    entry.save(update_fields=["status", "ended_at"])
    return booking


# --- Selectors --------------------------------------------------------------------------------------------------


def entries_for_patient(user: User) -> QuerySet[WaitlistEntry]:
    """The patient's entries, latest first (live, expired, booked and removed)."""
    return WaitlistEntry.objects.filter(patient=user).select_related("service", "area").order_by("-created_at", "-pk")


def live_entries_for_patient(user: User, *, now: datetime | None = None) -> QuerySet[WaitlistEntry]:
    now = now or timezone.now()
    return WaitlistEntry.objects.filter(patient=user, status=WaitlistStatus.WAITING, expires_at__gt=now)


def get_entry_for_patient(user: User, pk: int) -> WaitlistEntry:
    return get_object_or_404(WaitlistEntry, pk=pk, patient=user)


def get_offer_for_patient(user: User, pk: int) -> WaitlistOffer:
    return get_object_or_404(
        WaitlistOffer.objects.select_related("entry__service", "entry__area", "booking"), pk=pk, entry__patient=user
    )


@dataclass(frozen=True)
class OfferState:
    """What the offer page shows: `bookable` (the button), or why not, and the day's other free times."""

    bookable: bool
    booking: Booking | None = None
    closed: bool = False
    passed: bool = False
    other_starts: list[datetime] = field(default_factory=list)


def offer_state(offer: WaitlistOffer, *, now: datetime | None = None) -> OfferState:
    """Whether `offer` can be booked now: not booked yet, its entry still waiting, the time still free."""
    now = now or timezone.now()
    if offer.booking is not None:
        return OfferState(bookable=False, booking=offer.booking)
    entry = offer.entry
    if entry.status != WaitlistStatus.WAITING:
        return OfferState(bookable=False, closed=True)
    if not entry.is_live(now) or offer.start <= now:
        return OfferState(bookable=False, passed=True)
    plan = DayPlan(service=entry.service, area=entry.area, day=timezone.localdate(offer.start), now=now)
    if plan.free_technicians(offer.start):
        return OfferState(bookable=True)
    return OfferState(bookable=False, other_starts=plan.free_starts())


def parse_start(raw: str) -> datetime | None:
    """An aware start time from a posted ISO value, or None for anything else."""
    try:
        start = datetime.fromisoformat(raw)
        return start.astimezone(UTC) if timezone.is_aware(start) else None
    except (TypeError, ValueError, OverflowError):
        return None
