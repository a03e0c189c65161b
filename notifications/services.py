"""Who hears about what (DESIGN 7): one function per event, plus reminders, announcements and the inbox.

Every event function builds the in-app notifications for the people concerned and hands them to
`_deliver`, which saves them in the caller's transaction (so they vanish if it rolls back) and
queues their e-mails for after the commit (so nobody is told about a change that never happened).

Notification texts never contain health data nor anything a person typed (cancellation reasons,
reviews, notes): they become the e-mails, and free text can hold anything. A link leads to the
page that shows the rest to whoever may see it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, TextChoices
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User, UserRole
from bookings.models import Booking, BookingStatus, WaitlistOffer
from bookings.services import offer_deadline
from homecure.base.audit import audit_event
from homecure.base.dates import format_when
from homecure.base.money import format_money
from notifications.models import EmailPreference, Notification, NotificationType, Priority, ReminderKind, SentReminder
from records.selectors import break_glass_reads

if TYPE_CHECKING:
    from collections.abc import Iterable

    from earnings.models import Payout, TechnicianEarnings
    from records.models import HealthRecord
    from technicians.models import Technician

logger = logging.getLogger(__name__)

#: Announcements are written (and their e-mails queued) this many recipients at a time.
ANNOUNCE_CHUNK = 500

#: How long before a confirmed visit each reminder goes out, in real (not wall-clock) time.
REMINDER_LEADS = {ReminderKind.DAY_BEFORE: timedelta(hours=24), ReminderKind.SOON: timedelta(hours=2)}


class Audience(TextChoices):
    PATIENTS = "patients", gettext_lazy("Patients")
    TECHNICIANS = "technicians", gettext_lazy("Technicians")
    EVERYONE = "everyone", gettext_lazy("Everyone")


@dataclass(frozen=True)
class Draft:
    """A notification about to be made; `email` names its e-mail templates under templates/emails/."""

    user: User
    email: str
    title: str
    message: str
    notification_type: str
    action_url: str = ""
    priority: str = Priority.NORMAL
    entity: tuple[str, str] = ("", "")


def _drafts_for(users: Iterable[User], **fields: Any) -> list[Draft]:
    """The same notification for each of these users (every admin, typically): one draft apiece."""
    return [Draft(user=user, **fields) for user in users]


def _deliver(drafts: list[Draft]) -> list[Notification]:
    """Save the notifications now, e-mail them after the commit (never if the transaction rolls back)."""
    drafts = [draft for draft in drafts if draft.user is not None and draft.user.is_active]
    notifications = Notification.objects.bulk_create(
        Notification(
            user=draft.user,
            title=draft.title[:200],
            message=draft.message[:2000],
            notification_type=draft.notification_type,
            priority=draft.priority,
            action_url=draft.action_url,
            related_entity_type=draft.entity[0],
            related_entity_id=draft.entity[1],
        )
        for draft in drafts
    )
    by_template = defaultdict(list)
    for draft, notification in zip(drafts, notifications, strict=True):
        by_template[draft.email].append(notification.pk)
    for template, ids in by_template.items():
        email_after_commit(ids, template)
    return notifications


def email_after_commit(notification_ids: list[int], template: str) -> None:
    """Queue the e-mails of these notifications once the transaction commits; nothing if it rolls back.

    Robust: a queue that cannot be reached is logged, it never turns a done action into an error page.
    """

    def queue_emails():
        from notifications.tasks import send_notification_emails

        send_notification_emails.enqueue(notification_ids=notification_ids, template=template)

    transaction.on_commit(queue_emails, robust=True)


# --- Recipients and links ---------------------------------------------------------------------------------------


def platform_admins() -> QuerySet[User]:
    """Everyone who runs the platform: active users with the admin role and back-office access."""
    return User.objects.active_admins()


def _when(moment: datetime) -> str:
    return _("%(date)s at %(time)s") % {"date": format_when(moment, "weekday"), "time": format_when(moment, "time")}


def _booking_entity(booking: Booking) -> tuple[str, str]:
    return ("booking", booking.reference)


def _patient_url(booking: Booking) -> str:
    return reverse("bookings:detail", kwargs={"reference": booking.reference})


def _technician_url(booking: Booking) -> str:
    return reverse("portal:job", kwargs={"reference": booking.reference})


def _admin_url(booking: Booking) -> str:
    return reverse("admin:bookings_booking_change", args=[booking.pk])


def _facts(booking: Booking) -> dict[str, str]:
    technician = booking.technician
    return {
        "service": str(booking.service),
        "when": _when(booking.scheduled_start),
        "time": format_when(booking.scheduled_start, "time"),
        "area": str(booking.service_area),
        "reference": booking.reference,
        "technician": technician.user.get_full_name() if technician else _("Your technician"),
        "patient": booking.user.get_full_name() or booking.user.email,
    }


def _offer(booking: Booking, *, title: str) -> Draft:
    """The assigned technician is asked to accept or decline, by the offer's deadline."""
    deadline = offer_deadline(booking)
    message = _("%(service)s on %(when)s in %(area)s (%(reference)s). Please accept or decline it.") % _facts(booking)
    if deadline is not None:
        message += " " + _("The offer is open until %(deadline)s.") % {"deadline": _when(deadline)}
    return Draft(
        user=booking.technician.user,
        email="booking_offered",
        title=title,
        message=message,
        notification_type=NotificationType.BOOKING,
        action_url=_technician_url(booking),
        priority=Priority.HIGH,
        entity=_booking_entity(booking),
    )


# --- Booking events ---------------------------------------------------------------------------------------------


def notify_booking_requested(*, booking: Booking) -> list[Notification]:
    """The patient hears their request is in; the technician it was offered to is asked to answer."""
    drafts = [
        Draft(
            user=booking.user,
            email="booking_requested",
            title=_("We received your booking request"),
            message=_("%(service)s on %(when)s. We will let you know as soon as the technician confirms it.")
            % _facts(booking),
            notification_type=NotificationType.BOOKING,
            action_url=_patient_url(booking),
            entity=_booking_entity(booking),
        )
    ]
    if booking.technician is not None:
        drafts.append(_offer(booking, title=_("New visit request")))
    return _deliver(drafts)


def notify_booking_accepted(*, booking: Booking, actor: User | None) -> list[Notification]:
    """The patient gets the confirmation with the QR code; when an admin confirmed, the technician is told too."""
    facts = _facts(booking)
    drafts = [
        Draft(
            user=booking.user,
            email="booking_confirmed",
            title=_("Your visit is confirmed"),
            message=_(
                "%(technician)s will visit you on %(when)s. Show the QR code on the booking page when they arrive."
            )
            % facts,
            notification_type=NotificationType.BOOKING,
            action_url=_patient_url(booking),
            entity=_booking_entity(booking),
        )
    ]
    technician_user = booking.technician.user if booking.technician else None
    if technician_user is not None and actor != technician_user:
        drafts.append(
            Draft(
                user=technician_user,
                email="booking_confirmed_technician",
                title=_("A visit was confirmed for you"),
                message=_("%(service)s on %(when)s in %(area)s (%(reference)s) was confirmed by the back office.")
                % facts,
                notification_type=NotificationType.BOOKING,
                action_url=_technician_url(booking),
                entity=_booking_entity(booking),
            )
        )
    return _deliver(drafts)


def _confirmation_withdrawn(booking: Booking, *, title: str, what_happened: str) -> Draft:
    """The patient of a visit that was confirmed hears it is not any more, and what becomes of it.

    They were told it was confirmed and hold a QR code and a check-in code that stopped working with
    the change, so they must not wait at the door with them. No reason is given: a technician's
    reason may be meant for the office only.
    """
    message = " ".join(
        [
            what_happened,
            _(
                "The QR code and check-in code you had for it no longer work: you will get a new confirmation "
                "with new ones once a technician accepts the visit."
            ),
        ]
    )
    return Draft(
        user=booking.user,
        email="booking_technician_changed",
        title=title,
        message=message,
        notification_type=NotificationType.BOOKING,
        action_url=_patient_url(booking),
        priority=Priority.HIGH,
        entity=_booking_entity(booking),
    )


def notify_booking_declined(
    *, booking: Booking, unassigned: bool, previous_status: str | None = None
) -> list[Notification]:
    """Offered to the next technician, or, when nobody is left, every admin is asked to assign one.

    When the visit had been confirmed, the patient is told too: their technician is no longer coming.
    """
    facts = _facts(booking)
    if not unassigned:
        drafts = [_offer(booking, title=_("New visit request"))]
        taken_over = _("Another technician has been asked to take it over.")
    else:
        drafts = _drafts_for(
            platform_admins(),
            email="booking_unassigned",
            title=_("A booking needs a technician"),
            message=_(
                "%(reference)s (%(service)s on %(when)s in %(area)s) has no technician left who can take it. "
                "Please assign one."
            )
            % facts,
            notification_type=NotificationType.BOOKING,
            action_url=_admin_url(booking),
            priority=Priority.HIGH,
            entity=_booking_entity(booking),
        )
        taken_over = _("Our office is finding another technician for you.")
    if previous_status == BookingStatus.CONFIRMED:
        gone = _("Your technician can no longer come for your %(service)s on %(when)s (%(reference)s).") % facts
        drafts.append(
            _confirmation_withdrawn(
                booking, title=_("Your technician can no longer come"), what_happened=f"{gone} {taken_over}"
            )
        )
    return _deliver(drafts)


def notify_booking_assigned(
    *, booking: Booking, previous_technician: Technician | None, previous_status: str | None = None
) -> list[Notification]:
    """An admin (re)assigned the visit: the new technician is asked to accept, the previous one is told it is gone.

    When the visit had been confirmed, the patient is told that another technician is taking it over.
    """
    drafts = [_offer(booking, title=_("A visit was assigned to you"))]
    if previous_status == BookingStatus.CONFIRMED:
        drafts.append(
            _confirmation_withdrawn(
                booking,
                title=_("Your visit was given to another technician"),
                what_happened=_(
                    "Our office has given your %(service)s on %(when)s (%(reference)s) to another technician."
                )
                % _facts(booking),
            )
        )
    if previous_technician is not None and previous_technician.pk != booking.technician_id:
        drafts.append(
            Draft(
                user=previous_technician.user,
                email="booking_reassigned",
                title=_("A visit was reassigned"),
                message=_("%(service)s on %(when)s (%(reference)s) is no longer on your schedule.") % _facts(booking),
                notification_type=NotificationType.BOOKING,
                action_url=reverse("portal:dashboard"),
                entity=_booking_entity(booking),
            )
        )
    return _deliver(drafts)


def notify_booking_checked_in(*, booking: Booking) -> list[Notification]:
    facts = _facts(booking)
    facts["time"] = format_when(booking.checked_in_at or timezone.now(), "time")
    return _deliver(
        [
            Draft(
                user=booking.user,
                email="booking_checked_in",
                title=_("Your technician has arrived"),
                message=_("%(technician)s checked in for your %(service)s at %(time)s.") % facts,
                notification_type=NotificationType.BOOKING,
                action_url=_patient_url(booking),
                entity=_booking_entity(booking),
            )
        ]
    )


def notify_booking_completed(*, booking: Booking) -> list[Notification]:
    """The patient is asked to rate the visit."""
    return _deliver(
        [
            Draft(
                user=booking.user,
                email="booking_completed",
                title=_("How was your visit?"),
                message=_(
                    "Your %(service)s on %(when)s is complete. Please rate it: it helps other patients and "
                    "%(technician)s."
                )
                % _facts(booking),
                notification_type=NotificationType.BOOKING,
                action_url=_patient_url(booking),
                entity=_booking_entity(booking),
            )
        ]
    )


def notify_booking_cancelled(
    *, booking: Booking, actor: User | None, refunded: bool, no_show: bool = False
) -> list[Notification]:
    """The other party hears of it: the technician when the patient cancels, both when an admin does.

    A no-show (the technician found nobody at home) goes to the patient and to every admin, who
    decide about a new visit (what was paid online is refunded less the no-show fee).
    """
    facts = _facts(booking)
    drafts = []
    if booking.user != actor:
        if no_show:
            message = (
                _(
                    "%(technician)s found nobody at home for your %(service)s on %(when)s (%(reference)s), "
                    "so the visit was cancelled. Please contact us to arrange another one."
                )
                % facts
            )
        else:
            message = _("Your %(service)s on %(when)s (%(reference)s) was cancelled.") % facts
        if refunded and no_show:
            message += " " + _("Your payment was refunded less the no-show fee.")
        elif refunded:
            message += " " + _("Your online payment was refunded.")
        drafts.append(
            Draft(
                user=booking.user,
                email="booking_cancelled",
                title=_("Your visit was cancelled"),
                message=message,
                notification_type=NotificationType.BOOKING,
                action_url=_patient_url(booking),
                entity=_booking_entity(booking),
            )
        )
    technician_user = booking.technician.user if booking.technician else None
    if technician_user is not None and technician_user != actor:
        drafts.append(
            Draft(
                user=technician_user,
                email="booking_cancelled",
                title=_("A visit was cancelled"),
                message=_("%(service)s on %(when)s in %(area)s (%(reference)s) was cancelled.") % facts,
                notification_type=NotificationType.BOOKING,
                action_url=_technician_url(booking),
                entity=_booking_entity(booking),
            )
        )
    if no_show:
        drafts += _drafts_for(
            platform_admins(),
            email="booking_no_show",
            title=_("A patient was not at home"),
            message=_(
                "%(technician)s found nobody at home for %(reference)s (%(service)s on %(when)s). The visit is "
                "cancelled, and any online payment refunded less the no-show fee; please decide about a new visit."
            )
            % facts,
            notification_type=NotificationType.BOOKING,
            action_url=_admin_url(booking),
            priority=Priority.HIGH,
            entity=_booking_entity(booking),
        )
    return _deliver(drafts)


def notify_booking_rescheduled(
    *,
    booking: Booking,
    previous_start: datetime,
    previous_status: str,
    previous_technician: Technician | None,
) -> list[Notification]:
    """The visit moved to another time: the patient hears the new time (whoever moved it), the technician
    who keeps it hears it moved; otherwise the new technician is asked to accept it and the previous one
    hears it is off their schedule.

    The reminders sent for the old time are forgotten, so the new time is reminded in its turn.
    """
    SentReminder.objects.filter(booking=booking).delete()
    facts = {**_facts(booking), "old": _when(previous_start)}
    kept = previous_technician is not None and previous_technician.pk == booking.technician_id
    was_confirmed = previous_status == BookingStatus.CONFIRMED
    if kept and booking.status == BookingStatus.CONFIRMED:
        patient_message = _(
            "%(technician)s will now visit you for %(service)s on %(when)s instead of %(old)s (%(reference)s). "
            "The booking page has a new QR code and check-in code; the old ones no longer work."
        )
    elif kept:
        patient_message = _(
            "Your %(service)s (%(reference)s) is now on %(when)s instead of %(old)s. We will let you know as "
            "soon as the technician confirms it."
        )
    else:
        patient_message = _(
            "Your %(service)s (%(reference)s) is now on %(when)s instead of %(old)s. Another technician has "
            "been asked to take it; we will let you know as soon as they confirm it."
        )
        if was_confirmed:
            patient_message += " " + _("The QR code and check-in code you had for it no longer work.")
    drafts = [
        Draft(
            user=booking.user,
            email="booking_rescheduled",
            title=_("Your visit was moved to %(when)s") % facts,
            message=patient_message % facts,
            notification_type=NotificationType.BOOKING,
            action_url=_patient_url(booking),
            priority=Priority.HIGH if was_confirmed else Priority.NORMAL,
            entity=_booking_entity(booking),
        )
    ]
    if kept:
        message = _("%(service)s for %(patient)s in %(area)s (%(reference)s) moved from %(old)s to %(when)s.")
        if booking.status == BookingStatus.PENDING:
            message += " " + _("Please accept or decline it.")
        drafts.append(
            Draft(
                user=booking.technician.user,
                email="booking_rescheduled",
                title=_("A visit was moved"),
                message=message % facts,
                notification_type=NotificationType.BOOKING,
                action_url=_technician_url(booking),
                priority=Priority.HIGH,
                entity=_booking_entity(booking),
            )
        )
        return _deliver(drafts)
    drafts.append(_offer(booking, title=_("New visit request")))
    if previous_technician is not None:
        drafts.append(
            Draft(
                user=previous_technician.user,
                email="booking_reassigned",
                title=_("A visit was moved"),
                message=_(
                    "%(service)s on %(old)s (%(reference)s) moved to another time and is no longer on your schedule."
                )
                % facts,
                notification_type=NotificationType.BOOKING,
                action_url=reverse("portal:dashboard"),
                entity=_booking_entity(booking),
            )
        )
    return _deliver(drafts)


def notify_booking_paid(*, booking: Booking) -> list[Notification]:
    """The patient's receipt for an online payment."""
    facts = {**_facts(booking), "amount": format_money(booking.total_amount)}
    return _deliver(
        [
            Draft(
                user=booking.user,
                email="booking_paid",
                title=_("Payment received"),
                message=_("We received %(amount)s for %(service)s on %(when)s (%(reference)s). Thank you.") % facts,
                notification_type=NotificationType.PAYMENT,
                action_url=_patient_url(booking),
                entity=_booking_entity(booking),
            )
        ]
    )


def notify_booking_refunded(*, booking: Booking, payment) -> list[Notification]:
    """The patient hears that the office returned money, with the credit note on the booking page."""
    facts = {**_facts(booking), "amount": format_money(payment.amount), "number": payment.number}
    return _deliver(
        [
            Draft(
                user=booking.user,
                email="booking_refunded",
                title=_("Money refunded"),
                message=_(
                    "We refunded %(amount)s for %(service)s on %(when)s (%(reference)s). Your credit note "
                    "%(number)s is on the booking page."
                )
                % facts,
                notification_type=NotificationType.PAYMENT,
                action_url=_patient_url(booking),
                entity=_booking_entity(booking),
            )
        ]
    )


def notify_booking_reviewed(*, booking: Booking) -> list[Notification]:
    """The technician learns the rating (not the review text: that is read in the portal)."""
    if booking.technician is None:
        return []
    facts = {**_facts(booking), "rating": booking.user_rating}
    return _deliver(
        [
            Draft(
                user=booking.technician.user,
                email="booking_reviewed",
                title=_("Your visit was rated"),
                message=_("%(patient)s rated %(service)s on %(when)s %(rating)s out of 5.") % facts,
                notification_type=NotificationType.BOOKING,
                action_url=_technician_url(booking),
                entity=_booking_entity(booking),
            )
        ]
    )


# --- What the clock does (bookings' scheduled jobs) ---------------------------------------------------------------


def notify_offer_expired(*, booking: Booking, technician: Technician, escalated: bool) -> list[Notification]:
    """The technician who let the offer pass is told it went to someone else; the next technician,
    when there is one, is asked (when there is none, `notify_booking_escalated` tells the office)."""
    drafts = [
        Draft(
            user=technician.user,
            email="booking_offer_expired",
            title=_("A visit offer expired"),
            message=_(
                "You did not answer in time for %(service)s on %(when)s (%(reference)s), so it has been passed "
                "to someone else."
            )
            % _facts(booking),
            notification_type=NotificationType.BOOKING,
            action_url=reverse("portal:dashboard"),
            entity=_booking_entity(booking),
        )
    ]
    if not escalated:
        drafts.append(_offer(booking, title=_("New visit request")))
    return _deliver(drafts)


def notify_booking_escalated(*, booking: Booking, too_close: bool) -> list[Notification]:
    """Every admin is asked at once (high priority) to find a technician; the patient hears what happens next."""
    facts = _facts(booking)
    if too_close:
        office = _(
            "%(reference)s (%(service)s on %(when)s in %(area)s) starts soon and no technician has accepted it. "
            "Please assign one and confirm it for them, or cancel it."
        )
    else:
        office = _(
            "%(reference)s (%(service)s on %(when)s in %(area)s) has no technician left who can take it. "
            "Please assign one."
        )
    drafts = _drafts_for(
        platform_admins(),
        email="booking_unassigned",
        title=_("A booking needs a technician"),
        message=office % facts,
        notification_type=NotificationType.BOOKING,
        action_url=_admin_url(booking),
        priority=Priority.HIGH,
        entity=_booking_entity(booking),
    )
    drafts.append(
        Draft(
            user=booking.user,
            email="booking_waiting",
            title=_("We are still finding a technician"),
            message=_(
                "No technician has confirmed your %(service)s on %(when)s (%(reference)s) yet. Our office is "
                "arranging one and you will hear from us as soon as it is confirmed. If nobody can come, the "
                "visit is cancelled at its start time and an online payment is refunded."
            )
            % facts,
            notification_type=NotificationType.BOOKING,
            action_url=_patient_url(booking),
            entity=_booking_entity(booking),
        )
    )
    return _deliver(drafts)


def notify_booking_not_attended(*, booking: Booking) -> list[Notification]:
    """Every admin is asked at once (high priority) to find out why nobody checked in."""
    facts = {**_facts(booking), "deadline": _when(booking.scheduled_start + timedelta(days=1))}
    return _deliver(
        _drafts_for(
            platform_admins(),
            email="booking_not_attended",
            title=_("A visit was not attended"),
            message=_(
                "Nobody checked in for %(reference)s (%(service)s on %(when)s, %(technician)s). Please find out "
                "what happened: unless it is reassigned or cancelled first, it is cancelled, refunded and recorded "
                "as the technician's missed visit on %(deadline)s."
            )
            % facts,
            notification_type=NotificationType.BOOKING,
            action_url=_admin_url(booking),
            priority=Priority.HIGH,
            entity=_booking_entity(booking),
        )
    )


def notify_booking_lapsed(
    *, booking: Booking, refunded: bool, previous_status: str, technician: Technician | None = None
) -> list[Notification]:
    """The patient hears their visit was cancelled, why, and about the refund; a technician who missed
    a confirmed visit hears it was recorded."""
    facts = _facts(booking)
    if previous_status == BookingStatus.PENDING:
        message = _(
            "No technician accepted your %(service)s on %(when)s (%(reference)s) in time, so it was cancelled. "
            "We are sorry: please book another time."
        )
    else:
        message = _(
            "Your %(service)s on %(when)s (%(reference)s) did not take place and was cancelled. Please contact "
            "us or book another time."
        )
    message %= facts
    if refunded:
        message += " " + _("Your online payment was refunded.")
    drafts = [
        Draft(
            user=booking.user,
            email="booking_cancelled",
            title=_("Your visit was cancelled"),
            message=message,
            notification_type=NotificationType.BOOKING,
            action_url=_patient_url(booking),
            entity=_booking_entity(booking),
        )
    ]
    if technician is not None:
        drafts.append(
            Draft(
                user=technician.user,
                email="booking_cancelled",
                title=_("A visit was recorded as missed"),
                message=_(
                    "Nobody checked in for %(service)s on %(when)s (%(reference)s): it was cancelled and recorded "
                    "as a missed visit."
                )
                % facts,
                notification_type=NotificationType.BOOKING,
                action_url=_technician_url(booking),
                priority=Priority.HIGH,
                entity=_booking_entity(booking),
            )
        )
    return _deliver(drafts)


def notify_waitlist_offers(*, offers: list[WaitlistOffer]) -> list[Notification]:
    """Each waiting patient a freed time fits hears of it, in order of asking, with the link that books it."""
    drafts = []
    for offer in offers:
        entry = offer.entry
        facts = {"service": str(entry.service), "when": _when(offer.start), "area": str(entry.area)}
        drafts.append(
            Draft(
                user=entry.patient,
                email="waitlist_offer",
                title=_("A time opened for your %(service)s") % facts,
                message=_(
                    "%(service)s on %(when)s in %(area)s is free again. You asked to be told: book it while it "
                    "is still free."
                )
                % facts,
                notification_type=NotificationType.BOOKING,
                action_url=reverse("bookings:waitlist-offer", kwargs={"pk": offer.pk}),
                priority=Priority.HIGH,
                entity=("waitlist_offer", str(offer.pk)),
            )
        )
    return _deliver(drafts)


# --- Technicians, earnings, records ------------------------------------------------------------------------------


def notify_technician_registered(*, technician: Technician) -> list[Notification]:
    """Every admin is asked to check the new technician's credentials and verify them."""
    message = _("%(name)s (%(specialization)s) signed up and waits for verification.") % {
        "name": technician.user.get_full_name() or technician.user.email,
        "specialization": technician.get_specialization_display(),
    }
    return _deliver(
        _drafts_for(
            platform_admins(),
            email="technician_registered",
            title=_("A technician is waiting for verification"),
            message=message,
            notification_type=NotificationType.ACCOUNT,
            action_url=reverse("admin:technicians_technician_change", args=[technician.pk]),
            entity=("technician", str(technician.pk)),
        )
    )


def notify_technician_verified(*, technician: Technician) -> list[Notification]:
    return _deliver(
        [
            Draft(
                user=technician.user,
                email="technician_verified",
                title=_("Your account is verified"),
                message=_("You can now receive visit requests. Keep your weekly schedule and areas up to date."),
                notification_type=NotificationType.ACCOUNT,
                action_url=reverse("portal:dashboard"),
                entity=("technician", str(technician.pk)),
            )
        ]
    )


def notify_technician_suspended(*, technician: Technician) -> list[Notification]:
    return _deliver(
        [
            Draft(
                user=technician.user,
                email="technician_suspended",
                title=_("Your account is suspended"),
                message=_("You will not receive new visits for now. Please contact us if you have questions."),
                notification_type=NotificationType.ACCOUNT,
                action_url=reverse("contact"),
                priority=Priority.HIGH,
                entity=("technician", str(technician.pk)),
            )
        ]
    )


def notify_payout_recorded(*, payout: Payout) -> list[Notification]:
    """The technician hears how much moved and which way; the visits it settled are on the earnings page."""
    facts = {
        "amount": format_money(abs(payout.amount)),
        "method": payout.get_method_display(),
        "count": payout.earnings.count(),
    }
    if payout.to_technician:
        message = _("%(amount)s was paid to you by %(method)s, settling %(count)s visits.") % facts
    else:
        message = (
            _("%(amount)s you paid to the platform by %(method)s was received, settling %(count)s visits.") % facts
        )
    return _deliver(
        [
            Draft(
                user=payout.technician.user,
                email="payout_recorded",
                title=_("Payout recorded"),
                message=message,
                notification_type=NotificationType.PAYMENT,
                action_url=reverse("earnings:list"),
                entity=("payout", str(payout.pk)),
            )
        ]
    )


def _earning_draft(earning: TechnicianEarnings, *, email: str, title: str, message: str) -> Draft:
    return Draft(
        user=earning.technician.user,
        email=email,
        title=title,
        message=message % _facts(earning.booking),
        notification_type=NotificationType.PAYMENT,
        action_url=reverse("earnings:list"),
        entity=("earning", str(earning.pk)),
    )


def notify_earning_held(*, earning: TechnicianEarnings) -> list[Notification]:
    """The reason is typed by the office, so it stays on the earnings page, not in the e-mail."""
    return _deliver(
        [
            _earning_draft(
                earning,
                email="earning_held",
                title=_("An earning is on hold"),
                message=_(
                    "Your earning for %(service)s on %(when)s (%(reference)s) is on hold. "
                    "The reason is on your earnings page."
                ),
            )
        ]
    )


def notify_earning_released(*, earning: TechnicianEarnings) -> list[Notification]:
    return _deliver(
        [
            _earning_draft(
                earning,
                email="earning_released",
                title=_("An earning is released from hold"),
                message=_(
                    "Your earning for %(service)s on %(when)s (%(reference)s) is released from hold and counts "
                    "towards your next payout. The reason is on your earnings page."
                ),
            )
        ]
    )


def notify_record_added(*, record: HealthRecord) -> list[Notification]:
    """The patient is told a record exists, never what it says: reading it is the record page's job."""
    return _deliver(
        [
            Draft(
                user=record.user,
                email="record_added",
                title=_("A health record was added"),
                message=_("A new record from %(date)s is in your health records. Open it to read it.")
                % {"date": format_when(record.record_date, "date")},
                notification_type=NotificationType.RECORD,
                action_url=reverse("records:detail", kwargs={"pk": record.pk}),
                entity=("health_record", str(record.pk)),
            )
        ]
    )


def notify_vital_flagged(*, record: HealthRecord) -> list[Notification]:
    """Every admin is asked to look at the record. Neither the values nor the patient's name go in the
    notification: opening the record is a read that the audit log records."""
    message = _("A record from %(date)s has vitals outside the usual adult range. Please review it.") % {
        "date": format_when(record.record_date, "date")
    }
    return _deliver(
        _drafts_for(
            platform_admins(),
            email="vital_flagged",
            title=_("Vitals flagged on a health record"),
            message=message,
            notification_type=NotificationType.RECORD,
            action_url=reverse("admin:records_healthrecord_change", args=[record.pk]),
            priority=Priority.HIGH,
            entity=("health_record", str(record.pk)),
        )
    )


# --- Visit reminders ---------------------------------------------------------------------------------------------


def _due_kind(booking: Booking, now: datetime) -> ReminderKind | None:
    """The reminder a visit is due for now: the 2-hour one inside its last 2 hours, else the 24-hour one.

    Arithmetic on aware instants, so "24 hours before" is 24 real hours also across a clock change.
    """
    left = booking.scheduled_start - now
    if left <= timedelta(0):
        return None
    if left <= REMINDER_LEADS[ReminderKind.SOON]:
        return ReminderKind.SOON
    if left <= REMINDER_LEADS[ReminderKind.DAY_BEFORE]:
        return ReminderKind.DAY_BEFORE
    return None


def _reminder(booking: Booking, user: User, kind: ReminderKind) -> Draft:
    facts = _facts(booking)
    if kind == ReminderKind.SOON:
        title = _("Your visit starts at %(time)s") % facts
    else:
        title = _("Reminder: your visit on %(when)s") % facts
    if user == booking.user:
        message = _(
            "%(technician)s will visit you for %(service)s on %(when)s. Have the QR code on the booking page ready."
        )
        url = _patient_url(booking)
    else:
        message = _("%(service)s for %(patient)s on %(when)s in %(area)s (%(reference)s).")
        url = _technician_url(booking)
    return Draft(
        user=user,
        email="visit_reminder",
        title=title,
        message=message % facts,
        notification_type=NotificationType.REMINDER,
        action_url=url,
        entity=_booking_entity(booking),
    )


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Remind patient and technician of each confirmed visit 24 hours and 2 hours before; returns how many went out.

    Safe to run as often as wanted, also twice at once: the unique `SentReminder` row is written in
    the same transaction as the notification, so each reminder goes to each person at most once.
    A visit booked less than 2 hours ahead gets only the 2-hour reminder.
    """
    now = now or timezone.now()
    horizon = now + REMINDER_LEADS[ReminderKind.DAY_BEFORE]
    bookings = Booking.objects.filter(
        status=BookingStatus.CONFIRMED, scheduled_start__gt=now, scheduled_start__lte=horizon
    ).select_related("user", "technician__user", "service", "service_area")
    sent = set(SentReminder.objects.filter(booking__in=bookings).values_list("booking_id", "kind", "user_id"))
    count = 0
    for booking in bookings:
        kind = _due_kind(booking, now)
        if kind is None:
            continue
        people = [booking.user, booking.technician.user if booking.technician else None]
        for user in people:
            if user is None or not user.is_active or (booking.pk, kind.value, user.pk) in sent:
                continue
            try:
                with transaction.atomic():
                    SentReminder.objects.create(booking=booking, user=user, kind=kind, sent_at=now)
                    _deliver([_reminder(booking, user, kind)])
            except IntegrityError:
                # Another run sent this one in the meantime.
                continue
            count += 1
    return count


# --- Announcements -----------------------------------------------------------------------------------------------


def audience_users(audience: str) -> QuerySet[User]:
    roles = {
        Audience.PATIENTS: [UserRole.PATIENT],
        Audience.TECHNICIANS: [UserRole.TECHNICIAN],
        Audience.EVERYONE: list(UserRole),
    }[Audience(audience)]
    return User.objects.filter(is_active=True, role__in=roles)


@transaction.atomic
def notification_announce(*, audience: str, title: str, message: str, actor: User) -> int:
    """An administrator's announcement to patients, technicians or everyone; returns how many were told.

    Written `ANNOUNCE_CHUNK` recipients at a time, each chunk's e-mails queued as one task after the
    commit, so a large audience costs a few inserts and tasks rather than one per person.
    """
    if not (actor and actor.is_active_admin):
        raise PermissionDenied
    title, message = title.strip(), message.strip()
    if not title or not message:
        raise ValidationError(_("An announcement needs a title and a message."))
    recipients = audience_users(audience).order_by("pk").values_list("pk", flat=True)
    total = 0
    chunk: list[int] = []
    for user_id in recipients.iterator(chunk_size=ANNOUNCE_CHUNK):
        chunk.append(user_id)
        if len(chunk) == ANNOUNCE_CHUNK:
            total += _announce_to(chunk, title, message)
            chunk = []
    if chunk:
        total += _announce_to(chunk, title, message)
    audit_event(
        actor=actor,
        action="announce",
        entity=("notification", ""),
        description=_("Announcement to %(audience)s (%(count)s people): %(title)s")
        % {"audience": Audience(audience).label, "count": total, "title": title},
        new_values={"audience": audience, "title": title, "message": message, "recipients": total},
    )
    return total


def _announce_to(user_ids: list[int], title: str, message: str) -> int:
    notifications = Notification.objects.bulk_create(
        Notification(
            user_id=user_id,
            title=title[:200],
            message=message[:2000],
            notification_type=NotificationType.ANNOUNCEMENT,
            related_entity_type="announcement",
        )
        for user_id in user_ids
    )
    email_after_commit([n.pk for n in notifications], "announcement")
    return len(notifications)


# --- Inbox -------------------------------------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification, now: datetime | None = None) -> Notification:
    if not notification.is_read:
        notification.is_read = True
        notification.read_at = now or timezone.now()
        notification.save(update_fields=["is_read", "read_at"])
    return notification


def notifications_mark_all_read(*, user: User, now: datetime | None = None) -> int:
    return Notification.objects.filter(user=user, is_read=False).update(is_read=True, read_at=now or timezone.now())


@transaction.atomic
def email_preferences_save(*, user: User, choices: dict[str, bool]) -> None:
    """Store the user's e-mail choice for each kind given (in-app notifications are not affected)."""
    for kind, enabled in choices.items():
        EmailPreference.objects.update_or_create(
            user=user, notification_type=NotificationType(kind), defaults={"email_enabled": enabled}
        )


# --- Break-glass summary -----------------------------------------------------------------------------------------

#: How many reads the summary lists one by one; the rest are counted, and the audit log has them all.
BREAK_GLASS_LISTED = 20


def _break_glass_line(access) -> str:
    patient = access.record.user
    return _("%(when)s: %(reader)s opened the record of %(patient)s (%(kind)s). Reason: %(reason)s") % {
        "when": _when(access.created_at),
        "reader": access.reader_name,
        "patient": patient.get_full_name() or patient.email,
        "kind": access.get_kind_display().lower(),
        "reason": access.reason_given,
    }


def notify_break_glass_summary(*, now: datetime | None = None, since: datetime | None = None) -> int:
    """Every active administrator gets the administrators' reads of health records of the days before
    today (local time) from `since` (by default: yesterday), each with who read whose record, when,
    and the reason they gave (`records.break_glass`); nothing when there were none. How many
    administrators were told.

    The reason is typed by an administrator, which this module otherwise keeps out of notifications:
    here it is the point, it goes to administrators only, and the reason page asks for no health
    details. Nothing of the record itself is in it. The link leads to the audit log's reads.
    """
    now = now or timezone.now()
    until = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    reads = list(break_glass_reads(since=since or until - timedelta(days=1), until=until))
    if not reads:
        return 0
    lines = [_break_glass_line(access) for access in reads[:BREAK_GLASS_LISTED]]
    if len(reads) > BREAK_GLASS_LISTED:
        lines.append(_("And %(count)d more in the audit log.") % {"count": len(reads) - BREAK_GLASS_LISTED})
    message = "\n".join(lines)
    if len(message) > 2000:
        message = message[:1999] + "…"
    notifications = _deliver(
        _drafts_for(
            platform_admins(),
            email="break_glass_summary",
            title=_("Health records opened by administrators: %(count)d") % {"count": len(reads)},
            message=message,
            notification_type=NotificationType.SYSTEM,
            action_url=reverse("admin:homecure_adminlog_changelist") + "?action=health_record_read",
        )
    )
    return len(notifications)
