"""Everything that writes a health record or its audit: one function per action (DESIGN 5).

* `record_create`: the assigned technician (for a visit in progress, or completed within its
  record-access window: `selectors.write_refusal`) or an administrator writes a record; flags are
  worked out from the vitals; `health_record_added` and, when something is flagged,
  `vital_flagged` are sent.
* `record_amend` / `document_add`: the author corrects the record within `AMENDMENT_WINDOW` of
  writing it, administrators at any time. The values replaced are kept in a `RecordAmendment`.
* `record_log_read`: one `RecordAccess` row (and an audit-log event) per read by anyone but the patient,
  with the reason an administrator gave before opening the record (`records.break_glass`).

The audit log (`homecure.base.audit`) gets an event for each of these that names the fields changed but
holds no findings, file names or reasons for a correction: those are read only through the record pages,
which audit every read. An administrator's reason for a read is the exception: it is what the entry is
for, so it is kept in the entry too.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking
from homecure.base.audit import audit_event
from homecure.base.dates import format_when
from homecure.base.errors import ServiceError
from records import documents as document_checks
from records import signals
from records import vitals as vital_signs
from records.models import (
    RECORD_CONTENT_FIELDS,
    AccessReason,
    HealthDocument,
    HealthRecord,
    RecordAccess,
    RecordAmendment,
)
from records.selectors import OWN_RECORD, is_admin, is_working_technician, write_refusal


class RecordError(ServiceError):
    """A health record action that cannot be done now."""


class NotAllowed(RecordError):
    code = "not_allowed"


def amend_refusal(user: User, record: HealthRecord, *, now: datetime | None = None) -> str | None:
    """Why `user` may not correct `record` now, or None when they may: administrators at any
    time, the author while the correction window is open."""
    if is_admin(user):
        return None
    if record.created_by_id != user.pk or not is_working_technician(user):
        return _("Only the author or an administrator can correct this record.")
    if (now or timezone.now()) >= record.amendable_until:
        return _("The time to correct this record ended on %(deadline)s. Ask an administrator to correct it.") % {
            "deadline": format_when(record.amendable_until, "date_time")
        }
    return None


def can_amend(user: User, record: HealthRecord, *, now: datetime | None = None) -> bool:
    return amend_refusal(user, record, now=now) is None


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(RECORD_CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"Not a record field: {', '.join(sorted(unknown))}")


def _attach(record: HealthRecord, upload: UploadedFile, actor: User) -> HealthDocument:
    """Store one checked file under a random name (see `document_upload_to`)."""
    content_type = document_checks.check_upload(upload)
    document = HealthDocument(
        record=record,
        original_name=document_checks.clean_name(upload.name),
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    upload.seek(0)
    document.file.save(document.original_name, upload, save=False)
    document.save()
    return document


def _send_flags(record: HealthRecord, actor: User, flags: list[dict[str, str]]) -> None:
    if flags:
        signals.vital_flagged.send(
            sender=HealthRecord,
            record=record,
            actor=actor,
            flags=vital_signs.flag_details(flags, record.vitals),
        )


@transaction.atomic
def record_create(
    *,
    actor: User,
    booking: Booking | None = None,
    patient: User | None = None,
    documents: list[UploadedFile] | tuple = (),
    request_token: uuid.UUID | None = None,
    now: datetime | None = None,
    **fields: Any,
) -> HealthRecord:
    """Write a record for the visit `booking` (its patient), or, for administrators only, for
    `patient` without a visit. Returns the record a repeated `request_token` already wrote."""
    _check_fields(fields)
    if booking is not None:
        # The visit's row lock also queues a double-submitted form behind the first one, which
        # then finds the record the first one wrote.
        booking = Booking.objects.select_for_update(of=("self",)).select_related("technician").get(pk=booking.pk)
        refusal = write_refusal(actor, booking, now=now)
        if refusal is not None:
            raise NotAllowed(refusal.message, code=refusal.code)
        patient = booking.user
    elif patient is None or not is_admin(actor):
        raise NotAllowed(_("Only administrators can add a record without a visit."), code="no_visit")
    if request_token is not None:
        existing = HealthRecord.objects.filter(request_token=request_token, created_by=actor).first()
        if existing is not None:
            return existing

    record = HealthRecord(user=patient, booking=booking, created_by=actor, request_token=request_token, **fields)
    record.vital_flags = vital_signs.flags_for(record.vitals or {})
    record.save()
    for upload in documents:
        _attach(record, upload, actor)
    audit_event(
        actor=actor,
        action="health_record_created",
        entity=record,
        description=_("Wrote a health record for %(patient)s.") % {"patient": patient},
    )
    signals.health_record_added.send(sender=HealthRecord, record=record, actor=actor)
    _send_flags(record, actor, record.vital_flags)
    return record


def _as_json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


@transaction.atomic
def record_amend(
    *,
    record: HealthRecord,
    actor: User,
    reason: str,
    documents: list[UploadedFile] | tuple = (),
    now: datetime | None = None,
    **fields: Any,
) -> HealthRecord:
    """Correct a record: changed fields and added documents, with the values they replace kept in
    a `RecordAmendment`. Changing nothing changes nothing (no amendment, no "amended" mark)."""
    _check_fields(fields)
    now = now or timezone.now()
    record = HealthRecord.objects.select_for_update().select_related("user").get(pk=record.pk)
    refusal = amend_refusal(actor, record, now=now)
    if refusal is not None:
        raise NotAllowed(refusal)

    previous: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for name, value in fields.items():
        current = getattr(record, name)
        if current != value:
            previous[name] = _as_json(current)
            new[name] = _as_json(value)
            setattr(record, name, value)
    if not previous and not documents:
        return record

    flags_before = list(record.vital_flags or [])
    record.vital_flags = vital_signs.flags_for(record.vitals or {})
    if record.vital_flags != flags_before:
        previous["vital_flags"], new["vital_flags"] = flags_before, record.vital_flags
    record.amended_at = now
    record.save()
    names = [_attach(record, upload, actor).original_name for upload in documents]
    if names:
        new["documents"] = names
    RecordAmendment.objects.create(
        record=record,
        amended_by=actor,
        amended_by_name=_reader_name(actor),
        reason=reason[:500],
        previous_values=previous,
        new_values=new,
        created_at=now,
    )
    audit_event(
        actor=actor,
        action="health_record_amended",
        entity=record,
        description=_("Corrected the health record of %(patient)s: %(fields)s.")
        % {"patient": record.user, "fields": ", ".join(new)},
    )
    _send_flags(record, actor, [flag for flag in record.vital_flags if flag not in flags_before])
    return record


def document_add(
    *, record: HealthRecord, actor: User, upload: UploadedFile, now: datetime | None = None
) -> HealthRecord:
    """Attach one document to an existing record: a correction like any other."""
    return record_amend(record=record, actor=actor, reason=_("Added a document."), documents=[upload], now=now)


def personal_data_log_export(*, patient: User) -> None:
    """Keep in the audit log that `patient` downloaded everything HomeCure holds about them.

    A patient reading one of their own records leaves no trace, but the whole file at once is what
    a stolen session would take, so it is logged (with the address and browser it went to)."""
    audit_event(
        actor=patient,
        action="personal_data_exported",
        entity=patient,
        description=_("Downloaded all their data as a file."),
    )


def _reader_name(user: User) -> str:
    name = user.get_full_name()
    return f"{name} <{user.email}>" if name else user.email


def record_log_read(
    *,
    record: HealthRecord,
    reader: User,
    reason: str,
    kind: str,
    ip_address: str | None = None,
    user_agent: str = "",
    document: HealthDocument | None = None,
    reason_given: str = "",
) -> RecordAccess | None:
    """Keep one read of `record`: nothing when the patient reads their own record, otherwise a
    `RecordAccess` row (the patient's "who viewed my records") and an audit-log event, both with
    `reason_given`, what an administrator said before opening it. An administrator's read without
    one is refused: the pages ask for it first (`records.break_glass`)."""
    if reason == OWN_RECORD:
        return None
    if reason == AccessReason.ADMIN and not reason_given.strip():
        raise NotAllowed(_("Say why you need to open this record first."), code="no_reason")
    access = RecordAccess.objects.create(
        record=record,
        reader=reader,
        reader_name=_reader_name(reader),
        reason=AccessReason(reason),
        kind=kind,
        document=document,
        ip_address=ip_address,
        user_agent=user_agent[:500],
        reason_given=reason_given[:500],
    )
    description = _("%(what)s: health record of %(patient)s, allowed as %(reason)s.") % {
        "what": access.get_kind_display(),
        "patient": record.user,
        "reason": access.get_reason_display().lower(),
    }
    details = {"document_id": document.pk} if document is not None else {}
    if access.reason_given:
        description += " " + _("Reason given: %(reason)s") % {"reason": access.reason_given}
        details["reason_given"] = access.reason_given
    audit_event(
        actor=reader,
        action="health_record_read",
        entity=record,
        description=description,
        new_values=details or None,
    )
    return access
