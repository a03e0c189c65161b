"""A value that is not a key, posted to an autocomplete select of the back office, is a form error.

The autocomplete select re-renders the chosen value with the form; Django's own widget looks the
raw value up, which fails on "abc" and answered 500 before the back office checked it first.
"""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import User, UserRole
from notifications.models import Notification
from notifications.tests.factories import NotificationFactory
from records.models import HealthRecord
from technicians.models import Technician

pytestmark = pytest.mark.django_db

NOT_KEYS = {
    "abc": "Select a valid choice",
    "1 OR 1": "Select a valid choice",
    "1.5": "Select a valid choice",
    "99999999999999999999999": "Select a valid choice",
}


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _notification_data(notification, user):
    return {
        "user": user,
        "title": "Changed title",
        "message": notification.message,
        "notification_type": notification.notification_type,
        "priority": notification.priority,
        "action_url": "",
        "related_entity_type": "",
        "related_entity_id": "",
    }


@pytest.mark.parametrize(("value", "error"), NOT_KEYS.items())
def test_a_value_that_is_not_a_key_is_a_form_error_and_changes_nothing(admin_client, value, error):
    notification = NotificationFactory(title="Original title")

    response = admin_client.post(_url(Notification, "change", notification.pk), _notification_data(notification, value))

    notification.refresh_from_db()
    assert response.status_code == 200
    assert error in str(response.context["adminform"].form.errors["user"])
    assert (notification.title, notification.user_id) == ("Original title", notification.user.pk)


def test_a_nul_character_in_a_key_is_refused_before_the_form_and_changes_nothing(admin_client):
    # The request guard answers a NUL anywhere in a form with 400 (PostgreSQL cannot store one).
    notification = NotificationFactory(title="Original title")

    response = admin_client.post(
        _url(Notification, "change", notification.pk), _notification_data(notification, "\x00")
    )

    notification.refresh_from_db()
    assert response.status_code == 400
    assert (notification.title, notification.user_id) == ("Original title", notification.user.pk)


def test_a_key_of_nobody_is_a_form_error(admin_client):
    notification = NotificationFactory()

    response = admin_client.post(_url(Notification, "change", notification.pk), _notification_data(notification, 0))

    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors


def test_a_valid_choice_is_shown_again_when_another_field_is_wrong(admin_client):
    notification = NotificationFactory()
    data = {**_notification_data(notification, notification.user.pk), "title": ""}

    response = admin_client.post(_url(Notification, "change", notification.pk), data)

    assert response.status_code == 200
    assert "title" in response.context["adminform"].form.errors
    assert f'<option value="{notification.user.pk}" selected>' in response.content.decode()


def test_every_form_with_an_autocomplete_field_refuses_a_value_that_is_not_a_key(admin_client, area, patient):
    technician = admin_client.post(
        _url(Technician, "add"),
        {
            "user": "1 OR 1",
            "specialization": "nurse",
            "license_number": "NMC-123456",
            "experience_years": "3",
            "certifications": "[]",
            "service_areas": [area.pk],
            "availability_schedule-TOTAL_FORMS": "0",
            "availability_schedule-INITIAL_FORMS": "0",
            "time_off-TOTAL_FORMS": "0",
            "time_off-INITIAL_FORMS": "0",
        },
    )
    record = admin_client.post(_url(HealthRecord, "add"), {"user": "abc", "booking": "abc", "record_type": "note"})
    user = admin_client.post(
        _url(User, "change", patient.pk), {"email": patient.email, "role": UserRole.PATIENT, "area": "abc"}
    )

    assert technician.status_code == 200
    assert "user" in technician.context["adminform"].form.errors
    assert not Technician.objects.exists()
    assert record.status_code == 200
    assert {"user", "booking"} <= set(record.context["adminform"].form.errors)
    assert not HealthRecord.objects.exists()
    assert user.status_code == 200
    assert "area" in user.context["adminform"].form.errors
    patient.refresh_from_db()
    assert patient.area == area


def test_every_autocomplete_field_of_the_back_office_gets_the_checked_select(rf, admin_user):
    from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple

    from homecure.site.admin_site import CheckedAutocompleteSelect, CheckedAutocompleteSelectMultiple

    request = rf.get("/admin/")
    request.user = admin_user
    checked = 0
    for model, model_admin in admin.site._registry.items():
        admins = [model_admin, *model_admin.get_inline_instances(request)]
        for each in admins:
            form = each.get_formset(request).form if each is not model_admin else each.get_form(request)
            for name, field in form.base_fields.items():
                widget = getattr(field.widget, "widget", field.widget)
                if isinstance(widget, (AutocompleteSelect, AutocompleteSelectMultiple)):
                    assert isinstance(widget, (CheckedAutocompleteSelect, CheckedAutocompleteSelectMultiple)), (
                        f"{model._meta.label}.{name}"
                    )
                    checked += 1

    assert checked >= 4
