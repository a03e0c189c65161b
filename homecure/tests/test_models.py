import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from homecure.base.system_settings import SETTINGS, get_setting
from homecure.models import AdminLog, Contact, SettingType, SystemSettings
from homecure.tests.factories import AdminLogFactory, ContactFactory, SystemSettingsFactory

pytestmark = pytest.mark.django_db


def test_audit_entry_cannot_be_changed():
    entry = AdminLogFactory(description="Verified a technician")
    entry.description = "Nothing happened"

    with pytest.raises(ValidationError, match="cannot be changed"):
        entry.save()

    assert AdminLog.objects.get(pk=entry.pk).description == "Verified a technician"


def test_audit_entry_cannot_be_deleted():
    entry = AdminLogFactory()

    with pytest.raises(ValidationError, match="cannot be deleted"):
        entry.delete()

    assert AdminLog.objects.filter(pk=entry.pk).exists()


def test_audit_entries_list_newest_first():
    first = AdminLogFactory()
    second = AdminLogFactory()

    assert list(AdminLog.objects.all()[:2]) == [second, first]


def test_audit_entry_str():
    assert str(AdminLogFactory(action="verify", entity_type="technicians.technician", entity_id="7")) == (
        "Verify: Technician #7"
    )


def test_every_declared_setting_has_its_default_row():
    rows = {row.key: row for row in SystemSettings.objects.all()}

    assert set(rows) == set(SETTINGS)
    for key, spec in SETTINGS.items():
        assert rows[key].value == spec.serialize(spec.default)
        assert (rows[key].data_type, rows[key].is_editable) == (spec.data_type, spec.is_editable)


def test_setting_key_is_unique():
    with pytest.raises(IntegrityError), transaction.atomic():
        SystemSettings.objects.create(key="currency", value="EUR", data_type=SettingType.STRING, category="payment")


def test_saved_setting_is_read_at_once_despite_the_cache():
    assert get_setting("booking_cancellation_hours") == 24

    SystemSettingsFactory(key="booking_cancellation_hours", value="48")

    assert get_setting("booking_cancellation_hours") == 48
    assert SystemSettings.objects.filter(key="booking_cancellation_hours").count() == 1


def test_setting_str_is_its_key():
    assert str(SystemSettings.objects.get(key="currency")) == "currency"


def test_contact_messages_list_unhandled_first():
    handled = ContactFactory(is_handled=True)
    waiting = ContactFactory()

    assert list(Contact.objects.all()) == [waiting, handled]


def test_contact_str():
    message = ContactFactory(subject="Saturday visits?", email="visitor@example.com")

    assert str(message) == "Saturday visits? (visitor@example.com)"


def test_setting_types():
    assert SettingType.values == ["string", "number", "boolean", "json"]
