import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import PatientFactory
from notifications.models import Notification, NotificationType, Priority


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(PatientFactory)
    title = factory.Sequence(lambda n: f"Your visit is confirmed ({n})")
    message = "A nurse will visit you at the booked time."
    notification_type = NotificationType.BOOKING
    priority = Priority.NORMAL
    is_read = False
