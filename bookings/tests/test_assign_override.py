"""The office can always act: an administrator assigns a technician who is not eligible, with a reason
written to the audit log, but never one busy with another visit then, nor one who may not work."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import ServiceAreaFactory
from bookings import services
from bookings.models import Booking, BookingStatus
from bookings.scheduling import Candidate
from bookings.tests.factories import BookingFactory
from homecure.models import AdminLog
from technicians.models import Specialization
from technicians.tests.factories import TechnicianFactory, TimeOffFactory, give_weekly_schedule

LONDON = ZoneInfo("Europe/London")
DAY = date(2027, 6, 16)
START = datetime.combine(DAY, time(10, 0), tzinfo=LONDON)
NOW = START - timedelta(days=2)
REASON = "Patient asked for her by name; she lives nearby."

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def waiting(patient, service, area):
    return BookingFactory(user=patient, technician=None, service=service, service_area=area, start=START)


@pytest.fixture
def outsider(db):
    """A verified nurse who works every day but serves only another area."""
    technician = TechnicianFactory(
        specialization=Specialization.NURSE,
        areas=[ServiceAreaFactory(name="Hackney")],
        user__first_name="Olive",
        user__last_name="Outsider",
    )
    give_weekly_schedule(technician)
    return technician


def row(booking):
    return Booking.objects.filter(pk=booking.pk).values().get()


def assign(booking, technician, actor, reason="", now=NOW):
    return services.booking_assign(booking=booking, technician=technician, actor=actor, override_reason=reason, now=now)


# --- the service ---------------------------------------------------------------------------------


def test_override_with_a_reason_assigns_and_writes_the_reason_in_the_audit_entry(admin_user, waiting, outsider):
    assign(waiting, outsider, admin_user, reason=f"  {REASON} ")

    waiting.refresh_from_db()
    assert (waiting.technician, waiting.status) == (outsider, BookingStatus.PENDING)
    entry = AdminLog.objects.get(action="booking_assigned")
    assert entry.admin_user == admin_user
    assert entry.description == (
        f"Override: {REASON}. Assigned booking {waiting.reference} to Olive Outsider (Nurse). "
        "Overridden: not in the area."
    )
    assert entry.new_values == {
        "technician": outsider.pk,
        "override_reason": REASON,
        "overridden": "not in the area",
    }
    assert waiting.history.get().note == (f"Assigned to Olive Outsider (Nurse) by override (not in the area): {REASON}")


@pytest.mark.parametrize("obstacle", ["hours", "time off", "not available"])
def test_working_hours_time_off_and_availability_may_be_overridden_too(admin_user, waiting, technician, obstacle):
    if obstacle == "hours":
        technician.availability_schedule.update(start_time=time(13))
    elif obstacle == "time off":
        TimeOffFactory(technician=technician, start_date=DAY, end_date=DAY)
    else:
        technician.is_available = False
        technician.save()

    with pytest.raises(services.BookingError) as refusal:
        assign(waiting, technician, admin_user)
    assert refusal.value.code == "override_reason_required"

    assign(waiting, technician, admin_user, reason=REASON)
    waiting.refresh_from_db()
    assert waiting.technician == technician


@pytest.mark.parametrize("reason", ["", "   "])
def test_override_without_a_reason_is_refused_and_changes_nothing(admin_user, waiting, outsider, reason):
    before = row(waiting)

    with pytest.raises(services.BookingError) as refusal:
        assign(waiting, outsider, admin_user, reason=reason)

    assert refusal.value.code == "override_reason_required"
    assert refusal.value.message == (
        "Olive Outsider (Nurse) is not eligible (not in the area). Give a reason to assign them anyway."
    )
    assert row(waiting) == before
    assert not AdminLog.objects.filter(action="booking_assigned").exists()


def test_override_onto_a_busy_technician_is_refused_whatever_the_reason(
    admin_user, waiting, other_patient, outsider, service
):
    clash = BookingFactory(
        user=other_patient, technician=outsider, service=service, start=START + timedelta(minutes=30), confirmed=True
    )
    before = row(waiting)

    with pytest.raises(services.SlotTaken) as refusal:
        assign(waiting, outsider, admin_user, reason=REASON)

    assert refusal.value.message == (
        f"Olive Outsider (Nurse) cannot take this visit (not in the area, busy with {clash.reference}): "
        "nobody is booked for two visits at once."
    )
    assert row(waiting) == before
    assert not AdminLog.objects.filter(action="booking_assigned").exists()


@pytest.mark.parametrize("change", [{"is_verified": False}, {"is_active": False}], ids=["unverified", "suspended"])
def test_a_technician_who_may_not_work_is_refused_whatever_the_reason(admin_user, waiting, technician, change):
    for field, value in change.items():
        setattr(technician, field, value)
    technician.save()
    before = row(waiting)

    with pytest.raises(services.NotAllowed) as refusal:
        assign(waiting, technician, admin_user, reason=REASON)

    assert refusal.value.code == "not_working"
    assert row(waiting) == before


def test_a_technician_of_another_specialization_is_refused(admin_user, waiting, technician):
    technician.specialization = Specialization.PHYSIOTHERAPIST
    technician.save()

    with pytest.raises(services.NotAllowed):
        assign(waiting, technician, admin_user, reason=REASON)


def test_a_visit_whose_start_has_passed_is_not_assigned(admin_user, waiting, technician):
    with pytest.raises(services.NotAllowed) as refusal:
        assign(waiting, technician, admin_user, now=START + timedelta(minutes=5))

    assert refusal.value.code == "too_late"


def test_an_eligible_technician_needs_no_reason_and_the_entry_says_no_override(admin_user, waiting, technician):
    assign(waiting, technician, admin_user)

    entry = AdminLog.objects.get(action="booking_assigned")
    assert entry.description == f"Assigned booking {waiting.reference} to Nadia Nurse (Nurse)."
    assert entry.new_values == {"technician": technician.pk}


# --- the assign page ---------------------------------------------------------------------------------


@pytest.fixture
def page_booking(patient, service, area):
    """A visit five days ahead (the page asks the real clock), waiting for a technician."""
    day = timezone.localdate() + timedelta(days=5)
    return BookingFactory(
        user=patient,
        technician=None,
        service=service,
        service_area=area,
        start=datetime.combine(day, time(10), tzinfo=LONDON),
    )


def url(booking):
    return reverse("admin:bookings_booking_assign", args=[booking.pk])


def test_assign_page_lists_free_technicians_first_then_the_others_with_why(
    admin_client, page_booking, technician, other_technician, unverified_technician, outsider, service, area
):
    clash = BookingFactory(
        technician=other_technician, service=service, service_area=area, start=page_booking.scheduled_start
    )

    response = admin_client.get(url(page_booking))

    assert response.status_code == 200
    labels = [label for _value, label in response.context["form"].fields["technician"].choices]
    assert labels == [
        "Nadia Nurse (Nurse): eligible and free",
        "Olive Outsider (Nurse): not eligible (not in the area)",
        f"Otto Nurse (Nurse): not eligible (busy with {clash.reference})",
    ]
    page = response.content.decode()
    assert "Reason for the override" in page
    assert "Assign technician" in page


def test_assign_page_says_when_nobody_is_eligible(admin_client, page_booking, outsider):
    response = admin_client.get(url(page_booking))

    assert "No eligible technician is free at this time." in response.content.decode()


def test_assign_page_without_a_reason_shows_the_error_next_to_the_reason(admin_client, page_booking, outsider):
    response = admin_client.post(url(page_booking), {"technician": outsider.pk, "override_reason": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["override_reason"] == [
        "Olive Outsider (Nurse) is not eligible (not in the area). Give a reason to assign them anyway."
    ]
    page_booking.refresh_from_db()
    assert page_booking.technician is None


def test_assign_page_with_a_reason_assigns_and_the_audit_log_keeps_it(admin_client, admin_user, page_booking, outsider):
    response = admin_client.post(url(page_booking), {"technician": outsider.pk, "override_reason": REASON})

    assert response.status_code == 302
    page_booking.refresh_from_db()
    assert page_booking.technician == outsider
    entry = AdminLog.objects.get(action="booking_assigned")
    assert (entry.admin_user, entry.new_values["override_reason"]) == (admin_user, REASON)


def test_assign_page_refuses_a_busy_technician_next_to_the_choice(
    admin_client, page_booking, other_technician, service, area
):
    BookingFactory(technician=other_technician, service=service, service_area=area, start=page_booking.scheduled_start)

    response = admin_client.post(url(page_booking), {"technician": other_technician.pk, "override_reason": REASON})

    assert response.status_code == 200
    assert "nobody is booked for two visits at once" in response.context["form"].errors["technician"][0]
    page_booking.refresh_from_db()
    assert page_booking.technician is None


def test_assign_page_does_not_accept_a_technician_it_did_not_offer(admin_client, page_booking, unverified_technician):
    response = admin_client.post(url(page_booking), {"technician": unverified_technician.pk, "override_reason": REASON})

    assert response.status_code == 200
    assert response.context["form"].errors["technician"]
    page_booking.refresh_from_db()
    assert page_booking.technician is None


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the exclusion constraint exists on PostgreSQL only (run with DATABASE_URL=postgres://...)",
)
def test_the_database_still_refuses_an_overlap_when_the_checks_above_it_miss_one(
    monkeypatch, admin_user, waiting, other_patient, technician, service, area
):
    BookingFactory(user=other_patient, technician=technician, service=service, service_area=area, start=START)
    # The service's own checks switched off: only the exclusion constraint is left.
    monkeypatch.setattr(services, "_assignment_candidate", lambda *args, **kwargs: Candidate(technician))
    monkeypatch.setattr(services, "_claim", lambda *args, **kwargs: True)
    before = row(waiting)

    with pytest.raises(services.SlotTaken) as refusal:
        assign(waiting, technician, admin_user, reason=REASON)

    assert refusal.value.message == "Nadia Nurse (Nurse) is not free at this time any more."
    assert row(waiting) == before
    assert not AdminLog.objects.filter(action="booking_assigned").exists()
