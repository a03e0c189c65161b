"""Who reaches which booking page (DESIGN 9): anonymous -> log-in page, a stranger to the booking
-> 404, the wrong role -> 403, GET on an action -> 405, the owner -> the page."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import BookingStatus, PaymentMethod
from bookings.tests.factories import BookingFactory

pytestmark = pytest.mark.django_db

PAGES = ["list", "new", "detail", "qr"]  # GET pages
ACTIONS = ["cancel", "pay", "review"]  # POST only
BOOKING_URLS = ["detail", "qr", "cancel", "pay", "review"]  # about one booking


@pytest.fixture
def booking(patient, technician, service, area):
    # A confirmed online booking a week ahead: every page and action has something to show or do.
    booking = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() + timedelta(days=7),
        payment_method=PaymentMethod.ONLINE,
    )
    return services.booking_accept(booking=booking, actor=technician.user)


def url_of(name, booking, service):
    if name == "list":
        return reverse("bookings:list")
    if name == "new":
        return reverse("bookings:new", args=[service.slug])
    return reverse(f"bookings:{name}", args=[booking.reference])


def visit(client, name, url):
    return client.post(url, {"reason": "x"}) if name in ACTIONS else client.get(url)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", PAGES + ACTIONS)
def test_anonymous_visitor_is_sent_to_log_in(client, name, booking, service):
    url = url_of(name, booking, service)

    response = visit(client, name, url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={quote(url)}"


@pytest.mark.parametrize("name", BOOKING_URLS)
def test_another_patient_gets_not_found(other_patient, name, booking, service):
    response = visit(logged_in(other_patient), name, url_of(name, booking, service))

    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


@pytest.mark.parametrize("name", PAGES + ACTIONS)
@pytest.mark.parametrize("role", ["technician", "other_technician", "admin_user"])
def test_technicians_and_admins_get_forbidden_on_patient_pages(request, role, name, booking, service):
    person = request.getfixturevalue(role)
    user = getattr(person, "user", person)

    response = visit(logged_in(user), name, url_of(name, booking, service))

    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


@pytest.mark.parametrize("name", ACTIONS)
@pytest.mark.parametrize("who", ["anonymous", "owner"])
def test_actions_refuse_get(client, patient_client, who, name, booking, service):
    visitor = patient_client if who == "owner" else client

    response = visitor.get(url_of(name, booking, service))

    assert response.status_code == 405
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


@pytest.mark.parametrize("name", PAGES)
def test_owner_reaches_every_page(patient_client, name, booking, service):
    assert patient_client.get(url_of(name, booking, service)).status_code == 200


@pytest.mark.parametrize("name", ACTIONS)
def test_owner_actions_come_back_to_the_booking(patient_client, name, booking, service):
    response = patient_client.post(url_of(name, booking, service), {"reason": "Feeling better"})

    assert response.status_code == 302
    assert response["Location"] == booking.get_absolute_url()


@pytest.mark.parametrize("name", BOOKING_URLS)
def test_unknown_reference_is_not_found(patient_client, name):
    url = reverse(f"bookings:{name}", args=["HC-NOSUCH00"])

    response = patient_client.post(url) if name in ACTIONS else patient_client.get(url)

    assert response.status_code == 404


def test_actions_need_the_csrf_token(patient, booking):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(patient)

    response = browser.post(reverse("bookings:cancel", args=[booking.reference]), {"reason": "Feeling better"})

    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_a_deactivated_patient_is_logged_out_of_their_bookings(patient_client, patient, booking):
    patient.is_active = False
    patient.save()

    response = patient_client.get(booking.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
