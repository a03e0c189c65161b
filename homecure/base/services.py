"""Writes on the site-wide models that matter beyond one form, each audited here."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from homecure.base.audit import audit_batch, audit_event
from homecure.base.system_settings import SETTINGS
from homecure.models import Contact, SystemSettings

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User


def contact_create(*, name: str, email: str, phone: str, subject: str, message: str, ip_address: str | None) -> Contact:
    """Keep a message sent through the public contact form, with the sender's address (which bounds
    how many messages an address may send)."""
    return Contact.objects.create(
        name=name, email=email, phone=phone, subject=subject, message=message, ip_address=ip_address
    )


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


def system_setting_change(*, key: str, value: str, actor: User | None) -> SystemSettings:
    """Set a declared setting to `value` (text as typed), stored in its declared form ("TRUE" as "true").

    Raises ValidationError when the key is not declared or may not be changed, or the value is not
    of the setting's type and range; setting the value it already has changes and logs nothing.
    """
    spec = SETTINGS.get(key)
    if spec is None:
        raise ValidationError(_("This key is not declared by the platform; its value is not used."))
    stored = spec.serialize(spec.parse(value))
    # Settings rows are logged on every save, an actor or not: in one batch, that change and the
    # named event are one entry.
    with audit_batch():
        setting = SystemSettings.objects.select_for_update().get(key=key)
        if not (spec.is_editable and setting.is_editable):
            raise ValidationError(_("This setting is fixed and cannot be changed."))
        previous = setting.value
        if previous == stored:
            return setting
        setting.value = stored
        setting.save(update_fields=["value", "updated_at"])
        audit_event(
            actor=actor,
            action="setting_changed",
            entity=setting,
            description=_("Changed setting %(key)s from %(previous)s to %(new)s.")
            % {"key": key, "previous": previous, "new": stored},
            previous_values={"value": previous},
            new_values={"value": stored},
        )
    return setting
