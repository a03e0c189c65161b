"""A finished visit of `patient` by `technician` with its record, and helpers to read it as someone.

`record` holds strings that appear nowhere else (`SECRET_*`), so a test can tell from a response
whether it shows the record's contents.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from bookings.tests.factories import BookingFactory
from records import vitals
from records.tests.factories import HealthDocumentFactory, HealthRecordFactory

SECRET_DIAGNOSIS = "Zebra-diagnosis-4711"
SECRET_MEDICATION = "Quokkamycin"
SECRET_LAB_TEST = "Narwhal antibody titre"
OTHER_SECRET = "Okapi-diagnosis-0815"

RECORD_VITALS = {"blood_pressure_systolic": 128, "blood_pressure_diastolic": 82, "oxygen_saturation": 89}


@pytest.fixture
def finished_visit(patient, technician, service, area):
    # `technician`'s visit to `patient` two days ago, completed: the technician wrote its record.
    return BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() - timedelta(days=2),
        completed=True,
    )


@pytest.fixture
def record(finished_visit):
    # `patient`'s record written by `technician`, with one flagged vital (SpO2 89 %) and one PDF.
    record = HealthRecordFactory(
        booking=finished_visit,
        record_date=finished_visit.scheduled_date,
        diagnosis=SECRET_DIAGNOSIS,
        vitals=RECORD_VITALS,
        vital_flags=vitals.flags_for(RECORD_VITALS),
        medications=[{"name": SECRET_MEDICATION, "dose": "250 mg", "frequency": "Twice a day"}],
        lab_results=[{"test": SECRET_LAB_TEST, "value": "1:80", "unit": "", "reference_range": "< 1:40"}],
    )
    HealthDocumentFactory(record=record, original_name="blood-test.pdf")
    return record


@pytest.fixture
def other_record(other_patient, other_technician, service, area):
    # `other_patient`'s record, written by `other_technician`.
    visit = BookingFactory(
        user=other_patient,
        technician=other_technician,
        service=service,
        service_area=area,
        start=timezone.now() - timedelta(days=3),
        completed=True,
    )
    record = HealthRecordFactory(booking=visit, diagnosis=OTHER_SECRET)
    HealthDocumentFactory(record=record, original_name="other-scan.pdf")
    return record


@pytest.fixture
def client_for():
    """`client_for(user)`: a logged-in test client (`client_for(None)`: anonymous)."""

    def make(user):
        client = Client(HTTP_USER_AGENT="RecordsTest/1.0", REMOTE_ADDR="198.51.100.23")
        if user is not None:
            client.force_login(user)
        return client

    return make
