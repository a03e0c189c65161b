"""Session limits and caching rules for logged-in pages.

A session ends after `SESSION_IDLE_TIMEOUT` seconds without a request (`SESSION_IDLE_TIMEOUT_ADMIN`
for administrators, whose sessions reach everything) and `SESSION_ABSOLUTE_TIMEOUT` seconds after
log-in whatever the activity. Every response to a logged-in user carries `Cache-Control: no-store`
unless the view chose its own caching: those pages show personal or health data that must not stay
in a shared or back-button cache.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

STARTED_KEY = "_security_started"
LAST_SEEN_KEY = "_security_last_seen"
# The last-seen time is written at most this often, so a burst of requests does not save the
# session on every one of them; the idle limit is then exact to within this many seconds.
LAST_SEEN_RESOLUTION = 60


def mark_session_start(sender, request, user, **kwargs):
    """Receiver of `user_logged_in`: the session's clocks start at log-in, whatever the session held before."""
    now = int(time.time())
    request.session[STARTED_KEY] = request.session[LAST_SEEN_KEY] = now


def idle_limit(user) -> int:
    if getattr(user, "is_platform_admin", False) or user.is_staff:
        return settings.SESSION_IDLE_TIMEOUT_ADMIN
    return settings.SESSION_IDLE_TIMEOUT


class SessionSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            expired = self._expired(request)
            if expired:
                logout(request)
                messages.info(request, expired)
                return self._no_store(redirect_to_login(request.get_full_path()))
        response = self.get_response(request)
        # A view that chose its own caching for a logged-in user (a photo cached privately for
        # an hour) keeps it; every other answer to a logged-in user is not stored anywhere.
        if request.user.is_authenticated and not response.has_header("Cache-Control"):
            self._no_store(response)
        return response

    def _expired(self, request) -> str:
        """The reason the session has ended, or "" while it is still valid (then its clock is updated)."""
        session = request.session
        now = int(time.time())
        started = session.get(STARTED_KEY)
        last_seen = session.get(LAST_SEEN_KEY)
        if started is None or last_seen is None:
            session[STARTED_KEY] = session[LAST_SEEN_KEY] = now
            return ""
        if now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
            return _("For your security you were logged out %(hours)d hours after logging in. Please log in again.") % {
                "hours": settings.SESSION_ABSOLUTE_TIMEOUT // 3600
            }
        limit = idle_limit(request.user)
        if now - last_seen > limit:
            return _("For your security you were logged out after %(minutes)d minutes without activity.") % {
                "minutes": limit // 60
            }
        if now - last_seen >= LAST_SEEN_RESOLUTION:
            session[LAST_SEEN_KEY] = now
        return ""

    @staticmethod
    def _no_store(response):
        patch_cache_control(response, no_store=True, private=True)
        return response
