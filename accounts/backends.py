from django.contrib.auth.backends import ModelBackend

from accounts.user_cache import cached_user, keep_user, take_offered_user


class CachedModelBackend(ModelBackend):
    """Django's `ModelBackend`, reading the logged-in account from the cache (`accounts.user_cache`).

    The session is still checked on every request as Django does it: the account must be active
    and the session's hash must match the account's password. The account usually arrives with
    the session, read from the cache in the same round trip (`accounts.sessions`).
    """

    def get_user(self, user_id):
        user = take_offered_user(user_id) or cached_user(user_id)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                keep_user(user)
        return user if user is not None and self.user_can_authenticate(user) else None
