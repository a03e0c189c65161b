"""The pages of care plans: the request form, the proposal, confirming, the plan page, the portal's plan page."""

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking, BookingStatus, ServiceCategory, VisitSeries
from bookings.tests.factories import BookingFactory, ServiceFactory
from technicians.models import Specialization
from technicians.tests.factories import TechnicianFactory, give_weekly_schedule

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def physio(db):
    return ServiceFactory(
        name="Physiotherapy session", slug="physio", category=ServiceCategory.PHYSIOTHERAPY, price=Decimal("65.00")
    )


@pytest.fixture
def anna(area):
    technician = TechnicianFactory(
        specialization=Specialization.PHYSIOTHERAPIST, areas=[area], user__first_name="Anna", user__last_name="Physio"
    )
    give_weekly_schedule(technician, start=time(8), end=time(18))
    return technician


def first_day():
    return timezone.localdate() + timedelta(days=3)


def plan_data(area_, **overrides):
    day = first_day()
    data = {
        "area": area_.pk,
        "address": "1 Camden Road",
        "first_date": day.isoformat(),
        "time": "10:00",
        "repeat": "weekdays",
        "weekdays": [str(day.weekday()), str((day.weekday() + 3) % 7)],
        "count": "6",
        "payment_method": "cash",
        "request_token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def url(physio):
    return reverse("bookings:series-new", args=[physio.slug])


def test_booking_form_offers_a_series(patient_client, physio):
    response = patient_client.get(reverse("bookings:new", args=[physio.slug]))
    assert url(physio) in response.content.decode()


def test_form_page_opens(patient_client, physio):
    response = patient_client.get(url(physio))
    assert response.status_code == 200
    assert "Book a series: Physiotherapy session" in response.content.decode()


def test_proposal_shows_one_technician_for_every_date(patient_client, physio, area, anna):
    response = patient_client.post(url(physio), plan_data(area, action="propose"))
    page = response.content.decode()
    assert "Anna Physio is free for all 6 visits." in page
    assert page.count("Anna Physio") == 1 + 6
    assert "Confirm 6 visits" in page
    assert not VisitSeries.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"weekdays": []}, "Choose at least one weekday."),
        ({"count": ""}, "Give the number of visits or the last date."),
        ({"count": "500"}, "Ensure this value is less than or equal to 24."),
        ({"count": "99999999999999999999999"}, "Ensure this value is less than or equal to 24."),
        ({"first_date": "2199-01-01"}, "Choose a first visit from"),
        ({"time": "10:07"}, "Visits start every 30 minutes"),
        ({"time": "soon"}, "Enter a valid time."),
        ({"repeat": "days", "interval_days": ""}, "Say every how many days."),
        ({"repeat": "days", "interval_days": "-3"}, "greater than or equal to 1"),
        ({"until": "2000-01-01", "count": ""}, "The last date must come after the first visit."),
        ({"area": "99999999999999999999999"}, "Select a valid choice."),
    ],
)
def test_bad_input_gets_a_clear_message(patient_client, physio, area, overrides, message):
    response = patient_client.post(url(physio), plan_data(area, action="propose", **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not VisitSeries.objects.exists()


def test_a_first_date_off_the_chosen_weekdays_is_explained(patient_client, physio, area):
    day = first_day()
    response = patient_client.post(
        url(physio), plan_data(area, action="propose", weekdays=[str((day.weekday() + 1) % 7)])
    )
    assert "tick it, or choose another first date" in response.content.decode()


def confirm(patient_client, physio, area, **overrides):
    proposal = patient_client.post(url(physio), plan_data(area, action="propose", **overrides))
    seen = proposal.context["fingerprint"]
    data = plan_data(area, action="confirm", **overrides)
    data.update({f"seen-{day}": value for day, value in seen.items()})
    return data, patient_client.post(url(physio), data)


def test_confirming_books_the_plan_and_shows_its_page(patient_client, physio, area, anna):
    token = str(uuid.uuid4())
    data, response = confirm(patient_client, physio, area, request_token=token)
    plan = VisitSeries.objects.get()
    assert response.status_code == 302 and response.url == plan.get_absolute_url()
    assert plan.visits.filter(technician=anna, status=BookingStatus.PENDING).count() == 6
    again = patient_client.post(url(physio), data)
    assert again.url == plan.get_absolute_url() and Booking.objects.count() == 6
    page = patient_client.get(plan.get_absolute_url()).content.decode()
    assert page.count("Anna Physio") == 6 and "Cancel visits" in page


def test_a_time_taken_since_the_proposal_is_marked_and_nothing_is_booked(patient_client, physio, area, anna):
    proposal = patient_client.post(url(physio), plan_data(area, action="propose"))
    visits = proposal.context["proposal"].visits
    BookingFactory(technician=anna, service=physio, service_area=area, start=visits[2].start, confirmed=True)
    data = plan_data(area, action="confirm")
    data.update({f"seen-{day}": value for day, value in proposal.context["fingerprint"].items()})
    response = patient_client.post(url(physio), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Something changed since you looked" in page
    assert f"The time on {visits[2].day:%a} {visits[2].day.day} {visits[2].day:%b} was just taken" in page
    assert not VisitSeries.objects.exists()


def test_patient_cancels_the_last_two_visits(patient_client, patient, physio, area, anna):
    confirm(patient_client, physio, area)
    plan = VisitSeries.objects.get()
    fifth = plan.visits.order_by("scheduled_start")[4]
    response = patient_client.post(
        reverse("bookings:series-cancel", args=[plan.reference]),
        {"visit": fifth.reference, "scope": "later", "reason": "Feeling better"},
        follow=True,
    )
    assert "2 visits are cancelled." in response.content.decode()
    assert (
        list(plan.visits.order_by("scheduled_start").values_list("status", flat=True))
        == [BookingStatus.PENDING] * 4 + [BookingStatus.CANCELLED] * 2
    )


def test_cancel_without_a_reason_or_with_a_strange_visit_cancels_nothing(patient_client, physio, area, anna):
    confirm(patient_client, physio, area)
    plan = VisitSeries.objects.get()
    target = reverse("bookings:series-cancel", args=[plan.reference])
    for data in ({"visit": plan.visits.first().reference, "scope": "later"}, {"visit": "HC-NOPE", "reason": "x"}):
        response = patient_client.post(target, data, follow=True)
        assert "Choose a visit and tell us why you are cancelling." in response.content.decode()
    assert not plan.visits.filter(status=BookingStatus.CANCELLED).exists()


def test_another_patient_gets_404_on_the_plan(client, other_patient, patient_client, physio, area, anna):
    confirm(patient_client, physio, area)
    plan = VisitSeries.objects.get()
    client.force_login(other_patient)
    assert client.get(plan.get_absolute_url()).status_code == 404
    response = client.post(
        reverse("bookings:series-cancel", args=[plan.reference]),
        {"visit": plan.visits.first().reference, "scope": "later", "reason": "x"},
    )
    assert response.status_code == 404


def test_technician_accepts_the_whole_plan_from_the_portal(client, patient_client, physio, area, anna):
    confirm(patient_client, physio, area)
    plan = VisitSeries.objects.get()
    client.force_login(anna.user)
    page = client.get(reverse("portal:series", args=[plan.reference])).content.decode()
    assert "Accept all 6 visits" in page
    response = client.post(reverse("portal:series-accept", args=[plan.reference]), follow=True)
    assert "6 visits accepted." in response.content.decode()
    assert set(plan.visits.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}


def test_another_technician_gets_404_on_the_plan(client, patient_client, physio, area, anna, other_technician):
    confirm(patient_client, physio, area)
    plan = VisitSeries.objects.get()
    client.force_login(other_technician.user)
    assert client.get(reverse("portal:series", args=[plan.reference])).status_code == 404
    assert client.post(reverse("portal:series-accept", args=[plan.reference])).status_code == 404
    assert not plan.visits.filter(status=BookingStatus.CONFIRMED).exists()


def test_choosing_an_alternative_books_it_and_strange_choices_are_ignored(patient_client, physio, area, anna):
    day = first_day() + timedelta(days=3)
    busy = timezone.make_aware(datetime.combine(day, time(10)))
    BookingFactory(technician=anna, service=physio, service_area=area, start=busy, confirmed=True)
    proposal = patient_client.post(url(physio), plan_data(area, action="propose"))
    (problem,) = proposal.context["proposal"].problems
    assert problem.day == day and problem.alternatives
    alternative = problem.alternatives[0].start
    strange = {
        f"move-{day.isoformat()}": alternative.isoformat(),
        "move-9999-12-31": "9999-12-31T23:59:00-05:00",
        "move-yesterday": "soon",
        "seen-nonsense": "1|2",
    }
    chosen = patient_client.post(url(physio), {**plan_data(area, action="propose"), **strange})
    assert chosen.status_code == 200 and not chosen.context["proposal"].problems
    data = {**plan_data(area, action="confirm"), **strange}
    data.pop("seen-nonsense")
    data.update({f"seen-{d}": value for d, value in chosen.context["fingerprint"].items()})
    response = patient_client.post(url(physio), data)
    assert response.status_code == 302
    plan = VisitSeries.objects.get()
    assert plan.visits.count() == 6
    assert plan.visits.filter(scheduled_start=alternative).exists()


def test_the_back_office_shows_a_plan_with_its_visits_and_cancels_this_and_later(
    admin_client, patient_client, physio, area, anna
):
    confirm(patient_client, physio, area)
    plan = VisitSeries.objects.get()
    visits = list(plan.visits.order_by("scheduled_start"))
    page = admin_client.get(reverse("admin:bookings_visitseries_change", args=[plan.pk])).content.decode()
    assert all(visit.reference in page for visit in visits)
    cancel = reverse("admin:bookings_visitseries_cancel", args=[plan.pk])
    assert admin_client.get(cancel).status_code == 200
    response = admin_client.post(
        cancel, {"visit": visits[3].reference, "scope": "later", "reason": "Patient in hospital"}
    )
    assert response.status_code == 302
    statuses = list(plan.visits.order_by("scheduled_start").values_list("status", flat=True))
    assert statuses == [BookingStatus.PENDING] * 3 + [BookingStatus.CANCELLED] * 3
