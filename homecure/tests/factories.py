import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import AdminUserFactory
from homecure.base.system_settings import SETTINGS
from homecure.models import AdminLog, Contact, ScheduledJobRun, SystemSettings


class AdminLogFactory(DjangoModelFactory):
    class Meta:
        model = AdminLog

    admin_user = factory.SubFactory(AdminUserFactory)
    action = "update"
    entity_type = "bookings.booking"
    entity_id = factory.Sequence(str)
    description = "Changed the admin notes."
    previous_values = factory.LazyFunction(lambda: {"admin_notes": ""})
    new_values = factory.LazyFunction(lambda: {"admin_notes": "Patient asked for a call before the visit."})
    ip_address = "192.0.2.10"
    user_agent = "Mozilla/5.0 (X11; Linux x86_64)"


class SystemSettingsFactory(DjangoModelFactory):
    """A declared setting with the given value; the row is updated when it already exists.

    The default rows come from a data migration (kept by ordinary tests, flushed by transactional
    ones), so this factory updates the row for `key` instead of inserting a second one.
    """

    class Meta:
        model = SystemSettings

    key = "booking_cancellation_hours"
    value = factory.LazyAttribute(lambda o: SETTINGS[o.key].serialize(SETTINGS[o.key].default))
    data_type = factory.LazyAttribute(lambda o: SETTINGS[o.key].data_type)
    category = factory.LazyAttribute(lambda o: SETTINGS[o.key].category)
    description = factory.LazyAttribute(lambda o: SETTINGS[o.key].description)
    is_editable = factory.LazyAttribute(lambda o: SETTINGS[o.key].is_editable)

    @classmethod
    def _create(cls, model_class, *args, key, **kwargs):
        manager = cls._get_manager(model_class)
        row, _ = manager.update_or_create(key=key, defaults=kwargs)
        return row


class ScheduledJobRunFactory(DjangoModelFactory):
    class Meta:
        model = ScheduledJobRun

    name = "unconfirmed_sign_ups"
    last_run_at = factory.LazyFunction(timezone.now)


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"visitor{n}@example.com")
    phone = "+44 20 7946 0999"
    subject = "Question about lab tests at home"
    message = "Can a blood sample be taken on a Saturday morning?"
    ip_address = "198.51.100.7"
