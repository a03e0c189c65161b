"""Every back-office list fits its box at 1280x800: with realistic rows in each (long names, long
e-mail addresses, long descriptions), no list table scrolls sideways inside the page, and the
back office's pages have a favicon that loads.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PatientFactory, ServiceAreaFactory
from bookings.models import BookingStatus, ServiceCategory
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
from earnings.models import PayoutMethod
from earnings.services import payout_record
from earnings.tests.factories import TechnicianEarningsFactory
from homecure.base.audit import audit_event
from homecure.models import SystemSettings
from homecure.tests.factories import ContactFactory, ScheduledJobRunFactory, SystemSettingsFactory
from notifications.models import Priority
from notifications.tests.factories import EmailPreferenceFactory, NotificationFactory, SentReminderFactory
from records.tests.factories import HealthRecordFactory
from technicians.models import Specialization
from technicians.tests.factories import TechnicianFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)

# How many CSS pixels wider than its box a list's table is (0 when it fits).
OVERFLOW = """() => {
    const box = document.querySelector("#changelist .results");
    return box ? box.scrollWidth - box.clientWidth : 0;
}"""


@pytest.fixture
def busy_office(admin_user, area):
    """A row or more in every list, with the long values real people and services have."""
    westminster = ServiceAreaFactory(name="Westminster and the City of London", slug="westminster")
    physio = ServiceFactory(
        name="Post-operative rehabilitation after knee replacement",
        category=ServiceCategory.PHYSIOTHERAPY,
        price=Decimal("1250.00"),
    )
    nurse = TechnicianFactory(
        specialization=Specialization.PHYSIOTHERAPIST,
        areas=[area, westminster],
        user__first_name="Alexandra-Louise",
        user__last_name="Featherstonehaugh-Montgomery",
        user__email="alexandra-louise.featherstonehaugh-montgomery@northlondon-homecare.example",
    )
    patient = PatientFactory(
        first_name="Maximilian",
        last_name="Oyelaran-Vandenberghe",
        email="maximilian.oyelaran-vandenberghe@longdomainname-example.example",
        area=westminster,
    )
    day = timezone.localdate() - timedelta(days=3)
    start = datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())
    done = BookingFactory(
        user=patient, technician=nurse, service=physio, service_area=westminster, start=start, completed=True
    )
    BookingStatusHistoryFactory(booking=done)
    waiting = BookingFactory(user=patient, service=physio, service_area=westminster, start=start + timedelta(days=6))
    BookingDeclineFactory(booking=waiting, technician=nurse, reason="Fully booked that afternoon, sorry.")
    missed = BookingFactory(
        user=patient,
        technician=nurse,
        service=physio,
        service_area=westminster,
        start=start - timedelta(days=2),
        status=BookingStatus.CANCELLED,
    )
    MissedVisitFactory(booking=missed, technician=nurse, scheduled_start=missed.scheduled_start)
    FailedCheckInFactory(user=nurse.user, booking=done, code="WRONGCODE", ip_address="2001:db8:85a3::8a2e:370:7334")
    HealthRecordFactory(booking=done, user=patient, created_by=nurse.user)
    earning = TechnicianEarningsFactory(technician=nurse, booking=done, amount=done.total_amount)
    payout_record(
        technician=nurse,
        earnings=[earning],
        actor=admin_user,
        method=PayoutMethod.BANK_TRANSFER,
        transaction_id="GB-FASTER-PAYMENTS-2026-12-000000123456789",
    )
    CalendarFeedFactory(technician=nurse)
    WaitlistEntryFactory(
        patient=patient,
        service=physio,
        area=westminster,
        address="Flat 12, Featherstonehaugh Court, 145 Marylebone High Street, London W1U 4RH",
    )
    VisitSeriesFactory(user=patient, service=physio, service_area=westminster)
    NotificationFactory(
        user=patient,
        title="Your physiotherapy visit after your knee replacement is confirmed for Thursday morning",
        priority=Priority.HIGH,
    )
    EmailPreferenceFactory(user=patient)
    SentReminderFactory(booking=BookingFactory(user=patient, service=physio, service_area=westminster, confirmed=True))
    audit_event(
        actor=admin_user,
        action="setting_changed",
        entity=("homecure.systemsettings", "11"),
        description="Changed booking_cancellation_hours from 24 to 48 after the clinic's new terms. " * 4,
    )
    ContactFactory(
        name="Bartholomew Featherstonehaugh",
        email="bartholomew.featherstonehaugh@longdomainname-example.example",
        subject="Can a nurse visit my mother twice a week for wound dressing after her operation?",
    )
    ScheduledJobRunFactory(name="daily_break_glass_summary_for_the_clinical_lead")
    # The settings' rows come with the migrations, and a test before this one may have emptied the tables.
    for key in ("booking_cancellation_hours", "platform_commission_rate", "email_notifications_enabled"):
        if not SystemSettings.objects.filter(key=key).exists():
            SystemSettingsFactory(key=key)
    Group.objects.create(name="Dispatch desk supervisors")
    attempt = {
        "username": "alexandra-louise.featherstonehaugh-montgomery@northlondon-homecare.example",
        "ip_address": "2001:db8:85a3::8a2e:370:7334",
        "user_agent": LONG_AGENT,
        "path_info": "/accounts/login/?next=/portal/jobs/HC-DEMO0001/",
        "http_accept": "text/html",
    }
    AccessAttempt.objects.create(**attempt, failures_since_start=5, get_data="", post_data="username=...")
    AccessLog.objects.create(**attempt)
    AccessFailureLog.objects.create(**attempt, locked_out=True)


def test_every_back_office_list_fits_its_box_at_1280_and_the_favicon_loads(
    page, live_server, screenshot, failed_responses, admin_user, log_in_with_code, busy_office
):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in_with_code(admin_user)
    lists = sorted(
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    )

    too_wide = {}
    for url in lists:
        page.goto(live_server.url + url)
        # Server-rendered: once the page has loaded, its rows are there.
        assert page.locator("#result_list tbody tr").count() > 0, f"no rows listed at {url}"
        overflow = page.evaluate(OVERFLOW)
        if overflow > 0:
            too_wide[url] = overflow
            screenshot(url.strip("/").replace("/", "-"))
    assert too_wide == {}, f"lists wider than their box (CSS pixels too wide): {too_wide}"

    page.goto(live_server.url + reverse("admin:homecure_adminlog_changelist"))
    expect(page.get_by_role("row").filter(has_text="Setting changed")).to_contain_text("System setting #11")
    screenshot("audit-log")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    response = page.request.get(live_server.url + icon)
    assert (response.status, response.headers["content-type"]) == (200, "image/svg+xml")
    assert failed_responses == []
