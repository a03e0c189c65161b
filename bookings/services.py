"""Everything that can happen to a booking, one function per action (DESIGN 4).

Each transition follows the same recipe: lock the row, re-read its state, check who may do it and
from which state (returning quietly when it is already done, so a double click or a re-scanned QR
changes nothing twice), change the fields, write the status-history row, send the domain signal.
Views and admin actions both call these functions, so the portal and the back office behave alike.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Avg, Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ServiceArea, User
from bookings import payments, qr, selectors, signals
from bookings.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingDecline,
    BookingStatus,
    BookingStatusHistory,
    CheckInFailure,
    FailedCheckIn,
    MissedVisit,
    PaymentMethod,
    PaymentStatus,
    Service,
)
from bookings.payments import RefundCause, get_provider
from bookings.scheduling import Candidate, DayPlan, Rules, explain_eligibility
from homecure.base.audit import audit_event
from homecure.base.dates import format_when
from homecure.base.errors import ServiceError
from homecure.base.money import round_money
from homecure.base.system_settings import get_setting
from technicians.models import Technician

logger = logging.getLogger(__name__)

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

#: A confirmed visit nobody checked in to is cancelled as missed this long after its start.
NOT_ATTENDED_GRACE = timedelta(days=1)


class BookingError(ServiceError):
    """A booking action that cannot be done now."""


class SlotTaken(BookingError):
    code = "slot_taken"


class NotAllowed(BookingError):
    code = "not_allowed"


class PaymentFailed(BookingError):
    code = "payment_failed"


def _is_admin(user: User | None) -> bool:
    return bool(user and user.is_active_admin)


def _is_staff(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_staff)


def _is_assigned_technician(user: User | None, booking: Booking) -> bool:
    technician = booking.technician
    return bool(user and technician is not None and technician.user_id == user.pk and technician.is_working)


def _lock(booking: Booking) -> Booking:
    # Lock only the booking row: PostgreSQL cannot lock the nullable side of the technician join.
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("technician__user", "service", "user", "service_area")
        .get(pk=booking.pk)
    )


def _log(booking: Booking, *, from_status: str, actor: User | None, note: str = "", now: datetime | None = None):
    BookingStatusHistory.objects.create(
        booking=booking,
        from_status=from_status,
        to_status=booking.status,
        changed_by=actor,
        note=note[:500],
        created_at=now or timezone.now(),
    )


def _new_reference() -> str:
    return "HC-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


CHECK_IN_CODE_LENGTH = 8


def new_check_in_code() -> str:
    """A short check-in code no other booking holds (40 random bits; the unique index is the last word)."""
    while True:
        code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(CHECK_IN_CODE_LENGTH))
        if not Booking.objects.filter(checkin_code=code).exists():
            return code


def normalize_check_in_code(typed: str) -> str:
    """What a technician typed, as stored: upper case, without the spaces and dashes people add."""
    return "".join(ch for ch in (typed or "").upper() if ch not in " -")


def free_cancellation_until(start: datetime, *, booked_at: datetime) -> datetime:
    """Until when a visit starting at `start`, booked at `booked_at`, may be cancelled free of charge once
    a technician has accepted it: `booking_cancellation_hours` before the start, but never earlier than
    `booking_grace_minutes` after the booking was made, so a short-notice booking can still be taken back."""
    by_start = start - timedelta(hours=get_setting("booking_cancellation_hours"))
    return max(by_start, booked_at + timedelta(minutes=get_setting("booking_grace_minutes")))


def cancellation_deadline(booking: Booking) -> datetime:
    return free_cancellation_until(booking.scheduled_start, booked_at=booking.created_at or timezone.now())


def cancellation_terms(*, start: datetime, booked_at: datetime, pending: bool, now: datetime) -> str:
    """The patient's free-cancellation rule for one visit, as a sentence; "" once it no longer applies.

    The review step of the booking form (before the booking exists) and the booking page both say it
    with this function, so they never disagree.
    """
    deadline = free_cancellation_until(start, booked_at=booked_at)
    facts = {"deadline": format_when(deadline)}
    if pending and now <= deadline:
        return (
            _(
                "You can cancel free of charge until %(deadline)s, and after that for as long as no "
                "technician has accepted the visit."
            )
            % facts
        )
    if pending:
        return _("You can cancel free of charge for as long as no technician has accepted the visit.")
    if now <= deadline:
        return _("You can cancel free of charge until %(deadline)s.") % facts
    return ""


def _within_free_cancellation(booking: Booking, now: datetime) -> bool:
    return booking.status == BookingStatus.PENDING or (
        booking.status == BookingStatus.CONFIRMED and now <= cancellation_deadline(booking)
    )


def can_cancel(booking: Booking, user: User, *, now: datetime | None = None) -> bool:
    """Whether `user` may cancel `booking` now (the same rule `booking_cancel` enforces).

    The patient may while no technician has accepted (pending), and once one has until the
    cancellation deadline; an administrator at any time while the booking is active.
    """
    now = now or timezone.now()
    if booking.status not in ACTIVE_STATUSES:
        return False
    if _is_admin(user):
        return True
    return booking.user_id == user.pk and _within_free_cancellation(booking, now)


def can_reschedule(booking: Booking, user: User, *, now: datetime | None = None) -> bool:
    """Whether `user` may move `booking` to another time now (the rule `booking_reschedule` enforces).

    The patient may whenever they could cancel it free of charge; an administrator at any time
    before the visit has started.
    """
    now = now or timezone.now()
    if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        return False
    if _is_admin(user):
        return True
    return booking.user_id == user.pk and _within_free_cancellation(booking, now)


def _technician_is_free(technician: Technician, start: datetime, end: datetime, *, ignore: int | None = None) -> bool:
    """Re-check one technician against the committed bookings, travel buffer included."""
    buffer = timedelta(minutes=get_setting("booking_buffer_minutes"))
    clashes = Booking.objects.filter(
        technician=technician,
        status__in=ACTIVE_STATUSES,
        scheduled_start__lt=end + buffer,
        scheduled_end__gt=start - buffer,
    )
    if ignore is not None:
        clashes = clashes.exclude(pk=ignore)
    return not clashes.exists()


def _claim(technician: Technician, start: datetime, end: datetime, *, ignore: int | None = None) -> bool:
    """Lock the technician's row, then re-check them.

    Two requests for the same technician queue on the lock, so the second re-check sees the first
    booking. (SQLite has no row locks; its IMMEDIATE transactions serialize all writers instead.)
    The exclusion constraint on PostgreSQL stays the last word.
    """
    Technician.objects.select_for_update().get(pk=technician.pk)
    return _technician_is_free(technician, start, end, ignore=ignore)


@transaction.atomic
def booking_create(
    *,
    patient: User,
    service: Service,
    area: ServiceArea,
    address: str,
    start: datetime,
    payment_method: str = PaymentMethod.CASH,
    user_notes: str = "",
    service_location: str = "",
    request_token: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Booking:
    """Book `service` at `start` for `patient`, assigned to the best free technician, as pending.

    Raises SlotTaken when nobody is free at that time any more.
    """
    if not (patient.is_active and patient.is_patient):
        raise NotAllowed(_("Only patients can book visits."))
    if request_token is not None:
        existing = selectors.booking_of_request(patient, request_token)
        if existing is not None:
            return existing
    now = now or timezone.now()
    start = start.astimezone(UTC)
    plan = DayPlan(service=service, area=area, day=timezone.localdate(start), now=now)
    for technician in plan.free_technicians(start):
        booking = claim_and_book(
            patient=patient,
            technician=technician,
            service=service,
            area=area,
            address=address,
            start=start,
            payment_method=payment_method,
            user_notes=user_notes,
            service_location=service_location,
            request_token=request_token,
            now=now,
        )
        if booking is not None:
            return booking
        if request_token is not None:
            existing = selectors.booking_of_request(patient, request_token)
            if existing is not None:
                return existing
    raise SlotTaken(_("This time was just taken. Please choose another time."))


def claim_and_book(
    *,
    patient: User,
    technician: Technician,
    service: Service,
    area: ServiceArea,
    address: str,
    start: datetime,
    now: datetime,
    payment_method: str = PaymentMethod.CASH,
    user_notes: str = "",
    service_location: str = "",
    request_token: uuid.UUID | None = None,
    series=None,
) -> Booking | None:
    """Claim `technician` for a visit at `start` and make it a pending booking offered to them, at the
    service's current price; None when they are no longer free (the re-check under the lock, or the
    no-overlap constraint) or the request token was used. Runs inside the caller's transaction: one
    booking (`booking_create`) or every visit of a care plan (`bookings.series.series_create`)."""
    start = start.astimezone(UTC)
    end = start + timedelta(minutes=service.duration_minutes)
    if not _claim(technician, start, end):
        return None
    booking = Booking(
        reference=_new_reference(),
        request_token=request_token,
        user=patient,
        technician=technician,
        service=service,
        status=BookingStatus.PENDING,
        service_address=address,
        service_area=area,
        service_location=service_location,
        total_amount=service.price,
        payment_method=payment_method,
        user_notes=user_notes,
        offered_at=now,
        series=series,
    )
    booking.set_schedule(start, service.duration_minutes)
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError:
        return None
    _log(booking, from_status="", actor=patient, now=now)
    signals.booking_requested.send(sender=Booking, booking=booking, actor=patient)
    return booking


def offer_deadline(booking: Booking) -> datetime | None:
    """Until when the assigned technician may accept `booking` (None when no offer runs), by the
    current `booking_offer_minutes` and `booking_min_notice_hours`; see `Booking.offer_deadline`."""
    return booking.offer_deadline(
        offer_minutes=get_setting("booking_offer_minutes"), min_notice_hours=get_setting("booking_min_notice_hours")
    )


def _issue_check_in_codes(booking: Booking) -> None:
    """Give the visit a new QR token and typed check-in code; the ones it had stop working."""
    token = qr.new_token()
    booking.qr_code_data = token
    booking.qr_code = qr.qr_png_base64(token)
    booking.checkin_code = new_check_in_code()


def _clear_check_in_codes(booking: Booking) -> None:
    booking.qr_code_data = None
    booking.qr_code = ""
    booking.checkin_code = None


@transaction.atomic
def booking_accept(*, booking: Booking, actor: User, now: datetime | None = None) -> Booking:
    """The assigned technician accepts, or an admin confirms: pending -> confirmed, with a QR code.

    The technician may accept until their offer's deadline (`offer_deadline`); an administrator
    confirming on their behalf, until the visit's start. An offer past its deadline still holds the
    technician's time until `booking_expire_offer` moves it on (the next `run_scheduled`, within a
    minute): refusing the late acceptance is enough to keep the rule.
    """
    booking = _lock(booking)
    now = now or timezone.now()
    if not (_is_assigned_technician(actor, booking) or _is_admin(actor)):
        raise NotAllowed(_("Only the assigned technician or an administrator can confirm this booking."))
    if booking.status == BookingStatus.CONFIRMED:
        return booking
    if booking.status != BookingStatus.PENDING:
        raise NotAllowed(_("Only a pending booking can be confirmed."), code="wrong_state")
    if booking.technician is None:
        raise NotAllowed(_("Assign a technician before confirming."), code="unassigned")
    if now >= booking.scheduled_start:
        raise NotAllowed(_("This visit was due to start already: it can no longer be accepted."), code="visit_started")
    deadline = offer_deadline(booking)
    if not _is_admin(actor) and deadline is not None and now >= deadline:
        raise NotAllowed(
            _("The time to accept this visit ran out at %(time)s: it has been passed on.")
            % {"time": timezone.localtime(deadline).strftime("%H:%M")},
            code="offer_expired",
        )
    booking.status = BookingStatus.CONFIRMED
    _issue_check_in_codes(booking)
    booking.save(update_fields=["status", "qr_code_data", "qr_code", "checkin_code", "updated_at"])
    _log(booking, from_status=BookingStatus.PENDING, actor=actor, now=now)
    # The technician's own acceptance is the normal flow; an administrator confirming is not.
    if _is_staff(actor):
        audit_event(
            actor=actor,
            action="booking_confirmed",
            entity=booking,
            description=_("Confirmed booking %(booking)s for %(technician)s.")
            % {"booking": booking.reference, "technician": booking.technician},
        )
    signals.booking_accepted.send(sender=Booking, booking=booking, actor=actor)
    return booking


def _offer_to_next(booking: Booking, *, now: datetime) -> Technician | None:
    declined = set(booking.declines.values_list("technician_id", flat=True))
    plan = DayPlan(
        service=booking.service,
        area=booking.service_area,
        day=booking.scheduled_date,
        now=now,
        rules=dataclasses.replace(Rules.current(), min_notice_hours=0),
        exclude_technicians=declined,
        ignore_booking=booking.pk,
    )
    for technician in plan.free_technicians(booking.scheduled_start):
        if _claim(technician, booking.scheduled_start, booking.scheduled_end, ignore=booking.pk):
            return technician
    return None


@transaction.atomic
def booking_decline(*, booking: Booking, actor: User, reason: str, now: datetime | None = None) -> Booking:
    """The assigned technician declines: the booking goes back to pending for the next eligible technician,
    or waits unassigned for an admin when nobody is left."""
    booking = _lock(booking)
    now = now or timezone.now()
    reason = (reason or "").strip()
    technician = getattr(actor, "technician", None) if actor else None
    already_declined = (
        technician is not None
        and booking.technician_id != technician.pk
        and BookingDecline.objects.filter(booking=booking, technician=technician).exists()
    )
    if already_declined:
        return booking
    if not _is_assigned_technician(actor, booking):
        raise NotAllowed(_("Only the assigned technician can decline this booking."))
    if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        raise NotAllowed(_("This booking can no longer be declined."), code="wrong_state")
    if not reason:
        raise BookingError(_("Please give a reason."), code="reason_required")
    previous_status = booking.status
    BookingDecline.objects.create(booking=booking, technician=technician, reason=reason[:500], created_at=now)
    booking.technician = _offer_to_next(booking, now=now)
    booking.offered_at = now if booking.technician is not None else None
    booking.status = BookingStatus.PENDING
    booking.qr_code_data = None
    booking.qr_code = ""
    booking.checkin_code = None
    booking.save(
        update_fields=["technician", "offered_at", "status", "qr_code_data", "qr_code", "checkin_code", "updated_at"]
    )
    unassigned = booking.technician is None
    note = _("Declined by %(name)s: %(reason)s") % {"name": actor, "reason": reason}
    _log(booking, from_status=previous_status, actor=actor, note=note, now=now)
    signals.booking_declined.send(
        sender=Booking,
        booking=booking,
        actor=actor,
        technician=technician,
        reason=reason,
        unassigned=unassigned,
        previous_status=previous_status,
    )
    return booking


@transaction.atomic
def booking_assign(
    *,
    booking: Booking,
    technician: Technician,
    actor: User,
    override_reason: str = "",
    now: datetime | None = None,
) -> Booking:
    """An admin assigns or reassigns a technician, under the scheduler's eligibility rules
    (`scheduling.explain_eligibility`) and its no-overlap rule.

    The office may override what it alone can judge: the area, the working hours, time off and
    availability, with a reason (`override_reason`), written in the audit entry. Never a clash with
    another visit of the technician (nobody is booked twice) nor a technician who is not verified,
    suspended or of another specialization: those are refused whatever the reason.
    The booking is pending afterwards: the newly assigned technician accepts it (or an admin confirms).
    """
    booking = _lock(booking)
    now = now or timezone.now()
    override_reason = (override_reason or "").strip()
    if not _is_admin(actor):
        raise NotAllowed(_("Only an administrator can assign technicians."))
    if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        raise NotAllowed(_("Only a pending or confirmed booking can be assigned."), code="wrong_state")
    if booking.technician_id == technician.pk:
        return booking
    candidate = _assignment_candidate(booking, technician, override_reason=override_reason, now=now)
    if not _claim(technician, booking.scheduled_start, booking.scheduled_end, ignore=booking.pk):
        raise SlotTaken(_("%(name)s is not free at this time any more.") % {"name": technician})
    previous_status = booking.status
    previous_technician = booking.technician
    booking.technician = technician
    booking.offered_at = now
    booking.status = BookingStatus.PENDING
    booking.qr_code_data = None
    booking.qr_code = ""
    booking.checkin_code = None
    try:
        with transaction.atomic():
            booking.save(
                update_fields=[
                    "technician",
                    "offered_at",
                    "status",
                    "qr_code_data",
                    "qr_code",
                    "checkin_code",
                    "updated_at",
                ]
            )
    except IntegrityError:
        # The exclusion constraint (PostgreSQL) saw an overlap the re-check could not.
        raise SlotTaken(_("%(name)s is not free at this time any more.") % {"name": technician}) from None
    overridden = candidate.explanation
    note = _("Assigned to %(name)s") % {"name": technician}
    if overridden:
        note = _("Assigned to %(name)s by override (%(overridden)s): %(reason)s") % {
            "name": technician,
            "overridden": overridden,
            "reason": override_reason,
        }
    _log(booking, from_status=previous_status, actor=actor, note=note, now=now)
    _audit_assignment(
        booking,
        actor=actor,
        previous_technician=previous_technician,
        overridden=overridden,
        override_reason=override_reason,
    )
    signals.booking_assigned.send(
        sender=Booking,
        booking=booking,
        actor=actor,
        previous_technician=previous_technician,
        previous_status=previous_status,
    )
    return booking


def _assignment_candidate(
    booking: Booking, technician: Technician, *, override_reason: str, now: datetime
) -> Candidate:
    """`technician` as the scheduler sees them for `booking`, when the office may assign them."""
    if booking.scheduled_start < now:
        raise NotAllowed(_("This visit's start time has passed: reschedule it first."), code="too_late")
    candidate = next((c for c in explain_eligibility(booking, now=now) if c.technician.pk == technician.pk), None)
    if candidate is None:
        raise NotAllowed(
            _("%(name)s cannot be assigned: only a verified, working technician who does this service can.")
            % {"name": technician},
            code="not_working",
        )
    context = {"name": technician, "reasons": candidate.explanation}
    if not candidate.can_override:
        raise SlotTaken(
            _("%(name)s cannot take this visit (%(reasons)s): nobody is booked for two visits at once.") % context
        )
    if not candidate.is_eligible and not override_reason:
        raise BookingError(
            _("%(name)s is not eligible (%(reasons)s). Give a reason to assign them anyway.") % context,
            code="override_reason_required",
        )
    return candidate


def _audit_assignment(
    booking: Booking,
    *,
    actor: User,
    previous_technician: Technician | None,
    overridden: str = "",
    override_reason: str = "",
) -> None:
    context = {"booking": booking.reference, "technician": booking.technician}
    if previous_technician is None:
        description = _("Assigned booking %(booking)s to %(technician)s.") % context
    else:
        description = _("Reassigned booking %(booking)s from %(previous)s to %(technician)s.") % {
            **context,
            "previous": previous_technician,
        }
    new_values = {"technician": booking.technician_id}
    if overridden:
        # The reason comes first: the audit list shows the start of each description.
        description = _("Override: %(reason)s. %(assignment)s Overridden: %(overridden)s.") % {
            "reason": override_reason,
            "assignment": description,
            "overridden": overridden,
        }
        new_values.update(override_reason=override_reason, overridden=overridden)
    audit_event(
        actor=actor,
        action="booking_assigned",
        entity=booking,
        description=description,
        previous_values={"technician": previous_technician.pk if previous_technician else None},
        new_values=new_values,
    )


def eligible_technicians_for(booking: Booking, *, now: datetime | None = None) -> list[Technician]:
    """Technicians an admin may assign to `booking` without an override (free at its time, best first;
    declines are not held against them)."""
    return [c.technician for c in explain_eligibility(booking, now=now) if c.is_eligible]


def check_in_window(booking: Booking) -> tuple[datetime, datetime]:
    window = timedelta(minutes=get_setting("checkin_window_minutes"))
    return booking.scheduled_start - window, booking.scheduled_start + window


def check_in_refusal(booking: Booking, actor: User, *, now: datetime | None = None) -> NotAllowed | None:
    """Why `actor` cannot check in to `booking` now, or None when `booking_check_in` would succeed
    (also when they already checked in: a second scan is harmless). The check-in page asks this
    before offering the button; the service asks it again under the lock. The refusal's `code` is a
    `CheckInFailure`, the reason a failed check-in is kept with."""
    now = now or timezone.now()
    if not _is_assigned_technician(actor, booking):
        return NotAllowed(_("This visit is not assigned to you."), code=CheckInFailure.NOT_YOURS)
    if booking.status == BookingStatus.IN_PROGRESS:
        return None
    if booking.status == BookingStatus.CANCELLED:
        return NotAllowed(_("This booking was cancelled."), code=CheckInFailure.CANCELLED)
    if booking.status == BookingStatus.COMPLETED:
        return NotAllowed(_("This visit is already completed."), code=CheckInFailure.COMPLETED)
    if booking.status != BookingStatus.CONFIRMED:
        return NotAllowed(_("This booking is not confirmed yet."), code=CheckInFailure.NOT_CONFIRMED)
    opens, closes = check_in_window(booking)
    if now < opens:
        return NotAllowed(_("It is too early to check in."), code=CheckInFailure.TOO_EARLY)
    if now > closes:
        return NotAllowed(_("It is too late to check in."), code=CheckInFailure.TOO_LATE)
    return None


@transaction.atomic
def booking_check_in(*, booking: Booking, actor: User, now: datetime | None = None) -> Booking:
    """The assigned technician checks in at the door: confirmed -> in_progress, within the check-in window."""
    booking = _lock(booking)
    now = now or timezone.now()
    refusal = check_in_refusal(booking, actor, now=now)
    if refusal is not None:
        raise refusal
    if booking.status == BookingStatus.IN_PROGRESS:
        return booking
    booking.status = BookingStatus.IN_PROGRESS
    booking.checked_in_at = now
    booking.save(update_fields=["status", "checked_in_at", "updated_at"])
    _log(booking, from_status=BookingStatus.CONFIRMED, actor=actor, now=now)
    signals.booking_checked_in.send(sender=Booking, booking=booking, actor=actor)
    return booking


@transaction.atomic
def booking_complete(
    *,
    booking: Booking,
    actor: User,
    technician_notes: str = "",
    payment_collected: bool = False,
    collected_by: str = "",
    now: datetime | None = None,
) -> Booking:
    """The visit is done: in_progress -> completed. The earnings app creates the technician's earning
    in this transaction (see `booking_completed`); completing twice pays once.

    With `payment_collected`, the technician took the price at the door (of a cash or card booking
    not paid yet): a confirmed cash or card row (`collected_by`, by default the method the patient
    chose) with its receipt number, and the booking's payment status derived from it.
    """
    booking = _lock(booking)
    now = now or timezone.now()
    if not (_is_assigned_technician(actor, booking) or _is_admin(actor)):
        raise NotAllowed(_("This visit is not assigned to you."), code="not_yours")
    if booking.status == BookingStatus.COMPLETED:
        return booking
    if booking.status != BookingStatus.IN_PROGRESS:
        raise NotAllowed(_("Only a visit in progress can be completed."), code="wrong_state")
    fields = ["status", "completed_at", "updated_at"]
    booking.status = BookingStatus.COMPLETED
    booking.completed_at = now
    if technician_notes:
        booking.technician_notes = technician_notes
        fields.append("technician_notes")
    if payment_collected and booking.collects_payment_at_door:
        payments.record_charge(
            booking=booking,
            kind=collected_by or booking.payment_method,
            provider=payments.DOOR_PROVIDER,
            actor=actor,
            now=now,
        )
        fields += payments.sync_booking_payment(booking)
    booking.save(update_fields=fields)
    Technician.objects.filter(pk=booking.technician_id).update(completed_bookings=F("completed_bookings") + 1)
    _log(booking, from_status=BookingStatus.IN_PROGRESS, actor=actor, now=now)
    signals.booking_completed.send(sender=Booking, booking=booking, actor=actor)
    return booking


def can_report_no_show(booking: Booking, user: User, *, now: datetime | None = None) -> bool:
    """Whether `user` may report now that nobody was at home (the rule `booking_report_no_show` enforces)."""
    now = now or timezone.now()
    return (
        _is_assigned_technician(user, booking)
        and booking.status == BookingStatus.CONFIRMED
        and now >= booking.scheduled_start
    )


@transaction.atomic
def booking_report_no_show(*, booking: Booking, actor: User, note: str = "", now: datetime | None = None) -> Booking:
    """The assigned technician found nobody at the door: confirmed -> cancelled, with that reason.

    Allowed from the visit's start time: before it, the patient may simply not be home yet. Money
    paid is refunded less the no-show fee (`payments.refund_due`); administrators are told
    (`booking_cancelled` with `no_show=True`) and may arrange a new visit.
    """
    booking = _lock(booking)
    now = now or timezone.now()
    if not _is_assigned_technician(actor, booking):
        raise NotAllowed(_("This visit is not assigned to you."), code="not_yours")
    if booking.status == BookingStatus.CANCELLED:
        return booking
    if booking.status != BookingStatus.CONFIRMED:
        raise NotAllowed(
            _("Only a confirmed visit that has not started can be reported as a no-show."), code="wrong_state"
        )
    if now < booking.scheduled_start:
        raise NotAllowed(
            _("You can report a no-show from %(time)s, when the visit is due to start.")
            % {"time": timezone.localtime(booking.scheduled_start).strftime("%H:%M")},
            code="too_early",
        )
    reason = _("The patient was not at home (reported by the technician).")
    note = (note or "").strip()
    if note:
        reason = f"{reason} {note}"
    refunded = _mark_cancelled(booking, reason=reason, cause=RefundCause.NO_SHOW, actor=actor, now=now)
    _log(booking, from_status=BookingStatus.CONFIRMED, actor=actor, note=reason, now=now)
    signals.booking_cancelled.send(
        sender=Booking, booking=booking, actor=actor, reason=reason, refunded=refunded, no_show=True
    )
    return booking


@transaction.atomic
def booking_cancel(*, booking: Booking, actor: User, reason: str, now: datetime | None = None) -> Booking:
    """Cancel with a reason: the patient until the cancellation deadline, an admin at any time.

    Money paid is refunded in full (`payments.refund_due`): the patient can only cancel in time, and
    the office's cancellation is never the patient's loss.
    """
    booking = _lock(booking)
    now = now or timezone.now()
    reason = (reason or "").strip()
    is_owner = booking.user_id == getattr(actor, "pk", None)
    if not (is_owner or _is_admin(actor)):
        raise NotAllowed(_("You cannot cancel this booking."))
    if booking.status == BookingStatus.CANCELLED:
        return booking
    if not can_cancel(booking, actor, now=now):
        if booking.status not in ACTIVE_STATUSES or booking.status == BookingStatus.IN_PROGRESS:
            raise NotAllowed(_("This visit can no longer be cancelled."), code="wrong_state")
        hours = get_setting("booking_cancellation_hours")
        raise NotAllowed(
            _("Visits can be cancelled online until %(hours)s hours before the start. Please contact us.")
            % {"hours": hours},
            code="too_late",
        )
    if not reason:
        raise BookingError(_("Please give a reason."), code="reason_required")
    previous_status = booking.status
    cause = RefundCause.PATIENT if is_owner and not _is_admin(actor) else RefundCause.OFFICE
    refunded = _mark_cancelled(booking, reason=reason, cause=cause, actor=actor, now=now)
    _log(booking, from_status=previous_status, actor=actor, note=reason, now=now)
    if _is_staff(actor):
        audit_event(
            actor=actor,
            action="booking_cancelled",
            entity=booking,
            description=_cancellation_description(booking, reason=reason, refunded=refunded),
        )
    signals.booking_cancelled.send(sender=Booking, booking=booking, actor=actor, reason=reason, refunded=refunded)
    return booking


def _mark_cancelled(booking: Booking, *, reason: str, cause: str, actor: User | None, now: datetime) -> bool:
    """Cancel the locked `booking`, first returning what the refund rules give back for `cause`
    (`payments.refund_due`); whether money was returned.

    Raises PaymentFailed, which rolls the cancellation back, when the provider refuses the refund:
    nothing is marked refunded that was not, and the scheduled jobs try a lapse again next run.
    """
    fields = ["status", "cancelled_at", "cancellation_reason", "updated_at"]
    try:
        refunded = payments.refund_on_cancellation(booking, cause=cause, actor=actor, now=now) > 0
    except payments.RefundRefused as error:
        raise PaymentFailed(
            _("The refund failed (%(answer)s); the booking was not cancelled.") % {"answer": error.message}
        ) from None
    if refunded:
        fields += payments.sync_booking_payment(booking)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.cancellation_reason = reason[:500]
    booking.save(update_fields=fields)
    return refunded


def _cancellation_description(booking: Booking, *, reason: str, refunded: bool) -> str:
    """The audit log's line for a cancelled booking, by the office or by time."""
    if refunded:
        text = _("Cancelled booking %(booking)s and refunded the online payment. Reason: %(reason)s")
    else:
        text = _("Cancelled booking %(booking)s. Reason: %(reason)s")
    return text % {"booking": booking.reference, "reason": reason}


def _when(moment: datetime) -> str:
    return format_when(moment, "short_weekday_datetime")


SCHEDULE_FIELDS = ["scheduled_start", "scheduled_end", "scheduled_date", "scheduled_time", "duration_minutes"]
CHECK_IN_FIELDS = ["qr_code_data", "qr_code", "checkin_code"]


def _reschedule_plan(booking: Booking, start: datetime, *, now: datetime, short_notice: bool = False) -> DayPlan:
    """Who could do `booking` on the day of `start`, its own slot not counted as busy; with
    `short_notice` (the office) also inside the minimum notice."""
    rules = Rules.current()
    if short_notice:
        rules = dataclasses.replace(rules, min_notice_hours=0)
    return DayPlan(
        service=booking.service,
        area=booking.service_area,
        day=timezone.localdate(start),
        now=now,
        rules=rules,
        ignore_booking=booking.pk,
    )


def reschedule_keeps_technician(booking: Booking, start: datetime, *, now: datetime | None = None) -> bool:
    """Whether moving `booking` to `start` would keep its technician, as things stand now (the
    patient is told before confirming; `booking_reschedule` decides again under the lock)."""
    if booking.technician_id is None:
        return False
    plan = _reschedule_plan(booking, start, now=now or timezone.now())
    return any(technician.pk == booking.technician_id for technician in plan.free_technicians(start))


@transaction.atomic
def booking_reschedule(*, booking: Booking, start: datetime, actor: User, now: datetime | None = None) -> Booking:
    """Move a visit that has not started to `start`: the same booking, with its reference, payment and history.

    The patient may while they could cancel it free of charge (`can_reschedule`), to a time the
    booking form would offer; an administrator at any time before the visit starts, also at short
    notice. The technician keeps the visit when they still work then, serve the area and are free
    (a confirmed visit stays confirmed); otherwise the best eligible technician free then is offered
    it as a new request (pending), chosen as `booking_create` chooses. Declines of the old time are
    not held against anyone at the new one: a technician who could not come then may come now.
    Either way the QR code and the typed check-in code of the old time stop working. Raises SlotTaken
    when nobody is free at `start`.
    """
    booking = _lock(booking)
    now = now or timezone.now()
    is_admin = _is_admin(actor)
    if not (is_admin or booking.user_id == getattr(actor, "pk", None)):
        raise NotAllowed(_("You cannot change the time of this booking."))
    start = start.astimezone(UTC)
    movable = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
    if booking.status in movable and start == booking.scheduled_start:
        return booking
    if booking.status not in movable:
        raise NotAllowed(_("Only a visit that has not started can be moved to another time."), code="wrong_state")
    if not can_reschedule(booking, actor, now=now):
        raise NotAllowed(
            _(
                "The time of this visit can no longer be changed online: changes closed at %(deadline)s. "
                "Please contact us."
            )
            % {"deadline": _when(cancellation_deadline(booking))},
            code="too_late",
        )
    free = _reschedule_plan(booking, start, now=now, short_notice=is_admin).free_technicians(start)
    # The technician the visit has comes first, when they are free then; the others in the plan's order.
    candidates = sorted(free, key=lambda technician: technician.pk != booking.technician_id)
    previous_start, previous_status, previous_technician = booking.scheduled_start, booking.status, booking.technician
    end = start + timedelta(minutes=booking.duration_minutes)
    for technician in candidates:
        if not _claim(technician, start, end, ignore=booking.pk):
            continue
        kept = technician.pk == booking.technician_id
        booking.technician = technician
        booking.set_schedule(start, booking.duration_minutes)
        if kept and previous_status == BookingStatus.CONFIRMED:
            _issue_check_in_codes(booking)
        else:
            # A new offer, for the new time: its acceptance clock starts now (`offer_deadline`).
            booking.status = BookingStatus.PENDING
            booking.offered_at = now
            _clear_check_in_codes(booking)
        try:
            with transaction.atomic():
                booking.save(
                    update_fields=[
                        "technician",
                        "status",
                        "offered_at",
                        *SCHEDULE_FIELDS,
                        *CHECK_IN_FIELDS,
                        "updated_at",
                    ]
                )
        except IntegrityError:
            continue
        _after_reschedule(
            booking,
            actor=actor,
            previous_start=previous_start,
            previous_status=previous_status,
            previous_technician=previous_technician,
            now=now,
        )
        return booking
    raise SlotTaken(_("This time was just taken. Please choose another time."))


def _after_reschedule(
    booking: Booking,
    *,
    actor: User,
    previous_start: datetime,
    previous_status: str,
    previous_technician: Technician | None,
    now: datetime,
) -> None:
    """The history row, the office's audit entry and the signal of a visit moved to another time."""
    note = _("Rescheduled from %(old)s to %(new)s") % {
        "old": _when(previous_start),
        "new": _when(booking.scheduled_start),
    }
    if previous_technician is None or previous_technician.pk != booking.technician_id:
        note = _("%(note)s, offered to %(technician)s") % {"note": note, "technician": booking.technician}
    _log(booking, from_status=previous_status, actor=actor, note=note, now=now)
    if _is_staff(actor):
        audit_event(
            actor=actor,
            action="booking_rescheduled",
            entity=booking,
            description=_("%(note)s (booking %(booking)s).") % {"note": note, "booking": booking.reference},
            previous_values={
                "scheduled_start": previous_start.isoformat(),
                "technician": previous_technician.pk if previous_technician else None,
                "status": previous_status,
            },
            new_values={
                "scheduled_start": booking.scheduled_start.isoformat(),
                "technician": booking.technician_id,
                "status": booking.status,
            },
        )
    signals.booking_rescheduled.send(
        sender=Booking,
        booking=booking,
        actor=actor,
        previous_start=previous_start,
        previous_status=previous_status,
        previous_technician=previous_technician,
    )


@transaction.atomic
def booking_pay_online(*, booking: Booking, actor: User, card_number: str, now: datetime | None = None) -> Booking:
    """Charge an online booking through the payment provider: a confirmed online payment row with its
    receipt number, and the booking's payment status derived from it. Payment status is separate from
    booking status."""
    booking = _lock(booking)
    now = now or timezone.now()
    if booking.user_id != getattr(actor, "pk", None):
        raise NotAllowed(_("You cannot pay for this booking."))
    if booking.payment_status == PaymentStatus.PAID:
        return booking
    if not booking.can_pay:
        raise NotAllowed(_("This booking cannot be paid online."), code="wrong_state")
    provider = get_provider()
    result = provider.charge(
        amount=booking.total_amount,
        currency=get_setting("currency"),
        reference=booking.reference,
        card_number=card_number,
    )
    if not result.ok:
        raise PaymentFailed(result.message or _("The payment failed."))
    payments.record_charge(
        booking=booking,
        kind=PaymentMethod.ONLINE,
        provider=payments.provider_code(provider),
        reference=result.transaction_id,
        actor=actor,
        now=now,
    )
    booking.save(update_fields=[*payments.sync_booking_payment(booking), "updated_at"])
    signals.booking_paid.send(sender=Booking, booking=booking, actor=actor)
    return booking


@transaction.atomic
def booking_review(*, booking: Booking, actor: User, rating: int, review: str = "") -> Booking:
    """The patient rates a completed visit once; the technician's rating and review count follow."""
    booking = _lock(booking)
    if booking.user_id != getattr(actor, "pk", None):
        raise NotAllowed(_("You cannot review this booking."))
    if booking.status != BookingStatus.COMPLETED:
        raise NotAllowed(_("You can rate a visit once it is completed."), code="wrong_state")
    if booking.user_rating is not None:
        raise NotAllowed(_("You have already rated this visit."), code="already_reviewed")
    if rating not in range(1, 6):
        raise BookingError(_("Choose a rating from 1 to 5."), code="invalid_rating")
    booking.user_rating = rating
    booking.user_review = (review or "").strip()[:2000]
    booking.save(update_fields=["user_rating", "user_review", "updated_at"])
    if booking.technician_id:
        stats = Booking.objects.filter(technician_id=booking.technician_id, user_rating__isnull=False).aggregate(
            average=Avg("user_rating"), count=Count("pk")
        )
        Technician.objects.filter(pk=booking.technician_id).update(
            rating=round_money(Decimal(str(stats["average"]))), total_reviews=stats["count"]
        )
    signals.booking_reviewed.send(sender=Booking, booking=booking, actor=actor)
    return booking


def failed_check_in_record(
    *,
    user: User,
    code: str,
    method: str,
    reason: str,
    booking: Booking | None = None,
    ip_address: str | None = None,
    now: datetime | None = None,
) -> FailedCheckIn:
    """Keep a refused check-in for the back office (who, when, which code, why, and the booking
    when the code matched one).

    The code is kept as typed, less NUL characters (PostgreSQL text cannot hold them).
    """
    return FailedCheckIn.objects.create(
        user=user,
        code=(code or "").replace("\x00", "")[:100],
        method=method,
        reason=CheckInFailure(reason),
        booking=booking,
        ip_address=ip_address,
        created_at=now or timezone.now(),
    )


# --- What the clock does (run every minute by `run_scheduled`) ------------------------------------------------------
#
# The system is the actor (`actor=None` in the history rows and signals). Each service locks its
# booking with SKIP LOCKED and re-checks its state under the lock: a booking that another run of
# the jobs (or a person) holds right now is left for the next run, and a booking that another run
# has already moved no longer qualifies, so two runs at once, or a run after a long outage that
# finds everything due at once, act once on each booking.


def _lock_for_job(booking: Booking) -> Booking | None:
    """Lock `booking` for a scheduled job, or None when another transaction holds it."""
    return (
        Booking.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("technician__user", "service", "user", "service_area")
        .filter(pk=booking.pk)
        .first()
    )


def _too_close_to_offer(booking: Booking, now: datetime) -> bool:
    """Whether asking another technician now would leave them no fair time to answer: the visit is
    less than `booking_offer_minutes` away, or already inside the minimum notice (an offer made now
    would be past its deadline at once)."""
    left = booking.scheduled_start - now
    return left < timedelta(minutes=get_setting("booking_offer_minutes")) or left <= timedelta(
        hours=get_setting("booking_min_notice_hours")
    )


@transaction.atomic
def booking_expire_offer(*, booking: Booking, now: datetime | None = None) -> Booking:
    """An offer left unanswered past its deadline (`offer_deadline`) moves on, exactly like a decline.

    The technician is kept as having let it pass (a `BookingDecline` with the reason "Offer
    expired"), so it is never offered to them again, and it goes to the next eligible technician,
    whose own time to answer starts now. When nobody is left, or the visit is too close to its
    start to ask someone else (`_too_close_to_offer`), it waits for the office, unassigned and
    still pending; `booking_escalated` tells the office and the patient. Nothing happens to an
    offer that is not due, to a visit whose start has passed (`booking_lapse` cancels it), or to
    a booking another transaction holds.
    """
    now = now or timezone.now()
    locked = _lock_for_job(booking)
    if locked is None:
        return booking
    booking = locked
    deadline = offer_deadline(booking)
    if deadline is None or now < deadline or now >= booking.scheduled_start:
        return booking
    technician = booking.technician
    BookingDecline.objects.create(booking=booking, technician=technician, reason=_("Offer expired"), created_at=now)
    too_close = _too_close_to_offer(booking, now)
    booking.technician = None if too_close else _offer_to_next(booking, now=now)
    booking.offered_at = now if booking.technician is not None else None
    booking.save(update_fields=["technician", "offered_at", "updated_at"])
    escalated = booking.technician is None
    if escalated:
        note = _("The offer to %(name)s expired unanswered; the visit waits for the office.") % {"name": technician}
    else:
        note = _("The offer to %(name)s expired unanswered; offered to %(next)s.") % {
            "name": technician,
            "next": booking.technician,
        }
    _log(booking, from_status=BookingStatus.PENDING, actor=None, note=note, now=now)
    signals.booking_offer_expired.send(
        sender=Booking, booking=booking, actor=None, technician=technician, escalated=escalated
    )
    if escalated:
        signals.booking_escalated.send(sender=Booking, booking=booking, actor=None, too_close=too_close)
    return booking


def _lapse(booking: Booking, *, reason: str, now: datetime) -> Booking:
    """Cancel `booking` for the clock: refund an online payment, keep a confirmed visit as its
    technician's missed visit, write the history row and the audit entry, send `booking_lapsed`."""
    previous_status = booking.status
    missed_by = booking.technician if previous_status == BookingStatus.CONFIRMED else None
    refunded = _mark_cancelled(booking, reason=reason, cause=RefundCause.LAPSED, actor=None, now=now)
    if missed_by is not None:
        MissedVisit.objects.create(
            booking=booking, technician=missed_by, scheduled_start=booking.scheduled_start, recorded_at=now
        )
    _log(booking, from_status=previous_status, actor=None, note=reason, now=now)
    audit_event(
        actor=None,
        action="booking_lapsed",
        entity=booking,
        description=_cancellation_description(booking, reason=reason, refunded=refunded),
    )
    signals.booking_lapsed.send(
        sender=Booking,
        booking=booking,
        actor=None,
        reason=reason,
        refunded=refunded,
        previous_status=previous_status,
        technician=missed_by,
    )
    return booking


@transaction.atomic
def booking_lapse(*, booking: Booking, now: datetime | None = None) -> Booking:
    """What the clock does to a visit whose time passed without anyone acting on it.

    - pending when its start comes (nobody accepted): cancelled with the reason "No technician
      accepted in time", an online payment refunded;
    - confirmed, and the check-in window closed after its start with nobody checked in: flagged
      once to the office as not attended (`not_attended_at`, a history note, `booking_not_attended`);
      the status stays, so the office may still reassign or cancel it;
    - still confirmed a day after its start (`NOT_ATTENDED_GRACE`): cancelled as not attended,
      refunded, and written into the technician's missed visits (`MissedVisit`).

    A booking in any other state, not due yet, or held by another transaction is left as it is.
    """
    now = now or timezone.now()
    locked = _lock_for_job(booking)
    if locked is None:
        return booking
    booking = locked
    if booking.status == BookingStatus.PENDING and now >= booking.scheduled_start:
        return _lapse(booking, reason=_("No technician accepted in time."), now=now)
    if booking.status != BookingStatus.CONFIRMED:
        return booking
    if now >= booking.scheduled_start + NOT_ATTENDED_GRACE:
        if booking.not_attended_at is None:
            booking.not_attended_at = now
            booking.save(update_fields=["not_attended_at", "updated_at"])
        return _lapse(booking, reason=_("Not attended: nobody checked in to the visit."), now=now)
    _opens, closes = check_in_window(booking)
    if booking.not_attended_at is None and now > closes:
        booking.not_attended_at = now
        booking.save(update_fields=["not_attended_at", "updated_at"])
        note = _("Not attended: nobody checked in by %(time)s.") % {
            "time": timezone.localtime(closes).strftime("%H:%M")
        }
        _log(booking, from_status=BookingStatus.CONFIRMED, actor=None, note=note, now=now)
        signals.booking_not_attended.send(sender=Booking, booking=booking, actor=None)
    return booking


def _run_each(bookings, service, *, now: datetime) -> int:
    """Call `service` on each booking, each in its own transaction; how many it changed.

    A booking that fails (a refused refund, a deadlock with another run) is logged and tried again
    by the next run; it does not stop the others.
    """
    changed = 0
    for booking in bookings:
        before = (booking.status, booking.technician_id, booking.offered_at, booking.not_attended_at)
        try:
            after = service(booking=booking, now=now)
        except (BookingError, DatabaseError):
            logger.exception("%s of booking %s failed; the next run tries again.", service.__name__, booking.pk)
            continue
        changed += before != (after.status, after.technician_id, after.offered_at, after.not_attended_at)
    return changed


def offers_expire_due(*, now: datetime | None = None) -> int:
    """Move on every offer whose deadline passed (`booking_expire_offer`); how many moved.

    The query finds every candidate (an offer made `booking_offer_minutes` ago, or a visit inside
    the minimum notice); the service decides under the lock.
    """
    now = now or timezone.now()
    offer = timedelta(minutes=get_setting("booking_offer_minutes"))
    notice = timedelta(hours=get_setting("booking_min_notice_hours"))
    due = (
        Booking.objects.filter(status=BookingStatus.PENDING, technician__isnull=False, scheduled_start__gt=now)
        .filter(Q(offered_at__lte=now - offer) | Q(scheduled_start__lte=now + notice))
        .order_by("scheduled_start", "pk")
    )
    return _run_each(list(due), booking_expire_offer, now=now)


def bookings_lapse_due(*, now: datetime | None = None) -> int:
    """Cancel or flag every visit whose time passed (`booking_lapse`); how many changed."""
    now = now or timezone.now()
    window = timedelta(minutes=get_setting("checkin_window_minutes"))
    due = Booking.objects.filter(
        Q(status=BookingStatus.PENDING, scheduled_start__lte=now)
        | Q(status=BookingStatus.CONFIRMED, not_attended_at__isnull=True, scheduled_start__lt=now - window)
        | Q(status=BookingStatus.CONFIRMED, scheduled_start__lte=now - NOT_ATTENDED_GRACE)
    ).order_by("scheduled_start", "pk")
    return _run_each(list(due), booking_lapse, now=now)
