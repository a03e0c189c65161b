"""Receivers of the records app: thin answers to the signals of the apps records is built on (the
portal's job page), and its part of a user's data download: the patient's health records, with
their documents and corrections, and who has read them."""

from collections.abc import Iterator
from functools import partial

from django.db.models import Prefetch
from django.template.loader import render_to_string

from accounts.models import User
from accounts.personal_data import CHUNK_SIZE, PersonalData, Row, Section, fields_of, json_value
from homecure.base.page_cache import rows_stamp, table_of
from records import selectors
from records.models import RECORD_CONTENT_FIELDS, HealthRecord, RecordAccess, RecordAmendment
from technicians.selectors import name_for_patients


def job_page_panel(sender, request, booking, now=None, **kwargs):
    """The patient's health records the technician may open, on the portal's job page."""
    patient_records = selectors.job_records(request.user, booking, now=now)
    return render_to_string("records/_job_records.html", {"booking": booking, "patient_records": patient_records})


def booking_page_panel(sender, request, booking, **kwargs):
    """The record written at the visit, on the patient's booking page, once there is one."""
    visit_records = selectors.visit_records_for_patient(request.user, booking)
    if not visit_records:
        return ""
    return render_to_string("records/_visit_records.html", {"visit_records": visit_records})


def booking_page_sources(sender, user, booking, params, **kwargs):
    """What `booking_page_panel` shows: the records written at the visit."""
    return [rows_stamp(table_of(HealthRecord), f"booking_id = ({booking})", params)]


#: A record in the data download: its content as the author wrote it (the vitals as readings with
#: their flags, below), and when it was written and corrected.
RECORD_FIELDS = (
    "id",
    *(name for name in RECORD_CONTENT_FIELDS if name != "vitals"),
    "vital_flags",
    "created_at",
    "amended_at",
)


def _health_records(user: User) -> Iterator[Row]:
    records = (
        HealthRecord.objects.filter(user=user)
        .select_related("created_by__technician", "booking")
        .prefetch_related(
            "documents", Prefetch("amendments", RecordAmendment.objects.select_related("amended_by__technician"))
        )
        .order_by("record_date", "pk")
    )
    for record in records.iterator(chunk_size=CHUNK_SIZE):
        data = fields_of(record, RECORD_FIELDS)
        data.update(
            visit=record.booking.reference if record.booking_id else None,
            written_by=name_for_patients(record.created_by),
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
            blood_pressure=_blood_pressure(record),
            documents=[
                {
                    "id": document.pk,
                    "name": document.original_name,
                    "type": document.content_type,
                    "size_bytes": document.size,
                    "uploaded_at": json_value(document.uploaded_at),
                }
                for document in record.documents.all()
            ],
            corrections=[
                {
                    "id": amendment.pk,
                    "at": json_value(amendment.created_at),
                    "by": amendment.amended_by_for_patient,
                    "reason": amendment.reason,
                    "previous_values": amendment.previous_values,
                    "new_values": amendment.new_values,
                }
                for amendment in record.amendments.all()
            ],
        )
        yield data


def _blood_pressure(record: HealthRecord) -> dict | None:
    """The record's blood pressure category in the download, as the record page shows it."""
    pressure = record.blood_pressure()
    if pressure is None:
        return None
    return {
        "value": pressure.display_value,
        "category": pressure.category.key,
        "name": pressure.category.label,
        "scale": pressure.scale,
    }


def _who_viewed(user: User) -> Iterator[Row]:
    # Staff by name and role only; where they read from (address, browser) is the office's log,
    # not the patient's: every row here is a read by someone other than the patient.
    reads = (
        RecordAccess.objects.filter(record__user=user)
        .select_related("document", "reader__technician")
        .order_by("created_at", "pk")
    )
    return (
        {
            "id": read.pk,
            "at": json_value(read.created_at),
            "reader": read.reader_for_patient,
            "allowed_as": read.get_reason_display(),
            "what": read.get_kind_display(),
            "record_id": read.record_id,
            "document": read.document.original_name if read.document_id else None,
        }
        for read in reads.iterator(chunk_size=CHUNK_SIZE)
    )


def personal_data_requested(sender, user, **kwargs) -> PersonalData:
    return PersonalData(
        sections=(
            Section(
                key="health_records",
                position=20,
                read=partial(_health_records, user),
                models={
                    "records.healthrecord": "health_records",
                    "records.healthdocument": "health_records.*.documents",
                    "records.recordamendment": "health_records.*.corrections",
                },
            ),
            Section(
                key="who_viewed_my_records",
                position=30,
                read=partial(_who_viewed, user),
                models={"records.recordaccess": "who_viewed_my_records"},
            ),
        )
    )
