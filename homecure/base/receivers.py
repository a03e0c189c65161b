"""Receivers of the homecure app: the settings cache, and the audit log (see `homecure.base.audit`).

`connect_audit_receivers()` is called once from `HomecureConfig.ready()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from homecure.base import audit
from homecure.base.system_settings import clear_settings_cache
from homecure.models import SystemSettings

if TYPE_CHECKING:
    from django.db import models

# The apps whose models are HomeCure's own (Django's and third-party tables are not audited).
PROJECT_APPS = ("accounts", "technicians", "bookings", "records", "earnings", "notifications", "homecure")
# Not audited: the log itself; the health records' own append-only trails of reads and
# corrections, each written together with an `audit_event`; and notifications, written by the
# system as a consequence of events that are audited already.
NOT_AUDITED = ("homecure.adminlog", "records.recordaccess", "records.recordamendment", "notifications.notification")
# Changed by staff only, and every change matters: audited even when no request names the actor
# (a shell, a management command).
ALWAYS_AUDITED = (SystemSettings,)

_PREVIOUS = "_audit_previous"
_M2M_BEFORE = "_audit_m2m_before"


@receiver([post_save, post_delete], sender=SystemSettings, dispatch_uid="homecure.clear_settings_cache")
def settings_changed(**kwargs):
    # Cleared now for this process, and again at commit: another app server that reads the
    # settings in between would otherwise cache the old value from the database until it expires.
    clear_settings_cache()
    transaction.on_commit(clear_settings_cache)


# --- generic change receivers -------------------------------------------------------------


def audited_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and model._meta.label_lower not in NOT_AUDITED
    ]


def _acting_for(model: type[models.Model]) -> audit.Actor | None:
    """The actor whose change of a `model` row is logged, or None when it is not logged."""
    actor = audit.current_actor()
    if actor is not None and actor.is_staff:
        return actor
    if model in ALWAYS_AUDITED:
        return actor or audit.Actor()
    return None


def _fields(model, update_fields):
    fields = audit.audited_fields(model)
    if update_fields is None:
        return fields
    return [f for f in fields if f.name in update_fields or f.attname in update_fields]


def remember_previous(sender, instance, raw=False, update_fields=None, **kwargs):
    # Whatever an earlier, failed save left behind must not be taken for this save's values.
    instance.__dict__.pop(_PREVIOUS, None)
    if raw or _acting_for(sender) is None:
        return
    previous = None
    if not instance._state.adding and instance.pk is not None:
        row = sender._base_manager.filter(pk=instance.pk).first()
        if row is not None:
            previous = audit.snapshot(row, _fields(sender, update_fields))
    setattr(instance, _PREVIOUS, previous)


def record_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw or not hasattr(instance, _PREVIOUS):
        return
    previous = instance.__dict__.pop(_PREVIOUS)
    new = audit.snapshot(instance, _fields(sender, update_fields))
    action = audit.CREATE if created or previous is None else audit.UPDATE
    audit.record_change(instance=instance, action=action, previous=previous or {}, new=new, actor=_acting_for(sender))


def record_delete(sender, instance, **kwargs):
    actor = _acting_for(sender)
    if actor is None:
        return
    previous = audit.snapshot(instance, audit.audited_fields(sender))
    audit.record_change(instance=instance, action=audit.DELETE, previous=previous, new={}, actor=actor)


# The many-to-many fields of audited models, by their through model.
_M2M_FIELDS: dict[type[models.Model], tuple[type[models.Model], str]] = {}


def record_m2m(sender, instance, action, reverse, **kwargs):
    owner, name = _M2M_FIELDS[sender]
    # Changed from the other side (`area.technicians.add(...)`): the owner's form never does that.
    if reverse or not isinstance(instance, owner) or _acting_for(owner) is None:
        return
    current = sorted(getattr(instance, name).values_list("pk", flat=True))
    if action.startswith("pre_"):
        instance.__dict__.setdefault(_M2M_BEFORE, {})[name] = current
        return
    before = instance.__dict__.get(_M2M_BEFORE, {}).pop(name, current)
    audit.record_change(
        instance=instance,
        action=audit.UPDATE,
        previous={name: before},
        new={name: current},
        actor=_acting_for(owner),
    )


def connect_audit_receivers() -> None:
    for model in audited_models():
        label = model._meta.label_lower
        pre_save.connect(remember_previous, sender=model, dispatch_uid=f"homecure.base.audit.pre_save.{label}")
        post_save.connect(record_save, sender=model, dispatch_uid=f"homecure.base.audit.post_save.{label}")
        post_delete.connect(record_delete, sender=model, dispatch_uid=f"homecure.base.audit.post_delete.{label}")
        for m2m in model._meta.local_many_to_many:
            through = m2m.remote_field.through
            _M2M_FIELDS[through] = (model, m2m.name)
            m2m_changed.connect(record_m2m, sender=through, dispatch_uid=f"homecure.base.audit.m2m.{label}.{m2m.name}")
