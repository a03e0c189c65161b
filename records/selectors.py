"""Who may read which health record (DESIGN 5), and the reads scoped to them.

A record is readable by its patient, by an administrator, by the technician who wrote it and by
a technician while one of their accepted visits of the same patient opens its records
(`visits_granting_access`: from `record_access_hours_before` before the start until
`record_access_hours_after` after the end, worked out from the visit's times alone, so no
scheduled job has to close anything). Technicians must be verified and not suspended. Everyone
else gets 404: the record does not exist for them. `reader_reason` says why a reader is allowed,
which is what the read audit keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.models import Booking, BookingStatus
from homecure.base.system_settings import get_setting
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

    Whether it may be written for now is `write_refusal`: its technician writes while the
    visit is in progress, and once it is completed until its record-access window closes.
    """
    if not (user.is_technician or is_admin(user)):
        raise PermissionDenied
    booking = get_object_or_404(
        Booking.objects.select_related("technician__user", "user", "service"), reference=reference
    )
    if not (is_admin(user) or is_visit_technician(user, booking)):
        raise Http404
    return booking


#: The visits that may open the patient's records: accepted by their technician, under way or done.
#: A pending offer is not accepted yet; a declined or reassigned visit names another technician.
ACCESS_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)


def visits_granting_access(user: User, *, now: datetime | None = None) -> QuerySet[Booking]:
    """The visits of technician `user` through which they may read their patients' records at `now`.

    A visit opens the records `record_access_hours_before` its scheduled start and closes them
    `record_access_hours_after` its end, the later of its scheduled end and its completion; a visit in
    progress has begun (check-in may come before the start) and has no end yet, so it keeps them open
    until it is completed. The window is compared in SQL with the visit's own times: it holds whether
    or not any scheduled job has run. Whether `user` may work at all is checked by the callers.
    """
    now = now or timezone.now()
    opens_before = timedelta(hours=get_setting("record_access_hours_before"))
    closes_after = timedelta(hours=get_setting("record_access_hours_after"))
    under_way = Q(status=BookingStatus.IN_PROGRESS)
    return Booking.objects.filter(
        under_way | Q(scheduled_start__lte=now + opens_before),
        under_way | Q(scheduled_end__gte=now - closes_after) | Q(completed_at__gte=now - closes_after),
        technician__user=user,
        status__in=ACCESS_STATUSES,
    )


def technician_may_read(user: User, patient_id: int, *, now: datetime | None = None) -> bool:
    """Whether `user`, a working technician, may read every record of the patient now (the one rule
    of the record pages, the print view, downloads and the job page)."""
    return is_working_technician(user) and visits_granting_access(user, now=now).filter(user_id=patient_id).exists()


@dataclass(frozen=True)
class Refusal:
    """Why an action on a record is not allowed now: a code for tests and callers, a message for people."""

    code: str
    message: str


def write_refusal(user: User, booking: Booking, *, now: datetime | None = None) -> Refusal | None:
    """Why `user` may not write a record for `booking` now, or None when they may.

    Administrators write for any visit in progress or completed. The visit's technician writes while
    it is in progress and, once it is completed, until its record-access window closes
    (`record_access_hours_after` after its end, `visits_granting_access`): a record is written at or
    soon after the visit, while its author may still read the file it adds to; after that only the
    office adds one, so nobody can write to a file they may no longer read.
    """
    if booking.status not in WRITABLE_STATUSES:
        return Refusal("wrong_state", _("A record can be written once the visit has started."))
    if is_admin(user):
        return None
    if not is_visit_technician(user, booking):
        return Refusal("not_yours", _("This visit is not assigned to you."))
    if not visits_granting_access(user, now=now).filter(pk=booking.pk).exists():
        return Refusal("too_late", _("The time to write this visit's record has ended. Ask the office to add it."))
    return None


def reader_reason(user: User, record: HealthRecord, *, now: datetime | None = None) -> str | None:
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
    if technician_may_read(user, record.user_id, now=now):
        return AccessReason.ASSIGNED_VISIT
    return None


@dataclass(frozen=True)
class Readable:
    record: HealthRecord
    reason: str

    @property
    def is_own(self) -> bool:
        return self.reason == OWN_RECORD

    @property
    def needs_reason(self) -> bool:
        """An administrator states why before the record opens (`records.break_glass`)."""
        return self.reason == AccessReason.ADMIN


def get_record_for_reader(user: User, pk: int, *, now: datetime | None = None) -> Readable:
    """The record with what a page shows of it, or 404 unless `user` may read it."""
    record = (
        HealthRecord.objects.select_related("user", "created_by", "booking__service", "booking__technician__user")
        .filter(pk=pk)
        .first()
    )
    reason = reader_reason(user, record, now=now) if record is not None else None
    if reason is None:
        raise Http404
    return Readable(record, reason)


def get_document_for_reader(
    user: User, record_pk: int, document_pk: int, *, now: datetime | None = None
) -> tuple[HealthDocument, Readable]:
    readable = get_record_for_reader(user, record_pk, now=now)
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


def visit_records_for_patient(user: User, booking: Booking) -> list[HealthRecord]:
    """The records written at `booking` that `user` reads as their own (`OWN_RECORD`): the visit's
    patient, nobody else, so the booking page never links to a record its reader could not open.
    A visit that has not started has none, and costs no query."""
    if booking.status not in WRITABLE_STATUSES:
        return []
    return list(HealthRecord.objects.filter(booking=booking, user=user).order_by("record_date", "created_at", "pk"))


#: How many of the patient's records the job page lists (newest first).
JOB_RECORDS_SHOWN = 10


@dataclass(frozen=True)
class JobRecords:
    """What the portal's job page shows of health records: titles of the patient's records this
    technician may open (each opens through the audited record page), whether they may write the
    visit's record now, and, while this visit does not open the file yet, when it will: once
    accepted (`needs_accepting`), or at `opens_at` for a confirmed visit still too far ahead."""

    records: list[HealthRecord]
    can_write: bool
    needs_accepting: bool = False
    opens_at: datetime | None = None


def job_records(user: User, booking: Booking, *, now: datetime | None = None) -> JobRecords:
    """On their own visit's page: all the patient's records while `technician_may_read` lets them
    open them, otherwise only those they wrote (a pending offer opens nothing)."""
    now = now or timezone.now()
    records = HealthRecord.objects.filter(user_id=booking.user_id).select_related("created_by")
    is_theirs = is_visit_technician(user, booking)
    may_read = is_theirs and technician_may_read(user, booking.user_id, now=now)
    if not is_theirs:
        records = records.none()
    elif not may_read:
        records = records.filter(created_by=user)
    opens_at = booking.scheduled_start - timedelta(hours=get_setting("record_access_hours_before"))
    waiting = is_theirs and not may_read
    return JobRecords(
        records=list(records.order_by("-record_date", "-created_at", "-pk")[:JOB_RECORDS_SHOWN]),
        can_write=is_theirs and write_refusal(user, booking, now=now) is None,
        needs_accepting=waiting and booking.status == BookingStatus.PENDING,
        opens_at=opens_at if waiting and booking.status == BookingStatus.CONFIRMED and opens_at > now else None,
    )


def records_written_by(user: User) -> QuerySet[HealthRecord]:
    """The records technician `user` wrote, newest first, for the portal's "Records I wrote" list;
    none while they may not work (unverified or suspended), as their jobs.

    The list shows what identifies a record (date, type, patient, visit), not its findings. Each
    opens through the record page, which audits the read as the author's: the author may read what
    they wrote at any time (`reader_reason`), also after the visit's access window has closed,
    while the patient's other records close with that window.
    """
    if not is_working_technician(user):
        return HealthRecord.objects.none()
    return (
        HealthRecord.objects.filter(created_by=user)
        .select_related("user", "booking__service")
        .order_by("-record_date", "-created_at", "-pk")
    )


def break_glass_reads(*, since: datetime, until: datetime) -> QuerySet[RecordAccess]:
    """Administrators' reads with the reason they gave, from `since` to before `until`, oldest first
    (the daily summary to every administrator)."""
    return (
        RecordAccess.objects.filter(reason=AccessReason.ADMIN, created_at__gte=since, created_at__lt=until)
        .exclude(reason_given="")
        .select_related("record__user")
        .order_by("created_at", "pk")
    )


def reads_of_patient_records(user: User) -> QuerySet[RecordAccess]:
    """Who read the patient's records, newest first (the "who viewed my records" page)."""
    return (
        RecordAccess.objects.filter(record__user=user)
        .select_related("record", "document", "reader__technician")
        .order_by("-created_at", "-pk")
    )
