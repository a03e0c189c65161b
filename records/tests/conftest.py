"""A finished visit of `patient` by `technician` with its record, and helpers to read it as someone.

`record` holds strings that appear nowhere else (`SECRET_*`), so a test can tell from a response
whether it shows the record's contents.
"""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.tests.factories import BookingFactory
from records import signals, vitals
from records.tests.factories import PDF_BYTES, HealthDocumentFactory, HealthRecordFactory

SECRET_DIAGNOSIS = "Zebra-diagnosis-4711"
SECRET_MEDICATION = "Quokkamycin"
SECRET_LAB_TEST = "Narwhal antibody titre"
SECRET_DOCUMENT = "Zebra-scan-4711"
OTHER_SECRET = "Okapi-diagnosis-0815"
SECRETS = (SECRET_DIAGNOSIS, SECRET_MEDICATION, SECRET_LAB_TEST, SECRET_DOCUMENT)

#: What the tests' administrator says before opening a record (`records.break_glass`).
REASON = "The patient asked by phone for a copy of this visit's record."


def give_reason(client, record, reason=REASON):
    """An administrator's `client` says why it opens `record`; the reason page's answer."""
    return client.post(reverse("records:reason", args=[record.pk]), {"reason": reason})


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
    HealthDocumentFactory(
        record=record,
        original_name="blood-test.pdf",
        file=ContentFile(PDF_BYTES + f"% {SECRET_DOCUMENT}\n".encode(), name="blood-test.pdf"),
    )
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
    HealthDocumentFactory(
        record=record,
        original_name="other-scan.pdf",
        file=ContentFile(PDF_BYTES + f"% {OTHER_SECRET}\n".encode(), name="other-scan.pdf"),
    )
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


@pytest.fixture
def record_signals():
    """The records signals sent during the test, as (name, keyword arguments) pairs."""
    sent = []
    receivers = {}
    for name, signal in (
        ("health_record_added", signals.health_record_added),
        ("vital_flagged", signals.vital_flagged),
    ):

        def receive(sender, _name=name, **kwargs):
            kwargs.pop("signal")
            sent.append((_name, kwargs))

        receivers[name] = (signal, receive)
        signal.connect(receive, dispatch_uid=f"records-test-{name}")
    yield sent
    for name, (signal, _receive) in receivers.items():
        signal.disconnect(dispatch_uid=f"records-test-{name}")
