"""Reads of notifications, always scoped to their recipient."""

import functools

from django.db import connection
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404

from accounts.models import User
from homecure.base.page_cache import Source, table_of
from notifications.models import EmailPreference, Notification, Priority

#: The badge stops counting here ("99+"), so a user with thousands unread costs no more than one with 100.
BADGE_LIMIT = 100


@functools.cache
def _unread_count_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    table = quote(Notification._meta.db_table)
    user_id = quote(Notification._meta.get_field("user").column)
    is_read = quote(Notification._meta.get_field("is_read").column)
    # Only the model's own names go into the text; the values are parameters.
    return f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {user_id} = %s AND {is_read} = %s LIMIT %s) AS u"  # noqa: S608


def unread_count(user: User) -> int:
    """Unread notifications of `user`, counted up to BADGE_LIMIT in one query on `notif_inbox_idx`.

    Written out in SQL: it runs on every page a logged-in person opens, and building the same query
    through the ORM (a sliced count) cost several times the query itself.
    """
    with connection.cursor() as cursor:
        cursor.execute(_unread_count_sql(connection.vendor), [user.pk, False, BADGE_LIMIT])
        return cursor.fetchone()[0]


def badge_sources(sender, request, **kwargs) -> list[Source]:
    """What the navigation bar shows of notifications on every kept page (`homecure.base.page_cache`):
    the unread count as the badge shows it."""
    return [Source(_unread_count_sql(connection.vendor), (request.user.pk, False, BADGE_LIMIT))]


def inbox_sources(user: User) -> list[Source]:
    """What the inbox shows: the user's notifications. A notification is only ever added (unread,
    with a higher id than any before it) or marked read, never unread again, and never removed but
    with its account; so the highest id and the unread count change with every change, and each
    is read from an index (`notif_user_newest_idx`, `notif_inbox_idx`) whatever the inbox's size."""
    table = table_of(Notification)
    return [
        Source(f"SELECT COALESCE(MAX(id), 0) FROM {table} WHERE user_id = %s", (user.pk,)),  # noqa: S608
        Source(f"SELECT COUNT(*) FROM {table} WHERE user_id = %s AND is_read = %s", (user.pk, False)),  # noqa: S608
    ]


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
