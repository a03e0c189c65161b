"""Who may read which health record (DESIGN 5), and the reads scoped to them.

A record is readable by its patient, by an administrator, by the technician who wrote it and by
a technician assigned to an active visit (pending, confirmed or in progress) of the same patient.
Technicians must be verified and not suspended. Everyone else gets 404: the record does not
exist for them. `reader_reason` says why a reader is allowed, which is what the read audit keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User
from bookings.models import ACTIVE_STATUSES, Booking
from records.models import WRITABLE_STATUSES, AccessReason, HealthDocument, HealthRecord, RecordAccess

#: The reader is the record's patient: a read that is not audited.
OWN_RECORD = "patient"


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active_admin)


def is_working_technician(user: User) -> bool:
    """A technician who may act on jobs now (`Technician.is_working`)."""
    if not (user.is_authenticated and user.is_technician):
        return False
    technician = getattr(user, "technician", None)
    return bool(technician and technician.is_working)


def is_visit_technician(user: User, booking: Booking) -> bool:
    """`user` is the technician of `booking` and may work now."""
    return is_working_technician(user) and booking.technician is not None and booking.technician.user_id == user.pk


def get_booking_for_record_writer(user: User, reference: str) -> Booking:
    """The visit whose record `user` may write: 403 for a patient, 404 for another technician's visit.

    Whether the visit is far enough along to be written for is `services.can_write_for_booking`.
    """
    if not (user.is_technician or is_admin(user)):
        raise PermissionDenied
    booking = get_object_or_404(
        Booking.objects.select_related("technician__user", "user", "service"), reference=reference
    )
    if not (is_admin(user) or is_visit_technician(user, booking)):
        raise Http404
    return booking


def has_active_visit_with(user: User, patient_id: int) -> bool:
    return Booking.objects.filter(user_id=patient_id, technician__user=user, status__in=ACTIVE_STATUSES).exists()


def reader_reason(user: User, record: HealthRecord) -> str | None:
    """`OWN_RECORD`, an `AccessReason`, or None when `user` may not read `record`."""
    if not (user.is_authenticated and user.is_active):
        return None
    if record.user_id == user.pk:
        return OWN_RECORD
    if is_admin(user):
        return AccessReason.ADMIN
    if not is_working_technician(user):
        return None
    if record.created_by_id == user.pk:
        return AccessReason.AUTHOR
    if has_active_visit_with(user, record.user_id):
        return AccessReason.ASSIGNED_VISIT
    return None


@dataclass(frozen=True)
class Readable:
    record: HealthRecord
    reason: str

    @property
    def is_own(self) -> bool:
        return self.reason == OWN_RECORD


def get_record_for_reader(user: User, pk: int) -> Readable:
    """The record with what a page shows of it, or 404 unless `user` may read it."""
    record = (
        HealthRecord.objects.select_related("user", "created_by", "booking__service", "booking__technician__user")
        .filter(pk=pk)
        .first()
    )
    reason = reader_reason(user, record) if record is not None else None
    if reason is None:
        raise Http404
    return Readable(record, reason)


def get_document_for_reader(user: User, record_pk: int, document_pk: int) -> tuple[HealthDocument, Readable]:
    readable = get_record_for_reader(user, record_pk)
    document = HealthDocument.objects.filter(record=readable.record, pk=document_pk).first()
    if document is None:
        raise Http404
    return document, readable


def records_for_patient(
    user: User, *, record_type: str = "", date_from: date | None = None, date_to: date | None = None
) -> QuerySet[HealthRecord]:
    """The patient's own records, newest first, optionally of one type and within dates."""
    # A subquery rather than a join and GROUP BY: the database then counts documents only for the
    # page of records shown, not for every record the patient has.
    documents = HealthDocument.objects.filter(record=OuterRef("pk")).order_by().values("record").annotate(n=Count("pk"))
    records = (
        HealthRecord.objects.filter(user=user)
        .select_related("created_by", "booking__service")
        .annotate(document_count=Coalesce(Subquery(documents.values("n")), 0))
        .order_by("-record_date", "-created_at", "-pk")
    )
    if record_type:
        records = records.filter(record_type=record_type)
    if date_from:
        records = records.filter(record_date__gte=date_from)
    if date_to:
        records = records.filter(record_date__lte=date_to)
    return records


#: How many of the patient's records the job page lists (newest first).
JOB_RECORDS_SHOWN = 10


@dataclass(frozen=True)
class JobRecords:
    """What the portal's job page shows of health records: titles of the patient's records this
    technician may open (each opens through the audited record page) and whether they may write
    the visit's record now."""

    records: list[HealthRecord]
    can_write: bool


def job_records(user: User, booking: Booking) -> JobRecords:
    """All the patient's records while the visit is active and theirs, otherwise only those they wrote."""
    records = HealthRecord.objects.filter(user_id=booking.user_id).select_related("created_by")
    is_theirs = is_visit_technician(user, booking)
    if not is_theirs:
        records = records.none()
    elif booking.status not in ACTIVE_STATUSES:
        records = records.filter(created_by=user)
    shown = list(records.order_by("-record_date", "-created_at", "-pk")[:JOB_RECORDS_SHOWN])
    return JobRecords(records=shown, can_write=is_theirs and booking.status in WRITABLE_STATUSES)


def reads_of_patient_records(user: User) -> QuerySet[RecordAccess]:
    """Who read the patient's records, newest first (the "who viewed my records" page)."""
    return (
        RecordAccess.objects.filter(record__user=user)
        .select_related("record", "document")
        .order_by("-created_at", "-pk")
    )
