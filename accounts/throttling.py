"""How log-in attempts are counted and refused (django-axes, configured in settings).

Failures are counted per account (the e-mail address as typed, whatever its case, whether or not
an account has it) and per client address, so guessing one password stops as surely as trying
one password on many accounts. An administrator unlocks early from the back office.
"""

from django.conf import settings
from django.shortcuts import render

from homecure.base.audit import client_ip


def attempt_username(request, credentials=None) -> str:
    """The address a failure counts against: the same for "Ann@Example.com" and "ann@example.com"."""
    field = settings.AXES_USERNAME_FORM_FIELD
    typed = (credentials or {}).get(field) or request.POST.get(field, "")
    return str(typed).strip().lower()


def attempt_ip(request) -> str:
    # The same client address as the audit log, so X-Forwarded-For counts only from trusted proxies.
    return client_ip(request) or ""


def locked_out(request, credentials=None, *args, **kwargs):
    """The answer to a log-in attempt while the account or address is locked."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
