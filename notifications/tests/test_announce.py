"""Announcements from the back office to patients, technicians or everyone."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.tests.factories import PatientFactory
from homecure.models import AdminLog
from notifications import services
from notifications.models import Notification, NotificationType
from notifications.services import Audience, notification_announce
from notifications.tests.factories import EmailPreferenceFactory

pytestmark = pytest.mark.django_db


def announce(actor, audience=Audience.PATIENTS, title="Closed on Monday", message="Bank holiday: no visits."):
    return notification_announce(audience=audience, title=title, message=message, actor=actor)


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        (Audience.PATIENTS, {"patient", "other_patient"}),
        (Audience.TECHNICIANS, {"technician", "other_technician"}),
        (Audience.EVERYONE, {"patient", "other_patient", "technician", "other_technician", "admin_user"}),
    ],
)
def test_an_announcement_reaches_its_audience_and_nobody_else(request, admin_user, audience, expected):
    people = {name: request.getfixturevalue(name) for name in ("patient", "other_patient", "admin_user")}
    people |= {name: request.getfixturevalue(name).user for name in ("technician", "other_technician")}
    PatientFactory(email="left@example.com", is_active=False)

    count = announce(admin_user, audience)

    recipients = set(Notification.objects.values_list("user__email", flat=True))
    assert recipients == {people[name].email for name in expected}
    assert count == len(expected)
    assert set(Notification.objects.values_list("notification_type", flat=True)) == {NotificationType.ANNOUNCEMENT}


def test_a_large_audience_is_written_and_emailed_in_chunks(
    admin_user, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    monkeypatch.setattr(services, "ANNOUNCE_CHUNK", 4)
    PatientFactory.create_batch(10)
    EmailPreferenceFactory(user=PatientFactory(), notification_type=NotificationType.ANNOUNCEMENT)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        count = announce(admin_user)

    assert count == 11
    assert Notification.objects.count() == 11
    assert len(callbacks) == 3
    assert len(mailoutbox) == 10
    assert {message.subject for message in mailoutbox} == {"Closed on Monday"}
    assert "Bank holiday: no visits." in mailoutbox[0].body


def test_the_announcement_is_in_the_audit_log(admin_user, patient):
    announce(admin_user)

    entry = AdminLog.objects.get(action="announce")
    assert entry.admin_user == admin_user
    assert entry.new_values == {
        "audience": "patients",
        "title": "Closed on Monday",
        "message": "Bank holiday: no visits.",
        "recipients": 1,
    }


@pytest.mark.parametrize("persona", ["patient", "technician"])
def test_only_administrators_announce(request, persona, patient):
    person = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        announce(getattr(person, "user", person))

    assert not Notification.objects.exists()


@pytest.mark.parametrize(("title", "message"), [("", "Text"), ("Title", "   ")])
def test_an_announcement_needs_a_title_and_a_message(admin_user, patient, title, message):
    with pytest.raises(ValidationError):
        announce(admin_user, title=title, message=message)

    assert not Notification.objects.exists()
