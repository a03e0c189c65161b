import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bookings.tests.factories import BookingFactory
from records.models import HealthRecord, RecordAmendment, RecordType
from records.tests.conftest import give_reason
from records.tests.factories import PDF_BYTES, HealthDocumentFactory, HealthRecordFactory

pytestmark = pytest.mark.django_db


def _page(response):
    return re.sub(r"\s+", " ", response.content.decode())


# --- list ----------------------------------------------------------------------------------


def test_patient_lists_their_records_newest_first(patient, client_for, record):
    older = HealthRecordFactory(user=patient, record_type=RecordType.VACCINATION, record_date=date(2025, 5, 1))

    response = client_for(patient).get(reverse("records:list"))

    assert [r.pk for r in response.context["page_obj"]] == [record.pk, older.pk]
    page = _page(response)
    assert "Flagged vital signs" in page
    assert "1 document" in page


def test_list_filters_by_type_and_dates(patient, client_for):
    checkup = HealthRecordFactory(user=patient, record_type=RecordType.CHECKUP, record_date=date(2026, 2, 1))
    HealthRecordFactory(user=patient, record_type=RecordType.VACCINATION, record_date=date(2026, 2, 2))
    HealthRecordFactory(user=patient, record_type=RecordType.CHECKUP, record_date=date(2025, 12, 31))
    client = client_for(patient)

    by_type_and_date = client.get(
        reverse("records:list"), {"record_type": "checkup", "date_from": "2026-01-01", "date_to": "2026-12-31"}
    )
    nothing = client.get(reverse("records:list"), {"record_type": "therapy"})

    assert list(by_type_and_date.context["page_obj"]) == [checkup]
    assert "No records match these filters." in _page(nothing)


def test_list_explains_dates_the_wrong_way_round(patient, client_for):
    HealthRecordFactory(user=patient)

    response = client_for(patient).get(reverse("records:list"), {"date_from": "2026-03-01", "date_to": "2026-02-01"})

    assert "The end date is before the start date." in _page(response)
    assert response.context["page_obj"].paginator.count == 1


def test_list_is_paginated_with_a_fixed_number_of_queries(patient, client_for, django_assert_max_num_queries):
    for day in range(25):
        HealthRecordFactory(user=patient, record_date=date(2026, 1, 1) + timedelta(days=day))
    client = client_for(patient)

    with django_assert_max_num_queries(7):
        first = client.get(reverse("records:list"))
    last = client.get(reverse("records:list"), {"page": 3})

    assert len(first.context["page_obj"]) == 10
    assert len(last.context["page_obj"]) == 5
    assert "Page 1 of 3" in _page(first)


def test_an_empty_list_says_where_records_come_from(patient, client_for):
    response = client_for(patient).get(reverse("records:list"))

    assert "You have no health records yet." in _page(response)


# --- detail and print ------------------------------------------------------------------------


def test_detail_shows_vitals_with_flags_in_words_and_everything_else(patient, client_for, record):
    response = client_for(patient).get(record.get_absolute_url())

    page = _page(response)
    assert response.status_code == 200
    assert "1 flagged vital sign" in page
    assert 'SpO2</th> <td class="text-nowrap">89 %</td>' in page
    assert "Flagged</span> Low (usual 92 % or more)" in page
    assert "Blood pressure, systolic" in page and "128 mmHg" in page
    assert "Quokkamycin" in page and "250 mg" in page and "Twice a day" in page
    assert "Narwhal antibody titre" in page and "&lt; 1:40" in page
    assert "Download blood-test.pdf" in page
    assert "No follow-up needed." in page
    assert "Every time you open this record" not in page
    assert "Correct this record" not in page


def test_detail_tells_other_readers_that_the_patient_will_see_the_read(technician, client_for, record):
    page = _page(client_for(technician.user).get(record.get_absolute_url()))

    assert "Every time you open this record, the patient can see that you did." in page
    assert "Correct this record" in page


def test_an_amended_record_says_so_with_the_time_and_the_old_values(patient, client_for, record, technician):
    record.amended_at = timezone.make_aware(timezone.datetime(2026, 3, 2, 14, 5))
    record.save()
    RecordAmendment.objects.create(
        record=record,
        amended_by=technician.user,
        amended_by_name="Nadia Nurse",
        reason="Wrong arm",
        previous_values={"diagnosis": "Old words", "vitals": {"heart_rate": 72}},
        new_values={"diagnosis": record.diagnosis},
    )

    page = _page(client_for(patient).get(record.get_absolute_url()))

    assert "Amended 2 Mar 2026, 14:05" in page
    assert "Wrong arm" in page
    assert '<dt>Diagnosis</dt><dd class="text-break">Old words</dd>' in page
    assert "Heart rate 72 /min" in page


def test_follow_up_is_shown_with_its_date(patient, client_for):
    record = HealthRecordFactory(user=patient, follow_up_required=True, follow_up_date=date(2026, 4, 3))

    page = _page(client_for(patient).get(record.get_absolute_url()))

    assert "Follow-up needed by Friday 3 April 2026." in page


def test_detail_runs_a_fixed_number_of_queries(admin_user, client_for, record, django_assert_max_num_queries):
    client = client_for(admin_user)

    with django_assert_max_num_queries(12):
        client.get(record.get_absolute_url())


def test_printable_version_uses_the_print_stylesheet(patient, client_for, record):
    response = client_for(patient).get(reverse("records:print", args=[record.pk]))

    page = _page(response)
    assert response.status_code == 200
    assert 'href="/static/css/print.css" media="print"' in page
    assert "Printed " in page
    assert "SpO2" in page and "Low (usual 92 % or more)" in page
    assert "blood-test.pdf" in page


# --- documents -------------------------------------------------------------------------------


def test_document_download_is_an_attachment_of_its_checked_type(patient, client_for, record):
    document = record.documents.get()

    response = client_for(patient).get(reverse("records:document", args=[record.pk, document.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="blood-test.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_document_missing_from_storage_is_not_found(patient, client_for, record):
    document = record.documents.get()
    document.file.storage.delete(document.file.name)

    response = client_for(patient).get(reverse("records:document", args=[record.pk, document.pk]))

    assert response.status_code == 404


# --- writing ---------------------------------------------------------------------------------


@pytest.fixture
def visit_in_progress(patient, technician, service, area):
    return BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() - timedelta(minutes=20),
        in_progress=True,
    )


def _form_data(**overrides):
    data = {
        "request_token": "0b6f3f8e-6f0a-4c84-9d63-3e5cf0a1b2c3",
        "record_type": "checkup",
        "record_date": timezone.localdate().isoformat(),
        "diagnosis": "Chest infection.",
        "treatment": "Advice; GP informed.",
        "provider_name": "Nadia Nurse",
        "provider_notes": "",
        "follow_up_required": "yes",
        "follow_up_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "vitals-blood_pressure_systolic": "118",
        "vitals-blood_pressure_diastolic": "76",
        "vitals-oxygen_saturation": "90",
        "vitals-temperature": "38.2",
        "medications-TOTAL_FORMS": "2",
        "medications-INITIAL_FORMS": "0",
        "medications-0-name": "Amoxicillin",
        "medications-0-dose": "500 mg",
        "medications-0-frequency": "3 times a day",
        "medications-1-name": "Paracetamol",
        "medications-1-dose": "1 g",
        "medications-1-frequency": "As needed",
        "labs-TOTAL_FORMS": "1",
        "labs-INITIAL_FORMS": "0",
        "labs-0-test": "CRP",
        "labs-0-value": "48",
        "labs-0-unit": "mg/L",
        "labs-0-reference_range": "< 5",
    }
    data.update(overrides)
    return data


def test_the_record_form_starts_with_the_visit_date_and_the_technicians_name(technician, client_for, visit_in_progress):
    response = client_for(technician.user).get(reverse("records:new", args=[visit_in_progress.reference]))

    form = response.context["forms"].record
    assert response.status_code == 200
    assert form.initial["record_date"] == visit_in_progress.scheduled_date
    assert form.initial["provider_name"] == "Nadia Nurse"
    page = _page(response)
    assert "Temperature (°C)" in page
    assert 'accept="application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"' in page
    assert "Add a medication" in page


def test_technician_writes_a_record_with_rows_and_a_document(technician, patient, client_for, visit_in_progress):
    data = _form_data(documents=SimpleUploadedFile("chest-x-ray.pdf", PDF_BYTES, content_type="application/pdf"))

    response = client_for(technician.user).post(reverse("records:new", args=[visit_in_progress.reference]), data)

    record = HealthRecord.objects.get()
    assert response.status_code == 302
    assert response.url == record.get_absolute_url()
    assert (record.user, record.booking, record.created_by) == (patient, visit_in_progress, technician.user)
    assert record.vitals == {
        "blood_pressure_systolic": 118,
        "blood_pressure_diastolic": 76,
        "oxygen_saturation": 90,
        "temperature": 38.2,
    }
    assert record.vital_flags == [{"vital": "oxygen_saturation", "level": "low"}]
    assert [m["name"] for m in record.medications] == ["Amoxicillin", "Paracetamol"]
    assert record.lab_results == [{"test": "CRP", "value": "48", "unit": "mg/L", "reference_range": "< 5"}]
    assert record.follow_up_date == timezone.localdate() + timedelta(days=7)
    assert record.documents.get().original_name == "chest-x-ray.pdf"


def test_a_double_submitted_record_form_writes_one_record(technician, client_for, visit_in_progress):
    client = client_for(technician.user)
    url = reverse("records:new", args=[visit_in_progress.reference])

    first = client.post(url, _form_data())
    second = client.post(url, _form_data())

    assert HealthRecord.objects.count() == 1
    assert first.url == second.url


def test_bad_input_is_explained_next_to_each_field_and_nothing_is_saved(technician, client_for, visit_in_progress):
    data = _form_data(
        **{
            "vitals-blood_pressure_systolic": "400",
            "vitals-blood_pressure_diastolic": "76",
            "follow_up_date": "",
            "medications-1-name": "",
            "documents": SimpleUploadedFile("report.pdf", b"<html>not a pdf</html>", content_type="application/pdf"),
        }
    )

    response = client_for(technician.user).post(reverse("records:new", args=[visit_in_progress.reference]), data)

    page = _page(response)
    assert response.status_code == 200
    assert "Enter a value from 40 to 300 mmHg." in page
    assert "Enter the follow-up date." in page
    assert "Enter the medication&#x27;s name." in page
    assert "report.pdf is not a PDF, JPEG or PNG file." in page
    assert not HealthRecord.objects.exists()


def test_admin_writes_a_record_from_the_same_page(admin_user, client_for, visit_in_progress):
    response = client_for(admin_user).post(reverse("records:new", args=[visit_in_progress.reference]), _form_data())

    assert response.status_code == 302
    assert HealthRecord.objects.get().created_by == admin_user


# --- correcting ------------------------------------------------------------------------------


def test_the_correction_page_starts_from_the_current_values(technician, client_for, record):
    response = client_for(technician.user).get(reverse("records:amend", args=[record.pk]))

    forms = response.context["forms"]
    assert forms.vitals.initial["oxygen_saturation"] == 89
    assert forms.medications.initial == record.medications
    assert forms.record.initial["follow_up_required"] == "no"
    assert "Reason for the correction" in _page(response)


def test_author_corrects_a_record_with_a_reason(technician, client_for, record):
    data = _form_data(
        diagnosis="Corrected words",
        follow_up_required="no",
        reason="Typed into the wrong box",
        **{"labs-TOTAL_FORMS": "0", "medications-TOTAL_FORMS": "0"},
    )

    response = client_for(technician.user).post(reverse("records:amend", args=[record.pk]), data)

    record.refresh_from_db()
    amendment = record.amendments.get()
    assert response.status_code == 302
    assert record.diagnosis == "Corrected words"
    assert record.amended_at is not None
    assert record.medications == [] and record.lab_results == []
    assert amendment.reason == "Typed into the wrong box"
    assert amendment.previous_values["diagnosis"] == "Zebra-diagnosis-4711"
    assert amendment.previous_values["medications"][0]["name"] == "Quokkamycin"


def test_a_correction_needs_a_reason(technician, client_for, record):
    response = client_for(technician.user).post(
        reverse("records:amend", args=[record.pk]), _form_data(diagnosis="Changed", reason="")
    )

    assert "Say why the record is being corrected." in _page(response)
    record.refresh_from_db()
    assert record.diagnosis == "Zebra-diagnosis-4711"


def test_after_24_hours_the_author_is_sent_back_with_the_reason(technician, client_for, record):
    record.created_at = timezone.now() - timedelta(hours=25)
    record.save()

    response = client_for(technician.user).post(
        reverse("records:amend", args=[record.pk]), _form_data(diagnosis="Changed", reason="Late"), follow=True
    )

    assert "The time to correct this record ended on" in _page(response)
    assert "Ask an administrator to correct it." in _page(response)
    record.refresh_from_db()
    assert record.diagnosis == "Zebra-diagnosis-4711"


def test_a_nul_character_in_the_record_form_is_refused_and_saves_nothing(technician, client_for, visit_in_progress):
    changes = {"diagnosis": "Null\x00byte", "medications-0-name": "Amox\x00icillin", "labs-0-unit": "\x00"}

    response = client_for(technician.user).post(
        reverse("records:new", args=[visit_in_progress.reference]), _form_data(**changes)
    )

    # The request guard answers before the form: no page takes a NUL character.
    assert response.status_code == 400
    assert "This request cannot be read" in response.content.decode()
    assert not HealthRecord.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"vitals-heart_rate": "NaN", "vitals-temperature": "Infinity", "vitals-weight": "1e309"},
        {"medications-TOTAL_FORMS": "99999"},
        {"medications-TOTAL_FORMS": "-1", "labs-TOTAL_FORMS": "x"},
        {"record_type": "surgery", "follow_up_required": "maybe", "record_date": "2026-02-30"},
    ],
)
def test_malformed_input_is_refused_with_messages_and_saves_nothing(technician, client_for, visit_in_progress, changes):
    response = client_for(technician.user).post(
        reverse("records:new", args=[visit_in_progress.reference]), _form_data(**changes)
    )

    assert response.status_code == 200
    assert not HealthRecord.objects.exists()


def test_malformed_back_office_json_is_refused(admin_client, record):
    give_reason(admin_client, record)
    response = admin_client.post(
        reverse("admin:records_healthrecord_change", args=[record.pk]),
        {
            "record_type": "checkup",
            "record_date": "2026-01-10",
            "medications": '[{"name": "A\\u0000B"}]',
            "vitals": '{"heart_rate": "\\u0000"}',
            "lab_results": '"not a list"',
            "documents-TOTAL_FORMS": "0",
            "documents-INITIAL_FORMS": "0",
        },
    )

    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"medications", "vitals", "lab_results"}
    record.refresh_from_db()
    assert record.medications[0]["name"] == "Quokkamycin"


@pytest.mark.parametrize(
    ("uploaded_as", "content_type", "downloaded_as"),
    [
        ("scan.hta", "application/pdf", "scan.pdf"),
        ("report.pdf.exe", "application/pdf", "report.pdf"),
        ("drawing.svg", "image/png", "drawing.png"),
        ('x-ray "left"; name=.exe', "image/jpeg", "x-ray-left-name.jpg"),
        ("Ärztebrief.html", "application/pdf", "Arztebrief.pdf"),
        (".htaccess", "image/png", "document.png"),
    ],
)
def test_a_download_is_named_from_its_checked_type_not_the_uploaded_extension(
    patient, client_for, uploaded_as, content_type, downloaded_as
):
    record = HealthRecordFactory(user=patient)
    document = HealthDocumentFactory(record=record, original_name=uploaded_as, content_type=content_type)

    response = client_for(patient).get(reverse("records:document", args=[record.pk, document.pk]))

    assert response["Content-Disposition"] == f'attachment; filename="{downloaded_as}"'
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
