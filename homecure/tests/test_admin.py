"""Every back-office screen opens for an administrator, and the read-only rules hold.

The smoke tests walk `admin.site._registry`, so a newly registered model is covered as soon as
`ADMIN_OBJECTS` says how to make one of it (the test fails until it does).
"""

import base64
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import qrcode
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import ServiceArea, User, UserRole
from accounts.tests.factories import DEFAULT_PASSWORD, PatientFactory, ServiceAreaFactory, TechnicianUserFactory
from bookings.models import (
    Booking,
    BookingStatus,
    CalendarFeed,
    DocumentCounter,
    FailedCheckIn,
    MissedVisit,
    Payment,
    PaymentStatus,
    Service,
    VisitSeries,
    WaitlistEntry,
)
from bookings.tests.factories import (
    BookingDeclineFactory,
    BookingFactory,
    BookingStatusHistoryFactory,
    CalendarFeedFactory,
    FailedCheckInFactory,
    MissedVisitFactory,
    ServiceFactory,
    VisitSeriesFactory,
    WaitlistEntryFactory,
)
from earnings.models import Payout, TechnicianEarnings
from earnings.tests.factories import PayoutFactory, TechnicianEarningsFactory
from homecure.models import AdminLog, Contact, ScheduledJobRun, SystemSettings
from homecure.tests.factories import AdminLogFactory, ContactFactory, ScheduledJobRunFactory, SystemSettingsFactory
from notifications.models import EmailPreference, Notification, SentReminder
from notifications.tests.factories import EmailPreferenceFactory, NotificationFactory, SentReminderFactory
from records.models import HealthRecord
from records.tests.conftest import give_reason
from records.tests.factories import (
    HealthDocumentFactory,
    HealthRecordFactory,
    RecordAccessFactory,
    RecordAmendmentFactory,
)
from technicians.models import Technician
from technicians.tests.factories import TechnicianFactory, TimeOffFactory, give_weekly_schedule

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"accounts", "technicians", "bookings", "records", "earnings", "notifications", "homecure"}


def _qr_png_base64(text):
    buffer = io.BytesIO()
    qrcode.make(text).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _technician():
    area = ServiceAreaFactory()
    technician = TechnicianFactory(areas=[area])
    give_weekly_schedule(technician)
    TimeOffFactory(technician=technician)
    return technician


def _booking():
    technician = _technician()
    booking = BookingFactory(
        technician=technician,
        service_area=technician.service_areas.get(),
        confirmed=True,
        qr_code=_qr_png_base64("HomeCure check-in"),
        admin_notes="Gate code 1234",
    )
    BookingStatusHistoryFactory(booking=booking, to_status=BookingStatus.PENDING)
    BookingStatusHistoryFactory(
        booking=booking,
        from_status=BookingStatus.PENDING,
        to_status=BookingStatus.CONFIRMED,
        changed_by=technician.user,
        note="Accepted",
    )
    BookingDeclineFactory(booking=booking)
    return booking


def _record():
    booking = BookingFactory(technician=TechnicianFactory(), completed=True)
    record = HealthRecordFactory(
        booking=booking,
        vitals={"heart_rate": 72, "temperature": "36.8"},
        medications=[{"name": "Paracetamol", "dose": "500 mg", "frequency": "as needed"}],
    )
    HealthDocumentFactory(record=record)
    RecordAccessFactory(record=record, reader=record.created_by)
    RecordAmendmentFactory(record=record, amended_by=record.created_by)
    return record


def _document_counter():
    """The receipts' counter, as a paid visit leaves it."""
    BookingFactory(completed=True)
    return DocumentCounter.objects.get()


# How to make one realistic object of each registered model, and a search term that finds it.
ADMIN_OBJECTS = {
    Group: (lambda: Group.objects.create(name="Schedulers"), lambda obj: obj.name),
    User: (PatientFactory, lambda obj: obj.email),
    ServiceArea: (ServiceAreaFactory, lambda obj: obj.name),
    Technician: (_technician, lambda obj: obj.license_number),
    Service: (ServiceFactory, lambda obj: obj.name),
    Booking: (_booking, lambda obj: obj.reference),
    HealthRecord: (_record, lambda obj: obj.user.email),
    TechnicianEarnings: (TechnicianEarningsFactory, lambda obj: obj.booking.reference),
    Payout: (PayoutFactory, lambda obj: obj.transaction_id),
    Notification: (NotificationFactory, lambda obj: obj.title),
    AdminLog: (AdminLogFactory, lambda obj: obj.admin_user.email),
    SystemSettings: (lambda: SystemSettingsFactory(key="booking_slot_minutes", value="15"), lambda obj: obj.key),
    Contact: (ContactFactory, lambda obj: obj.email),
    EmailPreference: (EmailPreferenceFactory, lambda obj: obj.user.email),
    SentReminder: (SentReminderFactory, lambda obj: obj.booking.reference),
    FailedCheckIn: (FailedCheckInFactory, lambda obj: obj.code),
    MissedVisit: (MissedVisitFactory, lambda obj: obj.booking.reference),
    Payment: (lambda: BookingFactory(completed=True).payments.get(), lambda obj: obj.number),
    DocumentCounter: (_document_counter, lambda obj: str(obj.year)),
    WaitlistEntry: (WaitlistEntryFactory, lambda obj: obj.patient.email),
    CalendarFeed: (CalendarFeedFactory, lambda obj: obj.technician.user.email),
    ScheduledJobRun: (ScheduledJobRunFactory, lambda obj: obj.name),
    VisitSeries: (VisitSeriesFactory, lambda obj: obj.reference),
    # Log-in throttling: a locked address, a log-in, a refused log-in.
    AccessAttempt: (
        lambda: AccessAttempt.objects.create(
            username="locked@example.com",
            ip_address="203.0.113.9",
            failures_since_start=5,
            path_info="/accounts/login/",
        ),
        lambda obj: obj.username,
    ),
    AccessLog: (
        lambda: AccessLog.objects.create(username="nurse@example.com", ip_address="203.0.113.9", path_info="/"),
        lambda obj: obj.username,
    ),
    AccessFailureLog: (
        lambda: AccessFailureLog.objects.create(
            username="guess@example.com", ip_address="203.0.113.9", path_info="/accounts/login/", locked_out=True
        ),
        lambda obj: obj.username,
    ),
}

# Models whose rows come only from the product's own flows, never from the admin's add form.
NOT_ADDABLE = {
    AdminLog,
    WaitlistEntry,
    CalendarFeed,
    SystemSettings,
    Booking,
    TechnicianEarnings,
    Payout,
    Contact,
    EmailPreference,
    SentReminder,
    FailedCheckIn,
    MissedVisit,
    Payment,
    DocumentCounter,
    ScheduledJobRun,
    VisitSeries,
    AccessAttempt,
    AccessLog,
    AccessFailureLog,
}

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _make(model):
    assert model in ADMIN_OBJECTS, f"Tell ADMIN_OBJECTS how to make a {model._meta.label} for the admin tests."
    factory, search_term = ADMIN_OBJECTS[model]
    obj = factory()
    return obj, search_term(obj)


def _management_data(response):
    """The inline formsets' management fields as the change page rendered them."""
    data = {}
    for inline_admin_formset in response.context["inline_admin_formsets"]:
        management = inline_admin_formset.formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    return data


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_changelist_lists_the_object(admin_client, model):
    obj, _ = _make(model)

    response = admin_client.get(_url(model, "changelist"))

    assert response.status_code == 200
    assert _url(model, "change", obj.pk) in response.content.decode()


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_changelist_search_finds_the_object(admin_client, model):
    obj, term = _make(model)
    changelist = _url(model, "changelist")

    found = admin_client.get(changelist, {"q": term})
    missed = admin_client.get(changelist, {"q": "zz-nothing-matches-this-zz"})

    assert found.status_code == 200
    assert _url(model, "change", obj.pk) in found.content.decode()
    assert missed.status_code == 200
    assert _url(model, "change", obj.pk) not in missed.content.decode()


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_filter_choice_of_the_changelist_opens(admin_client, model):
    _make(model)
    changelist = _url(model, "changelist")
    cl = admin_client.get(changelist).context["cl"]

    query_strings = {choice["query_string"] for spec in cl.filter_specs for choice in spec.choices(cl)}

    assert query_strings or not cl.filter_specs
    for query_string in sorted(query_strings):
        # A lookup the admin does not allow would answer with a redirect to "?e=1".
        assert admin_client.get(changelist + query_string).status_code == 200, query_string


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_add_page_opens_unless_rows_come_from_the_product(admin_client, model):
    response = admin_client.get(_url(model, "add"))

    assert response.status_code == (403 if model in NOT_ADDABLE else 200)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_change_page_shows_the_object(admin_client, model):
    obj, _ = _make(model)
    if model is HealthRecord:
        # A health record opens once the administrator has said why (records.break_glass).
        give_reason(admin_client, obj)

    response = admin_client.get(_url(model, "change", obj.pk))

    assert response.status_code == 200
    assert response.context["original"] == obj


def test_not_addable_models_refuse_add_for_a_superuser(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user

    refused = {
        model for model, model_admin in admin.site._registry.items() if not model_admin.has_add_permission(request)
    }

    assert refused == NOT_ADDABLE


def test_every_project_model_has_an_admin_screen():
    covered = set(admin.site._registry)
    for model_admin in admin.site._registry.values():
        covered.update(inline.model for inline in model_admin.inlines)

    project_models = {model for model in apps.get_models() if model._meta.app_label in PROJECT_APPS}

    assert project_models - covered == set()


def test_back_office_header(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "HomeCure back office" in response.content.decode()


@pytest.mark.parametrize("persona", ["patient", "technician"])
def test_patients_and_technicians_are_sent_to_their_own_pages(client, request, persona):
    person = request.getfixturevalue(persona)
    client.force_login(person if persona == "patient" else person.user)

    response = client.get(reverse("admin:index"), follow=True)

    start_page = reverse("bookings:list") if persona == "patient" else reverse("portal:dashboard")
    assert response.redirect_chain[-1] == (start_page, 302)
    assert response.status_code == 200


def test_admin_creates_a_user_who_can_log_in(admin_client, client):
    response = admin_client.post(
        _url(User, "add"),
        {
            "email": "  New.Nurse@Example.com ",
            "first_name": "Nina",
            "last_name": "Nightingale",
            "role": UserRole.TECHNICIAN,
            "usable_password": "true",
            "password1": DEFAULT_PASSWORD,
            "password2": DEFAULT_PASSWORD,
        },
    )

    user = User.objects.get(email="new.nurse@example.com")
    assert response.status_code == 302
    assert user.role == UserRole.TECHNICIAN
    assert client.login(request=HttpRequest(), email="new.nurse@example.com", password=DEFAULT_PASSWORD)


def test_admin_cannot_create_a_second_account_for_an_address_in_other_case(admin_client, patient):
    response = admin_client.post(
        _url(User, "add"),
        {
            "email": "PATIENT@example.com",
            "first_name": "Paula",
            "last_name": "Twice",
            "role": UserRole.PATIENT,
            "usable_password": "true",
            "password1": DEFAULT_PASSWORD,
            "password2": DEFAULT_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert User.objects.filter(email__iexact="patient@example.com").count() == 1


def test_admin_changes_a_users_details(admin_client, patient, other_area):
    response = admin_client.post(
        _url(User, "change", patient.pk),
        {
            "email": patient.email,
            "first_name": "Paula",
            "last_name": "Patient-Smith",
            "role": UserRole.PATIENT,
            "phone": "+44 20 7946 0123",
            "address": "2 Hackney Road",
            "area": other_area.pk,
            "is_active": "on",
        },
    )

    patient.refresh_from_db()
    assert response.status_code == 302
    assert (patient.last_name, patient.phone, patient.area) == ("Patient-Smith", "+44 20 7946 0123", other_area)


def test_technician_profile_needs_a_technician_account(admin_client, area):
    patient = PatientFactory()
    nurse = TechnicianUserFactory()
    data = {
        "specialization": "nurse",
        "license_number": "NMC-123456",
        "experience_years": "3",
        "certifications": "[]",
        "service_areas": [area.pk],
        "is_available": "on",
        "is_active": "on",
        "availability_schedule-TOTAL_FORMS": "0",
        "availability_schedule-INITIAL_FORMS": "0",
        "time_off-TOTAL_FORMS": "0",
        "time_off-INITIAL_FORMS": "0",
    }

    refused = admin_client.post(_url(Technician, "add"), {**data, "user": patient.pk})
    accepted = admin_client.post(_url(Technician, "add"), {**data, "user": nurse.pk})

    assert refused.status_code == 200
    assert "user" in refused.context["adminform"].form.errors
    assert accepted.status_code == 302
    technician = Technician.objects.get(user=nurse)
    assert technician.is_verified is False
    assert list(technician.service_areas.all()) == [area]


def test_technician_user_autocomplete_offers_only_technician_accounts(admin_client, patient, technician):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "technicians", "model_name": "technician", "field_name": "user", "term": "example.com"},
    )

    ids = {int(result["id"]) for result in response.json()["results"]}
    assert response.status_code == 200
    assert technician.user.pk in ids
    assert patient.pk not in ids


def test_booking_form_saves_notes_but_not_status_or_money(admin_client):
    booking = _booking()
    page = admin_client.get(_url(Booking, "change", booking.pk))

    response = admin_client.post(
        _url(Booking, "change", booking.pk),
        {
            **_management_data(page),
            "service_address": "10 Downing Street",
            "service_location": "51.5034,-0.1276",
            "admin_notes": "Call before arriving",
            "status": BookingStatus.CANCELLED,
            "payment_status": PaymentStatus.REFUNDED,
            "total_amount": "0.00",
        },
    )

    booking.refresh_from_db()
    assert response.status_code == 302
    assert (booking.admin_notes, booking.service_address) == ("Call before arriving", "10 Downing Street")
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.payment_status == PaymentStatus.PENDING
    assert booking.total_amount == Decimal("80.00")


def test_booking_page_shows_history_declines_and_qr(admin_client):
    booking = _booking()

    response = admin_client.get(_url(Booking, "change", booking.pk))

    page = response.content.decode()
    assert "Accepted" in page
    assert "Not available at that time" in page
    assert f'src="data:image/png;base64,{booking.qr_code}"' in page


@pytest.mark.parametrize("model", [Booking, TechnicianEarnings, HealthRecord, AdminLog, SystemSettings])
def test_kept_rows_cannot_be_deleted(admin_client, model):
    obj, _ = _make(model)

    response = admin_client.post(_url(model, "delete", obj.pk), {"post": "yes"})

    assert response.status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_earning_money_is_read_only(admin_client):
    earning = TechnicianEarningsFactory()

    response = admin_client.post(
        _url(TechnicianEarnings, "change", earning.pk),
        {"amount": "999.00", "net_earnings": "999.00", "payment_status": "paid", "notes": "Checked with the patient."},
    )

    earning.refresh_from_db()
    assert response.status_code == 302
    assert earning.notes == "Checked with the patient."
    assert (earning.amount, earning.net_earnings, earning.payment_status) == (
        Decimal("80.00"),
        Decimal("68.00"),
        "pending",
    )


def test_audit_log_cannot_be_changed_in_the_admin(admin_client):
    entry = AdminLogFactory(description="Verified a technician")

    page = admin_client.get(_url(AdminLog, "change", entry.pk))
    response = admin_client.post(_url(AdminLog, "change", entry.pk), {"description": "Nothing happened"})

    entry.refresh_from_db()
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    assert entry.description == "Verified a technician"


def test_system_setting_value_is_validated_against_its_declaration(admin_client):
    setting = SystemSettings.objects.get(key="booking_cancellation_hours")

    refused = admin_client.post(_url(SystemSettings, "change", setting.pk), {"value": "500"})
    accepted = admin_client.post(
        _url(SystemSettings, "change", setting.pk), {"value": " 48 ", "key": "renamed", "data_type": "json"}
    )

    setting.refresh_from_db()
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["value"] == ["Enter a value from 0 to 168."]
    assert accepted.status_code == 302
    assert (setting.key, setting.value, setting.data_type) == ("booking_cancellation_hours", "48", "number")


def test_boolean_setting_is_stored_in_its_declared_form(admin_client):
    setting = SystemSettings.objects.get(key="email_notifications_enabled")

    admin_client.post(_url(SystemSettings, "change", setting.pk), {"value": "OFF"})

    setting.refresh_from_db()
    assert setting.value == "false"


def test_setting_marked_not_editable_keeps_its_value(admin_client):
    setting = SystemSettings.objects.get(key="currency")

    page = admin_client.get(_url(SystemSettings, "change", setting.pk))
    admin_client.post(_url(SystemSettings, "change", setting.pk), {"value": "EUR"})

    setting.refresh_from_db()
    assert "value" not in page.context["adminform"].form.fields
    assert setting.value == "USD"


def test_marking_a_contact_message_handled_records_when(admin_client):
    message = ContactFactory()

    admin_client.post(_url(Contact, "change", message.pk), {"is_handled": "on"})
    message.refresh_from_db()
    handled_at = message.handled_at
    admin_client.post(_url(Contact, "change", message.pk), {})
    message.refresh_from_db()

    assert handled_at is not None
    assert message.is_handled is False
    assert message.handled_at is None


def test_health_record_added_in_the_admin_names_its_author(admin_client, admin_user, patient):
    response = admin_client.post(
        _url(HealthRecord, "add"),
        {
            "user": patient.pk,
            "record_type": "consultation",
            "record_date": "2026-01-15",
            "provider_name": "Dr Ada Admin",
            "medications": "[]",
            "vitals": "{}",
            "lab_results": "[]",
            "documents-TOTAL_FORMS": "0",
            "documents-INITIAL_FORMS": "0",
        },
    )

    record = HealthRecord.objects.get(user=patient)
    assert response.status_code == 302
    assert record.created_by == admin_user
    assert record.record_date == date(2026, 1, 15)


def test_service_added_in_the_admin(admin_client):
    response = admin_client.post(
        _url(Service, "add"),
        {
            "name": "Wound dressing",
            "slug": "wound-dressing",
            "category": "nursing",
            "price": "45.50",
            "duration_minutes": "45",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert Service.objects.get(slug="wound-dressing").price == Decimal("45.50")


def test_mark_handled_action_marks_waiting_messages_once(admin_client, admin_user):
    waiting = ContactFactory()
    handled_before = ContactFactory(is_handled=True, handled_at=timezone.now() - timedelta(days=2))
    first_handled_at = handled_before.handled_at

    response = admin_client.post(
        _url(Contact, "changelist"),
        {"action": "mark_handled", "_selected_action": [waiting.pk, handled_before.pk]},
    )

    waiting.refresh_from_db()
    handled_before.refresh_from_db()
    assert response.status_code == 302
    assert waiting.is_handled is True
    assert waiting.handled_at is not None
    assert handled_before.handled_at == first_handled_at
    entry = AdminLog.objects.get(entity_type="homecure.contact")
    assert (entry.entity_id, entry.admin_user) == (str(waiting.pk), admin_user)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"role__exact": "patient", "is_active__exact": "1"}, {"patient"}),
        ({"role__exact": "technician"}, {"technician"}),
        ({"role__exact": "admin"}, {"admin"}),
        ({"is_active__exact": "0"}, {"former"}),
    ],
)
def test_users_filter_by_role_and_active(admin_client, admin_user, patient, technician, params, expected):
    former = PatientFactory(is_active=False)
    people = {"patient": patient, "technician": technician.user, "admin": admin_user, "former": former}

    response = admin_client.get(_url(User, "changelist"), params)

    shown = set(response.context["cl"].result_list)
    assert {name for name, person in people.items() if person in shown} == expected
