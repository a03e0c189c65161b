"""Reads of notifications, always scoped to their recipient."""

from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404

from accounts.models import User
from notifications.models import EmailPreference, Notification, Priority

#: The badge stops counting here ("99+"), so a user with thousands unread costs no more than one with 100.
BADGE_LIMIT = 100


def unread_count(user: User) -> int:
    """Unread notifications of `user`, counted up to BADGE_LIMIT in one indexed query."""
    return Notification.objects.filter(user=user, is_read=False)[:BADGE_LIMIT].count()


def notifications_for(user: User):
    """The user's inbox: unread high-priority alerts first, then the other unread, then the read
    ones; newest first within each. A read alert has been seen, so it falls back among the read."""
    urgent_first = Case(
        When(is_read=False, priority=Priority.HIGH, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return Notification.objects.filter(user=user).order_by("is_read", urgent_first, "-created_at", "-pk")


def get_notification_for_user(user: User, pk: int) -> Notification:
    """The user's own notification, or 404: another user's notification does not exist for them."""
    return get_object_or_404(Notification, pk=pk, user=user)


def email_choices(user: User) -> dict[str, bool]:
    """The kinds the user changed from the default (e-mail on), as {kind: send e-mail?}."""
    return dict(EmailPreference.objects.filter(user=user).values_list("notification_type", "email_enabled"))
