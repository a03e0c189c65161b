"""What happens when a technician scans a booking's QR code or types its short code (DESIGN 4.4).

`assess_check_in` works out the one answer the technician gets, `attempt_check_in` also performs
the check-in when asked to. Every refusal is recorded for the back office; a second scan of a visit already started
is not a refusal, it just says when the visit started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from bookings import services
from bookings.models import Booking, BookingStatus, CheckInFailure, CheckInMethod
from bookings.selectors import CHECK_IN_CODE_TRIES, CHECK_IN_CODE_TRIES_WINDOW
from homecure.base.limits import limit_give_back, limit_take
from technicians.models import Technician
from technicians.selectors import may_work

READY = "ready"
CHECKED_IN = "checked_in"
ALREADY = "already"

# HTTP status of each answer: strangers learn nothing (404), a state that forbids the check-in
# is a conflict (409), an unverified technician is refused (403).
STATUS = {
    READY: 200,
    CHECKED_IN: 200,
    ALREADY: 200,
    CheckInFailure.UNKNOWN_CODE: 404,
    CheckInFailure.NOT_YOURS: 404,
    CheckInFailure.NOT_VERIFIED: 403,
    CheckInFailure.NOT_CONFIRMED: 409,
    CheckInFailure.CANCELLED: 409,
    CheckInFailure.COMPLETED: 409,
    CheckInFailure.TOO_EARLY: 409,
    CheckInFailure.TOO_LATE: 409,
    CheckInFailure.TOO_MANY_TRIES: 429,
}


@dataclass(frozen=True)
class Outcome:
    kind: str
    title: str
    message: str
    booking: Booking | None = None

    @property
    def status(self) -> int:
        return STATUS[self.kind]

    @property
    def ok(self) -> bool:
        return self.kind in (READY, CHECKED_IN, ALREADY)


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "l j F, H:i")


def _clock(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "H:i")


def assess_check_in(*, user: User, technician: Technician | None, booking: Booking | None, now: datetime) -> Outcome:
    """The answer for `user` scanning `booking`'s code now, without changing anything."""
    if not may_work(technician):
        return Outcome(
            CheckInFailure.NOT_VERIFIED,
            _("You cannot check in yet"),
            _("Your account is not verified or is suspended, so you cannot start visits. Please contact the office."),
        )
    if booking is None:
        return Outcome(
            CheckInFailure.UNKNOWN_CODE,
            _("Unknown code"),
            _("This code does not belong to any booking. Check the code and try again."),
        )
    if booking.technician_id != technician.pk:
        return _refused(CheckInFailure.NOT_YOURS, booking)
    if booking.status == BookingStatus.IN_PROGRESS:
        return Outcome(
            ALREADY,
            _("Already checked in"),
            _("You checked in at %(time)s. Scanning again changes nothing.") % {"time": _clock(booking.checked_in_at)},
            booking,
        )
    refusal = services.check_in_refusal(booking, user, now=now)
    if refusal is None:
        return Outcome(
            READY, _("Check in"), _("You are at the right visit. Check in when you are at the door."), booking
        )
    return _refused(refusal.code, booking)


def _refused(code: str, booking: Booking) -> Outcome:
    opens, closes = services.check_in_window(booking)
    if code == CheckInFailure.NOT_YOURS:
        return Outcome(
            CheckInFailure.NOT_YOURS,
            _("Not your visit"),
            _("This visit is not assigned to you. Please check that you are at the right address."),
        )
    answers = {
        CheckInFailure.NOT_CONFIRMED: (
            _("Not confirmed yet"),
            _("This visit is not confirmed yet. Accept it first; then you can check in."),
        ),
        CheckInFailure.CANCELLED: (
            _("Visit cancelled"),
            _("This booking was cancelled on %(when)s. Do not start the visit.") % {"when": _when(booking.cancelled_at)}
            if booking.cancelled_at
            else _("This booking was cancelled. Do not start the visit."),
        ),
        CheckInFailure.COMPLETED: (
            _("Visit already completed"),
            _("This visit was completed on %(when)s.") % {"when": _when(booking.completed_at)}
            if booking.completed_at
            else _("This visit is already completed."),
        ),
        CheckInFailure.TOO_EARLY: (
            _("Too early to check in"),
            _("It is too early to check in. Check-in opens at %(opens)s, before the visit starts at %(start)s.")
            % {"opens": _when(opens), "start": _clock(booking.scheduled_start)},
        ),
        CheckInFailure.TOO_LATE: (
            _("Too late to check in"),
            _("It is too late to check in: check-in closed at %(closes)s. Please contact the office about this visit.")
            % {"closes": _when(closes)},
        ),
    }
    title, message = answers[code]
    return Outcome(code, title, message, booking)


def attempt_check_in(
    *,
    user: User,
    technician: Technician | None,
    booking: Booking | None,
    code: str,
    method: str,
    perform: bool,
    ip_address: str | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Assess the scan, check in when `perform` is set and allowed, and record a refusal."""
    now = now or timezone.now()
    outcome = assess_check_in(user=user, technician=technician, booking=booking, now=now)
    if outcome.kind == READY and perform:
        try:
            booking = services.booking_check_in(booking=booking, actor=user, now=now)
        except services.BookingError as error:
            # The booking changed between the look and the lock (cancelled at that very moment).
            booking.refresh_from_db()
            outcome = _refused(error.code, booking)
        else:
            outcome = Outcome(
                CHECKED_IN,
                _("Checked in"),
                _("Checked in at %(time)s. The visit has started.") % {"time": _clock(booking.checked_in_at)},
                booking,
            )
    if not outcome.ok:
        services.failed_check_in_record(
            user=user, code=code, method=method, reason=outcome.kind, booking=booking, ip_address=ip_address, now=now
        )
    return outcome


def take_code_try(user: User) -> bool:
    """Count a typed code against `user` before it is looked at; False once `CHECK_IN_CODE_TRIES`
    were typed in the window (`CHECK_IN_CODE_TRIES_WINDOW`, from the first), which slows guessing.

    An atomic counter shared by every server (`homecure.base.limits`), taken before the code is
    checked: counting the refused rows and then adding one let two requests at the last try, on
    two servers, both through. A try that checks in, or sends no code at all, is given back
    (`give_back_code_try`), so only refused codes use the tries up, as before.
    """
    return limit_take(
        "check-in-code", str(user.pk), limit=CHECK_IN_CODE_TRIES, window=int(CHECK_IN_CODE_TRIES_WINDOW.total_seconds())
    )


def give_back_code_try(user: User) -> None:
    limit_give_back("check-in-code", str(user.pk))


def refuse_too_many_tries(*, user: User, code: str, ip_address: str | None, now: datetime) -> Outcome:
    services.failed_check_in_record(
        user=user,
        code=code,
        method=CheckInMethod.TYPED,
        reason=CheckInFailure.TOO_MANY_TRIES,
        booking=None,
        ip_address=ip_address,
        now=now,
    )
    return Outcome(
        CheckInFailure.TOO_MANY_TRIES,
        _("Too many wrong codes"),
        _("Too many wrong codes in a short time. Wait %(minutes)s minutes, or scan the QR code instead.")
        % {"minutes": CHECK_IN_CODE_TRIES_WINDOW // timedelta(minutes=1)},
    )
