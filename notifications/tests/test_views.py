"""The inbox, opening a notification, mark all read, e-mail settings and the navbar badge."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from notifications.context_processors import unread_notifications
from notifications.models import EmailPreference, Notification, NotificationType
from notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

INBOX = reverse("notifications:list")
READ_ALL = reverse("notifications:read-all")
PREFERENCES = reverse("notifications:preferences")


def open_url(notification):
    return reverse("notifications:open", args=[notification.pk])


# --- Permissions --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [INBOX, PREFERENCES])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_anonymous_visitors_cannot_open_a_notification(client, patient):
    notification = NotificationFactory(user=patient)

    response = client.post(open_url(notification))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    notification.refresh_from_db()
    assert not notification.is_read


def test_another_users_notification_does_not_exist_for_them(client, patient, other_patient):
    notification = NotificationFactory(user=patient, action_url="/bookings/")
    client.force_login(other_patient)

    response = client.post(open_url(notification))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert not notification.is_read


@pytest.mark.parametrize("url", [READ_ALL, "open"])
def test_state_changes_refuse_get(patient_client, patient, url):
    notification = NotificationFactory(user=patient)

    response = patient_client.get(open_url(notification) if url == "open" else url)

    assert response.status_code == 405
    notification.refresh_from_db()
    assert not notification.is_read


@pytest.mark.parametrize("persona", ["patient", "technician", "admin_user"])
def test_every_role_has_an_inbox(client, request, persona):
    person = request.getfixturevalue(persona)
    user = getattr(person, "user", person)
    NotificationFactory(user=user, title="Hello there")
    client.force_login(user)

    response = client.get(INBOX)

    assert response.status_code == 200
    assert "Hello there" in response.content.decode()


# --- Inbox --------------------------------------------------------------------------------------------------------


def test_the_inbox_shows_only_my_notifications_unread_first(patient_client, patient, other_patient):
    NotificationFactory(user=patient, title="Old and read", is_read=True)
    NotificationFactory(user=patient, title="Unread")
    NotificationFactory(user=other_patient, title="Not mine")

    response = patient_client.get(INBOX)

    assert [n.title for n in response.context["page_obj"]] == ["Unread", "Old and read"]
    assert "Not mine" not in response.content.decode()


def test_the_inbox_is_paginated(patient_client, patient):
    NotificationFactory.create_batch(25, user=patient)

    first = patient_client.get(INBOX)
    second = patient_client.get(INBOX, {"page": 2})

    assert len(first.context["page_obj"]) == 20
    assert len(second.context["page_obj"]) == 5
    assert "Page 2 of 2" in second.content.decode()


def test_an_empty_inbox_says_so(patient_client):
    response = patient_client.get(INBOX)

    assert "You have no notifications yet." in response.content.decode()
    assert "Mark all as read" not in response.content.decode()


def test_the_inbox_runs_a_fixed_number_of_queries_with_100_notifications(
    patient_client, patient, django_assert_max_num_queries
):
    NotificationFactory.create_batch(100, user=patient)
    NotificationFactory.create_batch(30, user=patient, is_read=True)

    # session, user, page count, one page of notifications, the badge's unread count
    with django_assert_max_num_queries(5):
        response = patient_client.get(INBOX, {"page": 3})

    assert response.status_code == 200
    assert len(response.context["page_obj"]) == 20


# --- Opening and marking read -------------------------------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_follows_its_link(patient_client, patient):
    notification = NotificationFactory(user=patient, action_url="/bookings/HC-ABC/")

    response = patient_client.post(open_url(notification))

    assert response.status_code == 302
    assert response.url == "/bookings/HC-ABC/"
    notification.refresh_from_db()
    assert notification.is_read
    assert notification.read_at is not None


def test_opening_it_again_keeps_the_first_read_time(patient_client, patient):
    notification = NotificationFactory(user=patient, action_url="/bookings/")
    patient_client.post(open_url(notification))
    notification.refresh_from_db()
    first = notification.read_at

    patient_client.post(open_url(notification))

    notification.refresh_from_db()
    assert notification.read_at == first


@pytest.mark.parametrize(
    "action_url",
    ["", "https://evil.example/", "//evil.example/path", "javascript:alert(1)", "/\\evil.example"],
)
def test_a_notification_without_a_safe_local_link_returns_to_the_inbox(patient_client, patient, action_url):
    notification = NotificationFactory(user=patient, action_url=action_url)

    response = patient_client.post(open_url(notification))

    assert response.url == INBOX
    notification.refresh_from_db()
    assert notification.is_read


def test_mark_all_read_marks_only_mine(patient_client, patient, other_patient):
    NotificationFactory.create_batch(3, user=patient)
    theirs = NotificationFactory(user=other_patient)

    response = patient_client.post(READ_ALL, follow=True)

    assert not Notification.objects.filter(user=patient, is_read=False).exists()
    theirs.refresh_from_db()
    assert not theirs.is_read
    assert "All notifications are marked as read." in response.content.decode()


# --- Navbar badge -------------------------------------------------------------------------------------------------


def badge_of(response):
    return response.context["unread_notifications"]


def test_the_badge_counts_my_unread_notifications(patient_client, patient, other_patient):
    NotificationFactory.create_batch(2, user=patient)
    NotificationFactory(user=patient, is_read=True)
    NotificationFactory(user=other_patient)

    response = patient_client.get(reverse("home"))

    assert badge_of(response) == 2
    assert '2<span class="visually-hidden"> unread</span>' in response.content.decode()


def test_the_badge_stops_counting_at_99_plus(patient_client, patient):
    NotificationFactory.create_batch(120, user=patient)

    response = patient_client.get(reverse("home"))

    assert '99+<span class="visually-hidden"> unread</span>' in response.content.decode()


def test_no_badge_without_unread_notifications(patient_client, patient):
    NotificationFactory(user=patient, is_read=True)

    response = patient_client.get(reverse("home"))

    assert 'visually-hidden"> unread' not in response.content.decode()


def test_the_badge_costs_nothing_for_visitors_and_one_query_when_shown(patient, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert unread_notifications(request) == {}

    request.user = patient
    context = unread_notifications(request)
    with django_assert_num_queries(1):
        assert str(context["unread_notifications"]) == "0"
        assert not context["unread_notifications"]


# --- E-mail settings ----------------------------------------------------------------------------------------------


def test_a_patient_chooses_which_emails_they_get(patient_client, patient):
    page = patient_client.get(PREFERENCES)
    assert list(page.context["form"].fields) == ["booking", "reminder", "payment", "record", "announcement"]
    assert all(field.initial for field in page.context["form"].fields.values())

    response = patient_client.post(PREFERENCES, {"booking": "on", "reminder": "on", "record": "on"}, follow=True)

    assert "Your e-mail choices are saved." in response.content.decode()
    assert dict(EmailPreference.objects.filter(user=patient).values_list("notification_type", "email_enabled")) == {
        "booking": True,
        "reminder": True,
        "payment": False,
        "record": True,
        "announcement": False,
    }
    again = patient_client.get(PREFERENCES)
    assert again.context["form"]["payment"].value() is False
    assert again.context["form"]["booking"].value() is True


def test_a_technician_is_offered_the_kinds_they_receive(technician_client):
    response = technician_client.get(PREFERENCES)

    assert list(response.context["form"].fields) == ["booking", "reminder", "payment", "account", "announcement"]


def test_a_posted_kind_outside_the_users_role_is_ignored(technician_client, technician):
    technician_client.post(PREFERENCES, {"booking": "on", NotificationType.RECORD: "on"})

    kinds = set(EmailPreference.objects.filter(user=technician.user).values_list("notification_type", flat=True))
    assert NotificationType.RECORD not in kinds


def test_the_settings_page_says_when_email_is_off_for_everyone(patient_client):
    from homecure.tests.factories import SystemSettingsFactory

    SystemSettingsFactory(key="email_notifications_enabled", value="false")

    response = patient_client.get(PREFERENCES)

    assert "HomeCure is not sending any e-mail at the moment" in response.content.decode()
