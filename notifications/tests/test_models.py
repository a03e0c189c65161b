import pytest

from accounts.tests.factories import PatientFactory
from notifications.models import Notification, NotificationType, Priority
from notifications.tests.factories import NotificationFactory

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
