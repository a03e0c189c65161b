"""The audit log: one entry per change made through the back office, with who, from where, and
the values before and after; events by name; entries nobody can change or delete."""

import json
from datetime import date, time
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ServiceArea, User, UserRole
from accounts.tests.factories import DEFAULT_PASSWORD, AdminUserFactory, PatientFactory, ServiceAreaFactory
from bookings import services as booking_services
from bookings.models import Booking, BookingStatusHistory, Service
from bookings.tests.factories import BookingFactory, ServiceFactory
from earnings.tests.factories import TechnicianEarningsFactory
from homecure.base import audit
from homecure.models import AdminLog, AuditLogIsAppendOnly, Contact, SystemSettings
from homecure.tests.factories import AdminLogFactory, ContactFactory
from records.models import HealthRecord
from records.tests.conftest import give_reason
from records.tests.factories import HealthRecordFactory
from technicians import services as technician_services
from technicians.models import ScheduleWindow, Technician
from technicians.tests.factories import TechnicianFactory, TimeOffFactory

pytestmark = pytest.mark.django_db

BROWSER = {"REMOTE_ADDR": "198.51.100.23", "HTTP_USER_AGENT": "Mozilla/5.0 (Audit test browser)"}


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _only_entry(**filters):
    entries = list(AdminLog.objects.filter(**filters))
    assert len(entries) == 1, [(e.action, e.entity_type, e.entity_id, e.description) for e in entries]
    return entries[0]


def _assert_from_the_browser(entry, admin_user):
    assert entry.admin_user == admin_user
    assert entry.ip_address == "198.51.100.23"
    assert entry.user_agent == "Mozilla/5.0 (Audit test browser)"


# --- client address -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "", "10.0.0.5"),
        (0, "203.0.113.9", "10.0.0.5"),  # forged: no proxy is trusted, the header is ignored
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client wrote 6.6.6.6 itself
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.5"),  # shorter than the proxy chain: not from the proxies
        (1, "not-an-address", "10.0.0.5"),
        (1, "2001:db8::7", "2001:db8::7"),
    ],
)
def test_client_ip_believes_only_the_trusted_proxies(settings, trusted, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=forwarded)

    assert audit.client_ip(request) == expected


def test_forged_forwarded_for_records_the_connecting_address(admin_client, admin_user, service):
    admin_client.post(
        _url(Service, "change", service.pk),
        {**_service_data(service), "price": "95.00"},
        HTTP_X_FORWARDED_FOR="203.0.113.250",
        **BROWSER,
    )

    assert _only_entry(entity_type="bookings.service").ip_address == "198.51.100.23"


def test_the_acting_person_is_forgotten_after_the_request(admin_client, service):
    admin_client.get(reverse("admin:index"))

    assert audit.current_actor() is None
    service.name = "Changed in a shell"
    service.save()
    assert not AdminLog.objects.exists()


# --- one entry per change through the admin, for every audited model ------------------------------


def _service_data(service, **changes):
    return {
        "name": service.name,
        "slug": service.slug,
        "description": service.description,
        "category": service.category,
        "price": str(service.price),
        "duration_minutes": str(service.duration_minutes),
        "is_active": "on" if service.is_active else "",
        **changes,
    }


def test_service_create_update_delete_each_give_one_entry(admin_client, admin_user):
    admin_client.post(
        _url(Service, "add"), _service_data(ServiceFactory.build(name="Wound care", slug="wound-care")), **BROWSER
    )
    service = Service.objects.get(slug="wound-care")
    created = _only_entry(action="create", entity_type="bookings.service")

    admin_client.post(_url(Service, "change", service.pk), _service_data(service, price="92.50"), **BROWSER)
    updated = _only_entry(action="update", entity_type="bookings.service")

    admin_client.post(_url(Service, "delete", service.pk), {"post": "yes"}, **BROWSER)
    deleted = _only_entry(action="delete", entity_type="bookings.service")

    for entry in (created, updated, deleted):
        _assert_from_the_browser(entry, admin_user)
        assert entry.entity_id == str(service.pk)
    assert created.previous_values == {}
    assert created.new_values["name"] == "Wound care"
    assert created.new_values["price"] == "80.00"
    assert "created_at" not in created.new_values
    assert (updated.previous_values, updated.new_values) == ({"price": "80.00"}, {"price": "92.50"})
    assert updated.description == "Changed service “Wound care”: price."
    assert deleted.previous_values["name"] == "Wound care"
    assert deleted.new_values == {}
    assert deleted.description == "Deleted service “Wound care”."


def test_service_area_create_update_delete_each_give_one_entry(admin_client, admin_user):
    data = {"name": "Islington", "slug": "islington", "description": "", "is_active": "on"}
    admin_client.post(_url(ServiceArea, "add"), data, **BROWSER)
    area = ServiceArea.objects.get(slug="islington")
    admin_client.post(_url(ServiceArea, "change", area.pk), {**data, "is_active": ""}, **BROWSER)
    admin_client.post(_url(ServiceArea, "delete", area.pk), {"post": "yes"}, **BROWSER)

    entries = list(AdminLog.objects.filter(entity_type="accounts.servicearea").order_by("pk"))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[1].previous_values == {"is_active": True}
    assert entries[1].new_values == {"is_active": False}
    for entry in entries:
        _assert_from_the_browser(entry, admin_user)


def _user_change_data(user, **changes):
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "phone": user.phone,
        "address": user.address,
        "area": user.area_id or "",
        "is_active": "on" if user.is_active else "",
        **changes,
    }


def test_user_create_update_delete_each_give_one_entry_and_never_the_password(admin_client, admin_user):
    admin_client.post(
        _url(User, "add"),
        {
            "email": "nina@example.com",
            "first_name": "Nina",
            "last_name": "Nightingale",
            "role": UserRole.TECHNICIAN,
            "usable_password": "true",
            "password1": DEFAULT_PASSWORD,
            "password2": DEFAULT_PASSWORD,
        },
        **BROWSER,
    )
    user = User.objects.get(email="nina@example.com")
    admin_client.post(_url(User, "change", user.pk), _user_change_data(user, phone="+44 20 7946 0321"), **BROWSER)
    admin_client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "An0ther-long-passw0rd", "password2": "An0ther-long-passw0rd", "set_usable_password": "true"},
        **BROWSER,
    )
    admin_client.post(_url(User, "delete", user.pk), {"post": "yes"}, **BROWSER)

    entries = list(AdminLog.objects.filter(entity_type="accounts.user", entity_id=str(user.pk)).order_by("pk"))
    assert [e.action for e in entries] == ["create", "update", "update", "delete"]
    created, details, password, deleted = entries
    assert created.new_values["email"] == "nina@example.com"
    assert created.new_values["password"] == audit.MASK
    assert (details.previous_values, details.new_values) == ({"phone": ""}, {"phone": "+44 20 7946 0321"})
    assert (password.previous_values, password.new_values) == ({"password": audit.MASK}, {"password": audit.MASK})
    assert deleted.previous_values["password"] == audit.MASK
    for entry in entries:
        _assert_from_the_browser(entry, admin_user)
        assert DEFAULT_PASSWORD not in str(entry.new_values) + str(entry.previous_values)


def test_an_administrator_in_the_log_cannot_be_deleted(admin_client, admin_user):
    colleague = AdminUserFactory()
    AdminLogFactory(admin_user=colleague)

    response = admin_client.post(_url(User, "delete", colleague.pk), {"post": "yes"})

    assert User.objects.filter(pk=colleague.pk).exists()
    assert "Cannot delete user" in response.content.decode()
    assert "audit log entry" in response.content.decode()


def _technician_data(technician, **changes):
    data = {
        "user": technician.user_id,
        "specialization": technician.specialization,
        "license_number": technician.license_number,
        "experience_years": str(technician.experience_years),
        "certifications": json.dumps(technician.certifications),
        "service_areas": [a.pk for a in technician.service_areas.all()] if technician.pk else [],
        "is_available": "on",
        "bio": technician.bio,
        "availability_schedule-TOTAL_FORMS": "0",
        "availability_schedule-INITIAL_FORMS": "0",
        "time_off-TOTAL_FORMS": "0",
        "time_off-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_technician_change_with_areas_gives_one_entry_with_the_areas_before_and_after(
    admin_client, admin_user, technician, area, other_area
):
    admin_client.post(
        _url(Technician, "change", technician.pk),
        _technician_data(technician, experience_years="7", service_areas=[area.pk, other_area.pk]),
        **BROWSER,
    )

    entry = _only_entry(entity_type="technicians.technician")
    _assert_from_the_browser(entry, admin_user)
    assert entry.action == "update"
    assert entry.previous_values == {"experience_years": 6, "service_areas": [area.pk]}
    assert entry.new_values == {"experience_years": 7, "service_areas": sorted([area.pk, other_area.pk])}


def test_schedule_windows_and_time_off_changed_inline_give_one_entry_each(admin_client, admin_user, technician):
    window = technician.availability_schedule.order_by("weekday").first()
    time_off = TimeOffFactory(technician=technician, start_date=date(2030, 8, 1), end_date=date(2030, 8, 14))
    windows = list(technician.availability_schedule.order_by("weekday", "start_time"))
    data = _technician_data(technician)
    data.update(
        {
            "availability_schedule-TOTAL_FORMS": str(len(windows)),
            "availability_schedule-INITIAL_FORMS": str(len(windows)),
            "time_off-TOTAL_FORMS": "2",
            "time_off-INITIAL_FORMS": "1",
            "time_off-0-id": str(time_off.pk),
            "time_off-0-technician": str(technician.pk),
            "time_off-0-start_date": "2030-08-01",
            "time_off-0-end_date": "2030-08-14",
            "time_off-0-reason": "Summer holiday",
            "time_off-0-DELETE": "on",
            "time_off-1-technician": str(technician.pk),
            "time_off-1-start_date": "2030-12-24",
            "time_off-1-end_date": "2030-12-26",
            "time_off-1-reason": "Christmas",
        }
    )
    for index, each in enumerate(windows):
        data.update(
            {
                f"availability_schedule-{index}-id": str(each.pk),
                f"availability_schedule-{index}-technician": str(technician.pk),
                f"availability_schedule-{index}-weekday": str(each.weekday),
                f"availability_schedule-{index}-start_time": "09:00"
                if each == window
                else each.start_time.strftime("%H:%M"),
                f"availability_schedule-{index}-end_time": each.end_time.strftime("%H:%M"),
            }
        )

    response = admin_client.post(_url(Technician, "change", technician.pk), data, **BROWSER)

    assert response.status_code == 302
    changed_window = _only_entry(entity_type="technicians.schedulewindow")
    assert changed_window.entity_id == str(window.pk)
    assert (changed_window.previous_values, changed_window.new_values) == (
        {"start_time": "08:00:00"},
        {"start_time": "09:00:00"},
    )
    time_offs = {e.action: e for e in AdminLog.objects.filter(entity_type="technicians.timeoff")}
    assert set(time_offs) == {"create", "delete"}
    assert time_offs["delete"].previous_values["reason"] == "Summer holiday"
    assert time_offs["create"].new_values["start_date"] == "2030-12-24"
    for entry in [changed_window, *time_offs.values()]:
        _assert_from_the_browser(entry, admin_user)
    assert not AdminLog.objects.filter(entity_type="technicians.technician").exists()


def test_booking_notes_change_gives_one_entry(admin_client, admin_user, patient, technician, service, area):
    booking = BookingFactory(user=patient, technician=technician, service=service, service_area=area, confirmed=True)

    admin_client.post(
        _url(Booking, "change", booking.pk),
        {
            "service_address": booking.service_address,
            "service_location": "",
            "admin_notes": "Ring the bell twice",
            "history-TOTAL_FORMS": "0",
            "history-INITIAL_FORMS": "0",
            "declines-TOTAL_FORMS": "0",
            "declines-INITIAL_FORMS": "0",
            "payments-TOTAL_FORMS": "0",
            "payments-INITIAL_FORMS": "0",
        },
        **BROWSER,
    )

    entry = _only_entry(entity_type="bookings.booking")
    _assert_from_the_browser(entry, admin_user)
    assert (entry.previous_values, entry.new_values) == ({"admin_notes": ""}, {"admin_notes": "Ring the bell twice"})


def test_booking_secrets_are_masked(admin_user, patient, technician, service, area):
    booking = BookingFactory(user=patient, technician=technician, service=service, service_area=area)

    with audit.acting(audit.Actor(explicit_user=admin_user)), audit.audit_batch():
        booking_services.booking_accept(booking=booking, actor=admin_user)

    entry = _only_entry(entity_type="bookings.booking")
    booking.refresh_from_db()
    assert entry.new_values["qr_code_data"] == audit.MASK
    assert entry.new_values["qr_code"] == audit.MASK
    assert entry.new_values.get("checkin_code", audit.MASK) == audit.MASK
    assert booking.qr_code_data not in str(entry.new_values)


def _inline_management_data(response):
    data = {}
    for inline_admin_formset in response.context["inline_admin_formsets"]:
        management = inline_admin_formset.formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    return data


def test_health_record_change_is_logged_without_the_findings(admin_client, admin_user, patient):
    record = HealthRecordFactory(user=patient, diagnosis="Seasonal asthma", provider_name="Dr Ada")
    url = _url(HealthRecord, "change", record.pk)
    give_reason(admin_client, record)
    page = admin_client.get(url, **BROWSER)

    response = admin_client.post(
        url,
        {
            **_inline_management_data(page),
            "record_type": record.record_type,
            "record_date": record.record_date.isoformat(),
            "provider_name": "Dr Ada Lovelace",
            "diagnosis": "Allergic asthma",
            "treatment": record.treatment,
            "medications": "[]",
            "vitals": "{}",
            "lab_results": "[]",
            "provider_notes": "",
        },
        **BROWSER,
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = _only_entry(entity_type="records.healthrecord", action="health_record_amended")
    _assert_from_the_browser(entry, admin_user)
    assert entry.previous_values["provider_name"] == "Dr Ada"
    assert entry.new_values["provider_name"] == "Dr Ada Lovelace"
    assert entry.previous_values["diagnosis"] == entry.new_values["diagnosis"] == audit.MASK
    logged = str(list(AdminLog.objects.values_list("previous_values", "new_values", "description")))
    assert "asthma" not in logged
    _assert_from_the_browser(_only_entry(action="health_record_read"), admin_user)


def test_earning_notes_change_gives_one_entry(admin_client, admin_user, technician):
    earning = TechnicianEarningsFactory(technician=technician)

    admin_client.post(_url(type(earning), "change", earning.pk), {"notes": "Bank details checked"}, **BROWSER)

    entry = _only_entry(entity_type="earnings.technicianearnings")
    _assert_from_the_browser(entry, admin_user)
    assert (entry.previous_values, entry.new_values) == ({"notes": ""}, {"notes": "Bank details checked"})


def test_contact_message_handled_and_deleted_give_one_entry_each(admin_client, admin_user):
    message = ContactFactory()

    admin_client.post(_url(Contact, "change", message.pk), {"is_handled": "on"}, **BROWSER)
    admin_client.post(_url(Contact, "delete", message.pk), {"post": "yes"}, **BROWSER)

    update, delete = AdminLog.objects.filter(entity_type="homecure.contact").order_by("pk")
    assert (update.action, delete.action) == ("contact_handled", "delete")
    assert update.previous_values["is_handled"] is False
    assert update.new_values["is_handled"] is True
    assert update.new_values["handled_at"]
    _assert_from_the_browser(update, admin_user)


def test_contact_message_reopened_in_the_form_gives_one_entry(admin_client, admin_user):
    message = ContactFactory(is_handled=True, handled_at=timezone.now())

    admin_client.post(_url(Contact, "change", message.pk), {"is_handled": ""}, **BROWSER)

    message.refresh_from_db()
    assert (message.is_handled, message.handled_at) == (False, None)
    entry = _only_entry(entity_type="homecure.contact")
    _assert_from_the_browser(entry, admin_user)
    assert entry.action == "contact_reopened"
    assert (entry.previous_values["is_handled"], entry.new_values) == (True, {"is_handled": False, "handled_at": None})


def test_system_setting_change_is_one_named_entry(admin_client, admin_user):
    setting = SystemSettings.objects.get(key="platform_commission_rate")

    admin_client.post(_url(SystemSettings, "change", setting.pk), {"value": "0.2"}, **BROWSER)

    entry = _only_entry(entity_type="homecure.systemsettings")
    _assert_from_the_browser(entry, admin_user)
    assert entry.action == "setting_changed"
    assert (entry.previous_values, entry.new_values) == ({"value": "0.15"}, {"value": "0.2"})
    assert entry.description == "Changed setting platform_commission_rate from 0.15 to 0.2."


def test_system_setting_changed_outside_a_request_is_still_logged():
    setting = SystemSettings.objects.get(key="booking_horizon_days")
    setting.value = "60"
    setting.save()

    entry = _only_entry(entity_type="homecure.systemsettings")
    assert (entry.admin_user, entry.ip_address) == (None, None)
    assert (entry.previous_values, entry.new_values) == ({"value": "30"}, {"value": "60"})


def test_changes_by_patients_and_technicians_are_not_in_the_admin_log(patient, technician):
    with audit.acting(audit.Actor(explicit_user=patient)):
        patient.phone = "+44 20 7946 0001"
        patient.save()
    with audit.acting(audit.Actor(explicit_user=technician.user)):
        TimeOffFactory(technician=technician)

    assert not AdminLog.objects.exists()


def test_a_change_that_fails_leaves_no_entry(admin_user, service):
    with pytest.raises(RuntimeError), audit.acting(audit.Actor(explicit_user=admin_user)), audit.audit_batch():
        service.price = Decimal("1.00")
        service.save()
        raise RuntimeError("the view failed after saving")

    service.refresh_from_db()
    assert service.price == Decimal("80.00")
    assert not AdminLog.objects.exists()


def test_saving_without_changes_writes_nothing(admin_client, service):
    admin_client.post(_url(Service, "change", service.pk), _service_data(service), **BROWSER)

    assert not AdminLog.objects.exists()


# --- events by name ---------------------------------------------------------------------------------


def test_event_outside_a_request_is_written_at_once_with_its_actor(admin_user, unverified_technician):
    technician_services.technician_verify(technician=unverified_technician, actor=admin_user)

    entry = _only_entry(action="technician_verified")
    assert entry.admin_user == admin_user
    assert entry.ip_address is None
    assert entry.entity_id == str(unverified_technician.pk)
    assert "Nora Newcomer" in entry.description


def test_audit_event_records_a_read_with_the_request_address(admin_user, patient):
    record = HealthRecordFactory(user=patient)
    request = RequestFactory().get("/records/", **BROWSER)
    request.user = admin_user

    with audit.acting(audit.actor_from_request(request)):
        audit.audit_event(
            actor=admin_user, action="health_record_read", entity=record, description="Read a health record."
        )

    entry = _only_entry(action="health_record_read")
    _assert_from_the_browser(entry, admin_user)
    assert (entry.entity_type, entry.entity_id) == ("records.healthrecord", str(record.pk))


def test_audit_event_accepts_a_type_and_id_instead_of_an_object(admin_user):
    audit.audit_event(
        actor=admin_user, action="announcement_sent", entity=("announcement", 3), description="Told everyone."
    )

    entry = _only_entry(action="announcement_sent")
    assert (entry.entity_type, entry.entity_id) == ("announcement", "3")


def test_history_rows_written_by_an_admin_action_are_logged_too(
    admin_client, admin_user, patient, technician, service, area
):
    booking = BookingFactory(user=patient, technician=technician, service=service, service_area=area)

    admin_client.post(
        reverse("admin:bookings_booking_cancel", args=[booking.pk]), {"reason": "Patient in hospital"}, **BROWSER
    )

    history = BookingStatusHistory.objects.get(booking=booking, to_status="cancelled")
    assert _only_entry(entity_type="bookings.bookingstatushistory").entity_id == str(history.pk)
    assert _only_entry(entity_type="bookings.booking").action == "booking_cancelled"


# --- the log cannot be changed ----------------------------------------------------------------------


def test_audit_entry_model_refuses_updates_and_deletes():
    entry = AdminLogFactory(description="Verified a technician")

    entry.description = "Nothing happened"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()

    assert AdminLog.objects.get(pk=entry.pk).description == "Verified a technician"


@pytest.mark.parametrize(
    "change",
    [
        lambda entries: entries.update(description="Nothing happened"),
        lambda entries: entries.delete(),
        lambda entries: AdminLog.objects.bulk_update(list(entries), ["description"]),
        lambda entries: AdminLog.objects.update_or_create(pk=entries[0].pk, defaults={"description": "x"}),
    ],
    ids=["update", "delete", "bulk_update", "update_or_create"],
)
def test_audit_queryset_refuses_bulk_changes(change):
    AdminLogFactory(description="Verified a technician")

    with pytest.raises(AuditLogIsAppendOnly):
        change(AdminLog.objects.all())

    assert list(AdminLog.objects.values_list("description", flat=True)) == ["Verified a technician"]


def test_audit_log_has_no_add_change_or_delete_in_the_admin(admin_client):
    entry = AdminLogFactory(description="Verified a technician")

    page = admin_client.get(_url(AdminLog, "change", entry.pk))
    changelist = admin_client.get(_url(AdminLog, "changelist"))

    assert admin_client.get(_url(AdminLog, "add")).status_code == 403
    assert admin_client.post(_url(AdminLog, "change", entry.pk), {"description": "x"}).status_code == 403
    assert admin_client.post(_url(AdminLog, "delete", entry.pk), {"post": "yes"}).status_code == 403
    bulk = admin_client.post(
        _url(AdminLog, "changelist"), {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert bulk.status_code == 200  # the action is not offered: Django shows the list again
    assert AdminLog.objects.get(pk=entry.pk).description == "Verified a technician"
    assert 'name="_save"' not in page.content.decode()
    assert "deletelink" not in page.content.decode()
    assert "delete_selected" not in changelist.content.decode()
    assert _url(AdminLog, "add") not in changelist.content.decode()


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only")
@pytest.mark.parametrize(
    "sql",
    ["UPDATE homecure_adminlog SET description = 'rewritten'", "DELETE FROM homecure_adminlog"],
    ids=["update", "delete"],
)
def test_database_refuses_raw_changes_to_the_log(sql):
    AdminLogFactory(description="Verified a technician")

    with (
        pytest.raises(DatabaseError, match="audit log entries cannot be changed or deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)

    assert list(AdminLog.objects.values_list("description", flat=True)) == ["Verified a technician"]


# --- reading the log --------------------------------------------------------------------------------


def test_entry_page_shows_before_and_after_in_words(
    admin_client, admin_user, technician, other_technician, patient, service, area
):
    booking = BookingFactory(user=patient, technician=technician, service=service, service_area=area, confirmed=True)
    admin_client.post(
        reverse("admin:bookings_booking_assign", args=[booking.pk]), {"technician": other_technician.pk}, **BROWSER
    )
    entry = _only_entry(action="booking_assigned")

    page = admin_client.get(_url(AdminLog, "change", entry.pk)).content.decode()

    assert "Reassigned booking" in page
    assert f"<th scope='row'>Technician</th><td>{technician}</td><td>{other_technician}</td>" in page
    assert "(hidden)" in page  # the check-in secrets that were cleared
    assert _url(Booking, "change", booking.pk) in page


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"action": "technician_verified"}, {"verify"}),
        ({"entity_type": "bookings.service"}, {"service"}),
        ({"admin_user__id__exact": "ACTOR"}, {"verify"}),
        ({"q": "Newcomer"}, {"verify"}),
    ],
)
def test_log_filters_by_action_entity_actor_and_text(
    admin_client, admin_user, unverified_technician, service, params, found
):
    other_admin = AdminUserFactory()
    technician_services.technician_verify(technician=unverified_technician, actor=other_admin)
    with audit.acting(audit.Actor(explicit_user=admin_user)):
        service.price = Decimal("85.00")
        service.save()
    ids = {
        "verify": _only_entry(action="technician_verified").pk,
        "service": _only_entry(entity_type="bookings.service").pk,
    }
    params = {key: str(other_admin.pk) if value == "ACTOR" else value for key, value in params.items()}

    response = admin_client.get(_url(AdminLog, "changelist"), params)

    shown = {name for name, pk in ids.items() if _url(AdminLog, "change", pk) in response.content.decode()}
    assert shown == found


def test_unknown_entity_types_and_removed_fields_still_read(admin_client):
    entry = AdminLogFactory(
        entity_type="legacy.thing", previous_values={"colour": "red"}, new_values={"colour": "blue"}
    )
    renamed = AdminLogFactory(
        entity_type="bookings.booking", previous_values={"old_field": "a"}, new_values={"old_field": "b"}
    )

    for each in (entry, renamed):
        page = admin_client.get(_url(AdminLog, "change", each.pk))
        assert page.status_code == 200
    assert "blue" in admin_client.get(_url(AdminLog, "change", entry.pk)).content.decode()


def test_schedule_window_created_by_staff_in_a_shell_session_is_logged(admin_user, technician):
    with audit.acting(audit.Actor(explicit_user=admin_user)):
        ScheduleWindow.objects.create(technician=technician, weekday=0, start_time=time(19), end_time=time(21))

    entry = _only_entry(entity_type="technicians.schedulewindow")
    assert entry.action == "create"
    assert entry.new_values["start_time"] == "19:00:00"
    assert entry.admin_user == admin_user


def test_patient_created_by_staff_through_a_factory_is_logged_with_a_masked_password(admin_user):
    with audit.acting(audit.Actor(explicit_user=admin_user)):
        patient = PatientFactory(email="new.patient@example.com")

    entry = _only_entry(entity_type="accounts.user", entity_id=str(patient.pk))
    assert entry.new_values["password"] == audit.MASK


def test_technician_created_in_the_admin_is_logged_once(admin_client, admin_user, area):
    nurse_user = User.objects.create_user(
        email="fresh.nurse@example.com", password=DEFAULT_PASSWORD, role=UserRole.TECHNICIAN
    )
    technician = TechnicianFactory.build(user=nurse_user, license_number="NMC-777777")

    response = admin_client.post(
        _url(Technician, "add"),
        {**_technician_data(technician, service_areas=[area.pk]), "user": nurse_user.pk},
        **BROWSER,
    )

    assert response.status_code == 302
    entry = _only_entry(entity_type="technicians.technician")
    _assert_from_the_browser(entry, admin_user)
    assert entry.action == "create"
    assert entry.new_values["license_number"] == "NMC-777777"
    assert entry.new_values["service_areas"] == [area.pk]
    assert entry.new_values["is_verified"] is False


def test_area_deleted_by_staff_is_logged(admin_user):
    area = ServiceAreaFactory(name="Barnet")
    with audit.acting(audit.Actor(explicit_user=admin_user)):
        area.delete()

    entry = _only_entry(entity_type="accounts.servicearea")
    assert entry.action == "delete"
    assert entry.previous_values["name"] == "Barnet"


def test_logging_in_to_the_back_office_is_not_a_change(client, admin_user):
    client.post(reverse("admin:login"), {"username": admin_user.email, "password": DEFAULT_PASSWORD})

    admin_user.refresh_from_db()
    assert admin_user.last_login is not None
    assert not AdminLog.objects.exists()


def test_log_changelist_queries_do_not_grow_with_the_entries(admin_client):
    def queries():
        admin_client.get(_url(AdminLog, "changelist"))
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(_url(AdminLog, "changelist"))
        return len(captured), len(response.context["cl"].result_list)

    for _ in range(10):
        AdminLogFactory()
    with_10 = queries()
    for _ in range(90):
        AdminLogFactory()

    assert queries() == (with_10[0], 100)
    assert with_10[1] == 10
