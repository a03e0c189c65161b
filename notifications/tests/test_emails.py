"""E-mail: only after the commit, only when allowed, never with health data, retried when the server fails."""

import re
import smtplib
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bookings import services as booking_services
from bookings.models import BookingStatus
from homecure.tests.factories import SystemSettingsFactory
from notifications import emails
from notifications.models import Notification, NotificationType
from notifications.tasks import MAX_ATTEMPTS, send_notification_emails
from notifications.tests.conftest import visit_start
from notifications.tests.factories import EmailPreferenceFactory, NotificationFactory
from records.services import record_create

MARKER = "ZZ-HEALTH-MARKER-7c1e"


def accept(booking, technician):
    return booking_services.booking_accept(booking=booking, actor=technician.user)


# --- After the commit, and only then ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_notification_and_sends_no_email(make_booking, technician):
    booking = make_booking()

    with pytest.raises(RuntimeError), transaction.atomic():
        accept(booking, technician)
        raise RuntimeError("the page failed after the service call")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING
    assert not Notification.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_email_goes_out_only_once_the_transaction_commits(make_booking, technician, patient):
    booking = make_booking()

    with transaction.atomic():
        accept(booking, technician)
        assert Notification.objects.filter(user=patient).exists()
        assert mail.outbox == []

    assert [message.to for message in mail.outbox] == [[patient.email]]
    assert mail.outbox[0].subject == "Your visit is confirmed"


# --- No health data -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_email_contains_health_data_planted_in_a_record(
    make_booking, technician, patient, admin_user, django_capture_on_commit_callbacks, mailoutbox
):
    booking = make_booking(in_progress=True, start=timezone.now() - timedelta(minutes=30))

    with django_capture_on_commit_callbacks(execute=True):
        record = record_create(
            actor=technician.user,
            booking=booking,
            record_type="checkup",
            record_date=timezone.localdate(),
            diagnosis=f"Diagnosis {MARKER}",
            treatment=f"Treatment {MARKER}",
            provider_notes=f"Notes {MARKER}",
            medications=[{"name": f"Medication {MARKER}", "dose": "5 mg", "frequency": "daily"}],
            vitals={"heart_rate": 187, "temperature": 39.7},
        )

    assert record.vital_flags
    assert sorted(message.to[0] for message in mailoutbox) == sorted([patient.email, admin_user.email])
    for message in mailoutbox:
        for text in (message.subject, message.body, message.alternatives[0][0]):
            assert MARKER not in text
            assert "187" not in text
            assert "39.7" not in text
        assert f"{settings.SITE_URL}/" in message.body
    assert MARKER not in " ".join(Notification.objects.values_list("message", flat=True))


# --- Who gets e-mail ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_user_who_turned_off_a_kind_gets_it_in_the_inbox_only(
    make_booking, technician, patient, django_capture_on_commit_callbacks, mailoutbox
):
    EmailPreferenceFactory(user=patient, notification_type=NotificationType.BOOKING, email_enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        accept(make_booking(), technician)

    assert Notification.objects.filter(user=patient, title="Your visit is confirmed").exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_turning_off_one_kind_leaves_the_others_on(
    make_booking, technician, patient, django_capture_on_commit_callbacks, mailoutbox
):
    EmailPreferenceFactory(user=patient, notification_type=NotificationType.PAYMENT, email_enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        accept(make_booking(), technician)

    assert [message.to for message in mailoutbox] == [[patient.email]]


@pytest.mark.django_db
def test_the_global_switch_stops_every_email_but_not_the_inbox(
    make_booking, technician, patient, django_capture_on_commit_callbacks, mailoutbox
):
    SystemSettingsFactory(key="email_notifications_enabled", value="false")

    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_create(
            patient=patient,
            service=make_booking().service,
            area=patient.area,
            address="1 Camden Road",
            start=visit_start(days=5),
        )

    assert Notification.objects.count() == 2
    assert mailoutbox == []


@pytest.mark.django_db
def test_inactive_users_get_no_email(patient, mailoutbox):
    notification = NotificationFactory(user=patient)
    patient.is_active = False
    patient.save()

    send_notification_emails.enqueue(notification_ids=[notification.pk], template="booking_confirmed")

    assert mailoutbox == []


# --- Content ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_email_is_branded_with_absolute_links_in_text_and_html(
    make_booking, technician, patient, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.SITE_URL = "https://homecure.example"
    booking = make_booking()

    with django_capture_on_commit_callbacks(execute=True):
        accept(booking, technician)

    message = mailoutbox[0]
    html = message.alternatives[0][0]
    link = "https://homecure.example" + reverse("bookings:detail", kwargs={"reference": booking.reference})
    preferences = "https://homecure.example" + reverse("notifications:preferences")
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.body.startswith("Hello Paula,")
    assert f"See your booking and QR code: {link}" in message.body
    assert preferences in message.body
    assert f'href="{link}"' in html
    assert f'href="{preferences}"' in html
    assert "HomeCure" in html
    assert re.search(r'href="/', html) is None


@pytest.mark.django_db
def test_text_emails_are_not_html_escaped(patient, mailoutbox):
    notification = NotificationFactory(user=patient, title="Tom & Jerry's visit", message="Fish & chips <3")

    send_notification_emails.enqueue(notification_ids=[notification.pk], template="announcement")

    message = mailoutbox[0]
    assert message.subject == "Tom & Jerry's visit"
    assert "Fish & chips <3" in message.body
    assert "Fish &amp; chips &lt;3" in message.alternatives[0][0]


@pytest.mark.django_db
def test_a_link_to_another_site_is_never_put_in_an_email(patient, mailoutbox):
    notification = NotificationFactory(user=patient, action_url="https://evil.example/login")

    send_notification_emails.enqueue(notification_ids=[notification.pk], template="announcement")

    assert "evil.example" not in mailoutbox[0].body
    assert f"{settings.SITE_URL}{reverse('notifications:list')}" in mailoutbox[0].body


EMAIL_TEMPLATES = sorted(
    path.name for path in (Path(settings.BASE_DIR) / "templates" / "emails").iterdir() if path.is_dir()
)


def test_every_email_kind_has_its_three_templates():
    assert len(EMAIL_TEMPLATES) == 30
    for name in EMAIL_TEMPLATES:
        for part in ("subject.txt", "body.txt", "body.html"):
            get_template(f"emails/{name}/{part}")


@pytest.mark.django_db
@pytest.mark.parametrize("template", EMAIL_TEMPLATES)
def test_every_email_renders_a_one_line_subject_and_both_bodies(patient, template):
    notification = NotificationFactory(user=patient, title="A title", message="A message", action_url="/bookings/")

    message = emails.build_email(notification, template)

    assert message.subject and "\n" not in message.subject
    assert "A message" in message.body
    assert f"{settings.SITE_URL}/bookings/" in message.alternatives[0][0]


# --- A failing mail server ----------------------------------------------------------------------------------------


class FlakyBackend(EmailBackend):
    """Refuses the first `failures` messages, then delivers like the test backend."""

    failures = 0
    attempts = 0

    def send_messages(self, messages):
        type(self).attempts += 1
        if type(self).attempts <= type(self).failures:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.attempts = 0

    def fail(times):
        FlakyBackend.failures = times

    return fail


@pytest.mark.django_db
def test_a_failed_send_is_retried_until_it_goes_out(patient, flaky_mail, mailoutbox):
    flaky_mail(MAX_ATTEMPTS - 1)
    notification = NotificationFactory(user=patient)

    send_notification_emails.enqueue(notification_ids=[notification.pk], template="booking_confirmed")

    assert FlakyBackend.attempts == MAX_ATTEMPTS
    assert [message.to for message in mailoutbox] == [[patient.email]]


@pytest.mark.django_db
def test_retries_stop_after_the_last_attempt(patient, flaky_mail, mailoutbox, caplog):
    flaky_mail(100)
    notification = NotificationFactory(user=patient)

    send_notification_emails.enqueue(notification_ids=[notification.pk], template="booking_confirmed")

    assert FlakyBackend.attempts == MAX_ATTEMPTS
    assert mailoutbox == []
    assert f"failed {MAX_ATTEMPTS} times; giving up" in caplog.text


class SecondMessageFailsOnce(EmailBackend):
    """Delivers the first message, drops the connection on the second, then delivers again."""

    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls == 2:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.mark.django_db
def test_a_retry_sends_only_what_had_not_gone_out(patient, other_patient, settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.SecondMessageFailsOnce"
    SecondMessageFailsOnce.calls = 0
    first, second = NotificationFactory(user=patient), NotificationFactory(user=other_patient)

    send_notification_emails.enqueue(notification_ids=[first.pk, second.pk], template="announcement")

    assert [message.to for message in mailoutbox] == [[patient.email], [other_patient.email]]
    assert SecondMessageFailsOnce.calls == 3


def cancel(client, booking):
    return client.post(reverse("bookings:cancel", kwargs={"reference": booking.reference}), {"reason": "Away"})


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_never_breaks_the_page(patient_client, make_booking, technician, flaky_mail):
    flaky_mail(100)
    booking = make_booking(confirmed=True)

    response = cancel(patient_client, booking)

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert Notification.objects.filter(user=technician.user).exists()
    assert FlakyBackend.attempts == MAX_ATTEMPTS


@pytest.mark.django_db(transaction=True)
def test_a_queue_that_cannot_be_reached_never_breaks_the_page(patient_client, make_booking, monkeypatch, caplog):
    class Unreachable:
        def enqueue(self, **kwargs):
            raise ConnectionError("task queue down")

    monkeypatch.setattr("notifications.tasks.send_notification_emails", Unreachable())
    booking = make_booking(confirmed=True)

    response = cancel(patient_client, booking)

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert "task queue down" in caplog.text


@pytest.mark.django_db
def test_with_the_database_queue_a_retry_waits_instead_of_running_at_once(patient, flaky_mail, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    flaky_mail(1)
    notification = NotificationFactory(user=patient)

    sent = send_notification_emails.call(notification_ids=[notification.pk], template="booking_confirmed")

    retry = DBTaskResult.objects.get()
    assert sent == 0
    assert retry.args_kwargs["kwargs"] == {
        "notification_ids": [notification.pk],
        "template": "booking_confirmed",
        "attempt": 2,
    }
    assert retry.run_after > timezone.now() + timedelta(seconds=30)
