import pytest
from django.db import IntegrityError, transaction

from accounts.tests.factories import PatientFactory
from notifications.models import Notification, NotificationType, Priority, ReminderKind
from notifications.tests.factories import EmailPreferenceFactory, NotificationFactory, SentReminderFactory

pytestmark = pytest.mark.django_db


def test_defaults():
    notification = Notification.objects.create(user=PatientFactory(), title="Welcome", message="Hello")

    assert notification.notification_type == NotificationType.SYSTEM
    assert notification.priority == Priority.NORMAL
    assert (notification.is_read, notification.read_at) == (False, None)
    assert notification.created_at is not None


def test_inbox_order_is_unread_first_then_newest():
    user = PatientFactory()
    read = NotificationFactory(user=user, is_read=True)
    old_unread = NotificationFactory(user=user)
    new_unread = NotificationFactory(user=user)

    assert list(user.notifications.all()) == [new_unread, old_unread, read]


def test_notifications_go_with_their_recipient():
    notification = NotificationFactory()

    notification.user.delete()

    assert not Notification.objects.exists()


def test_str_is_the_title():
    assert str(NotificationFactory(title="Your visit is confirmed")) == "Your visit is confirmed"


def test_choices():
    assert NotificationType.values == ["booking", "payment", "record", "reminder", "account", "system", "announcement"]
    assert Priority.values == ["low", "normal", "high"]


def test_one_email_choice_per_user_and_kind():
    preference = EmailPreferenceFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        EmailPreferenceFactory(user=preference.user, notification_type=preference.notification_type)

    assert str(preference) == f"{preference.user} · Bookings: off"


def test_one_sent_reminder_per_visit_kind_and_person():
    reminder = SentReminderFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        SentReminderFactory(booking=reminder.booking, user=reminder.user, kind=reminder.kind)

    SentReminderFactory(booking=reminder.booking, user=reminder.user, kind=ReminderKind.SOON)
    assert reminder.booking.sent_reminders.count() == 2


@pytest.mark.parametrize(
    ("action_url", "safe"),
    [
        ("/bookings/HC-1/", "/bookings/HC-1/"),
        ("", ""),
        ("https://evil.example/", ""),
        ("//evil.example/", ""),
        ("bookings/relative/", ""),
    ],
)
def test_only_local_paths_are_safe_links(action_url, safe):
    assert NotificationFactory.build(action_url=action_url).safe_action_url == safe
