"""The back office's announcement page: pick an audience, write, send through the service."""

import pytest
from django.urls import reverse

from homecure.models import AdminLog
from notifications.models import Notification, NotificationType

pytestmark = pytest.mark.django_db

ANNOUNCE = reverse("admin:notifications_notification_announce")


def test_notification_list_links_to_the_announcement_page(admin_client):
    page = admin_client.get(reverse("admin:notifications_notification_changelist"))

    assert ANNOUNCE in page.content.decode()


def test_announcement_page_says_how_many_people_each_audience_reaches(admin_client, patient, other_patient, technician):
    page = admin_client.get(ANNOUNCE)

    choices = dict(page.context["form"].fields["audience"].choices)
    assert choices == {
        "patients": "Patients (2 people)",
        "technicians": "Technicians (1 person)",
        "everyone": "Everyone (4 people)",
    }


def test_announcement_to_technicians_reaches_them_only_and_is_audited(
    admin_client, admin_user, patient, technician, other_technician
):
    response = admin_client.post(
        ANNOUNCE,
        {"audience": "technicians", "title": "New dressing kits", "message": "Collect yours at the office."},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:notifications_notification_changelist")
    told = Notification.objects.filter(title="New dressing kits")
    assert set(told.values_list("user", flat=True)) == {technician.user_id, other_technician.user_id}
    assert set(told.values_list("notification_type", flat=True)) == {NotificationType.ANNOUNCEMENT}
    entry = AdminLog.objects.get(admin_user=admin_user)
    assert "New dressing kits" in entry.description


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"audience": "everyone", "title": "", "message": "Hello"}, "title"),
        ({"audience": "everyone", "title": "Hello", "message": ""}, "message"),
        ({"audience": "administrators", "title": "Hello", "message": "Hi"}, "audience"),
    ],
)
def test_incomplete_announcement_is_refused_next_to_the_field(admin_client, patient, data, field):
    response = admin_client.post(ANNOUNCE, data)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Notification.objects.exists()


def test_a_blank_looking_announcement_is_refused_with_the_services_message(admin_client, patient):
    response = admin_client.post(ANNOUNCE, {"audience": "patients", "title": "   ", "message": "  \n "})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Notification.objects.exists()


def test_patients_cannot_send_announcements(patient_client, patient):
    response = patient_client.post(ANNOUNCE, {"audience": "everyone", "title": "Hi all", "message": "Free visits!"})

    assert response.status_code == 302
    assert not Notification.objects.exists()
