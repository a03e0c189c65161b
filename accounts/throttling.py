"""How log-in attempts are counted and paused (django-axes, configured in settings).

Failures are counted per pair of account and client: the e-mail address as typed (whatever its
case, whether or not an account has it) together with the client address. Five wrong passwords
from one client therefore pause that client's log-in to that account, and nobody else's: a
stranger cannot lock the owner, or an administrator, out from elsewhere. The pause grows with each
further failure (`LOGIN_PAUSE_FIRST`, doubled each time up to `LOGIN_PAUSE_MAX`): after it ends
one more password is tried, and a wrong one pauses twice as long. Failures are remembered for
`AXES_COOLOFF_TIME` after the last one; a successful log-in or a new password clears them, and an
administrator unlocks early from the back office.

django-axes locks a pair once its failures reach the failure limit; `failure_limit` is that limit
for each request: `LOGIN_FAILURES_BEFORE_PAUSE` at first, then the failures so far while the pause
lasts (paused) and one more once it has ended (one more try).
"""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

from homecure.base.audit import client_ip


def attempt_username(request, credentials=None) -> str:
    """The address a failure counts against: the same for "Ann@Example.com" and "ann@example.com"."""
    field = settings.AXES_USERNAME_FORM_FIELD
    typed = (credentials or {}).get(field) or request.POST.get(field, "")
    return str(typed).strip().lower()


def attempt_ip(request) -> str:
    # The same client address as the audit log, so X-Forwarded-For counts only from trusted proxies.
    return client_ip(request) or ""


def pause_after(failures: int) -> timedelta:
    """How long log-in waits after `failures` failures of one pair (none below the limit)."""
    extra = failures - settings.LOGIN_FAILURES_BEFORE_PAUSE
    if extra < 0:
        return timedelta(0)
    return min(settings.LOGIN_PAUSE_FIRST * 2 ** min(extra, 20), settings.LOGIN_PAUSE_MAX)


def _failures(request, credentials=None) -> tuple[int, object]:
    """The pair's failures still remembered, and when the last one was."""
    remembered = AccessAttempt.objects.filter(
        username=attempt_username(request, credentials),
        ip_address=attempt_ip(request),
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
    ).aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    return remembered["failures"] or 0, remembered["last"]


def _pause_left(request, credentials=None) -> timedelta:
    failures, last = _failures(request, credentials)
    if last is None:
        return timedelta(0)
    return max(last + pause_after(failures) - timezone.now(), timedelta(0))


def failure_limit(request, credentials=None) -> int:
    """django-axes' failure limit for this request's pair (see the module's docstring)."""
    failures, _last = _failures(request, credentials)
    if failures < settings.LOGIN_FAILURES_BEFORE_PAUSE:
        return settings.LOGIN_FAILURES_BEFORE_PAUSE
    return failures if _pause_left(request, credentials) else failures + 1


def locked_out(request, credentials=None, *args, **kwargs):
    """The answer to a log-in attempt while its pair is paused: how long is left, in minutes."""
    left = _pause_left(request, credentials)
    minutes = max(1, -(-int(left.total_seconds()) // 60))
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
