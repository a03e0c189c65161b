"""Typed system settings in the back office: validated by their declared type and range, read
typed through the cache, which a change clears; undeclared keys and fixed keys cannot be edited."""

from decimal import Decimal

import pytest
from django.urls import reverse

from homecure.base.system_settings import get_setting
from homecure.models import AdminLog, SettingType, SystemSettings

pytestmark = pytest.mark.django_db


def _change_url(key):
    return reverse("admin:homecure_systemsettings_change", args=[SystemSettings.objects.get(key=key).pk])


@pytest.mark.parametrize(
    ("key", "typed", "error"),
    [
        ("booking_cancellation_hours", "abc", "Enter a number."),
        ("booking_cancellation_hours", "12.5", "Enter a whole number."),
        ("booking_cancellation_hours", "-1", "Enter a value from 0 to 168."),
        ("booking_cancellation_hours", "169", "Enter a value from 0 to 168."),
        ("platform_commission_rate", "1.5", "Enter a value from 0 to 0.9."),
        ("platform_commission_rate", "15%", "Enter a number."),
        ("platform_commission_rate", "NaN", "Enter a number."),
        ("platform_commission_rate", "Infinity", "Enter a number."),
        ("email_notifications_enabled", "maybe", "Enter true or false."),
        ("booking_slot_minutes", "", "This field is required."),
        ("checkin_window_minutes", "4", "Enter a value from 5 to 240."),
    ],
)
def test_a_value_of_the_wrong_type_or_range_is_refused_with_a_message(admin_client, key, typed, error):
    before = SystemSettings.objects.get(key=key).value

    response = admin_client.post(_change_url(key), {"value": typed})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["value"] == [error]
    assert SystemSettings.objects.get(key=key).value == before
    assert not AdminLog.objects.exists()


@pytest.mark.parametrize(
    ("key", "typed", "stored", "value"),
    [
        ("platform_commission_rate", " 0.2 ", "0.2", Decimal("0.2")),
        ("platform_commission_rate", "0", "0", Decimal("0")),
        ("booking_cancellation_hours", "48", "48", 48),
        ("booking_slot_minutes", "15", "15", 15),
        ("email_notifications_enabled", "No", "false", False),
        ("email_notifications_enabled", "TRUE", "true", True),
    ],
)
def test_a_valid_value_is_stored_in_its_declared_form_and_read_typed(admin_client, key, typed, stored, value):
    response = admin_client.post(_change_url(key), {"value": typed})

    assert response.status_code == 302
    assert SystemSettings.objects.get(key=key).value == stored
    assert get_setting(key) == value
    assert type(get_setting(key)) is type(value)


def test_accessor_returns_typed_defaults():
    assert get_setting("platform_commission_rate") == Decimal("0.15")
    assert isinstance(get_setting("platform_commission_rate"), Decimal)
    assert get_setting("booking_cancellation_hours") == 24
    assert get_setting("email_notifications_enabled") is True
    assert get_setting("currency") == "USD"


def test_a_change_in_the_admin_is_read_at_once_despite_the_cache(admin_client, django_assert_num_queries):
    assert get_setting("booking_horizon_days") == 30
    with django_assert_num_queries(0):
        assert get_setting("booking_horizon_days") == 30  # from the cache

    admin_client.post(_change_url("booking_horizon_days"), {"value": "60"})

    assert get_setting("booking_horizon_days") == 60


def test_the_form_says_what_each_setting_accepts(admin_client):
    page = admin_client.get(_change_url("platform_commission_rate")).content.decode()

    assert "Enter a number from 0 to 0.9." in page
    assert "Share of each visit&#x27;s price kept by the platform" in page


def test_a_key_marked_not_editable_in_the_database_is_read_only(admin_client):
    SystemSettings.objects.filter(key="booking_slot_minutes").update(is_editable=False)

    page = admin_client.get(_change_url("booking_slot_minutes"))
    admin_client.post(_change_url("booking_slot_minutes"), {"value": "10"})

    assert "value" not in page.context["adminform"].form.fields
    assert get_setting("booking_slot_minutes") == 30


def test_keys_cannot_be_added_in_the_admin(admin_client):
    response = admin_client.post(
        reverse("admin:homecure_systemsettings_add"),
        {"key": "free_visits", "value": "true", "data_type": SettingType.BOOLEAN, "category": "booking"},
    )

    assert response.status_code == 403
    assert not SystemSettings.objects.filter(key="free_visits").exists()


def test_an_undeclared_key_left_in_the_database_is_read_only_and_can_be_removed(admin_client):
    stale = SystemSettings.objects.create(
        key="sms_enabled", value="true", data_type=SettingType.BOOLEAN, category="notification"
    )
    url = reverse("admin:homecure_systemsettings_change", args=[stale.pk])

    page = admin_client.get(url)
    admin_client.post(url, {"value": "false"})
    deleted = admin_client.post(reverse("admin:homecure_systemsettings_delete", args=[stale.pk]), {"post": "yes"})

    assert "value" not in page.context["adminform"].form.fields
    assert "(not declared: unused)" in page.content.decode()
    assert deleted.status_code == 302
    assert not SystemSettings.objects.filter(key="sms_enabled").exists()
    assert AdminLog.objects.get(action="delete").previous_values["key"] == "sms_enabled"


def test_declared_keys_cannot_be_deleted(admin_client):
    setting = SystemSettings.objects.get(key="currency")

    response = admin_client.post(reverse("admin:homecure_systemsettings_delete", args=[setting.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert SystemSettings.objects.filter(key="currency").exists()
