"""The logged-in account, kept in the cache so a request need not read it from the database.

Every request of a logged-in person needs their account (the session names only its id). It is
kept in the cache for `USER_CACHE_SECONDS` under a key of its id and dropped on every change to it:
`save()` and `delete()` (the receivers connected in `AccountsConfig.ready`), `update()`,
`bulk_update()` and `delete()` on a query of users (`UserQuerySet`). Each drop happens at once and
again when the change is committed, so a request that read the old row while the change was still
uncommitted cannot leave it in the cache after the commit; the expiry bounds anything else.
"""

import threading
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

#: How long an account stays in the cache at most (it is dropped at once whenever it changes).
USER_CACHE_SECONDS = 5 * 60
_KEY = "accounts:user:v1:{}"


def user_cache_key(pk) -> str:
    return _KEY.format(pk)


def cached_user(pk):
    return cache.get(user_cache_key(pk))


def keep_user(user) -> None:
    cache.set(user_cache_key(user.pk), user, USER_CACHE_SECONDS)


# The account read from the cache together with the session (`accounts.sessions`), waiting for
# the authentication backend of the same request; per thread, as requests are.
_offered = threading.local()


def offer_user(pk, user) -> None:
    """Hand the account just read from the cache with the session to this request's `get_user`."""
    _offered.user = (str(pk), user) if pk is not None and user is not None else None


def take_offered_user(pk):
    """The account offered by this request's session load if it is account `pk` (once), else None."""
    offered = getattr(_offered, "user", None)
    _offered.user = None
    if offered is not None and offered[0] == str(pk):
        return offered[1]
    return None


def forget_users(pks: Iterable) -> None:
    """Drop these accounts from the cache now and once more when the current transaction commits."""
    # An account offered to this request was read before the change: it is not handed out.
    _offered.user = None
    keys = [user_cache_key(pk) for pk in pks if pk is not None]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def forget_saved_user(sender, instance, **kwargs):
    """Receiver of `post_save` and `post_delete` for the user model."""
    forget_users([instance.pk])
