"""Moving a visit to another time (`booking_reschedule`): the same booking, its technician kept when
they are free and still eligible then, otherwise offered to the best technician who is; refused after
the cancellation deadline for the patient, allowed to the office at any time before the visit starts.

The visit is on Wednesday 16 June 2027 at 10:00 London time and "now" is two days earlier unless a
test says otherwise; `technician` and `other_technician` both work 08:00-18:00 every day in the area.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import Booking, BookingStatus
from bookings.tests.factories import BookingDeclineFactory, BookingFactory
from homecure.models import AdminLog
from notifications.models import SentReminder
from technicians.models import Technician

LONDON = ZoneInfo("Europe/London")
DAY = date(2027, 6, 16)
START = datetime.combine(DAY, time(10, 0), tzinfo=LONDON)
NOON = datetime.combine(DAY, time(12, 0), tzinfo=LONDON)
TWO_PM = datetime.combine(DAY, time(14, 0), tzinfo=LONDON)
NOW = START - timedelta(hours=48)
AFTER_DEADLINE = START - timedelta(hours=3)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def visit(patient, technician, service, area, *, start=START, **traits):
    return BookingFactory(
        user=patient, technician=technician, service=service, service_area=area, start=start, **traits
    )


def accepted_visit(patient, technician, service, area, **kwargs):
    """A visit the technician accepted through the service: it has its QR code and typed check-in code."""
    booking = visit(patient, technician, service, area, **kwargs)
    return services.booking_accept(booking=booking, actor=technician.user, now=NOW)


def row(booking):
    return Booking.objects.filter(pk=booking.pk).values().get()


def test_the_technician_who_is_free_at_the_new_time_keeps_the_confirmed_visit(
    patient, technician, other_technician, service, area
):
    booking = accepted_visit(patient, technician, service, area)
    reference, old_token, old_code = booking.reference, booking.qr_code_data, booking.checkin_code

    services.booking_reschedule(booking=booking, start=NOON, actor=patient, now=NOW)

    booking.refresh_from_db()
    assert (booking.reference, booking.technician, booking.status) == (reference, technician, BookingStatus.CONFIRMED)
    assert booking.scheduled_start == NOON
    assert booking.scheduled_end == NOON + timedelta(minutes=60)
    assert (booking.scheduled_date, booking.scheduled_time) == (DAY, time(12, 0))
    assert booking.qr_code_data and booking.qr_code_data != old_token
    assert booking.checkin_code and booking.checkin_code != old_code
    assert booking.qr_code
    change = booking.history.order_by("pk").last()
    assert (change.from_status, change.to_status, change.changed_by) == ("confirmed", "confirmed", patient)
    assert change.note == "Rescheduled from Wed 16 Jun 2027, 10:00 to Wed 16 Jun 2027, 12:00"


def test_moving_by_less_than_the_visit_keeps_the_technician_whose_own_slot_is_not_busy(
    patient, technician, service, area
):
    booking = accepted_visit(patient, technician, service, area)

    services.booking_reschedule(booking=booking, start=START + timedelta(minutes=30), actor=patient, now=NOW)

    booking.refresh_from_db()
    assert (booking.technician, booking.status) == (technician, BookingStatus.CONFIRMED)


def test_a_busy_technician_loses_the_visit_to_the_best_free_one_who_is_asked_to_accept(
    patient, other_patient, technician, other_technician, service, area
):
    booking = accepted_visit(patient, technician, service, area)
    visit(other_patient, technician, service, area, start=TWO_PM, confirmed=True)
    BookingDeclineFactory(booking=booking, technician=other_technician, reason="Not at 10:00")

    services.booking_reschedule(booking=booking, start=TWO_PM, actor=patient, now=NOW)

    booking.refresh_from_db()
    assert (booking.technician, booking.status) == (other_technician, BookingStatus.PENDING)
    assert booking.scheduled_start == TWO_PM
    assert (booking.qr_code_data, booking.qr_code, booking.checkin_code) == (None, "", None)
    note = booking.history.order_by("pk").last().note
    assert note == "Rescheduled from Wed 16 Jun 2027, 10:00 to Wed 16 Jun 2027, 14:00, offered to Otto Nurse (Nurse)"


def test_a_technician_who_no_longer_serves_the_area_is_not_kept(patient, technician, other_technician, service, area):
    booking = accepted_visit(patient, technician, service, area)
    technician.service_areas.clear()

    services.booking_reschedule(booking=booking, start=NOON, actor=patient, now=NOW)

    booking.refresh_from_db()
    assert (booking.technician, booking.status) == (other_technician, BookingStatus.PENDING)


def test_a_technician_who_does_not_work_at_the_new_time_is_not_kept(
    patient, technician, other_technician, service, area
):
    booking = accepted_visit(patient, technician, service, area)
    technician.availability_schedule.update(start_time=time(8, 0), end_time=time(12, 0))

    services.booking_reschedule(booking=booking, start=TWO_PM, actor=patient, now=NOW)

    booking.refresh_from_db()
    assert booking.technician == other_technician


def test_a_visit_waiting_for_the_office_is_offered_to_a_technician_free_at_the_new_time(
    patient, technician, service, area
):
    booking = visit(patient, None, service, area)

    services.booking_reschedule(booking=booking, start=NOON, actor=patient, now=NOW)

    booking.refresh_from_db()
    assert (booking.technician, booking.status) == (technician, BookingStatus.PENDING)


def test_nobody_free_at_the_new_time_refuses_and_changes_nothing(
    patient, other_patient, technician, other_technician, service, area
):
    booking = accepted_visit(patient, technician, service, area)
    for nurse in (technician, other_technician):
        visit(other_patient, nurse, service, area, start=TWO_PM, confirmed=True)
    before = row(booking)

    with pytest.raises(services.SlotTaken):
        services.booking_reschedule(booking=booking, start=TWO_PM, actor=patient, now=NOW)

    assert row(booking) == before
    assert booking.history.count() == 1


def test_the_patient_cannot_move_a_confirmed_visit_after_the_deadline(patient, technician, service, area):
    booking = accepted_visit(patient, technician, service, area)
    before = row(booking)

    with pytest.raises(services.NotAllowed) as caught:
        services.booking_reschedule(booking=booking, start=TWO_PM, actor=patient, now=AFTER_DEADLINE)

    assert caught.value.code == "too_late"
    assert "changes closed at Tue 15 Jun 2027, 10:00" in caught.value.message
    assert row(booking) == before


def test_the_patient_can_move_a_visit_no_technician_has_accepted_after_the_deadline(patient, technician, service, area):
    booking = visit(patient, technician, service, area)

    services.booking_reschedule(booking=booking, start=TWO_PM, actor=patient, now=AFTER_DEADLINE)

    booking.refresh_from_db()
    assert (booking.scheduled_start, booking.technician, booking.status) == (TWO_PM, technician, "pending")


def test_the_patient_cannot_move_a_visit_inside_the_minimum_notice(patient, technician, service, area):
    booking = visit(patient, technician, service, area)

    with pytest.raises(services.SlotTaken):
        services.booking_reschedule(
            booking=booking, start=AFTER_DEADLINE + timedelta(hours=1), actor=patient, now=AFTER_DEADLINE
        )

    assert Booking.objects.get(pk=booking.pk).scheduled_start == START


def test_an_administrator_moves_a_visit_at_any_time_and_the_service_writes_the_audit_entry(
    admin_user, patient, technician, service, area
):
    booking = accepted_visit(patient, technician, service, area)
    an_hour_before = START - timedelta(hours=1)

    services.booking_reschedule(booking=booking, start=NOON, actor=admin_user, now=an_hour_before)

    booking.refresh_from_db()
    assert (booking.scheduled_start, booking.technician, booking.status) == (NOON, technician, "confirmed")
    [entry] = AdminLog.objects.filter(entity_type="bookings.booking", entity_id=str(booking.pk))
    assert (entry.action, entry.admin_user) == ("booking_rescheduled", admin_user)
    assert entry.previous_values == {
        "scheduled_start": START.astimezone(UTC).isoformat(),
        "technician": technician.pk,
        "status": "confirmed",
    }
    assert entry.new_values["scheduled_start"] == NOON.astimezone(UTC).isoformat()
    assert entry.description.startswith("Rescheduled from Wed 16 Jun 2027, 10:00 to Wed 16 Jun 2027, 12:00")


def test_a_patients_own_change_writes_no_audit_entry(patient, technician, service, area):
    booking = accepted_visit(patient, technician, service, area)

    services.booking_reschedule(booking=booking, start=NOON, actor=patient, now=NOW)

    assert not AdminLog.objects.filter(action="booking_rescheduled").exists()


@pytest.mark.parametrize("traits", [{"in_progress": True}, {"completed": True}, {"cancelled": True}])
def test_a_visit_that_started_or_ended_cannot_be_moved_even_by_the_office(
    admin_user, patient, technician, service, area, traits
):
    booking = visit(patient, technician, service, area, **traits)
    before = row(booking)

    with pytest.raises(services.NotAllowed) as caught:
        services.booking_reschedule(booking=booking, start=NOON, actor=admin_user, now=NOW)

    assert caught.value.code == "wrong_state"
    assert row(booking) == before


@pytest.mark.parametrize("who", ["other_patient", "the technician"])
def test_nobody_else_moves_the_patients_visit(other_patient, patient, technician, service, area, who):
    booking = accepted_visit(patient, technician, service, area)
    before = row(booking)
    actor = other_patient if who == "other_patient" else technician.user

    with pytest.raises(services.NotAllowed):
        services.booking_reschedule(booking=booking, start=NOON, actor=actor, now=NOW)

    assert row(booking) == before


def test_moving_to_the_same_time_again_changes_nothing(patient, technician, service, area):
    booking = accepted_visit(patient, technician, service, area)
    services.booking_reschedule(booking=booking, start=NOON, actor=patient, now=NOW)
    after_first = row(booking)

    services.booking_reschedule(booking=booking, start=NOON, actor=patient, now=NOW)

    assert row(booking) == after_first
    assert booking.history.count() == 2  # accepted, rescheduled once


def test_the_reminders_of_the_old_time_are_forgotten(patient, technician, service, area):
    booking = accepted_visit(patient, technician, service, area)
    SentReminder.objects.create(booking=booking, user=patient, kind="24h", sent_at=NOW)

    services.booking_reschedule(booking=booking, start=NOON, actor=patient, now=NOW)

    assert not SentReminder.objects.filter(booking=booking).exists()


def test_what_the_patient_is_told_before_confirming_matches_what_happens(
    patient, other_patient, technician, other_technician, service, area
):
    booking = accepted_visit(patient, technician, service, area)
    visit(other_patient, technician, service, area, start=TWO_PM, confirmed=True)

    assert services.reschedule_keeps_technician(booking, NOON, now=NOW)
    assert not services.reschedule_keeps_technician(booking, TWO_PM, now=NOW)


# --- At the door: the codes of the old time are refused -------------------------------------------------------


def test_the_old_qr_code_and_check_in_code_are_refused_at_the_door(
    patient, technician, technician_client, service, area
):
    in_three_days = timezone.localdate() + timedelta(days=3)
    first = datetime.combine(in_three_days, time(10, 0), tzinfo=timezone.get_current_timezone())
    booking = services.booking_accept(
        booking=visit(patient, technician, service, area, start=first), actor=technician.user
    )
    old_token, old_code = booking.qr_code_data, booking.checkin_code

    services.booking_reschedule(booking=booking, start=first + timedelta(hours=2), actor=patient)
    booking.refresh_from_db()

    old_scan = technician_client.post(reverse("portal:check-in", args=[old_token]))
    assert old_scan.status_code == 404
    assert "This code does not belong to any booking." in old_scan.content.decode()
    old_typed = technician_client.post(reverse("portal:check-in-code"), {"code": old_code})
    assert old_typed.status_code == 404
    assert "This code does not belong to any booking." in old_typed.content.decode()
    new_scan = technician_client.get(reverse("portal:check-in", args=[booking.qr_code_data]))
    assert new_scan.status_code == 409
    assert "It is too early to check in." in new_scan.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    assert Technician.objects.get(pk=technician.pk).completed_bookings == 0
