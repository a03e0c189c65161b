"""Writes on the site-wide models that matter beyond one form, each audited here."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from homecure.base.audit import audit_event
from homecure.models import Contact

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User


@transaction.atomic
def contact_mark_handled(*, message: Contact, actor: User | None, now: datetime | None = None) -> Contact:
    """Mark a contact message answered; marking it again keeps the first time."""
    message = Contact.objects.select_for_update().get(pk=message.pk)
    if message.is_handled:
        return message
    message.is_handled = True
    message.handled_at = now or timezone.now()
    message.save(update_fields=["is_handled", "handled_at"])
    audit_event(
        actor=actor,
        action="contact_handled",
        entity=message,
        description=_("Marked the contact message “%(message)s” handled.") % {"message": message},
        previous_values={"is_handled": False, "handled_at": None},
        new_values={"is_handled": True, "handled_at": message.handled_at.isoformat()},
    )
    return message


@transaction.atomic
def contact_reopen(*, message: Contact, actor: User | None) -> Contact:
    """Put a message marked handled by mistake back among the unanswered ones."""
    message = Contact.objects.select_for_update().get(pk=message.pk)
    if not message.is_handled:
        return message
    handled_at = message.handled_at
    message.is_handled = False
    message.handled_at = None
    message.save(update_fields=["is_handled", "handled_at"])
    audit_event(
        actor=actor,
        action="contact_reopened",
        entity=message,
        description=_("Marked the contact message “%(message)s” not handled.") % {"message": message},
        previous_values={"is_handled": True, "handled_at": handled_at.isoformat() if handled_at else None},
        new_values={"is_handled": False, "handled_at": None},
    )
    return message
