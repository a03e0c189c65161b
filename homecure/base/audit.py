"""The audit log: who changed what in HomeCure, from where, with the values before and after.

Entries come from two places:

* changes: generic `pre_save` / `post_save` / `post_delete` / `m2m_changed` receivers
  (`homecure.base.receivers`) record every create, update and delete of a HomeCure model made while a
  staff member is acting, with the changed fields' previous and new values, secrets masked;
* events: sensitive actions (a technician verified, a booking assigned, a payout, a health record
  read) recorded by name through `audit_event`, called by the service that makes the change, in
  its transaction, so the action leaves the same entry from the back office, the portal or a shell.

The acting person, client IP and user agent come from the request (`AuditMiddleware` puts them in
a context variable for the request's duration). A back-office POST runs inside `audit_batch()`:
its changes are collected per object and written when the view returns, in the view's
transaction, so one save of a form (its inlines and many-to-many fields included) gives one entry
per object, and an action such as "verify" gives one entry named after the event that also holds
the fields it changed.
"""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from homecure.models import AdminLog

if TYPE_CHECKING:
    from collections.abc import Iterator

    from django.contrib.auth.models import AbstractBaseUser as User
    from django.http import HttpRequest

MASK = "********"
USER_AGENT_MAX_LENGTH = AdminLog._meta.get_field("user_agent").max_length
DESCRIPTION_MAX_LENGTH = 2000

# Field names whose values never go into the log: credentials, and the codes that open a visit.
SECRET_FIELD_NAMES = {"password", "qr_code", "qr_code_data", "request_token", "checkin_code"}
SECRET_FIELD_WORDS = ("token", "password", "secret")
# Per model: fields whose content is masked too. Health findings are read only through the record
# pages, which audit every read; copying them here would make the log an unaudited second copy.
MASKED_FIELDS_BY_MODEL = {
    "records.healthrecord": {
        "diagnosis",
        "treatment",
        "medications",
        "vitals",
        "vital_flags",
        "lab_results",
        "provider_notes",
    },
    "records.healthdocument": {"file", "original_name"},
    "bookings.failedcheckin": {"code"},
}

UNAUDITED_FIELD_NAMES = {"last_login"}

# The entry names of generic changes; events use their own names ("technician_verified").
CREATE, UPDATE, DELETE = "create", "update", "delete"


# --- who is acting -------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who is acting and from where. `request` (when set) gives the user as the request sees it
    now, so a log-in or log-out halfway through a request is taken into account."""

    request: HttpRequest | None = None
    explicit_user: User | None = None
    ip_address: str | None = None
    user_agent: str = ""

    @property
    def user(self) -> User | None:
        user = getattr(self.request, "user", None) if self.request is not None else self.explicit_user
        return user if user is not None and user.is_authenticated else None

    @property
    def is_staff(self) -> bool:
        user = self.user
        return bool(user and user.is_staff)


_actor: ContextVar[Actor | None] = ContextVar("homecure_audit_actor", default=None)
_batch: ContextVar[_Batch | None] = ContextVar("homecure_audit_batch", default=None)


def current_actor() -> Actor | None:
    return _actor.get()


@contextmanager
def acting(actor: Actor) -> Iterator[Actor]:
    """Make `actor` the acting person for the block (the middleware does this per request)."""
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: `REMOTE_ADDR`, unless `TRUSTED_PROXY_COUNT` proxies stand in front.

    Each trusted proxy appends the address it received the request from to `X-Forwarded-For`, so
    with N trusted proxies the N-th entry from the right is the client; anything left of it was
    written by the client and may be forged. A header shorter than N did not come through all the
    proxies and is ignored.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < trusted:
        return remote
    return _valid_ip(hops[-trusted]) or remote


def actor_from_request(request: HttpRequest) -> Actor:
    return Actor(
        request=request,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH],
    )


# --- values --------------------------------------------------------------------------------


def is_secret(model_label: str, field_name: str) -> bool:
    name = field_name.lower()
    return (
        name in SECRET_FIELD_NAMES
        or any(word in name for word in SECRET_FIELD_WORDS)
        or name in MASKED_FIELDS_BY_MODEL.get(model_label, ())
    )


def _json_value(value: Any) -> Any:
    """A field value as JSON can hold it, readable in the log."""
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return MASK
    return value


def audited_fields(model: type[models.Model]) -> list[models.Field]:
    """The concrete fields whose changes are logged. Automatic timestamps, and the time of the last
    log-in (saved at every log-in, an administrator's own included), only add noise."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in UNAUDITED_FIELD_NAMES
        and not (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
    ]


def snapshot(instance: models.Model, fields: list[models.Field]) -> dict[str, Any]:
    """The fields' current values on `instance`, keyed by field name (foreign keys by their id).

    Secrets are still in: changes are found by comparing real values, and masked when written.
    """
    return {f.name: _json_value(f.value_from_object(instance)) for f in fields}


def masked(entity_type: str, values: dict[str, Any]) -> dict[str, Any]:
    """`values` with every secret replaced by `MASK`; an empty secret stays empty, which tells
    that one was set or cleared without telling what it is."""
    return {
        name: MASK if value not in (None, "") and is_secret(entity_type, name) else value
        for name, value in values.items()
    }


def _label(instance: models.Model) -> str:
    try:
        return str(instance)
    except ObjectDoesNotExist:
        # An object whose related row is already gone (deleted in the same cascade).
        return f"#{instance.pk}"


# --- entries -------------------------------------------------------------------------------


@dataclass
class _Entry:
    action: str
    entity_type: str
    entity_id: str
    label: str
    actor: User | None
    ip_address: str | None
    user_agent: str
    previous: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    is_event: bool = False

    def merge_change(self, action: str, previous: dict[str, Any], new: dict[str, Any]) -> None:
        """Fold a later change of the same object in: earliest previous value, latest new value."""
        for name, value in previous.items():
            self.previous.setdefault(name, value)
        self.new.update(new)
        if action == DELETE:
            self.new = {}
            if not self.is_event:
                self.action = DELETE
        if self.action == UPDATE:
            self.drop_unchanged()

    def drop_unchanged(self) -> None:
        for name in [n for n in self.new if n in self.previous and self.previous[n] == self.new[n]]:
            del self.previous[name], self.new[name]

    def is_worth_writing(self) -> bool:
        return self.is_event or self.action != UPDATE or bool(self.new)

    def write(self) -> AdminLog:
        return AdminLog.objects.create(
            admin_user=self.actor,
            action=self.action,
            entity_type=self.entity_type,
            entity_id=self.entity_id,
            description=(self.description or self._change_description())[:DESCRIPTION_MAX_LENGTH],
            previous_values=masked(self.entity_type, self.previous),
            new_values=masked(self.entity_type, self.new),
            ip_address=self.ip_address,
            user_agent=self.user_agent,
        )

    def _change_description(self) -> str:
        verbose_name = self.entity_type
        model = _model_for(self.entity_type)
        names = sorted(set(self.previous) | set(self.new)) if self.action == UPDATE else []
        if model is not None:
            verbose_name = str(model._meta.verbose_name)
            names = [str(_field_verbose_name(model, name)) for name in names]
        context = {"model": verbose_name, "object": self.label, "fields": ", ".join(names)}
        if self.action == CREATE:
            return _("Created %(model)s “%(object)s”.") % context
        if self.action == DELETE:
            return _("Deleted %(model)s “%(object)s”.") % context
        return _("Changed %(model)s “%(object)s”: %(fields)s.") % context


def _model_for(entity_type: str) -> type[models.Model] | None:
    from django.apps import apps

    try:
        return apps.get_model(entity_type)
    except (LookupError, ValueError):
        return None


def action_label(action: str) -> str:
    """An entry's action as a person reads it: "setting_changed" is "Setting changed"."""
    return action.replace("_", " ").strip().capitalize() or "-"


def entity_label(entity_type: str, entity_id: str = "") -> str:
    """The object of an entry in words: "bookings.booking" and "12" are "Booking #12"."""
    model = _model_for(entity_type)
    name = str(model._meta.verbose_name).capitalize() if model is not None else entity_type
    return f"{name} #{entity_id}" if entity_id else name


def _field_verbose_name(model: type[models.Model], name: str) -> str:
    try:
        return model._meta.get_field(name).verbose_name
    except FieldDoesNotExist:  # removed since the entry was written: keep its name
        return name


class _Batch:
    """The entries of one back-office request, one per object (and per event), written at the end."""

    def __init__(self) -> None:
        self.entries: list[_Entry] = []

    def _last_for(self, entity_type: str, entity_id: str) -> _Entry | None:
        for entry in reversed(self.entries):
            if (entry.entity_type, entry.entity_id) == (entity_type, entity_id):
                return entry
        return None

    def add_change(self, entry: _Entry) -> None:
        existing = self._last_for(entry.entity_type, entry.entity_id)
        if existing is None:
            self.entries.append(entry)
        else:
            existing.merge_change(entry.action, entry.previous, entry.new)
            existing.label = entry.label

    def add_event(self, entry: _Entry) -> None:
        existing = self._last_for(entry.entity_type, entry.entity_id)
        if existing is not None and not existing.is_event:
            # The event names the change that made it: one entry with both.
            existing.action, existing.description, existing.is_event = entry.action, entry.description, True
            existing.actor = entry.actor or existing.actor
            existing.previous = {**entry.previous, **existing.previous}
            existing.new = {**existing.new, **entry.new}
        else:
            self.entries.append(entry)

    def flush(self) -> None:
        for entry in self.entries:
            if entry.is_worth_writing():
                entry.write()
        self.entries.clear()


@contextmanager
def audit_batch() -> Iterator[None]:
    """Collect the block's audit entries and write them, one per object, in one transaction with
    the changes. Nothing is written when the block raises: its changes are rolled back too."""
    batch = _Batch()
    token = _batch.set(batch)
    try:
        with transaction.atomic():
            yield
            batch.flush()
    finally:
        _batch.reset(token)


def _entity(entity: models.Model | tuple[str, Any]) -> tuple[str, str, str]:
    if isinstance(entity, models.Model):
        return entity._meta.label_lower, str(entity.pk), _label(entity)
    entity_type, entity_id = entity
    return entity_type, str(entity_id), f"{entity_type}#{entity_id}"


def record_change(
    *, instance: models.Model, action: str, previous: dict[str, Any], new: dict[str, Any], actor: Actor | None
) -> None:
    """Log a create, update or delete of `instance` (called by the generic receivers)."""
    entity_type, entity_id, label = _entity(instance)
    entry = _Entry(
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        label=label,
        actor=actor.user if actor else None,
        ip_address=actor.ip_address if actor else None,
        user_agent=actor.user_agent if actor else "",
        previous=previous,
        new=new,
    )
    if action == UPDATE:
        entry.drop_unchanged()
    batch = _batch.get()
    if batch is not None:
        batch.add_change(entry)
    elif entry.is_worth_writing():
        entry.write()


def audit_event(
    *,
    actor: User | None,
    action: str,
    entity: models.Model | tuple[str, Any],
    description: str,
    previous_values: dict[str, Any] | None = None,
    new_values: dict[str, Any] | None = None,
) -> None:
    """Record a sensitive event by name, e.g. `audit_event(actor=request.user, action="health_record_read",
    entity=record, description="Read the health record of Paula Patient.")`.

    `entity` is a model instance or an `(entity_type, entity_id)` pair. The IP address and user agent
    come from the current request, if any. Inside a back-office request the event also carries the
    object's changed fields, so the action is one entry; elsewhere it is written at once.
    """
    context = current_actor()
    entity_type, entity_id, label = _entity(entity)
    entry = _Entry(
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        label=label,
        actor=actor if actor is not None and actor.is_authenticated else None,
        ip_address=context.ip_address if context else None,
        user_agent=context.user_agent if context else "",
        previous=dict(previous_values or {}),
        new=dict(new_values or {}),
        description=description,
        is_event=True,
    )
    batch = _batch.get()
    if batch is not None:
        batch.add_event(entry)
    else:
        entry.write()
