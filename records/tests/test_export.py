"""The patient's "download all my data": complete, their own only, streamed, and a fixed number of queries.

The document is written by `accounts.personal_data` from every app's answer; these tests hold all
the apps' answers together, so they need every app's data.
"""

import json
import uuid
from datetime import datetime

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import personal_data
from bookings.models import Booking, PaymentMethod, WaitlistOffer
from bookings.services import booking_pay_online
from bookings.tests.factories import (
    BookingFactory,
    BookingStatusHistoryFactory,
    VisitSeriesFactory,
    WaitlistEntryFactory,
)
from homecure.models import AdminLog
from homecure.tests.factories import AdminLogFactory
from notifications.tests.factories import EmailPreferenceFactory, NotificationFactory, SentReminderFactory
from records.models import HealthRecord
from records.tests.conftest import OTHER_SECRET, SECRETS
from records.tests.factories import RecordAccessFactory, RecordAmendmentFactory

pytestmark = pytest.mark.django_db


def _body(response) -> str:
    """The streamed download as text: reading it is what runs the export's queries."""
    return b"".join(response.streaming_content).decode()


def _links_to_the_patient(model):
    """The fields of `model` that tie a row to a user: directly, or through a booking or a health record."""
    targets = {get_user_model(), Booking, HealthRecord}
    return [
        field
        for field in model._meta.get_fields()
        if field.is_relation and not field.auto_created and field.related_model in targets
    ]


def _related_models():
    """Every model of the project (Django's included) that holds rows about a user."""
    user_model = get_user_model()
    return {model for model in apps.get_models() if model is user_model or _links_to_the_patient(model)}


def _rows_of(model, patient):
    """The rows of `model` tied to `patient` by any of those links."""
    if model is get_user_model():
        return model.objects.filter(pk=patient.pk)
    condition = Q()
    for field in _links_to_the_patient(model):
        if field.related_model is get_user_model():
            condition |= Q(**{field.name: patient})
        else:
            condition |= Q(**{f"{field.name}__user": patient})
    return model.objects.filter(condition)


def _ids_at(document, path):
    """The `id`s of the items at a section's path such as "bookings.*.status_history"."""
    nodes = [document]
    for step in path.split("."):
        nodes = [item for node in nodes for item in node] if step == "*" else [node[step] for node in nodes]
    items = [item for node in nodes for item in (node if isinstance(node, list) else [node])]
    return {item["id"] for item in items}


def _declared(user):
    """The apps' answers for `user`: model label -> where its rows are, and label -> why it is left out."""
    answers = personal_data.gather(user)
    exported = [
        (label, path) for answer in answers for section in answer.sections for label, path in section.models.items()
    ]
    left_out = [(label, reason) for answer in answers for label, reason in answer.left_out.items()]
    keys = [section.key for answer in answers for section in answer.sections]
    labels = [label for label, _ in exported + left_out]
    assert len(set(keys)) == len(keys), f"Two sections under one key: {sorted(keys)}"
    assert len(set(labels)) == len(labels), f"A model answered for twice: {sorted(labels)}"
    return dict(exported), dict(left_out)


def test_every_model_about_a_user_is_exported_or_has_a_reason_not_to_be(patient):
    labels = {model._meta.label_lower for model in _related_models()}
    exported, left_out = _declared(patient)

    missing = labels - set(exported) - set(left_out)
    stale = (set(exported) | set(left_out)) - labels

    assert not missing, (
        "Answer `accounts.signals.personal_data_requested` for these in their app's receivers "
        f"(a section, or left out with a reason): {sorted(missing)}"
    )
    assert not stale, f"Not models about a user any more: {sorted(stale)}"
    assert all(reason.strip() for reason in left_out.values())


@pytest.fixture
def rich_patient(patient, technician, record, other_record, admin_user):
    """`patient` with one row of every exported kind, and someone else's data beside it."""
    booking = record.booking
    BookingStatusHistoryFactory(booking=booking, changed_by=technician.user, note="Accepted")
    RecordAccessFactory(record=record, reader=technician.user)
    RecordAmendmentFactory(record=record, amended_by=technician.user)
    NotificationFactory(user=patient, title="Your visit is confirmed")
    NotificationFactory(user=other_record.user, title="Someone else's news")
    EmailPreferenceFactory(user=patient)
    SentReminderFactory(booking=BookingFactory(user=patient, technician=technician, confirmed=True))
    AdminLogFactory(admin_user=patient, action="booking_cancelled", description="Cancelled a visit")
    VisitSeriesFactory(user=patient)
    paid = BookingFactory(user=patient, technician=technician, confirmed=True, payment_method=PaymentMethod.ONLINE)
    booking_pay_online(booking=paid, actor=patient, card_number="4242 4242 4242 4242")
    entry = WaitlistEntryFactory(patient=patient)
    WaitlistOffer.objects.create(entry=entry, start=paid.scheduled_start, request_token=uuid.uuid4(), booking=paid)
    return patient


def test_the_export_holds_every_row_about_the_patient(rich_patient):
    document = personal_data.export_for(rich_patient)
    exported, left_out = _declared(rich_patient)

    for model in _related_models():
        label = model._meta.label_lower
        if label in left_out:
            continue
        expected = set(_rows_of(model, rich_patient).values_list("pk", flat=True))
        assert expected, f"Make a row of {label} for the patient in this test, so the check below means something."
        assert expected <= _ids_at(document, exported[label]), label


def test_the_export_shows_records_in_words_and_nothing_of_other_patients(rich_patient, record):
    document = personal_data.export_for(rich_patient)
    text = json.dumps(document)

    (exported,) = document["health_records"]
    assert {"vital": "oxygen_saturation", "name": "SpO2", "value": "89", "unit": "%", "flag": "low"} in exported[
        "vitals"
    ]
    assert exported["documents"][0]["name"] == "blood-test.pdf"
    assert document["who_viewed_my_records"][0]["reader"] == "Nadia Nurse (nurse)"
    assert document["profile"]["email"] == "patient@example.com"
    assert all(secret in text for secret in SECRETS[:3])
    assert OTHER_SECRET not in text
    assert "Someone else's news" not in text
    assert "Otto Other" not in text


def test_the_export_leaves_out_credentials_and_check_in_codes(rich_patient):
    text = json.dumps(personal_data.export_for(rich_patient))

    assert rich_patient.password not in text
    for booking in rich_patient.bookings.exclude(qr_code_data=None):
        assert booking.qr_code_data not in text


def test_the_patient_downloads_their_data_as_a_json_file(rich_patient, client_for):
    response = client_for(rich_patient).get(reverse("records:export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="homecure-my-data-')
    assert response["Cache-Control"].startswith("max-age=0")
    document = json.loads(_body(response))
    assert document["format"] == "homecure-my-data"
    assert len(document["bookings"]) == rich_patient.bookings.count()


def test_the_download_is_kept_in_the_audit_log(rich_patient, client_for):
    client_for(rich_patient).get(reverse("records:export"), HTTP_USER_AGENT="Test browser")

    entry = AdminLog.objects.get(action="personal_data_exported")
    assert (entry.admin_user, entry.entity_id) == (rich_patient, str(rich_patient.pk))
    assert entry.user_agent == "Test browser"


def test_the_export_runs_a_fixed_number_of_queries(rich_patient, technician, client_for, django_assert_max_num_queries):
    for _ in range(15):
        booking = BookingFactory(user=rich_patient, technician=technician, completed=True)
        BookingStatusHistoryFactory(booking=booking)
        record = HealthRecord.objects.create(
            user=rich_patient, booking=booking, record_type="checkup", record_date=booking.scheduled_date
        )
        RecordAccessFactory(record=record, reader=technician.user)
    client = client_for(rich_patient)

    # One query per table, however many rows: since care plans, payments and the waitlist, also the
    # plans, the bookings' payments, the waitlist entries, their offers and the bookings they made.
    with django_assert_max_num_queries(19):
        response = client.get(reverse("records:export"))
        body = _body(response)

    assert len(json.loads(body)["health_records"]) == 16


def _busy(patient, technician, bookings):
    """Give `patient` `bookings` more finished visits, each with its history, record, read, notice and reminder."""
    for i in range(bookings):
        booking = BookingFactory(user=patient, technician=technician, completed=True)
        BookingStatusHistoryFactory(booking=booking, note=f"Step {i}")
        record = HealthRecord.objects.create(
            user=patient, booking=booking, record_type="checkup", record_date=booking.scheduled_date
        )
        RecordAmendmentFactory(record=record, amended_by=technician.user)
        RecordAccessFactory(record=record, reader=technician.user)
        NotificationFactory(user=patient, title=f"Visit {i} done")
        SentReminderFactory(booking=booking, user=patient)


def test_the_download_is_streamed_and_is_the_document_as_before(rich_patient, technician, client_for, monkeypatch):
    _busy(rich_patient, technician, 5)
    # Text that JSON escapes, and letters beyond ASCII, which the file keeps as they are.
    NotificationFactory(user=rich_patient, title="Zoë's visit", message='First line\nsecond "quoted" line\t\u2028')
    # Small writes, so the file comes in several pieces.
    monkeypatch.setattr(personal_data, "WRITE_SIZE", 1024)

    response = client_for(rich_patient).get(reverse("records:export"))
    pieces = list(response.streaming_content)

    assert response.streaming
    assert response.status_code == 200
    assert "Content-Length" not in response
    assert len(pieces) > 3
    body = b"".join(pieces).decode()
    document = json.loads(body)
    # The text is exactly what the whole document written at once was.
    now = datetime.fromisoformat(document["exported_at"])
    before = json.dumps(
        personal_data.export_for(rich_patient, now=now), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    )
    assert body == before
    assert "Zoë's visit" in body
    assert len(document["bookings"]) == rich_patient.bookings.count()


def test_an_export_with_empty_lists_is_the_document_as_before(patient, client_for):
    response = client_for(patient).get(reverse("records:export"))
    body = _body(response)

    document = json.loads(body)
    now = datetime.fromisoformat(document["exported_at"])
    assert body == json.dumps(
        personal_data.export_for(patient, now=now), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
    )
    assert document["bookings"] == document["notifications"] == []


def test_the_exports_queries_do_not_grow_with_the_patients_visits(patient, technician, client_for):
    """Rows are read `personal_data.CHUNK_SIZE` at a time, their related rows prefetched per chunk."""
    client = client_for(patient)
    client.get(reverse("records:export"))  # the account is then cached, as after any first request
    counts = {}
    made = 0
    for bookings in (10, 200):
        _busy(patient, technician, bookings - made)
        made = bookings
        with CaptureQueriesContext(connection) as captured:
            body = _body(client.get(reverse("records:export")))
        counts[bookings] = len(captured)
        assert len(json.loads(body)["bookings"]) == bookings

    assert counts[10] == counts[200], counts


def test_staff_are_named_by_name_and_role_only_and_office_notes_stay_with_the_office(
    rich_patient, record, technician, admin_user
):
    booking = record.booking
    Booking.objects.filter(pk=booking.pk).update(
        admin_notes="Office only: the son calls about the bill", technician_notes="Dressing changed, healing well"
    )
    RecordAccessFactory(
        record=record, reader=admin_user, reason="admin", ip_address="203.0.113.9", user_agent="OfficeBrowser/9"
    )
    BookingStatusHistoryFactory(booking=booking, changed_by=admin_user, note="Assigned")

    document = personal_data.export_for(rich_patient)
    text = json.dumps(document)

    for staff in (technician.user, admin_user):
        assert staff.email not in text
    assert "203.0.113.9" not in text
    assert "OfficeBrowser/9" not in text
    assert [read["reader"] for read in document["who_viewed_my_records"]] == [
        "Nadia Nurse (nurse)",
        "HomeCure office (administrator)",
    ]
    assert all("ip_address" not in read and "user_agent" not in read for read in document["who_viewed_my_records"])
    (visit,) = [b for b in document["bookings"] if b["reference"] == booking.reference]
    assert {change["changed_by"] for change in visit["status_history"]} >= {
        "Nadia Nurse (nurse)",
        "HomeCure office (administrator)",
    }
    assert visit["technician"] == "Nadia Nurse (nurse)"
    assert "admin_notes" not in visit
    assert "Office only" not in text
    assert visit["technician_notes"] == "Dressing changed, healing well"
    assert document["health_records"][0]["corrections"][0]["by"] == "Nadia Nurse (nurse)"
