"""Break-glass access: an administrator says why before a patient's record opens (`records.break_glass`)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.tests.factories import BookingFactory
from homecure.models import AdminLog
from records import break_glass
from records.models import RecordAccess
from records.tests.conftest import REASON, SECRET_DIAGNOSIS, SECRETS, give_reason
from technicians.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

PAGES = ["detail", "print", "document", "amend", "back office"]


def _pages(record):
    document = record.documents.get()
    return {
        "detail": reverse("records:detail", args=[record.pk]),
        "print": reverse("records:print", args=[record.pk]),
        "document": reverse("records:document", args=[record.pk, document.pk]),
        "amend": reverse("records:amend", args=[record.pk]),
        "back office": reverse("admin:records_healthrecord_change", args=[record.pk]),
    }


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("latin-1")
    return response.content.decode()


@pytest.mark.parametrize("view", PAGES)
def test_an_administrator_without_a_reason_gets_the_reason_form_not_the_record(view, record, admin_user, client_for):
    url = _pages(record)[view]

    response = client_for(admin_user).get(url, follow=True)

    body = _body(response)
    assert response.redirect_chain == [(break_glass.reason_url(record.pk, url), 302)]
    assert "Why do you need to open this record?" in body
    assert not any(secret in body for secret in SECRETS)
    assert not RecordAccess.objects.exists()
    assert not AdminLog.objects.filter(action="health_record_read").exists()


@pytest.mark.parametrize("view", PAGES)
def test_with_a_reason_the_administrator_sees_the_record_and_the_read_keeps_the_reason(
    view, record, admin_user, client_for
):
    client = client_for(admin_user)
    url = _pages(record)[view]

    answer = client.post(reverse("records:reason", args=[record.pk]), {"reason": REASON, "next": url})
    response = client.get(url)

    assert answer.status_code == 302
    assert answer.url == url
    body = _body(response)
    assert response.status_code == 200
    assert any(secret in body for secret in SECRETS)
    access = RecordAccess.objects.get()
    assert (access.reader, access.reason, access.reason_given) == (admin_user, "admin", REASON)
    entry = AdminLog.objects.get(action="health_record_read")
    assert entry.new_values["reason_given"] == REASON
    assert REASON in entry.description


def test_the_reason_is_required(record, admin_user, client_for):
    client = client_for(admin_user)
    url = reverse("records:reason", args=[record.pk])

    empty = client.post(url, {"reason": "   "})
    short = client.post(url, {"reason": "need   it"})
    page = client.get(record.get_absolute_url())

    assert empty.status_code == short.status_code == 200
    assert "Say why you need to open this record." in empty.content.decode()
    assert "Say why in a few words (at least 10 characters)." in short.content.decode()
    assert page.status_code == 302
    assert page.url.startswith(url)


def test_the_reason_page_shows_who_and_when_but_no_findings(record, admin_user, client_for):
    page = client_for(admin_user).get(reverse("records:reason", args=[record.pk])).content.decode()

    assert record.user.get_full_name() in page
    assert SECRET_DIAGNOSIS not in page
    assert "the patient sees it" in page


def test_the_patients_who_viewed_page_shows_the_reason(record, patient, admin_user, client_for):
    office = client_for(admin_user)
    give_reason(office, record, "Complaint about the visit, checking what was noted")
    office.get(record.get_absolute_url())

    page = client_for(patient).get(reverse("records:who-viewed")).content.decode()

    assert '<th scope="col">Reason</th>' in page
    assert "Complaint about the visit, checking what was noted" in page


def test_a_reason_opens_that_record_only(record, other_record, admin_user, client_for):
    client = client_for(admin_user)
    give_reason(client, record)

    opened = client.get(record.get_absolute_url())
    other = client.get(other_record.get_absolute_url())

    assert opened.status_code == 200
    assert other.status_code == 302
    assert other.url.startswith(reverse("records:reason", args=[other_record.pk]))


def test_a_reason_keeps_the_record_open_for_fifteen_minutes(client_for, admin_user, record):
    client = client_for(admin_user)
    give_reason(client, record)
    session = client.session
    now = timezone.now()

    assert break_glass.reason_for(session, record.pk, now=now + timedelta(minutes=14)) == REASON
    assert break_glass.reason_for(session, record.pk, now=now + timedelta(minutes=16)) == ""


def test_a_reason_given_earlier_has_ended(client_for, admin_user, record):
    client = client_for(admin_user)
    session = client.session
    break_glass.grant(session, record.pk, REASON, now=timezone.now() - timedelta(minutes=16))
    session.save()

    response = client.get(record.get_absolute_url())

    assert response.status_code == 302
    assert not RecordAccess.objects.exists()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "records"])
def test_the_reason_page_goes_on_only_to_a_page_of_this_site(target, record, admin_user, client_for):
    response = client_for(admin_user).post(
        reverse("records:reason", args=[record.pk]), {"reason": REASON, "next": target}
    )

    assert response.url == record.get_absolute_url()


def test_a_technician_in_their_visits_access_window_is_not_asked(record, patient, service, area, client_for):
    visiting = TechnicianFactory()
    BookingFactory(
        user=patient,
        technician=visiting,
        service=service,
        service_area=area,
        start=timezone.now() + timedelta(hours=12),
        confirmed=True,
    )
    client = client_for(visiting.user)

    pages = [client.get(url) for name, url in _pages(record).items() if name not in ("amend", "back office")]
    reason_page = client.get(reverse("records:reason", args=[record.pk]))

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert reason_page.status_code == 302
    assert set(RecordAccess.objects.values_list("reason", "reason_given")) == {("assigned_visit", "")}


@pytest.mark.parametrize("who", ["patient", "author"])
def test_the_patient_and_the_author_are_not_asked(who, record, patient, technician, client_for):
    user = patient if who == "patient" else technician.user

    response = client_for(user).get(record.get_absolute_url())

    assert response.status_code == 200
