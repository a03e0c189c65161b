"""Writes on the site-wide models that matter beyond one form."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from homecure.models import Contact


@transaction.atomic
def contact_mark_handled(*, message: Contact, now: datetime | None = None) -> Contact:
    """Mark a contact message answered; marking it again keeps the first time."""
    message = Contact.objects.select_for_update().get(pk=message.pk)
    if message.is_handled:
        return message
    message.is_handled = True
    message.handled_at = now or timezone.now()
    message.save(update_fields=["is_handled", "handled_at"])
    return message
