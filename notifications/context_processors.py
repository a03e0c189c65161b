from django.utils.functional import SimpleLazyObject

from notifications.selectors import unread_count


def unread_notifications(request):
    """`unread_notifications`: the user's unread count for the navbar badge.

    Lazy, so a page that never shows the navbar runs no query, and one that does runs exactly one.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
