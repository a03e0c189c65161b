"""The back-office record screen: reads are audited, changes go through the records services."""

import pytest
from django.contrib import admin
from django.urls import reverse

from records.admin import FINDINGS
from records.models import HealthRecord, RecordAccess, RecordAmendment
from records.tests.conftest import give_reason

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


@pytest.fixture
def office(admin_client, record):
    # The administrator has said why they open `record`.
    give_reason(admin_client, record)
    return admin_client


def test_opening_a_record_in_the_back_office_is_kept_and_listed_for_the_patient(office, admin_user, record):
    page = office.get(_change_url(record))
    office.get(_change_url(record))

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


def test_a_back_office_change_is_a_correction_that_keeps_the_old_values(office, admin_user, record):
    response = office.post(
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


def test_back_office_vitals_get_the_same_checks_as_the_record_page(office, record):
    response = office.post(
        _change_url(record),
        _post_data(record, vitals='{"heart_rate": 500, "pulse": 60}', medications='[{"dose": "1 g"}]'),
    )

    errors = response.context["adminform"].form.errors
    assert errors["vitals"][0].startswith("Unknown vitals: pulse. Known: blood_pressure_systolic, ")
    assert errors["medications"] == ["Medication: Enter the medication's name."]
    second = office.post(_change_url(record), _post_data(record, vitals='{"heart_rate": 500}'))
    assert second.context["adminform"].form.errors["vitals"] == [
        "Heart rate (/min): Enter a value from 20 to 300 /min."
    ]


def test_the_patient_and_visit_of_a_record_cannot_be_changed(office, record, other_patient):
    office.post(_change_url(record), _post_data(record, user=other_patient.pk))

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


def test_documents_download_from_the_back_office_through_the_checked_view(office, admin_user, record):
    document = record.documents.get()
    url = reverse("records:document", args=[record.pk, document.pk])

    page = office.get(_change_url(record)).content.decode()
    download = office.get(url)

    assert f'<a href="{url}">Download</a>' in page
    assert download.status_code == 200
    assert list(RecordAccess.objects.values_list("kind", flat=True).order_by("pk")) == ["back_office", "document"]


# --- Filtering by findings: refused, whatever the lookup ------------------------------------------------------

FINDINGS_LOOKUPS = [
    "diagnosis__icontains=Zebra",
    "diagnosis__iregex=^Z",
    "diagnosis__startswith=Zebra-d",
    "diagnosis=Zebra-diagnosis-4711",
    "treatment__icontains=a",
    "medications__icontains=Quokka",
    "vitals__heart_rate__gte=0",
    "vitals__oxygen_saturation__lt=90",
    "vital_flags__isnull=False",
    "lab_results__icontains=Narwhal",
    "provider_notes__icontains=a",
    "documents__original_name__icontains=Zebra",
    "amendments__previous_values__icontains=Zebra",
]


@pytest.mark.parametrize("lookup", FINDINGS_LOOKUPS)
def test_the_back_office_cannot_filter_records_by_their_findings(admin_client, record, lookup):
    changelist = reverse("admin:records_healthrecord_changelist")

    response = admin_client.get(f"{changelist}?{lookup}")

    # Django's answer to a lookup the admin does not allow: 400, logged as a security event.
    assert response.status_code == 400
    assert _change_url(record) not in response.content.decode()
    assert not RecordAccess.objects.exists()


@pytest.mark.parametrize(
    ("changelist", "lookup"),
    [
        ("admin:accounts_user_changelist", "health_records__diagnosis__icontains=Zebra"),
        ("admin:bookings_booking_changelist", "health_records__diagnosis__iregex=^Z"),
        ("admin:bookings_booking_changelist", "health_records__medications__icontains=Quokka"),
    ],
)
def test_no_other_back_office_list_filters_by_findings_either(admin_client, record, changelist, lookup):
    url = reverse(changelist)

    response = admin_client.get(f"{url}?{lookup}")

    assert response.status_code == 400


def test_the_back_office_filters_records_by_type_follow_up_and_date(admin_client, record):
    changelist = reverse("admin:records_healthrecord_changelist")
    query = {
        "record_type__exact": record.record_type,
        "follow_up_required__exact": "0",
        "record_date__year": record.record_date.year,
    }

    response = admin_client.get(changelist, query)

    assert response.status_code == 200
    assert _change_url(record) in response.content.decode()


def test_the_record_search_box_does_not_search_findings(admin_client, record):
    changelist = reverse("admin:records_healthrecord_changelist")

    found = admin_client.get(changelist, {"q": record.user.email}).content.decode()
    by_diagnosis = admin_client.get(changelist, {"q": "Zebra-diagnosis"}).content.decode()

    assert _change_url(record) in found
    assert _change_url(record) not in by_diagnosis


def test_the_record_search_fields_hold_no_findings():
    searched = {field.split("__")[0] for field in admin.site._registry[HealthRecord].search_fields}

    assert searched.isdisjoint(FINDINGS)
