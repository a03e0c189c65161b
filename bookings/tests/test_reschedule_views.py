"""The patient's "Change the time" page (date, free times, review, confirm) and the office's form in the admin."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from bookings import services
from bookings.models import Booking, BookingStatus
from bookings.tests.factories import BookingFactory
from bookings.tests.test_views import at, follow_messages, free_times, hidden_fields, visit_day
from homecure.models import AdminLog

pytestmark = pytest.mark.django_db


def confirmed_visit(patient, technician, service, area, **kwargs):
    kwargs.setdefault("start", at(visit_day(), 10))
    booking = BookingFactory(user=patient, technician=technician, service=service, service_area=area, **kwargs)
    return services.booking_accept(booking=booking, actor=technician.user)


def reschedule_url(booking):
    return reverse("bookings:reschedule", args=[booking.reference])


def long_date(moment):
    return formats.date_format(timezone.localtime(moment), "l j F Y, H:i")


def test_the_booking_page_offers_to_change_the_time(patient_client, patient, technician, service, area):
    booking = confirmed_visit(patient, technician, service, area)

    html = patient_client.get(booking.get_absolute_url()).content.decode()

    assert f'href="{reschedule_url(booking)}"' in html
    assert "Change the time" in html


def test_the_page_shows_the_free_times_of_the_visits_day_without_its_current_time(
    patient_client, patient, technician, service, area
):
    booking = confirmed_visit(patient, technician, service, area)

    page = patient_client.get(reschedule_url(booking))

    assert page.status_code == 200
    offered = free_times(page)
    assert offered
    assert booking.scheduled_start.isoformat() not in offered
    # Its own slot is not busy: moving by half an hour is offered.
    assert (booking.scheduled_start + timedelta(minutes=30)).isoformat() in offered
    assert "Your Nurse home visit is now on" in page.content.decode()


def test_the_patient_picks_a_time_reviews_it_and_confirms(patient_client, patient, technician, service, area):
    booking = confirmed_visit(patient, technician, service, area)
    old_token = booking.qr_code_data
    new_day = visit_day(4)

    times = patient_client.post(reschedule_url(booking), {"action": "times", "date": new_day.isoformat()})
    offered = free_times(times)
    chosen = next(t for t in offered if timezone.localtime(datetime.fromisoformat(t)).hour == 14)
    review = patient_client.post(
        reschedule_url(booking), {"action": "review", "date": new_day.isoformat(), "start": chosen}
    )
    html = review.content.decode()
    assert review.templates[0].name == "bookings/reschedule_review.html"
    assert long_date(at(new_day, 14)) in html
    assert "Nadia Nurse is free then and keeps your visit." in html
    assert Booking.objects.get(pk=booking.pk).scheduled_start == booking.scheduled_start

    done = patient_client.post(reschedule_url(booking), {**hidden_fields(review), "action": "confirm"}, follow=True)

    assert done.redirect_chain == [(booking.get_absolute_url(), 302)]
    assert f"Your visit is moved to {long_date(at(new_day, 14))}. It has a new check-in code." in follow_messages(done)
    booking.refresh_from_db()
    assert (booking.scheduled_start, booking.status, booking.technician) == (
        at(new_day, 14),
        BookingStatus.CONFIRMED,
        technician,
    )
    assert booking.qr_code_data != old_token
    assert "Rescheduled from" in done.content.decode()


def test_the_review_says_when_another_technician_will_be_asked(
    patient_client, patient, other_patient, technician, other_technician, service, area
):
    booking = confirmed_visit(patient, technician, service, area)
    BookingFactory(
        user=other_patient, technician=technician, service=service, service_area=area, start=at(visit_day(), 14)
    )
    start = at(visit_day(), 14).isoformat()

    review = patient_client.post(
        reschedule_url(booking), {"action": "review", "date": visit_day().isoformat(), "start": start}
    )

    assert "Another technician will be asked to take your visit at the new time" in review.content.decode()


def test_a_time_taken_before_confirming_shows_the_remaining_times(
    patient_client, patient, other_patient, technician, service, area
):
    booking = confirmed_visit(patient, technician, service, area)
    start = at(visit_day(), 14)
    BookingFactory(user=other_patient, technician=technician, service=service, service_area=area, start=start)

    response = patient_client.post(
        reschedule_url(booking), {"action": "confirm", "date": visit_day().isoformat(), "start": start.isoformat()}
    )

    assert response.status_code == 200
    assert "This time was just taken. Please choose another time." in response.content.decode()
    assert start.isoformat() not in free_times(response)
    assert Booking.objects.get(pk=booking.pk).scheduled_start == at(visit_day(), 10)


def test_after_the_deadline_the_page_sends_the_patient_back_with_the_reason(
    patient_client, patient, technician, service, area
):
    booking = confirmed_visit(patient, technician, service, area, start=timezone.now() + timedelta(hours=5))
    Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - timedelta(days=1))

    page = patient_client.get(booking.get_absolute_url())
    assert "Change the time" not in page.content.decode()
    response = patient_client.get(reschedule_url(booking), follow=True)

    assert response.redirect_chain == [(booking.get_absolute_url(), 302)]
    assert "The time of this visit can no longer be changed online. Please contact us." in follow_messages(response)


def test_another_patient_gets_404(client, other_patient, patient, technician, service, area):
    booking = confirmed_visit(patient, technician, service, area)
    client.force_login(other_patient)

    assert client.get(reschedule_url(booking)).status_code == 404


# --- The back office -----------------------------------------------------------------------------------------


def test_the_admin_moves_a_visit_from_the_booking_page_and_the_audit_log_says_so(
    admin_client, admin_user, patient, technician, service, area
):
    # Tomorrow morning: past the patient's deadline, not the office's.
    booking = confirmed_visit(patient, technician, service, area, start=at(visit_day(1), 10))
    Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - timedelta(days=3))
    change_page = admin_client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    form_url = reverse("admin:bookings_booking_reschedule", args=[booking.pk])
    assert form_url in change_page.content.decode()
    new_start = at(visit_day(1), 11, 40)

    assert admin_client.get(form_url).status_code == 200
    response = admin_client.post(
        form_url, {"date": new_start.date().isoformat(), "time": new_start.strftime("%H:%M")}, follow=True
    )

    assert response.redirect_chain == [(reverse("admin:bookings_booking_change", args=[booking.pk]), 302)]
    booking.refresh_from_db()
    assert (booking.scheduled_start, booking.status) == (new_start, BookingStatus.CONFIRMED)
    entry = AdminLog.objects.get(action="booking_rescheduled")
    assert (entry.admin_user, entry.entity_id) == (admin_user, str(booking.pk))
    assert "now starts at" in response.content.decode()


def test_the_admin_form_shows_a_refusal(admin_client, patient, technician, service, area):
    booking = confirmed_visit(patient, technician, service, area)
    late = booking.local_start.replace(hour=20)

    response = admin_client.post(
        reverse("admin:bookings_booking_reschedule", args=[booking.pk]),
        {"date": late.date().isoformat(), "time": "20:00"},
    )

    assert response.status_code == 200
    assert "This time was just taken. Please choose another time." in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).scheduled_start == booking.scheduled_start


def test_a_visit_under_way_has_no_change_of_time_button(admin_client, patient, technician, service, area):
    booking = BookingFactory(
        user=patient, technician=technician, service=service, service_area=area, start=timezone.now(), in_progress=True
    )

    html = admin_client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()

    assert reverse("admin:bookings_booking_reschedule", args=[booking.pk]) not in html


def test_the_timeline_shows_the_change_of_time_but_not_a_technicians_reason_for_giving_a_visit_back(
    patient_client, patient, technician, other_technician, service, area
):
    booking = confirmed_visit(patient, technician, service, area)
    services.booking_reschedule(booking=booking, start=at(visit_day(), 12), actor=patient)
    services.booking_decline(booking=booking, actor=technician.user, reason="My car broke down")

    html = patient_client.get(booking.get_absolute_url()).content.decode()

    assert "Rescheduled from" in html
    assert "My car broke down" not in html
