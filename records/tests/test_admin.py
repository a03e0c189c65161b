"""The back-office record screen: reads are audited, changes go through the records services."""

import pytest
from django.urls import reverse

from records.models import HealthRecord, RecordAccess, RecordAmendment

pytestmark = pytest.mark.django_db


def _change_url(record):
    return reverse("admin:records_healthrecord_change", args=[record.pk])


def _post_data(record, **overrides):
    data = {
        "record_type": record.record_type,
        "record_date": record.record_date.isoformat(),
        "provider_name": record.provider_name,
        "diagnosis": record.diagnosis,
        "treatment": record.treatment,
        "medications": '[{"name": "Quokkamycin", "dose": "250 mg", "frequency": "Twice a day"}]',
        "vitals": '{"blood_pressure_systolic": 128, "blood_pressure_diastolic": 82, "oxygen_saturation": 89}',
        "lab_results": '[{"test": "Narwhal antibody titre", "value": "1:80", "unit": "", "reference_range": "< 1:40"}]',
        "follow_up_date": "",
        "provider_notes": "",
        "documents-TOTAL_FORMS": "1",
        "documents-INITIAL_FORMS": "1",
        "amendments-TOTAL_FORMS": "0",
        "amendments-INITIAL_FORMS": "0",
        "accesses-TOTAL_FORMS": "0",
        "accesses-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_opening_a_record_in_the_back_office_is_kept_and_listed_for_the_patient(admin_client, admin_user, record):
    page = admin_client.get(_change_url(record))
    admin_client.get(_change_url(record))

    assert page.status_code == 200
    assert list(RecordAccess.objects.values_list("reader", "kind", "reason")) == [
        (admin_user.pk, "back_office", "admin"),
        (admin_user.pk, "back_office", "admin"),
    ]


def test_the_changelist_shows_no_findings_and_is_not_a_read(admin_client, record):
    response = admin_client.get(reverse("admin:records_healthrecord_changelist"))

    assert response.status_code == 200
    assert record.diagnosis not in response.content.decode()
    assert not RecordAccess.objects.exists()


def test_a_back_office_change_is_a_correction_that_keeps_the_old_values(admin_client, admin_user, record):
    response = admin_client.post(
        _change_url(record), _post_data(record, diagnosis="Corrected in the office", vitals='{"heart_rate": 135}')
    )

    record.refresh_from_db()
    amendment = RecordAmendment.objects.get()
    assert response.status_code == 302
    assert record.diagnosis == "Corrected in the office"
    assert record.vital_flags == [{"vital": "heart_rate", "level": "high"}]
    assert record.amended_at is not None
    assert amendment.amended_by == admin_user
    assert amendment.previous_values["diagnosis"] == "Zebra-diagnosis-4711"
    assert amendment.previous_values["vitals"]["oxygen_saturation"] == 89


def test_back_office_vitals_get_the_same_checks_as_the_record_page(admin_client, record):
    response = admin_client.post(
        _change_url(record),
        _post_data(record, vitals='{"heart_rate": 500, "pulse": 60}', medications='[{"dose": "1 g"}]'),
    )

    errors = response.context["adminform"].form.errors
    assert errors["vitals"][0].startswith("Unknown vitals: pulse. Known: blood_pressure_systolic, ")
    assert errors["medications"] == ["Medication: Enter the medication's name."]
    second = admin_client.post(_change_url(record), _post_data(record, vitals='{"heart_rate": 500}'))
    assert second.context["adminform"].form.errors["vitals"] == [
        "Heart rate (/min): Enter a value from 20 to 300 /min."
    ]


def test_the_patient_and_visit_of_a_record_cannot_be_changed(admin_client, record, other_patient):
    admin_client.post(_change_url(record), _post_data(record, user=other_patient.pk))

    record.refresh_from_db()
    assert record.user != other_patient


def test_a_record_added_in_the_back_office_is_flagged_and_signalled(admin_client, admin_user, patient, record_signals):
    response = admin_client.post(
        reverse("admin:records_healthrecord_add"),
        {
            "user": patient.pk,
            "record_type": "consultation",
            "record_date": "2026-01-15",
            "provider_name": "Dr Ada Admin",
            "medications": "[]",
            "vitals": '{"oxygen_saturation": 85}',
            "lab_results": "[]",
            "documents-TOTAL_FORMS": "0",
            "documents-INITIAL_FORMS": "0",
        },
    )

    record = HealthRecord.objects.get(user=patient)
    assert response.status_code == 302
    assert response.url == reverse("admin:records_healthrecord_changelist")
    assert record.created_by == admin_user
    assert record.vital_flags == [{"vital": "oxygen_saturation", "level": "low"}]
    assert [name for name, _ in record_signals] == ["health_record_added", "vital_flagged"]


def test_a_visit_of_another_patient_is_refused_when_adding(admin_client, patient, other_record):
    response = admin_client.post(
        reverse("admin:records_healthrecord_add"),
        {
            "user": patient.pk,
            "booking": other_record.booking.pk,
            "record_type": "consultation",
            "record_date": "2026-01-15",
            "medications": "[]",
            "vitals": "{}",
            "lab_results": "[]",
            "documents-TOTAL_FORMS": "0",
            "documents-INITIAL_FORMS": "0",
        },
    )

    assert response.context["adminform"].form.errors["booking"] == ["This visit belongs to another patient."]


def test_documents_download_from_the_back_office_through_the_checked_view(admin_client, admin_user, record):
    document = record.documents.get()
    url = reverse("records:document", args=[record.pk, document.pk])

    page = admin_client.get(_change_url(record)).content.decode()
    download = admin_client.get(url)

    assert f'<a href="{url}">Download</a>' in page
    assert download.status_code == 200
    assert list(RecordAccess.objects.values_list("kind", flat=True).order_by("pk")) == ["back_office", "document"]
