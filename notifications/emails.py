"""E-mails that go with notifications: who gets one, and the message itself.

Each kind of e-mail has three templates in templates/emails/<name>/: subject.txt, body.txt and
body.html. They see only the notification (title, message, link) and the recipient, so an e-mail
can never show more than the in-app notification does, and that holds no health data. Links are
absolute, built from SITE_URL: the worker sending them has no request to take a host from.
"""

from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation

from bookings.calendar import invitation
from bookings.models import Booking
from homecure.base.system_settings import get_setting
from notifications.models import EmailPreference, Notification

#: The e-mails about a visit confirmed, moved or cancelled (for their recipient): each carries the
#: visit as an iCalendar invitation (`bookings.calendar.invitation`), REQUEST or CANCEL.
CALENDAR_EMAILS = frozenset(
    {
        "booking_confirmed",
        "booking_confirmed_technician",
        "booking_rescheduled",
        "booking_cancelled",
        "booking_reassigned",
    }
)


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def deliverable(notification_ids: list[int]) -> list[Notification]:
    """The notifications among these whose recipient should get an e-mail now.

    None while `email_notifications_enabled` is off; otherwise those of active users who have not
    turned e-mail off for that kind. Checked when the e-mail is sent, not when it was queued, so a
    switch turned off in between is obeyed.
    """
    if not get_setting("email_notifications_enabled"):
        return []
    notifications = list(
        Notification.objects.filter(pk__in=notification_ids, user__is_active=True).select_related("user").order_by("pk")
    )
    muted = set(
        EmailPreference.objects.filter(
            user_id__in={notification.user_id for notification in notifications}, email_enabled=False
        ).values_list("user_id", "notification_type")
    )
    return [n for n in notifications if (n.user_id, n.notification_type) not in muted]


def _render_text(template_name: str, context: dict) -> str:
    # Plain text is not HTML: "&" must stay "&", so these render without auto-escaping.
    return get_template(template_name).template.render(Context(context, autoescape=False))


def build_email(notification: Notification, template: str) -> EmailMultiAlternatives:
    inbox = absolute(reverse("notifications:list"))
    action_url = notification.safe_action_url
    context = {
        "notification": notification,
        "user": notification.user,
        "action_link": absolute(action_url) if action_url else inbox,
        "inbox_link": inbox,
        "preferences_link": absolute(reverse("notifications:preferences")),
        "site_url": settings.SITE_URL,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(_render_text(f"emails/{template}/subject.txt", context).split())
        text = _render_text(f"emails/{template}/body.txt", context)
        html = render_to_string(f"emails/{template}/body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[notification.user.email])
    message.attach_alternative(html, "text/html")
    _attach_invitation(message, notification, template)
    return message


def _attach_invitation(message: EmailMultiAlternatives, notification: Notification, template: str) -> None:
    """The visit as an .ics attachment, for the e-mails of `CALENDAR_EMAILS` (when the visit still exists)."""
    if template not in CALENDAR_EMAILS or notification.related_entity_type != "booking":
        return
    booking = (
        Booking.objects.select_related("service", "technician").filter(reference=notification.related_entity_id).first()
    )
    if booking is None:
        return
    method, ics = invitation(booking, recipient=notification.user)
    part = MIMEText(ics.decode(), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=f"{booking.reference}.ics")
    message.attach(part)
