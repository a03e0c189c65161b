"""The site-wide writes: contact messages handled or reopened, system settings changed; each is
audited by its service, so a shell leaves the same entry as the back office."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from homecure.base.services import contact_create, contact_mark_handled, contact_reopen, system_setting_change
from homecure.base.system_settings import get_setting
from homecure.models import AdminLog, Contact, SystemSettings
from homecure.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2027, 6, 16, 12, 0, tzinfo=UTC)


def test_marking_a_message_handled_outside_a_request_writes_the_entry_with_the_actor(admin_user):
    message = ContactFactory(subject="Visit on Sunday?", email="sam@example.com")

    contact_mark_handled(message=message, actor=admin_user, now=NOON)
    contact_mark_handled(message=message, actor=admin_user)

    message.refresh_from_db()
    assert (message.is_handled, message.handled_at) == (True, NOON)
    entry = AdminLog.objects.get()
    assert (entry.action, entry.admin_user, entry.ip_address) == ("contact_handled", admin_user, None)
    assert (entry.entity_type, entry.entity_id) == ("homecure.contact", str(message.pk))
    assert entry.previous_values == {"is_handled": False, "handled_at": None}
    assert entry.new_values == {"is_handled": True, "handled_at": NOON.isoformat()}
    assert entry.description == "Marked the contact message “Visit on Sunday? (sam@example.com)” handled."


def test_reopening_a_message_outside_a_request_writes_the_entry_with_the_actor(admin_user):
    message = ContactFactory(is_handled=True, handled_at=NOON)

    contact_reopen(message=message, actor=admin_user)
    contact_reopen(message=message, actor=admin_user)

    message.refresh_from_db()
    assert (message.is_handled, message.handled_at) == (False, None)
    entry = AdminLog.objects.get()
    assert (entry.action, entry.admin_user, entry.entity_id) == ("contact_reopened", admin_user, str(message.pk))
    assert entry.previous_values == {"is_handled": True, "handled_at": NOON.isoformat()}


def test_changing_a_setting_outside_a_request_is_one_named_entry_with_the_actor(admin_user):
    setting = system_setting_change(key="email_notifications_enabled", value=" No ", actor=admin_user)

    assert setting.value == "false"
    assert get_setting("email_notifications_enabled") is False
    entry = AdminLog.objects.get()
    assert (entry.action, entry.admin_user, entry.ip_address) == ("setting_changed", admin_user, None)
    assert (entry.entity_type, entry.entity_id) == ("homecure.systemsettings", str(setting.pk))
    assert (entry.previous_values, entry.new_values) == ({"value": "true"}, {"value": "false"})
    assert entry.description == "Changed setting email_notifications_enabled from true to false."


def test_setting_the_value_a_setting_already_has_logs_nothing(admin_user):
    system_setting_change(key="email_notifications_enabled", value="TRUE", actor=admin_user)

    assert SystemSettings.objects.get(key="email_notifications_enabled").value == "true"
    assert not AdminLog.objects.exists()


@pytest.mark.parametrize(
    ("key", "value", "error"),
    [
        ("booking_horizon_days", "400", "Enter a value from 1 to 365."),
        ("booking_horizon_days", "soon", "Enter a number."),
        ("currency", "EUR", "This setting is fixed and cannot be changed."),
        ("free_visits", "true", "This key is not declared by the platform; its value is not used."),
    ],
)
def test_a_setting_is_changed_only_to_a_value_of_its_declared_type_and_only_if_it_may_change(
    admin_user, key, value, error
):
    before = dict(SystemSettings.objects.values_list("key", "value"))

    with pytest.raises(ValidationError) as caught:
        system_setting_change(key=key, value=value, actor=admin_user)

    assert caught.value.messages == [error]
    assert dict(SystemSettings.objects.values_list("key", "value")) == before
    assert not AdminLog.objects.exists()


@pytest.mark.django_db
def test_a_contact_message_is_kept_with_the_senders_address_and_waits_to_be_handled():
    message = contact_create(
        name="Ada", email="ada@example.com", phone="", subject="Hours", message="When?", ip_address="203.0.113.9"
    )

    stored = Contact.objects.get()
    assert stored == message
    assert (stored.email, stored.ip_address, stored.is_handled) == ("ada@example.com", "203.0.113.9", False)
