"""Reads of notifications, always scoped to their recipient."""

from django.shortcuts import get_object_or_404

from accounts.models import User
from notifications.models import EmailPreference, Notification

#: The badge stops counting here ("99+"), so a user with thousands unread costs no more than one with 100.
BADGE_LIMIT = 100


def unread_count(user: User) -> int:
    """Unread notifications of `user`, counted up to BADGE_LIMIT in one indexed query."""
    return Notification.objects.filter(user=user, is_read=False)[:BADGE_LIMIT].count()


def notifications_for(user: User):
    """The user's inbox: unread first, then newest first."""
    return Notification.objects.filter(user=user).order_by("is_read", "-created_at", "-pk")


def get_notification_for_user(user: User, pk: int) -> Notification:
    """The user's own notification, or 404: another user's notification does not exist for them."""
    return get_object_or_404(Notification, pk=pk, user=user)


def email_choices(user: User) -> dict[str, bool]:
    """The kinds the user changed from the default (e-mail on), as {kind: send e-mail?}."""
    return dict(EmailPreference.objects.filter(user=user).values_list("notification_type", "email_enabled"))
