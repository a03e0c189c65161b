from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bookings.models import BookingStatus
from bookings.tests.factories import BookingFactory
from homecure.models import AdminLog
from records import services
from records.models import AccessKind, AccessReason, HealthRecord, RecordAccess, RecordAmendment
from records.tests.factories import PDF_BYTES, HealthRecordFactory

pytestmark = pytest.mark.django_db

FIELDS = {
    "record_type": "checkup",
    "record_date": date(2026, 1, 10),
    "diagnosis": "Mild dehydration.",
    "treatment": "Oral fluids.",
    "follow_up_required": False,
    "follow_up_date": None,
    "vitals": {"heart_rate": 72, "temperature": 36.8},
    "medications": [{"name": "Oral rehydration salts", "dose": "1 sachet", "frequency": "After each loose stool"}],
}


@pytest.fixture
def visit(patient, technician, service, area):
    # `technician` is at `patient`'s door: the visit is in progress.
    return BookingFactory(user=patient, technician=technician, service=service, service_area=area, in_progress=True)


def test_assigned_technician_writes_the_record_of_a_visit_in_progress(visit, technician, patient, record_signals):
    record = services.record_create(actor=technician.user, booking=visit, **FIELDS)

    record.refresh_from_db()
    assert (record.user, record.booking, record.created_by) == (patient, visit, technician.user)
    assert record.vitals == {"heart_rate": 72, "temperature": 36.8}
    assert record.vital_flags == []
    assert record.amended_at is None
    assert [name for name, _ in record_signals] == ["health_record_added"]
    assert record_signals[0][1] == {"record": record, "actor": technician.user}


def _complete(visit, *, hours_ago):
    """`visit`, completed `hours_ago` hours ago at the end of its scheduled hour."""
    visit.set_schedule(timezone.now() - timedelta(hours=hours_ago + 1), 60)
    visit.status = BookingStatus.COMPLETED
    visit.completed_at = timezone.now() - timedelta(hours=hours_ago)
    visit.save()


def test_a_completed_visit_can_still_get_its_record(visit, technician):
    _complete(visit, hours_ago=23)

    record = services.record_create(actor=technician.user, booking=visit, **FIELDS)

    assert record.pk is not None


def test_the_technician_cannot_write_once_the_access_window_closed_but_the_office_can(visit, technician, admin_user):
    _complete(visit, hours_ago=25)

    with pytest.raises(services.NotAllowed) as refused:
        services.record_create(actor=technician.user, booking=visit, **FIELDS)

    assert refused.value.code == "too_late"
    assert refused.value.message == "The time to write this visit's record has ended. Ask the office to add it."
    assert not HealthRecord.objects.exists()
    assert services.record_create(actor=admin_user, booking=visit, **FIELDS).created_by == admin_user


@pytest.mark.parametrize("status", [BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.CANCELLED])
def test_no_record_before_the_visit_starts_or_for_a_cancelled_one(visit, technician, status):
    visit.status = status
    visit.save()

    with pytest.raises(services.NotAllowed) as refused:
        services.record_create(actor=technician.user, booking=visit, **FIELDS)

    assert refused.value.code == "wrong_state"
    assert refused.value.message == "A record can be written once the visit has started."
    assert not HealthRecord.objects.exists()


def test_another_technician_cannot_write_for_the_visit(visit, other_technician):
    with pytest.raises(services.NotAllowed) as refused:
        services.record_create(actor=other_technician.user, booking=visit, **FIELDS)

    assert refused.value.code == "not_yours"


def test_a_suspended_technician_cannot_write_any_more(visit, technician):
    technician.is_active = False
    technician.save()

    with pytest.raises(services.NotAllowed):
        services.record_create(actor=technician.user, booking=visit, **FIELDS)


def test_patient_cannot_write_a_record_of_their_own_visit(visit, patient):
    with pytest.raises(services.NotAllowed):
        services.record_create(actor=patient, booking=visit, **FIELDS)


def test_admin_writes_a_record_for_a_visit_or_without_one(visit, admin_user, patient, technician):
    for_visit = services.record_create(actor=admin_user, booking=visit, **FIELDS)
    without_visit = services.record_create(actor=admin_user, patient=patient, **FIELDS)

    assert (for_visit.user, for_visit.created_by) == (patient, admin_user)
    assert (without_visit.user, without_visit.booking) == (patient, None)
    with pytest.raises(services.NotAllowed) as refused:
        services.record_create(actor=technician.user, patient=patient, **FIELDS)
    assert refused.value.code == "no_visit"


def test_a_repeated_form_writes_one_record(visit, technician):
    token = "6f1d1c1e-8a51-4b1c-9d0b-1c2d3e4f5a6b"

    first = services.record_create(actor=technician.user, booking=visit, request_token=token, **FIELDS)
    again = services.record_create(actor=technician.user, booking=visit, request_token=token, **FIELDS)

    assert first == again
    assert HealthRecord.objects.count() == 1


def test_flagged_vitals_are_saved_and_signalled(visit, technician, record_signals):
    vitals = {"oxygen_saturation": 88, "heart_rate": 72, "temperature": 39.4}

    record = services.record_create(actor=technician.user, booking=visit, **{**FIELDS, "vitals": vitals})

    record.refresh_from_db()
    assert record.vital_flags == [
        {"vital": "oxygen_saturation", "level": "low"},
        {"vital": "temperature", "level": "high"},
    ]
    assert [name for name, _ in record_signals] == ["health_record_added", "vital_flagged"]
    assert record_signals[1][1]["flags"] == [
        {
            "vital": "oxygen_saturation",
            "label": "SpO2",
            "value": "88",
            "unit": "%",
            "reason": "Low (usual 92 % or more)",
        },
        {
            "vital": "temperature",
            "label": "Temperature",
            "value": "39.4",
            "unit": "°C",
            "reason": "High (usual 35.1-39.0 °C)",
        },
    ]


def test_a_flagged_vital_reaches_the_admins_as_a_high_priority_notification(visit, technician, admin_user):
    services.record_create(actor=technician.user, booking=visit, **{**FIELDS, "vitals": {"heart_rate": 135}})

    notification = admin_user.notifications.get()
    assert notification.priority == "high"
    assert "135" not in notification.message


def test_documents_are_stored_under_random_names_with_their_real_type(visit, technician):
    upload = SimpleUploadedFile("Paula Patient HIV test.pdf", PDF_BYTES, content_type="image/png")

    record = services.record_create(actor=technician.user, booking=visit, documents=[upload], **FIELDS)

    document = record.documents.get()
    assert document.original_name == "Paula Patient HIV test.pdf"
    assert document.content_type == "application/pdf"
    assert document.size == len(PDF_BYTES)
    assert document.uploaded_by == technician.user
    assert "Paula" not in document.file.name and "HIV" not in document.file.name
    assert document.file.name.startswith(f"records/{timezone.now():%Y/%m}/")
    assert document.file.name.endswith(".pdf")
    assert document.file.read() == PDF_BYTES


def test_writing_a_record_is_in_the_audit_log_without_its_findings(visit, technician):
    record = services.record_create(actor=technician.user, booking=visit, **FIELDS)

    entry = AdminLog.objects.get(action="health_record_created")
    assert (entry.admin_user, entry.entity_id) == (technician.user, str(record.pk))
    assert "dehydration" not in str(entry.description) + str(entry.new_values) + str(entry.previous_values)


@pytest.fixture
def written(visit, technician):
    return services.record_create(actor=technician.user, booking=visit, **FIELDS)


def test_author_corrects_within_24_hours_and_the_old_values_are_kept(written, technician):
    now = written.created_at + timedelta(hours=23, minutes=59)

    services.record_amend(
        record=written,
        actor=technician.user,
        reason="Wrong temperature typed",
        now=now,
        **{**FIELDS, "vitals": {"heart_rate": 72, "temperature": 37.8}, "diagnosis": "Mild dehydration, fever."},
    )

    written.refresh_from_db()
    amendment = RecordAmendment.objects.get(record=written)
    assert written.amended_at == now
    assert written.vitals == {"heart_rate": 72, "temperature": 37.8}
    assert amendment.previous_values == {
        "diagnosis": "Mild dehydration.",
        "vitals": {"heart_rate": 72, "temperature": 36.8},
    }
    assert amendment.new_values == {
        "diagnosis": "Mild dehydration, fever.",
        "vitals": {"heart_rate": 72, "temperature": 37.8},
    }
    assert (amendment.amended_by, amendment.reason) == (technician.user, "Wrong temperature typed")
    audit = AdminLog.objects.get(action="health_record_amended")
    assert "fever" not in audit.description and "Wrong temperature" not in audit.description


def test_author_cannot_correct_after_24_hours(written, technician):
    late = written.created_at + timedelta(hours=24)

    with pytest.raises(services.NotAllowed) as refused:
        services.record_amend(record=written, actor=technician.user, reason="Late", now=late, diagnosis="Changed")

    written.refresh_from_db()
    assert refused.value.message.startswith("The time to correct this record ended on ")
    assert written.diagnosis == "Mild dehydration."
    assert not RecordAmendment.objects.exists()


def test_admin_corrects_at_any_time(written, admin_user):
    much_later = written.created_at + timedelta(days=400)

    services.record_amend(record=written, actor=admin_user, reason="Patient asked", now=much_later, diagnosis="Fixed")

    written.refresh_from_db()
    assert (written.diagnosis, written.amended_at) == ("Fixed", much_later)


@pytest.mark.parametrize("who", ["patient", "other_technician"])
def test_nobody_else_corrects(written, who, request):
    person = request.getfixturevalue(who)
    user = getattr(person, "user", person)

    with pytest.raises(services.NotAllowed) as refused:
        services.record_amend(record=written, actor=user, reason="Mine", diagnosis="Changed")

    assert refused.value.message == "Only the author or an administrator can correct this record."


def test_a_correction_that_changes_nothing_leaves_no_trace(written, technician):
    services.record_amend(record=written, actor=technician.user, reason="Looked again", **FIELDS)

    written.refresh_from_db()
    assert written.amended_at is None
    assert not RecordAmendment.objects.exists()


def test_a_correction_signals_only_newly_flagged_vitals(written, technician, record_signals):
    services.record_amend(
        record=written, actor=technician.user, reason="Recheck", vitals={"heart_rate": 135, "temperature": 36.8}
    )
    services.record_amend(
        record=written, actor=technician.user, reason="Recheck", vitals={"heart_rate": 140, "temperature": 39.5}
    )

    flagged = [kwargs["flags"] for name, kwargs in record_signals if name == "vital_flagged"]
    assert [[flag["vital"] for flag in flags] for flags in flagged] == [["heart_rate"], ["temperature"]]
    written.refresh_from_db()
    assert written.vital_flags == [{"vital": "heart_rate", "level": "high"}, {"vital": "temperature", "level": "high"}]


def test_adding_a_document_is_a_correction(written, technician):
    services.document_add(record=written, actor=technician.user, upload=SimpleUploadedFile("x-ray.pdf", PDF_BYTES))

    written.refresh_from_db()
    amendment = RecordAmendment.objects.get()
    assert [document.original_name for document in written.documents.all()] == ["x-ray.pdf"]
    assert written.amended_at is not None
    assert (amendment.previous_values, amendment.new_values) == ({}, {"documents": ["x-ray.pdf"]})


def test_the_patients_own_read_is_not_kept(patient):
    record = HealthRecordFactory(user=patient)

    kept = services.record_log_read(record=record, reader=patient, reason="patient", kind=AccessKind.VIEW)

    assert kept is None
    assert not RecordAccess.objects.exists()
    assert not AdminLog.objects.filter(action="health_record_read").exists()


def test_a_read_by_someone_else_is_kept_with_who_why_and_where(patient, admin_user):
    record = HealthRecordFactory(user=patient)

    services.record_log_read(
        record=record,
        reader=admin_user,
        reason=AccessReason.ADMIN,
        kind=AccessKind.VIEW,
        ip_address="203.0.113.9",
        user_agent="Firefox",
        reason_given="The patient asked for a copy.",
    )

    access = RecordAccess.objects.get()
    entry = AdminLog.objects.get(action="health_record_read")
    assert (access.record, access.reader, access.reader_name) == (record, admin_user, "Ada Admin <admin@example.com>")
    assert (access.reason, access.kind, access.ip_address, access.user_agent) == (
        "admin",
        "view",
        "203.0.113.9",
        "Firefox",
    )
    assert access.reason_given == "The patient asked for a copy."
    assert entry.admin_user == admin_user
    assert entry.new_values == {"reason_given": "The patient asked for a copy."}
    assert entry.description.endswith("Reason given: The patient asked for a copy.")


def test_an_administrators_read_without_a_reason_is_refused(patient, admin_user):
    record = HealthRecordFactory(user=patient)

    with pytest.raises(services.NotAllowed, match=r"Say why you need to open this record first\."):
        services.record_log_read(record=record, reader=admin_user, reason=AccessReason.ADMIN, kind=AccessKind.VIEW)

    assert not RecordAccess.objects.exists()
    assert not AdminLog.objects.filter(action="health_record_read").exists()


def test_audit_rows_cannot_be_changed_or_deleted(patient, admin_user):
    record = HealthRecordFactory(user=patient)
    access = services.record_log_read(
        record=record, reader=admin_user, reason=AccessReason.ADMIN, kind=AccessKind.VIEW, reason_given="A check."
    )

    access.reader_name = "Nobody"
    with pytest.raises(ValidationError, match="cannot be changed"):
        access.save()
    with pytest.raises(ValidationError, match="cannot be deleted"):
        access.delete()
