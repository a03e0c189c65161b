"""The patient's own copy of everything HomeCure holds about them, as one JSON document.

`export_stream` writes the document piece by piece as the rows are read, a chunk of rows at a time,
so the download starts at once and the server never holds a busy patient's hundreds of visits and
thousands of notifications at once; `export_for` is the same document as a dict.

Every model that points at a user (directly, or through a booking or a health record) is either
exported in a section (`SECTIONS`, model label -> where its rows are in the document) or listed in
`NOT_EXPORTED` with the reason it says nothing about the patient. The export test walks all models
and fails on one that is in neither, so a new model cannot be forgotten.

Left out on purpose: credentials and codes that open something (password hash, check-in token and
code, the QR image, form tokens), and the stored documents' bytes (their names, types and sizes are
listed; each file downloads from the record page).

Notifications are read through `apps.get_model`: the notifications app depends on this one, not
the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, Q
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking, BookingStatusHistory
from homecure.models import AdminLog
from records.models import HealthRecord, RecordAccess

FORMAT = "homecure-my-data"
VERSION = 1

#: Rows read from the database at a time (and, for bookings and records, prefetched with them).
CHUNK_SIZE = 250
#: Characters of JSON collected before they are sent on.
WRITE_SIZE = 64 * 1024

#: Model label -> where its rows are in the document ("*" steps into each item of a list).
SECTIONS = {
    "accounts.user": "profile",
    "bookings.booking": "bookings",
    "bookings.bookingstatushistory": "bookings.*.status_history",
    "records.healthrecord": "health_records",
    "records.healthdocument": "health_records.*.documents",
    "records.recordamendment": "health_records.*.corrections",
    "records.recordaccess": "who_viewed_my_records",
    "notifications.notification": "notifications",
    "notifications.emailpreference": "email_preferences",
    "notifications.sentreminder": "visit_reminders",
    "homecure.adminlog": "activity_log",
}

#: Model label -> why its rows are not part of a patient's data.
NOT_EXPORTED = {
    "technicians.technician": "A technician's professional profile; patients have none.",
    "bookings.failedcheckin": "A technician's failed check-in attempt; its user is the technician who tried.",
    "bookings.bookingdecline": "A technician's answer to a job offer: about their availability, not the patient.",
    "earnings.technicianearnings": "The technician's pay for a visit; the patient's price and payment are in bookings.",
    "admin.logentry": "Django's own back-office change list of staff users; patients cannot use the back office. "
    "Back-office changes to the patient's data are in the audit log.",
}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _fields(obj, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _value(getattr(obj, name)) for name in names}


def _name(user: User | None) -> str | None:
    return (user.get_full_name() or user.email) if user is not None else None


def _profile(user: User) -> dict[str, Any]:
    data = _fields(user, ("id", "email", "first_name", "last_name", "phone", "address", "role"))
    data.update(
        area=user.area.name if user.area_id else None,
        date_joined=_value(user.date_joined),
        last_login=_value(user.last_login),
    )
    return data


BOOKING_FIELDS = (
    "id",
    "reference",
    "status",
    "scheduled_start",
    "scheduled_end",
    "duration_minutes",
    "service_address",
    "service_location",
    "total_amount",
    "payment_status",
    "payment_method",
    "payment_reference",
    "user_notes",
    "technician_notes",
    "admin_notes",
    "user_rating",
    "user_review",
    "cancellation_reason",
    "created_at",
    "checked_in_at",
    "completed_at",
    "cancelled_at",
)


def _bookings(user: User) -> Iterator[dict[str, Any]]:
    bookings = (
        Booking.objects.filter(user=user)
        .select_related("service", "service_area", "technician__user")
        .prefetch_related(
            Prefetch("history", queryset=BookingStatusHistory.objects.select_related("changed_by").order_by("pk"))
        )
        .order_by("scheduled_start", "pk")
    )
    for booking in bookings.iterator(chunk_size=CHUNK_SIZE):
        data = _fields(booking, BOOKING_FIELDS)
        data.update(
            service=booking.service.name,
            service_area=booking.service_area.name,
            technician=_name(booking.technician.user) if booking.technician_id else None,
            status_history=[
                {
                    "id": change.pk,
                    "from_status": change.from_status,
                    "to_status": change.to_status,
                    "changed_by": _name(change.changed_by),
                    "note": change.note,
                    "at": _value(change.created_at),
                }
                for change in booking.history.all()
            ],
        )
        yield data


RECORD_FIELDS = (
    "id",
    "record_type",
    "record_date",
    "diagnosis",
    "treatment",
    "provider_name",
    "provider_notes",
    "follow_up_required",
    "follow_up_date",
    "medications",
    "lab_results",
    "vital_flags",
    "created_at",
    "amended_at",
)


def _health_records(user: User) -> Iterator[dict[str, Any]]:
    records = (
        HealthRecord.objects.filter(user=user)
        .select_related("created_by", "booking")
        .prefetch_related("documents", "amendments")
        .order_by("record_date", "pk")
    )
    for record in records.iterator(chunk_size=CHUNK_SIZE):
        data = _fields(record, RECORD_FIELDS)
        data.update(
            visit=record.booking.reference if record.booking_id else None,
            written_by=_name(record.created_by),
            vitals=[
                {
                    "vital": reading.vital.key,
                    "name": reading.label,
                    "value": str(reading.value),
                    "unit": reading.vital.unit,
                    "flag": reading.level,
                }
                for reading in record.readings()
            ],
            documents=[
                {
                    "id": document.pk,
                    "name": document.original_name,
                    "type": document.content_type,
                    "size_bytes": document.size,
                    "uploaded_at": _value(document.uploaded_at),
                }
                for document in record.documents.all()
            ],
            corrections=[
                {
                    "id": amendment.pk,
                    "at": _value(amendment.created_at),
                    "by": amendment.amended_by_name,
                    "reason": amendment.reason,
                    "previous_values": amendment.previous_values,
                    "new_values": amendment.new_values,
                }
                for amendment in record.amendments.all()
            ],
        )
        yield data


def _who_viewed(user: User) -> Iterator[dict[str, Any]]:
    reads = RecordAccess.objects.filter(record__user=user).select_related("document").order_by("created_at", "pk")
    return (
        {
            "id": read.pk,
            "at": _value(read.created_at),
            "reader": read.reader_name,
            "allowed_as": read.get_reason_display(),
            "what": read.get_kind_display(),
            "record_id": read.record_id,
            "document": read.document.original_name if read.document_id else None,
            "ip_address": read.ip_address,
            "user_agent": read.user_agent,
        }
        for read in reads.iterator(chunk_size=CHUNK_SIZE)
    )


def _notifications(user: User) -> Iterator[dict[str, Any]]:
    notification = apps.get_model("notifications", "Notification")
    names = (
        "id",
        "title",
        "message",
        "notification_type",
        "priority",
        "is_read",
        "read_at",
        "action_url",
        "created_at",
    )
    items = notification.objects.filter(user=user).order_by("created_at", "pk")
    return (_fields(item, names) for item in items.iterator(chunk_size=CHUNK_SIZE))


def _email_preferences(user: User) -> Iterator[dict[str, Any]]:
    preference = apps.get_model("notifications", "EmailPreference")
    names = ("id", "notification_type", "email_enabled")
    items = preference.objects.filter(user=user).order_by("pk")
    return (_fields(item, names) for item in items.iterator(chunk_size=CHUNK_SIZE))


def _visit_reminders(user: User) -> Iterator[dict[str, Any]]:
    """Reminders of the patient's visits, to them and to their technician."""
    reminder = apps.get_model("notifications", "SentReminder")
    reminders = (
        reminder.objects.filter(Q(user=user) | Q(booking__user=user))
        .select_related("booking")
        .order_by("sent_at", "pk")
    )
    return (
        {
            "id": item.pk,
            "visit": item.booking.reference,
            "kind": item.kind,
            "to": "patient" if item.user_id == user.pk else "technician",
            "sent_at": _value(item.sent_at),
        }
        for item in reminders.iterator(chunk_size=CHUNK_SIZE)
    )


def _activity_log(user: User) -> Iterator[dict[str, Any]]:
    names = ("id", "action", "entity_type", "entity_id", "description", "ip_address", "created_at")
    entries = AdminLog.objects.filter(admin_user=user).order_by("created_at", "pk")
    return (_fields(entry, names) for entry in entries.iterator(chunk_size=CHUNK_SIZE))


#: The document's lists, in order; each reads its rows only when it is written.
LISTS = (
    ("bookings", _bookings),
    ("health_records", _health_records),
    ("who_viewed_my_records", _who_viewed),
    ("notifications", _notifications),
    ("email_preferences", _email_preferences),
    ("visit_reminders", _visit_reminders),
    ("activity_log", _activity_log),
)


def _head(user: User, now: datetime | None) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _value(now or timezone.now()),
        "profile": _profile(user),
    }


def export_for(user: User, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything about `user` as a JSON-ready dict (see `SECTIONS`)."""
    return {**_head(user, now), **{key: list(rows(user)) for key, rows in LISTS}}


_ENCODER = DjangoJSONEncoder(ensure_ascii=False, indent=2)


def _json(value: Any, depth: int) -> str:
    """`value` as JSON indented to sit `depth` levels deep (JSON text has no newline of its own)."""
    return _ENCODER.encode(value).replace("\n", "\n" + "  " * depth)


def _pieces(user: User, now: datetime | None) -> Iterator[str]:
    """The text of `json.dumps(export_for(user), indent=2, ensure_ascii=False)`, a row at a time."""
    yield "{"
    separator = "\n  "
    for key, value in _head(user, now).items():
        yield f"{separator}{_json(key, 1)}: {_json(value, 1)}"
        separator = ",\n  "
    for key, rows in LISTS:
        yield f"{separator}{_json(key, 1)}: "
        opening = "["
        for row in rows(user):
            yield f"{opening}\n    {_json(row, 2)}"
            opening = ","
        yield "[]" if opening == "[" else "\n  ]"
    yield "\n}"


def _gathered(pieces: Iterable[str], size: int) -> Iterator[str]:
    """The pieces joined into strings of about `size` characters: fewer, larger writes."""
    waiting, length = [], 0
    for piece in pieces:
        waiting.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(waiting)
            waiting, length = [], 0
    if waiting:
        yield "".join(waiting)


def export_stream(user: User, *, now: datetime | None = None) -> Iterator[str]:
    """The document of `export_for` as JSON text in pieces, reading the rows as it goes."""
    return _gathered(_pieces(user, now), WRITE_SIZE)
