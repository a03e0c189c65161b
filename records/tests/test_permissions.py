"""Who reaches each records URL (DESIGN 5 and 9): a matrix of people against URLs.

Readers of a record are its patient, its author, a technician of an accepted visit of the patient
within its access window (records/tests/test_access_window.py has the window's edges), and
administrators; everyone else gets 404 (the record does not exist for them), the
anonymous visitor the log-in page. No response ever shows another patient's record.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import BookingStatus
from bookings.tests.factories import BookingFactory
from records import urls as records_urls
from records.tests.conftest import OTHER_SECRET, SECRETS, give_reason
from technicians.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


def _visit(patient, technician, status, **extra):
    # In twelve hours: inside the default 24-hour access window before the start.
    return BookingFactory(
        user=patient,
        technician=technician,
        status=status,
        start=timezone.now() + timedelta(hours=12),
        **extra,
    )


@pytest.fixture
def people(patient, other_patient, technician, other_technician, unverified_technician, admin_user, record):
    """Name -> user, each set up to be what its name says about `record` (written by `technician`)."""
    visiting = TechnicianFactory(user__first_name="Vera", user__last_name="Visiting")
    _visit(patient, visiting, BookingStatus.CONFIRMED)
    finished = TechnicianFactory(user__first_name="Fred", user__last_name="Finished")
    BookingFactory(user=patient, technician=finished, completed=True, start=timezone.now() - timedelta(days=3))
    cancelled = TechnicianFactory(user__first_name="Carl", user__last_name="Cancelled")
    BookingFactory(user=patient, technician=cancelled, cancelled=True)
    _visit(patient, unverified_technician, BookingStatus.PENDING)
    suspended = TechnicianFactory(user__first_name="Sam", user__last_name="Suspended", is_active=False)
    return {
        "anonymous": None,
        "patient": patient,
        "author": technician.user,
        "other_patient": other_patient,
        "technician_of_an_active_visit": visiting.user,
        "technician_after_the_visit_ended": finished.user,
        "technician_of_a_cancelled_visit": cancelled.user,
        "unverified_technician_of_a_visit": unverified_technician.user,
        "unassigned_technician": other_technician.user,
        "suspended_author": suspended.user,
        "admin": admin_user,
    }


def _reader(who, people, record):
    """The person called `who`; the suspended author becomes the record's author first."""
    if who == "suspended_author":
        record.created_by = people[who]
        record.save()
    return people[who]


READERS = {
    "anonymous": "login",
    "patient": 200,
    "author": 200,
    "other_patient": 404,
    "technician_of_an_active_visit": 200,
    "technician_after_the_visit_ended": 404,
    "technician_of_a_cancelled_visit": 404,
    "unverified_technician_of_a_visit": 404,
    "unassigned_technician": 404,
    "suspended_author": 404,
    "admin": 200,
}


def _urls(record):
    document = record.documents.get()
    return {
        "detail": reverse("records:detail", args=[record.pk]),
        "print": reverse("records:print", args=[record.pk]),
        "document": reverse("records:document", args=[record.pk, document.pk]),
    }


def _content(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("latin-1")
    return response.content.decode()


def _check(response, expected, *, may_show):
    """`expected` is a status or "login"; `may_show`: whether the record's contents may appear."""
    content = _content(response)
    if expected == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected, content[:300]
    assert OTHER_SECRET not in content
    if not may_show:
        assert not any(secret in content for secret in SECRETS)


@pytest.mark.parametrize("view", ["detail", "print", "document"])
@pytest.mark.parametrize(("who", "expected"), READERS.items())
def test_who_reads_a_record_and_its_documents(
    view, who, expected, people, technician, record, other_record, client_for
):
    user = technician.user if who == "author" else people[who]
    if who == "author":
        record.created_by = technician.user
        record.save()
    client = client_for(user)
    if who == "admin":
        give_reason(client, record)

    response = client.get(_urls(record)[view])

    _check(response, expected, may_show=expected == 200)


def test_a_document_of_another_record_is_not_served_through_this_one(record, other_record, client_for, patient):
    other_document = other_record.documents.get()

    response = client_for(patient).get(reverse("records:document", args=[record.pk, other_document.pk]))

    _check(response, 404, may_show=False)


PATIENT_PAGES = ["list", "who-viewed", "export"]
PATIENT_PAGE_ACCESS = {
    "anonymous": "login",
    "patient": 200,
    "technician_of_an_active_visit": 403,
    "unassigned_technician": 403,
    "admin": 403,
}


@pytest.mark.parametrize("name", PATIENT_PAGES)
@pytest.mark.parametrize(("who", "expected"), PATIENT_PAGE_ACCESS.items())
def test_patient_pages_are_for_patients_and_show_only_their_own(name, who, expected, people, other_record, client_for):
    response = client_for(people[who]).get(reverse(f"records:{name}"))

    _check(response, expected, may_show=who == "patient")


def test_the_other_patient_sees_only_their_own_in_their_pages(people, record, other_record, client_for):
    client = client_for(people["other_patient"])

    pages = [_content(client.get(reverse(f"records:{name}"))) for name in PATIENT_PAGES]

    assert OTHER_SECRET in pages[2]
    assert not any(secret in page for page in pages for secret in SECRETS)


AMEND_ACCESS = {
    "anonymous": "login",
    "patient": 302,
    "author": 200,
    "other_patient": 404,
    "technician_of_an_active_visit": 302,
    "technician_after_the_visit_ended": 404,
    "unassigned_technician": 404,
    "suspended_author": 404,
    "admin": 200,
}


@pytest.mark.parametrize(("who", "expected"), AMEND_ACCESS.items())
def test_who_may_open_the_correction_page(who, expected, people, record, other_record, client_for):
    client = client_for(_reader(who, people, record))
    if who == "admin":
        give_reason(client, record)

    response = client.get(reverse("records:amend", args=[record.pk]))

    _check(response, expected, may_show=expected == 200)
    if expected == 302:
        assert response.url == record.get_absolute_url()


def test_author_cannot_open_the_correction_page_after_24_hours(technician, record, client_for):
    record.created_by = technician.user
    record.created_at = timezone.now() - timedelta(hours=25)
    record.save()

    response = client_for(technician.user).get(reverse("records:amend", args=[record.pk]))

    assert response.status_code == 302
    assert response.url == record.get_absolute_url()


NEW_RECORD_ACCESS = {
    "anonymous": "login",
    "patient": 403,
    "other_patient": 403,
    "author": 200,
    "technician_of_an_active_visit": 404,
    "unassigned_technician": 404,
    "suspended_author": 404,
    "admin": 200,
}


@pytest.fixture
def just_finished(finished_visit):
    # `finished_visit`, but completed an hour ago: its technician may still write its record.
    finished_visit.set_schedule(timezone.now() - timedelta(hours=2), finished_visit.duration_minutes)
    finished_visit.completed_at = timezone.now() - timedelta(hours=1)
    finished_visit.save()
    return finished_visit


@pytest.mark.parametrize(("who", "expected"), NEW_RECORD_ACCESS.items())
def test_who_may_write_the_record_of_a_visit(who, expected, people, just_finished, client_for):
    # `author` is the visit's technician; the suspended one is not assigned to this visit.
    response = client_for(people[who]).get(reverse("records:new", args=[just_finished.reference]))

    _check(response, expected, may_show=False)


def test_a_suspended_technician_cannot_open_the_record_form_of_their_visit(technician, finished_visit, client_for):
    technician.is_active = False
    technician.save()

    response = client_for(technician.user).get(reverse("records:new", args=[finished_visit.reference]))

    assert response.status_code == 404


def test_the_record_form_of_a_visit_not_started_explains_why(technician, patient, client_for):
    upcoming = _visit(patient, technician, BookingStatus.CONFIRMED)

    response = client_for(technician.user).get(reverse("records:new", args=[upcoming.reference]))

    assert response.status_code == 409
    assert "A record can be written once the visit has started." in response.content.decode()


def test_an_unknown_visit_is_not_found(technician, client_for):
    response = client_for(technician.user).get(reverse("records:new", args=["HC-NOPE0000"]))

    assert response.status_code == 404


@pytest.mark.parametrize("view", ["records:detail", "records:print", "records:amend"])
def test_an_unknown_record_is_not_found(view, admin_user, client_for):
    response = client_for(admin_user).get(reverse(view, args=[999999]))

    assert response.status_code == 404


#: The page where an administrator says why they open a record: everyone else who may read the
#: record goes straight on to it (302), and to the rest it does not exist.
REASON_ACCESS = {
    "anonymous": "login",
    "patient": 302,
    "author": 302,
    "other_patient": 404,
    "technician_of_an_active_visit": 302,
    "technician_after_the_visit_ended": 404,
    "unassigned_technician": 404,
    "suspended_author": 404,
    "admin": 200,
}


@pytest.mark.parametrize(("who", "expected"), REASON_ACCESS.items())
def test_who_is_asked_for_a_reason(who, expected, people, technician, record, other_record, client_for):
    user = technician.user if who == "author" else _reader(who, people, record)

    response = client_for(user).get(reverse("records:reason", args=[record.pk]))

    _check(response, expected, may_show=False)
    if expected == 302:
        assert response.url == record.get_absolute_url()


MATRICES = {
    "list": PATIENT_PAGE_ACCESS,
    "who-viewed": PATIENT_PAGE_ACCESS,
    "export": PATIENT_PAGE_ACCESS,
    "detail": READERS,
    "print": READERS,
    "document": READERS,
    "amend": AMEND_ACCESS,
    "reason": REASON_ACCESS,
    "new": NEW_RECORD_ACCESS,
}


def test_every_records_url_is_in_a_matrix():
    names = {pattern.name for pattern in records_urls.urlpatterns}

    assert names == set(MATRICES)


@pytest.mark.parametrize("view", ["detail", "print", "document"])
def test_read_pages_answer_only_get_and_keep_no_read_otherwise(view, admin_user, record, client_for):
    response = client_for(admin_user).post(_urls(record)[view])

    assert response.status_code == 405
    assert not record.accesses.exists()


def test_the_record_form_answers_only_get_and_post(technician, finished_visit, client_for):
    response = client_for(technician.user).put(reverse("records:new", args=[finished_visit.reference]))

    assert response.status_code == 405
