"""Break-glass access: an administrator states why before a patient's record opens.

Administrators may read any record (`selectors.reader_reason`), but none is theirs to care for:
before the record page, its printable version, one of its documents, its correction form or its
back-office page shows anything, they say why (`records:reason`). The reason opens that record,
and only that record, for `GRANT_MINUTES` in their session; every read in that time keeps it in the
read row and its audit entry (`services.record_log_read`), the patient sees it on "who viewed my
records", and every administrator gets the previous day's reasons in a daily summary.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

#: How long one stated reason keeps a record open for the administrator who gave it.
GRANT_MINUTES = 15
#: Where the grants live in the session: {record pk: [open until (ISO), reason]}.
SESSION_KEY = "break_glass"


def reason_for(session, record_pk: int, *, now: datetime | None = None) -> str:
    """The reason the session's administrator gave for `record_pk`, or "" when none is open now."""
    grant = session.get(SESSION_KEY, {}).get(str(record_pk))
    if not grant:
        return ""
    until, reason = grant
    if datetime.fromisoformat(until) <= (now or timezone.now()):
        return ""
    return reason


def grant(session, record_pk: int, reason: str, *, now: datetime | None = None) -> None:
    """Open `record_pk` for the session's administrator with `reason`, dropping grants that ended."""
    now = now or timezone.now()
    grants = {pk: value for pk, value in session.get(SESSION_KEY, {}).items() if datetime.fromisoformat(value[0]) > now}
    grants[str(record_pk)] = [(now + timedelta(minutes=GRANT_MINUTES)).isoformat(), reason]
    session[SESSION_KEY] = grants


def reason_url(record_pk: int, next_url: str) -> str:
    """The page where an administrator says why they open record `record_pk`, then goes on to `next_url`."""
    return reverse("records:reason", args=[record_pk]) + "?" + urlencode({"next": next_url})
