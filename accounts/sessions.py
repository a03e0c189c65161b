"""Sessions in the database and the cache, read with their account in one cache round trip.

Django's `cached_db` sessions, with one change to how a session is read. Every request of a
logged-in person reads the session and then the account it names (`accounts.user_cache`): two
round trips to the cache, one after the other. A session's account never changes (logging in
gives the session a new key, logging out empties it), so each process remembers which account
each session key it has seen belongs to, and next time asks the cache for both at once. What
comes back is only used if the session still names that account; the account is then handed to
the authentication backend of the same request (`offer_user`), which checks it as it checks any
account (active, and the session's hash matching its password). Nothing is kept but the pairing
of key and account: the session and the account are read fresh from the cache on every request.
"""

import threading

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

from accounts.user_cache import offer_user, user_cache_key

#: The most session keys a process remembers the account of (the oldest are forgotten first).
REMEMBERED_SESSIONS = 10_000
_account_of_session: dict[str, str] = {}
_lock = threading.Lock()


def _remember(session_key: str, user_pk: str | None) -> None:
    if _account_of_session.get(session_key) == user_pk:
        return
    with _lock:
        if user_pk is None:
            _account_of_session.pop(session_key, None)
            return
        if len(_account_of_session) >= REMEMBERED_SESSIONS:
            del _account_of_session[next(iter(_account_of_session))]
        _account_of_session[session_key] = user_pk


class SessionStore(CachedDBStore):
    def load(self):
        user_pk = _account_of_session.get(self.session_key)
        data = user = None
        if user_pk is not None:
            try:
                found = self._cache.get_many([self.cache_key, user_cache_key(user_pk)])
            except Exception:
                # As Django's own: a backend that refuses the key (memcached) resets the session.
                found = {}
            data = found.get(self.cache_key)
            user = found.get(user_cache_key(user_pk))
        if data is None:
            data = super().load()
        session_user = data.get(SESSION_KEY)
        offer_user(user_pk, user if session_user is not None and str(session_user) == user_pk else None)
        _remember(self.session_key, None if session_user is None else str(session_user))
        return data
