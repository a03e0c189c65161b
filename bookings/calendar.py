"""Visits as iCalendar (RFC 5545/5546, built with the `icalendar` library): the invitations attached
to the e-mails about a confirmed, moved or cancelled visit, and each technician's private feed.

What a calendar entry holds: the service, the start and end in the platform's time zone (with its
VTIMEZONE), the address of the visit as LOCATION, the booking's reference and a link to its page.
Never health data nor anything a person typed (notes, reasons): calendars are synced to other
companies' servers. The patient's name is not in it either; the job page has it.

One event per booking, whoever receives it: its UID is the booking's reference (which never
changes, even when the visit moves), so a calendar updates or removes the same entry.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress

from accounts.models import User
from bookings.models import Booking, BookingStatus, CalendarFeed
from technicians.models import Technician

PRODID = "-//HomeCure//Home visits//EN"
REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"

#: The feed lists accepted visits from this long ago on (and every upcoming one).
FEED_PAST = timedelta(days=30)
FEED_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)


def uid_of(booking: Booking) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "homecure"
    return f"{booking.reference}@{host}"


def sequence_of(booking: Booking) -> int:
    """The event's SEQUENCE: how many times the booking changed since it was made.

    Derived from the status history rather than kept in a counter on the booking: every change a
    calendar must see (accepted, moved, given to another technician, cancelled) already writes one
    history row in the service's own transaction, and the rows are never edited or deleted, so the
    count only grows and no service can forget to raise it. A history row that changes nothing a
    calendar shows (a visit flagged as not attended) raises it too, which calendars accept.
    """
    count = getattr(booking, "history_count", None)
    if count is None:
        count = booking.history.count()
    return max(count - 1, 0)


def _link(booking: Booking, *, for_technician: bool) -> str:
    name = "portal:job" if for_technician else "bookings:detail"
    return settings.SITE_URL + reverse(name, kwargs={"reference": booking.reference})


def _organizer() -> vCalAddress:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = name or "HomeCure"
    return organizer


def _status(booking: Booking, cancelled: bool) -> str:
    if cancelled:
        return "CANCELLED"
    return "TENTATIVE" if booking.status == BookingStatus.PENDING else "CONFIRMED"


def _event(booking: Booking, *, cancelled: bool, for_technician: bool, now: datetime) -> Event:
    zone = timezone.get_current_timezone()
    event = Event()
    event.add("uid", uid_of(booking))
    event.add("sequence", sequence_of(booking))
    event.add("dtstamp", now)
    event.add("dtstart", booking.scheduled_start.astimezone(zone))
    event.add("dtend", booking.scheduled_end.astimezone(zone))
    event.add("summary", _("HomeCure: %(service)s") % {"service": booking.service.name})
    event.add("location", booking.service_address)
    event.add(
        "description",
        _("Booking %(reference)s. Details: %(link)s")
        % {"reference": booking.reference, "link": _link(booking, for_technician=for_technician)},
    )
    event.add("url", _link(booking, for_technician=for_technician))
    event.add("status", _status(booking, cancelled))
    event.add("transp", "OPAQUE")
    return event


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _finish(calendar: Calendar, starts: list[datetime]) -> bytes:
    """The calendar with the VTIMEZONE of its times (covering their years only), as bytes."""
    if starts:
        first = timezone.localdate(min(starts)) - timedelta(days=366)
        last = timezone.localdate(max(starts)) + timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()


def invitation(booking: Booking, *, recipient: User, now: datetime | None = None) -> tuple[str, bytes]:
    """The method and the iCalendar of `booking` for `recipient` (its patient or a technician), as it
    stands now: REQUEST while the visit is on for them, CANCEL once it is cancelled or no longer
    theirs (a technician whose visit went to someone else).

    Built when the e-mail is sent, from the booking as it is then: an e-mail that goes out after a
    later change carries that change, with the same SEQUENCE as the later change's own e-mail, so a
    calendar ends with the visit as it is whatever order the e-mails arrive in.
    """
    now = now or timezone.now()
    for_technician = recipient.pk != booking.user_id
    technician_user_id = booking.technician.user_id if booking.technician_id else None
    on = booking.status != BookingStatus.CANCELLED and (not for_technician or technician_user_id == recipient.pk)
    method = REQUEST if on else CANCEL
    calendar = _calendar(method)
    event = _event(booking, cancelled=not on, for_technician=for_technician, now=now)
    event.add("organizer", _organizer())
    attendee = vCalAddress(f"mailto:{recipient.email}")
    attendee.params["cn"] = recipient.get_full_name() or recipient.email
    attendee.params["role"] = "REQ-PARTICIPANT"
    event.add("attendee", attendee)
    calendar.add_component(event)
    return method, _finish(calendar, [booking.scheduled_start])


# --- The technician's feed --------------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_visits(technician: Technician, *, now: datetime):
    """The visits in the technician's feed: accepted ones from `FEED_PAST` ago on, soonest first."""
    return (
        Booking.objects.filter(technician=technician, status__in=FEED_STATUSES, scheduled_start__gte=now - FEED_PAST)
        .select_related("service")
        .annotate(history_count=Count("history"))
        .order_by("scheduled_start", "pk")
    )


def feed_calendar(technician: Technician, *, now: datetime | None = None) -> bytes:
    """The technician's feed: every visit of `feed_visits` as a published event. A visit that is
    cancelled or given to someone else drops out, and the subscribed calendar removes it."""
    now = now or timezone.now()
    calendar = _calendar(PUBLISH)
    calendar.add("x-wr-calname", _("HomeCure visits"))
    calendar.add("x-wr-timezone", timezone.get_current_timezone_name())
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    visits = list(feed_visits(technician, now=now))
    for booking in visits:
        calendar.add_component(_event(booking, cancelled=False, for_technician=True, now=now))
    return _finish(calendar, [booking.scheduled_start for booking in visits])


@transaction.atomic
def calendar_feed_renew(*, technician: Technician, now: datetime | None = None) -> str:
    """Make the technician's feed a new secret address, which revokes the old one; returns the token.

    Only its SHA-256 is kept, so the address is shown once, right after it is made. The fetches are
    counted per address: the count starts again with the new one, which shows whether it is in use.
    """
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        technician=technician,
        defaults={
            "token_hash": _hash(token),
            "created_at": now or timezone.now(),
            "fetch_count": 0,
            "last_fetched_at": None,
        },
    )
    return token


def feed_for_token(token: str) -> CalendarFeed | None:
    """The feed of this token when it is the current one of an active technician, else None."""
    if not token or len(token) > 100:
        return None
    return (
        CalendarFeed.objects.filter(token_hash=_hash(token), technician__user__is_active=True)
        .select_related("technician")
        .first()
    )


def calendar_feed_fetched(*, feed: CalendarFeed, now: datetime | None = None) -> None:
    """Count a fetch of the feed (in the database, so concurrent fetches all count)."""
    fetched = CalendarFeed.objects.filter(pk=feed.pk)
    fetched.update(fetch_count=F("fetch_count") + 1, last_fetched_at=now or timezone.now())
