from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from bookings.tests.factories import BookingFactory
from records.models import HealthDocument, HealthRecord, RecordType
from records.tests.factories import PDF_BYTES, HealthDocumentFactory, HealthRecordFactory
from technicians.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


def test_follow_up_requires_a_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthRecordFactory(follow_up_required=True, follow_up_date=None)


def test_follow_up_with_a_date_is_kept():
    record = HealthRecordFactory(follow_up_required=True, follow_up_date=date(2026, 2, 1))

    record.refresh_from_db()
    assert record.follow_up_date == date(2026, 2, 1)


def test_form_validation_explains_a_follow_up_without_date():
    record = HealthRecordFactory.build(user=HealthRecordFactory().user, follow_up_required=True, follow_up_date=None)

    with pytest.raises(ValidationError):
        record.full_clean()


def test_record_of_a_visit_belongs_to_its_patient_and_technician():
    technician = TechnicianFactory()
    booking = BookingFactory(technician=technician, completed=True)

    record = HealthRecordFactory(booking=booking)

    assert record.user == booking.user
    assert record.created_by == technician.user
    assert list(booking.health_records.all()) == [record]


def test_structured_fields_round_trip_as_json():
    record = HealthRecordFactory(
        vitals={"heart_rate": 72, "temperature": "36.8"},
        medications=[{"name": "Paracetamol", "dose": "500 mg", "frequency": "4 times a day"}],
        lab_results=[{"test": "HbA1c", "value": "6.1", "unit": "%", "reference_range": "4.0-5.6"}],
    )

    record.refresh_from_db()
    assert record.vitals == {"heart_rate": 72, "temperature": "36.8"}
    assert record.medications[0]["dose"] == "500 mg"
    assert record.lab_results[0]["test"] == "HbA1c"


def test_empty_record_has_empty_structured_fields():
    record = HealthRecordFactory()

    assert (record.vitals, record.medications, record.lab_results, record.vital_flags) == ({}, [], [], [])


def test_document_file_is_stored_with_its_details():
    document = HealthDocumentFactory()

    document.refresh_from_db()
    assert document.file.name.startswith("records/")
    assert document.file.read() == PDF_BYTES
    assert (document.content_type, document.size) == ("application/pdf", len(PDF_BYTES))


def test_documents_go_with_their_record_but_patients_with_records_are_kept():
    document = HealthDocumentFactory()
    record = document.record

    with pytest.raises(ProtectedError), transaction.atomic():
        record.user.delete()
    record.delete()

    assert not HealthDocument.objects.exists()


def test_records_list_newest_first():
    older = HealthRecordFactory(record_date=date(2026, 1, 1))
    newer = HealthRecordFactory(record_date=date(2026, 3, 1))

    assert list(HealthRecord.objects.all()) == [newer, older]


def test_str_of_each_model():
    record = HealthRecordFactory(record_type=RecordType.WOUND_CARE, record_date=date(2026, 1, 15))
    document = HealthDocumentFactory(record=record, original_name="dressing-photo.pdf")

    assert str(record) == "Wound care · 2026-01-15"
    assert str(document) == "dressing-photo.pdf"


def test_record_types():
    assert RecordType.values == ["checkup", "therapy", "consultation", "lab", "wound_care", "vaccination", "other"]
