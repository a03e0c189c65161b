"""Thin receivers of the other apps' domain signals: each one calls a notifications service.

They run inside the sender's transaction, so the notifications commit or roll back with the change;
the e-mails are queued for after the commit by the services. The last one answers
`personal_data_requested` with the user's notifications, e-mail choices and visit reminders.
"""

from collections.abc import Iterator
from functools import partial

from django.db.models import Q

from accounts.models import User
from accounts.personal_data import CHUNK_SIZE, PersonalData, Row, Section, fields_of, json_value
from notifications import services
from notifications.models import EmailPreference, Notification, SentReminder


def booking_requested(sender, booking, **kwargs):
    services.notify_booking_requested(booking=booking)


def booking_accepted(sender, booking, actor=None, **kwargs):
    services.notify_booking_accepted(booking=booking, actor=actor)


def booking_declined(sender, booking, unassigned=False, previous_status=None, **kwargs):
    services.notify_booking_declined(booking=booking, unassigned=unassigned, previous_status=previous_status)


def booking_assigned(sender, booking, previous_technician=None, previous_status=None, **kwargs):
    services.notify_booking_assigned(
        booking=booking, previous_technician=previous_technician, previous_status=previous_status
    )


def booking_checked_in(sender, booking, **kwargs):
    services.notify_booking_checked_in(booking=booking)


def booking_completed(sender, booking, **kwargs):
    services.notify_booking_completed(booking=booking)


def booking_cancelled(sender, booking, actor=None, refunded=False, no_show=False, **kwargs):
    services.notify_booking_cancelled(booking=booking, actor=actor, refunded=refunded, no_show=no_show)


def booking_offer_expired(sender, booking, technician, escalated=False, **kwargs):
    services.notify_offer_expired(booking=booking, technician=technician, escalated=escalated)


def booking_escalated(sender, booking, too_close=False, **kwargs):
    services.notify_booking_escalated(booking=booking, too_close=too_close)


def booking_not_attended(sender, booking, **kwargs):
    services.notify_booking_not_attended(booking=booking)


def booking_lapsed(sender, booking, previous_status, refunded=False, technician=None, **kwargs):
    services.notify_booking_lapsed(
        booking=booking, refunded=refunded, previous_status=previous_status, technician=technician
    )


def booking_rescheduled(sender, booking, previous_start, previous_status, previous_technician=None, **kwargs):
    services.notify_booking_rescheduled(
        booking=booking,
        previous_start=previous_start,
        previous_status=previous_status,
        previous_technician=previous_technician,
    )


def waitlist_time_offered(sender, offers, **kwargs):
    services.notify_waitlist_offers(offers=offers)


def booking_paid(sender, booking, **kwargs):
    services.notify_booking_paid(booking=booking)


def booking_refunded(sender, booking, payment, **kwargs):
    services.notify_booking_refunded(booking=booking, payment=payment)


def booking_reviewed(sender, booking, **kwargs):
    services.notify_booking_reviewed(booking=booking)


def technician_registered(sender, technician, **kwargs):
    services.notify_technician_registered(technician=technician)


def technician_verified(sender, technician, **kwargs):
    services.notify_technician_verified(technician=technician)


def technician_suspended(sender, technician, **kwargs):
    services.notify_technician_suspended(technician=technician)


def payout_recorded(sender, payout, **kwargs):
    services.notify_payout_recorded(payout=payout)


def earning_held(sender, earning, **kwargs):
    services.notify_earning_held(earning=earning)


def earning_released(sender, earning, **kwargs):
    services.notify_earning_released(earning=earning)


def health_record_added(sender, record, **kwargs):
    services.notify_record_added(record=record)


def vital_flagged(sender, record, **kwargs):
    services.notify_vital_flagged(record=record)


# --- the user's data download ---------------------------------------------------------------


def _notifications(user: User) -> Iterator[Row]:
    names = (
        "id",
        "title",
        "message",
        "notification_type",
        "priority",
        "is_read",
        "read_at",
        "action_url",
        "created_at",
    )
    items = Notification.objects.filter(user=user).order_by("created_at", "pk")
    return (fields_of(item, names) for item in items.iterator(chunk_size=CHUNK_SIZE))


def _email_preferences(user: User) -> Iterator[Row]:
    names = ("id", "notification_type", "email_enabled")
    items = EmailPreference.objects.filter(user=user).order_by("pk")
    return (fields_of(item, names) for item in items.iterator(chunk_size=CHUNK_SIZE))


def _visit_reminders(user: User) -> Iterator[Row]:
    """Reminders of the patient's visits, to them and to their technician."""
    reminders = (
        SentReminder.objects.filter(Q(user=user) | Q(booking__user=user))
        .select_related("booking")
        .order_by("sent_at", "pk")
    )
    return (
        {
            "id": item.pk,
            "visit": item.booking.reference,
            "kind": item.kind,
            "to": "patient" if item.user_id == user.pk else "technician",
            "sent_at": json_value(item.sent_at),
        }
        for item in reminders.iterator(chunk_size=CHUNK_SIZE)
    )


def personal_data_requested(sender, user, **kwargs) -> PersonalData:
    return PersonalData(
        sections=(
            Section(
                key="notifications",
                position=40,
                read=partial(_notifications, user),
                models={"notifications.notification": "notifications"},
            ),
            Section(
                key="email_preferences",
                position=50,
                read=partial(_email_preferences, user),
                models={"notifications.emailpreference": "email_preferences"},
            ),
            Section(
                key="visit_reminders",
                position=60,
                read=partial(_visit_reminders, user),
                models={"notifications.sentreminder": "visit_reminders"},
            ),
        )
    )
