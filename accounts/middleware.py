"""Session limits and caching rules for logged-in pages.

A session ends after `SESSION_IDLE_TIMEOUT` seconds without a request (`SESSION_IDLE_TIMEOUT_ADMIN`
for administrators, whose sessions reach everything) and `SESSION_ABSOLUTE_TIMEOUT` seconds after
log-in whatever the activity. Every response to a logged-in user carries `Cache-Control: no-store`
unless the view chose its own caching: those pages show personal or health data that must not stay
in a shared or back-button cache.
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext as _

from accounts.two_factor import has_second_factor

STARTED_KEY = "_security_started"
LAST_SEEN_KEY = "_security_last_seen"
# The last-seen time is written at most this often, so a burst of requests does not save the
# session on every one of them; the idle limit is then exact to within this many seconds.
LAST_SEEN_RESOLUTION = 60


def mark_session_start(sender, request, user, **kwargs):
    """Receiver of `user_logged_in`: the session's clocks start at log-in, whatever the session held before."""
    now = int(time.time())
    request.session[STARTED_KEY] = request.session[LAST_SEEN_KEY] = now


def resolved_user(user):
    """The account behind `request.user`'s lazy wrappers (Django's, then django-otp's around it).

    Every request here reads the account anyway (the session's clocks depend on it), so nothing is
    saved by keeping it lazy, and each attribute read through two wrappers costs two failed lookups.
    """
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


def idle_limit(user) -> int:
    if getattr(user, "is_platform_admin", False) or user.is_staff:
        return settings.SESSION_IDLE_TIMEOUT_ADMIN
    return settings.SESSION_IDLE_TIMEOUT


class SessionSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = resolved_user(request.user)
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


#: Session flag set at log-in for a user who has a second factor without having to (a technician
#: who enrolled of their own accord), so the middleware knows without a query on every request.
SECOND_FACTOR_OWED_KEY = "_second_factor_owed"
#: The pages a user who owes a second factor may open: giving it, enrolling, and leaving.
SECOND_FACTOR_PAGES = frozenset(
    {
        "accounts:two-factor-verify",
        "accounts:two-factor",
        "accounts:two-factor-codes",
        "accounts:logout",
        "admin:logout",
    }
)


def note_second_factor(sender, request, user, **kwargs):
    """Receiver of `user_logged_in`: remember whether this log-in still owes a second factor."""
    if getattr(user, "may_use_second_factor", False) and not user.must_use_second_factor:
        request.session[SECOND_FACTOR_OWED_KEY] = has_second_factor(user)


def owes_second_factor(request) -> bool:
    """The logged-in user must still give their second factor (or enrol one) in this session."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    return user.must_use_second_factor or bool(request.session.get(SECOND_FACTOR_OWED_KEY))


def redirect_to_second_factor(request):
    """To the code page (which sends a user without a device on to enrolment), coming back here after."""
    target = reverse("accounts:two-factor-verify")
    if request.method == "GET":
        target += "?" + urlencode({"next": request.get_full_path()})
    return redirect(target)


class SecondFactorMiddleware:
    """After the password, a user who owes a second factor reaches nothing but its pages: the code
    page, enrolment (an administrator, or a technician required to, without a device yet) and log-out.
    The back office checks it again itself (homecure.site.admin_site.BackOfficeSite.has_permission)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match.view_name in SECOND_FACTOR_PAGES or not owes_second_factor(request):
            return None
        response = redirect_to_second_factor(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
