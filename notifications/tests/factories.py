import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import PatientFactory
from bookings.tests.factories import BookingFactory
from notifications.models import EmailPreference, Notification, NotificationType, Priority, ReminderKind, SentReminder


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(PatientFactory)
    title = factory.Sequence(lambda n: f"Your visit is confirmed ({n})")
    message = "A nurse will visit you at the booked time."
    notification_type = NotificationType.BOOKING
    priority = Priority.NORMAL
    is_read = False


class EmailPreferenceFactory(DjangoModelFactory):
    """A user who turned off e-mail for one kind."""

    class Meta:
        model = EmailPreference

    user = factory.SubFactory(PatientFactory)
    notification_type = NotificationType.BOOKING
    email_enabled = False


class SentReminderFactory(DjangoModelFactory):
    class Meta:
        model = SentReminder

    booking = factory.SubFactory(BookingFactory, confirmed=True)
    user = factory.SelfAttribute("booking.user")
    kind = ReminderKind.DAY_BEFORE
