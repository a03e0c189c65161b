"""The patient's booking pages through the Django test client: book, list, detail, QR, cancel, pay, review.

Pages run on the real clock, so visits here are a few days ahead of today; the times on a day are
the persona technician's 08:00-18:00 window on the 30-minute grid.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.forms import CancelForm, PaymentForm, ReviewForm
from bookings.models import Booking, BookingStatus, PaymentMethod, PaymentStatus
from bookings.tests.factories import BookingFactory, BookingStatusHistoryFactory

pytestmark = pytest.mark.django_db


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs = []

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.inputs.append(dict(attrs))


def inputs(response):
    parser = _Inputs()
    parser.feed(response.content.decode())
    return parser.inputs


def free_times(response):
    """The start times offered as radio buttons, as the browser would post them."""
    return [field["value"] for field in inputs(response) if field.get("name") == "start"]


def hidden_fields(response):
    """What the page carries to the next step, as a browser would post it back."""
    return {
        field["name"]: field.get("value", "")
        for field in inputs(response)
        if field.get("type") == "hidden" and field.get("name") != "csrfmiddlewaretoken"
    }


def visit_day(days_ahead=3):
    return timezone.localdate() + timedelta(days=days_ahead)


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def new_url(service):
    return reverse("bookings:new", args=[service.slug])


def start_booking(client, service):
    """Open the booking page; returns the form's one-time token."""
    response = client.get(new_url(service))
    assert response.status_code == 200
    return str(response.context["form"]["request_token"].value())


def place(area, day, token, **extra):
    return {
        "area": area.pk,
        "address": "1 Camden Road\nFlat 2",
        "date": day.isoformat(),
        "request_token": token,
        **extra,
    }


def reach_review(client, service, area, day, *, choose=0, **extra):
    """Walk to the review page choosing the `choose`-th free time; returns that page."""
    token = start_booking(client, service)
    times = client.post(new_url(service), place(area, day, token, action="times"))
    review = client.post(
        new_url(service),
        place(area, day, token, action="review", start=free_times(times)[choose], payment_method="cash", **extra),
    )
    assert review.status_code == 200
    assert review.templates[0].name == "bookings/review.html"
    return review


def patient_booking(patient, technician, service, area, **kwargs):
    kwargs.setdefault("start", at(visit_day(), 10))
    return BookingFactory(user=patient, technician=technician, service=service, service_area=area, **kwargs)


def follow_messages(response):
    return [str(message) for message in response.context["messages"]]


# --- Booking journey ---------------------------------------------------------------------------------


def test_booking_page_starts_with_the_patients_area_and_address(patient_client, patient, service, area):
    response = patient_client.get(new_url(service))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["area"].value() == area.pk
    assert form["address"].value() == "1 Camden Road"
    html = response.content.decode()
    assert "Book: Nurse home visit" in html
    assert "Show free times" in html


def test_booking_journey_from_free_times_to_a_pending_booking(patient_client, patient, technician, service, area):
    day = visit_day()
    token = start_booking(patient_client, service)

    times = patient_client.post(new_url(service), place(area, day, token, action="times"))
    assert times.status_code == 200
    offered = free_times(times)
    assert offered[0] == at(day, 8).isoformat()
    assert offered[-1] == at(day, 17).isoformat()
    assert "Review booking" in times.content.decode()

    review = patient_client.post(
        new_url(service),
        place(area, day, token, action="review", start=offered[0], payment_method="cash", user_notes="Ring twice"),
    )
    assert review.status_code == 200
    html = review.content.decode()
    assert "Review your booking" in html
    assert "$80.00" in html
    assert "Ring twice" in html
    assert not Booking.objects.exists()

    confirm = patient_client.post(new_url(service), {**hidden_fields(review), "action": "confirm"})

    booking = Booking.objects.get()
    assert confirm.status_code == 302
    assert confirm["Location"] == booking.get_absolute_url()
    assert booking.user == patient
    assert booking.technician == technician
    assert booking.status == BookingStatus.PENDING
    assert booking.total_amount == Decimal("80.00")
    assert booking.scheduled_start == at(day, 8)
    assert booking.service_address == "1 Camden Road\nFlat 2"
    assert booking.user_notes == "Ring twice"
    assert booking.payment_method == PaymentMethod.CASH
    detail = patient_client.get(confirm["Location"])
    assert "Your visit is booked." in detail.content.decode()
    assert "Pending" in detail.content.decode()


def test_confirming_twice_with_the_same_form_makes_one_booking(patient_client, technician, service, area):
    review = reach_review(patient_client, service, area, visit_day())
    confirm = {**hidden_fields(review), "action": "confirm"}

    first = patient_client.post(new_url(service), confirm)
    second = patient_client.post(new_url(service), confirm)

    booking = Booking.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == booking.get_absolute_url()


def test_time_taken_between_review_and_confirm_shows_the_remaining_times(
    patient_client, other_patient, technician, service, area
):
    day = visit_day()
    review = reach_review(patient_client, service, area, day)
    patient_booking(other_patient, technician, service, area, start=at(day, 8))

    response = patient_client.post(new_url(service), {**hidden_fields(review), "action": "confirm"})

    assert response.status_code == 200
    assert "This time was just taken" in response.content.decode()
    remaining = free_times(response)
    assert at(day, 8).isoformat() not in remaining
    # The taken visit ends at 09:00 and the technician needs 30 minutes to travel on.
    assert remaining[0] == at(day, 9, 30).isoformat()
    assert Booking.objects.count() == 1


def test_time_taken_inside_the_booking_itself_shows_the_remaining_times(
    patient_client, technician, service, area, monkeypatch
):
    day = visit_day()
    review = reach_review(patient_client, service, area, day)

    def lost_the_race(**kwargs):
        raise services.SlotTaken("This time was just taken. Please choose another time.")

    monkeypatch.setattr(services, "booking_create", lost_the_race)
    response = patient_client.post(new_url(service), {**hidden_fields(review), "action": "confirm"})

    assert response.status_code == 200
    assert "This time was just taken" in response.content.decode()
    remaining = free_times(response)
    assert at(day, 8).isoformat() not in remaining
    assert at(day, 8, 30).isoformat() in remaining
    assert not Booking.objects.exists()


def test_changing_the_booking_goes_back_to_the_times_with_the_choice_kept(patient_client, technician, service, area):
    day = visit_day()
    review = reach_review(patient_client, service, area, day, choose=2)

    response = patient_client.post(new_url(service), {**hidden_fields(review), "action": "change"})

    assert response.status_code == 200
    chosen = [field for field in inputs(response) if field.get("name") == "start" and "checked" in field]
    assert [field["value"] for field in chosen] == [at(day, 9).isoformat()]


def test_a_day_without_free_times_says_so(patient_client, technician, service, other_area):
    token = start_booking(patient_client, service)

    response = patient_client.post(new_url(service), place(other_area, visit_day(), token, action="times"))

    assert response.status_code == 200
    assert free_times(response) == []
    assert "There are no free times on this day in this area." in response.content.decode()


@pytest.mark.parametrize(
    ("change", "action", "field", "message"),
    [
        pytest.param({"area": "999999"}, "times", "area", "Select a valid choice", id="unknown-area"),
        pytest.param({"address": ""}, "times", "address", "This field is required.", id="no-address"),
        pytest.param({"date": "31/02/2030"}, "times", "date", "Enter a valid date.", id="garbage-date"),
        pytest.param({"date": "past"}, "times", "date", "The earliest date you can book is", id="date-in-the-past"),
        pytest.param({"date": "beyond"}, "times", "date", "Visits can be booked up to", id="date-beyond-horizon"),
        pytest.param({"start": "tomorrow at ten"}, "review", "start", "Choose one of the times shown.", id="garbage"),
        pytest.param({"start": "2030-01-01T10:00:00"}, "review", "start", "Choose one of the times shown.", id="naive"),
        pytest.param({"start": ""}, "confirm", "start", "Choose a time.", id="no-time"),
        pytest.param({"start": "off-grid"}, "confirm", "start", "This time was just taken", id="time-not-offered"),
        pytest.param({"payment_method": "bitcoin"}, "review", "payment_method", "Select a valid choice", id="payment"),
    ],
)
def test_bad_input_is_explained_next_to_the_field(
    patient_client, technician, service, area, change, action, field, message
):
    day = visit_day()
    token = start_booking(patient_client, service)
    data = place(area, day, token, action=action, start=at(day, 10).isoformat(), payment_method="cash")
    special = {
        "past": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "beyond": (timezone.localdate() + timedelta(days=31)).isoformat(),
        "off-grid": at(day, 10, 10).isoformat(),
    }
    data.update({key: special.get(value, value) for key, value in change.items()})

    response = patient_client.post(new_url(service), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field])
    assert message in response.content.decode()
    assert not Booking.objects.exists()


def test_booking_an_inactive_service_is_not_found(patient_client, service):
    service.is_active = False
    service.save()

    assert patient_client.get(new_url(service)).status_code == 404


# --- My bookings ------------------------------------------------------------------------------------------


def test_my_bookings_shows_upcoming_visits_soonest_first_and_the_rest_under_past(
    patient_client, patient, other_patient, technician, service, area
):
    later = patient_booking(patient, technician, service, area, start=at(visit_day(5), 10), confirmed=True)
    sooner = patient_booking(patient, technician, service, area, start=at(visit_day(3), 10))
    cancelled = patient_booking(patient, technician, service, area, start=at(visit_day(4), 10), cancelled=True)
    done = patient_booking(
        patient, technician, service, area, start=at(timezone.localdate() - timedelta(days=7), 10), completed=True
    )
    strangers = patient_booking(other_patient, technician, service, area, start=at(visit_day(6), 10))

    upcoming = patient_client.get(reverse("bookings:list"))
    past = patient_client.get(reverse("bookings:list"), {"show": "past"})

    assert [b.reference for b in upcoming.context["page_obj"]] == [sooner.reference, later.reference]
    assert [b.reference for b in past.context["page_obj"]] == [cancelled.reference, done.reference]
    for response in (upcoming, past):
        assert strangers.reference not in response.content.decode()
    assert "Confirmed" in upcoming.content.decode()
    assert "Cancelled" in past.content.decode()


def test_my_bookings_without_any_invites_to_book(patient_client):
    response = patient_client.get(reverse("bookings:list"))

    assert "You have no upcoming visits." in response.content.decode()


def test_my_bookings_pages_ten_at_a_time(patient_client, patient, service, area):
    for day in range(12):
        patient_booking(patient, None, service, area, start=at(visit_day(1 + day), 10))

    first = patient_client.get(reverse("bookings:list"))
    second = patient_client.get(reverse("bookings:list"), {"page": 2})

    assert len(first.context["page_obj"]) == 10
    assert len(second.context["page_obj"]) == 2


# --- Detail and QR ----------------------------------------------------------------------------------------


def test_pending_booking_has_no_qr_code_yet(patient_client, patient, technician, service, area):
    booking = patient_booking(patient, technician, service, area)

    detail = patient_client.get(booking.get_absolute_url())
    qr = patient_client.get(reverse("bookings:qr", args=[booking.reference]))

    assert detail.status_code == 200
    assert "Your check-in code" not in detail.content.decode()
    assert qr.status_code == 404


def test_confirmed_booking_shows_its_qr_code_once(patient_client, patient, technician, service, area):
    booking = patient_booking(patient, technician, service, area)
    services.booking_accept(booking=booking, actor=technician.user)
    qr_url = reverse("bookings:qr", args=[booking.reference])

    detail = patient_client.get(booking.get_absolute_url())
    image = patient_client.get(qr_url)
    download = patient_client.get(qr_url, {"download": "1"})

    html = detail.content.decode()
    assert html.count(f'src="{qr_url}"') == 1
    assert "Show this code to your technician at the door." in html
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert download["Content-Disposition"] == f'attachment; filename="homecure-{booking.reference}-qr.png"'
    assert download.content == image.content


def test_detail_shows_the_visit_the_technician_and_the_timeline(patient_client, patient, technician, service, area):
    booking = patient_booking(patient, technician, service, area, user_notes="Dog in the garden")
    services.booking_accept(booking=booking, actor=technician.user)

    html = patient_client.get(booking.get_absolute_url()).content.decode()

    for text in (booking.reference, "Nurse home visit", "Camden", "$80.00", "Dog in the garden", "Nadia Nurse"):
        assert text in html
    assert "Confirmed" in html


def test_unassigned_booking_says_a_technician_is_being_found(patient_client, patient, service, area):
    booking = patient_booking(patient, None, service, area)

    html = patient_client.get(booking.get_absolute_url()).content.decode()

    assert "We are finding a technician for you." in html


# --- Cancel ---------------------------------------------------------------------------------------------------


def test_patient_cancels_before_the_deadline(patient_client, patient, technician, service, area):
    booking = patient_booking(patient, technician, service, area, confirmed=True)
    detail = patient_client.get(booking.get_absolute_url())
    assert "You can cancel free of charge until" in detail.content.decode()

    response = patient_client.post(
        reverse("bookings:cancel", args=[booking.reference]), {"reason": "Feeling better"}, follow=True
    )

    assert response.redirect_chain == [(booking.get_absolute_url(), 302)]
    assert "Your booking is cancelled." in follow_messages(response)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancellation_reason == "Feeling better"
    assert "Cancel booking" not in response.content.decode()


def test_cancelling_without_a_reason_asks_for_one(patient_client, patient, technician, service, area):
    booking = patient_booking(patient, technician, service, area)

    response = patient_client.post(reverse("bookings:cancel", args=[booking.reference]), {"reason": ""}, follow=True)

    assert "Please tell us why you are cancelling." in follow_messages(response)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING


def test_after_the_deadline_the_page_explains_why_and_cancelling_is_refused(
    patient_client, patient, technician, service, area
):
    booking = patient_booking(
        patient, technician, service, area, start=timezone.now() + timedelta(hours=3), confirmed=True
    )
    # Booked a day ago: the grace after booking is long over.
    Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - timedelta(days=1))

    detail = patient_client.get(booking.get_absolute_url())
    html = detail.content.decode()
    assert "Online cancellation closed at" in html
    assert "Please contact us if you cannot make it." in html
    assert detail.context["cancel_form"] is None
    assert 'name="reason"' not in html

    response = patient_client.post(
        reverse("bookings:cancel", args=[booking.reference]), {"reason": "Feeling better"}, follow=True
    )

    assert any("until 24 hours before the start" in message for message in follow_messages(response))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_a_visit_in_progress_says_it_can_no_longer_be_cancelled(patient_client, patient, technician, service, area):
    booking = patient_booking(patient, technician, service, area, in_progress=True)

    html = patient_client.get(booking.get_absolute_url()).content.decode()

    assert "The visit has started and can no longer be cancelled." in html


# --- Pay -----------------------------------------------------------------------------------------------------


def online_booking(patient, technician, service, area):
    return patient_booking(patient, technician, service, area, confirmed=True, payment_method=PaymentMethod.ONLINE)


def test_online_booking_offers_the_test_gateway(patient_client, patient, technician, service, area):
    booking = online_booking(patient, technician, service, area)

    html = patient_client.get(booking.get_absolute_url()).content.decode()

    assert "Pay online" in html
    assert "Test gateway: no real money is charged." in html
    assert "Pay $80.00" in html


def test_paying_with_the_test_card_marks_the_booking_paid(patient_client, patient, technician, service, area):
    booking = online_booking(patient, technician, service, area)

    response = patient_client.post(
        reverse("bookings:pay", args=[booking.reference]), {"card_number": "4242 4242 4242 4242"}, follow=True
    )

    assert "Thank you, your payment went through." in follow_messages(response)
    assert "Pay online" not in response.content.decode()
    booking.refresh_from_db()
    assert booking.payment_status == PaymentStatus.PAID


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ("4000 0000 0000 0002", "The card was declined by the test gateway."),
        ("4242-abcd-4242-4242", "Enter digits only (spaces are fine)."),
        ("4242", "Ensure this value has at least 12 characters"),
    ],
)
def test_a_refused_payment_says_why_and_leaves_it_pending(
    patient_client, patient, technician, service, area, card, message
):
    booking = online_booking(patient, technician, service, area)

    response = patient_client.post(
        reverse("bookings:pay", args=[booking.reference]), {"card_number": card}, follow=True
    )

    assert any(message in shown for shown in follow_messages(response))
    booking.refresh_from_db()
    assert booking.payment_status == PaymentStatus.PENDING


def test_a_cash_booking_cannot_be_paid_online(patient_client, patient, technician, service, area):
    booking = patient_booking(patient, technician, service, area)

    detail = patient_client.get(booking.get_absolute_url())
    response = patient_client.post(
        reverse("bookings:pay", args=[booking.reference]), {"card_number": "4242424242424242"}, follow=True
    )

    assert "Pay online" not in detail.content.decode()
    assert "This booking cannot be paid online." in follow_messages(response)
    booking.refresh_from_db()
    assert booking.payment_status == PaymentStatus.PENDING


class _Forms(HTMLParser):
    """The fields of each form on a page, by the form's action, and the ids the page's labels name."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, list[dict]] = {}
        self.labelled: set[str] = set()
        self.action = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
            self.forms[self.action] = []
        elif tag in ("input", "textarea") and self.action and attrs.get("type") != "hidden":
            self.forms[self.action].append({"tag": tag, **attrs})
        elif tag == "label" and "for" in attrs:
            self.labelled.add(attrs["for"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.action = None


@pytest.mark.parametrize("form_class", [CancelForm, PaymentForm, ReviewForm])
def test_the_booking_pages_forms_post_what_their_forms_read_each_field_labelled(
    patient_client, patient, technician, service, area, form_class
):
    """The booking page writes these forms out: the same fields, limits and labels as the forms."""
    if form_class is ReviewForm:
        start = at(timezone.localdate() - timedelta(days=2), 10)
        booking = patient_booking(patient, technician, service, area, start=start, completed=True)
    else:
        booking = online_booking(patient, technician, service, area)
    action = {CancelForm: "bookings:cancel", PaymentForm: "bookings:pay", ReviewForm: "bookings:review"}[form_class]
    page = _Forms()
    page.feed(patient_client.get(booking.get_absolute_url()).content.decode())

    fields = page.forms[reverse(action, args=[booking.reference])]

    form = form_class()
    assert {field["name"] for field in fields} == set(form.fields)
    for field in fields:
        declared = form.fields[field["name"]]
        assert field["id"] in page.labelled
        assert ("required" in field) == declared.required
        assert field.get("maxlength") == (str(declared.max_length) if getattr(declared, "max_length", None) else None)
        if field.get("type") == "radio":
            assert field["value"] in {str(value) for value, _label in declared.choices}
    if form_class is ReviewForm:
        assert [field["value"] for field in fields if field["name"] == "rating"] == ["5", "4", "3", "2", "1"]


# --- Review ----------------------------------------------------------------------------------------------------


def test_patient_reviews_a_completed_visit_once(patient_client, patient, technician, service, area):
    booking = patient_booking(
        patient, technician, service, area, start=at(timezone.localdate() - timedelta(days=2), 10), completed=True
    )
    assert "How was your visit?" in patient_client.get(booking.get_absolute_url()).content.decode()
    url = reverse("bookings:review", args=[booking.reference])

    first = patient_client.post(url, {"rating": "4", "review": "Gentle and on time."}, follow=True)
    second = patient_client.post(url, {"rating": "1"}, follow=True)

    assert "Thank you for your review." in follow_messages(first)
    assert "You have already rated this visit." in follow_messages(second)
    html = second.content.decode()
    assert "4 out of 5" in html
    assert "How was your visit?" not in html
    booking.refresh_from_db()
    technician.refresh_from_db()
    assert (booking.user_rating, booking.user_review) == (4, "Gentle and on time.")
    assert (technician.rating, technician.total_reviews) == (Decimal("4.00"), 1)


@pytest.mark.parametrize("rating", ["0", "6", "five", ""])
def test_a_rating_outside_one_to_five_is_refused(patient_client, patient, technician, service, area, rating):
    booking = patient_booking(
        patient, technician, service, area, start=at(timezone.localdate() - timedelta(days=2), 10), completed=True
    )

    response = patient_client.post(
        reverse("bookings:review", args=[booking.reference]), {"rating": rating}, follow=True
    )

    assert "Choose a rating from 1 to 5." in follow_messages(response)
    booking.refresh_from_db()
    assert booking.user_rating is None


def test_an_upcoming_visit_cannot_be_reviewed(patient_client, patient, technician, service, area):
    booking = patient_booking(patient, technician, service, area, confirmed=True)

    detail = patient_client.get(booking.get_absolute_url())
    response = patient_client.post(reverse("bookings:review", args=[booking.reference]), {"rating": "5"}, follow=True)

    assert "How was your visit?" not in detail.content.decode()
    assert "You can rate a visit once it is completed." in follow_messages(response)


# --- QR check-in page (what the code opens on the technician's phone) -------------------------------------------


def scannable(patient, technician, service, area, minutes_to_start=20):
    booking = patient_booking(
        patient, technician, service, area, start=timezone.now() + timedelta(minutes=minutes_to_start)
    )
    # Accepted when it was offered, hours before its start (the offer's deadline is the minimum notice).
    return services.booking_accept(
        booking=booking, actor=technician.user, now=booking.scheduled_start - timedelta(hours=3)
    )


def check_in_url(booking):
    return reverse("portal:check-in", args=[booking.qr_code_data])


def test_qr_code_opens_the_check_in_page_and_the_technician_checks_in(
    technician_client, patient, technician, service, area
):
    booking = scannable(patient, technician, service, area)

    page = technician_client.get(check_in_url(booking))
    assert page.status_code == 200
    assert "Check in now" in page.content.decode()
    assert "Paula Patient" in page.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    first = technician_client.post(check_in_url(booking))
    again = technician_client.post(check_in_url(booking))

    assert first.status_code == again.status_code == 200
    assert "checked in at" in again.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.IN_PROGRESS
    assert booking.history.filter(to_status=BookingStatus.IN_PROGRESS).count() == 1


def test_scanning_too_early_says_so(technician_client, patient, technician, service, area):
    booking = scannable(patient, technician, service, area, minutes_to_start=180)

    response = technician_client.post(check_in_url(booking))

    assert response.status_code == 409
    assert "It is too early to check in." in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_another_technician_scanning_is_told_it_is_not_their_visit(
    client, patient, technician, other_technician, service, area
):
    booking = scannable(patient, technician, service, area)
    client.force_login(other_technician.user)

    response = client.post(check_in_url(booking))

    assert response.status_code == 404
    html = response.content.decode()
    assert "This visit is not assigned to you." in html
    assert "Paula Patient" not in html
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_an_unknown_code_is_explained(technician_client):
    response = technician_client.get(reverse("portal:check-in", args=["not-a-real-code"]))

    assert response.status_code == 404
    assert "This code does not belong to any booking." in response.content.decode()


def test_patients_cannot_use_the_check_in_page(patient_client, patient, technician, service, area):
    booking = scannable(patient, technician, service, area)

    assert patient_client.post(check_in_url(booking)).status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


# --- Query budgets -----------------------------------------------------------------------------------------------

# Measured with the settings cache empty (the worst case): session, user, then for the list the
# count and one page of bookings with service, area and technician joined, for the detail the
# booking (same joins) and its timeline; plus one read of the system settings (currency, deadline)
# and the unread-notifications count of the navbar badge; the detail page also reads its receipts.
LIST_QUERIES = 6
DETAIL_QUERIES = 7


def queries_for(client, url, **params):
    """The queries of rendering the page (kept pages are counted in tests/performance/test_page_cache.py)."""
    cache.clear()
    with override_settings(PAGE_CACHE=False), CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("show", ["upcoming", "past"])
def test_my_bookings_runs_a_fixed_number_of_queries_whatever_the_number_of_bookings(
    patient_client, patient, technician, other_technician, service, area, django_assert_max_num_queries, show
):
    url = reverse("bookings:list")
    counts = {}
    for total in (3, 10, 50):
        while Booking.objects.filter(user=patient).count() < total:
            n = Booking.objects.count()
            ahead = n + 1 if show == "upcoming" else -(n + 1)
            patient_booking(
                patient,
                technician if n % 2 else other_technician,
                service,
                area,
                start=at(timezone.localdate() + timedelta(days=ahead), 10),
                **({} if show == "upcoming" else {"completed": True}),
            )
        counts[total] = queries_for(patient_client, url, show=show)

    assert counts[3] == counts[10] == counts[50]
    cache.clear()
    with override_settings(PAGE_CACHE=False), django_assert_max_num_queries(LIST_QUERIES):
        patient_client.get(url, {"show": show})


def test_booking_detail_runs_a_fixed_number_of_queries_whatever_its_history(
    patient_client, patient, technician, service, area, django_assert_max_num_queries
):
    booking = patient_booking(patient, technician, service, area)
    services.booking_accept(booking=booking, actor=technician.user)
    url = booking.get_absolute_url()

    counts = {1: queries_for(patient_client, url)}
    BookingStatusHistoryFactory.create_batch(19, booking=booking, changed_by=patient)
    counts[20] = queries_for(patient_client, url)

    assert counts[1] == counts[20]
    cache.clear()
    with override_settings(PAGE_CACHE=False), django_assert_max_num_queries(DETAIL_QUERIES):
        patient_client.get(url)
