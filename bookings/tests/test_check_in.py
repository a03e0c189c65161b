"""QR check-in at the door and the typed short code: one clear answer per case, harmless re-scans,
and every refusal kept for the back office."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD
from bookings import services
from bookings.check_in import take_code_try
from bookings.models import BookingStatus, CheckInFailure, CheckInMethod, FailedCheckIn
from bookings.tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


def visit(patient, technician, service, area, *, minutes_to_start=20, accept=True, **traits):
    """A visit of `patient` with `technician` starting `minutes_to_start` from now, accepted unless told."""
    booking = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() + timedelta(minutes=minutes_to_start),
        **traits,
    )
    if accept:
        # Accepted when it was offered, hours before its start (the offer's deadline is the minimum notice).
        booking = services.booking_accept(
            booking=booking, actor=technician.user, now=booking.scheduled_start - timedelta(hours=3)
        )
    return booking


def scan_url(booking):
    return reverse("portal:check-in", args=[booking.qr_code_data])


def failures():
    """(reason, reference of the booking or "" for none, method) of each refused check-in."""
    return [
        (attempt.reason, attempt.booking.reference if attempt.booking else "", attempt.method)
        for attempt in FailedCheckIn.objects.select_related("booking").order_by("pk")
    ]


# --- The outcome table ----------------------------------------------------------------------------------------


def test_the_assigned_technician_sees_the_visit_then_checks_in(technician_client, technician, patient, service, area):
    booking = visit(patient, technician, service, area)

    page = technician_client.get(scan_url(booking))
    booking.refresh_from_db()
    assert page.status_code == 200
    assert "Check in now" in page.content.decode()
    assert "Paula Patient" in page.content.decode()
    assert booking.status == BookingStatus.CONFIRMED

    done = technician_client.post(scan_url(booking))

    booking.refresh_from_db()
    assert done.status_code == 200
    assert "The visit has started." in done.content.decode()
    assert booking.status == BookingStatus.IN_PROGRESS
    assert booking.checked_in_at is not None
    assert failures() == []


@pytest.mark.parametrize(
    ("case", "minutes_to_start", "traits", "accept", "status", "says"),
    [
        ("not_confirmed", 20, {"qr_code_data": "pending-with-a-token"}, False, 409, "This visit is not confirmed yet."),
        ("cancelled", 20, {"confirmed": True, "cancelled": True}, False, 409, "This booking was cancelled on"),
        ("completed", -90, {"completed": True}, False, 409, "This visit was completed on"),
        ("too_early", 180, {}, True, 409, "It is too early to check in. Check-in opens at"),
        ("too_late", -120, {}, True, 409, "It is too late to check in: check-in closed at"),
    ],
)
def test_each_refusal_has_its_own_page_and_is_recorded(
    technician_client, technician, patient, service, area, case, minutes_to_start, traits, accept, status, says
):
    booking = visit(patient, technician, service, area, minutes_to_start=minutes_to_start, accept=accept, **traits)
    status_before = booking.status

    response = technician_client.post(scan_url(booking))

    booking.refresh_from_db()
    assert response.status_code == status
    assert says in response.content.decode()
    assert booking.status == status_before
    assert failures() == [(case, booking.reference, CheckInMethod.QR)]


def test_too_early_says_when_check_in_opens(technician_client, technician, patient, service, area):
    booking = visit(patient, technician, service, area, minutes_to_start=180)
    opens = timezone.localtime(booking.scheduled_start - timedelta(minutes=60))

    response = technician_client.get(scan_url(booking))

    assert f"{opens:%H:%M}" in response.content.decode()
    assert "Check in now" not in response.content.decode()


def test_an_unknown_code_is_explained_and_recorded(technician_client, technician):
    response = technician_client.get(reverse("portal:check-in", args=["not-a-real-code"]))

    assert response.status_code == 404
    assert "This code does not belong to any booking." in response.content.decode()
    attempt = FailedCheckIn.objects.get()
    assert (attempt.user, attempt.code, attempt.reason) == (technician.user, "not-a-real-code", "unknown_code")
    assert attempt.ip_address == "127.0.0.1"


def test_a_refused_check_in_behind_the_proxy_keeps_the_clients_address(settings, technician_client, technician):
    settings.TRUSTED_PROXY_COUNT = 1

    technician_client.get(
        reverse("portal:check-in", args=["not-a-real-code"]),
        HTTP_X_FORWARDED_FOR="198.51.100.23",
        REMOTE_ADDR="10.0.0.2",
    )
    technician_client.post(
        reverse("portal:check-in-code"),
        {"code": "ABCD-EFGH"},
        HTTP_X_FORWARDED_FOR="198.51.100.24",
        REMOTE_ADDR="10.0.0.2",
    )

    addresses = FailedCheckIn.objects.order_by("pk").values_list("ip_address", flat=True)
    assert list(addresses) == ["198.51.100.23", "198.51.100.24"]


def test_another_technician_learns_nothing_about_the_visit(
    client, technician, other_technician, patient, service, area
):
    booking = visit(patient, technician, service, area)
    client.force_login(other_technician.user)

    response = client.post(scan_url(booking))

    booking.refresh_from_db()
    html = response.content.decode()
    assert response.status_code == 404
    assert "This visit is not assigned to you." in html
    assert "Paula Patient" not in html
    assert booking.reference not in html
    assert booking.status == BookingStatus.CONFIRMED
    assert failures() == [("not_yours", booking.reference, "qr")]
    assert FailedCheckIn.objects.get().user == other_technician.user


def test_an_unverified_technician_cannot_check_in(client, unverified_technician, patient, service, area, technician):
    booking = visit(patient, technician, service, area)
    booking.technician = unverified_technician
    booking.save(update_fields=["technician"])
    client.force_login(unverified_technician.user)

    response = client.post(scan_url(booking))

    booking.refresh_from_db()
    assert response.status_code == 403
    assert "not verified" in response.content.decode()
    assert "Paula Patient" not in response.content.decode()
    assert booking.status == BookingStatus.CONFIRMED
    assert failures() == [("not_verified", booking.reference, "qr")]


def test_a_suspended_technician_cannot_check_in(technician_client, technician, patient, service, area):
    booking = visit(patient, technician, service, area)
    technician.is_active = False
    technician.save(update_fields=["is_active"])

    response = technician_client.post(scan_url(booking))

    booking.refresh_from_db()
    assert response.status_code == 403
    assert booking.status == BookingStatus.CONFIRMED


# --- Scanning twice -------------------------------------------------------------------------------------------


def test_scanning_twice_is_harmless_and_says_when_the_visit_started(
    technician_client, technician, patient, service, area
):
    booking = visit(patient, technician, service, area)

    first = technician_client.post(scan_url(booking))
    again = technician_client.post(scan_url(booking))
    looked = technician_client.get(scan_url(booking))

    booking.refresh_from_db()
    started = f"{timezone.localtime(booking.checked_in_at):%H:%M}"
    assert first.status_code == again.status_code == looked.status_code == 200
    assert f"You checked in at {started}" in again.content.decode()
    assert "Check in now" not in looked.content.decode()
    assert booking.history.filter(to_status=BookingStatus.IN_PROGRESS).count() == 1
    assert failures() == []


# --- Who may open the page ------------------------------------------------------------------------------------


def test_the_qr_link_asks_for_a_log_in_then_comes_back(client, technician, patient, service, area):
    booking = visit(patient, technician, service, area)
    url = scan_url(booking)

    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"

    logged_in = client.post(
        reverse("accounts:login"), {"username": technician.user.email, "password": DEFAULT_PASSWORD, "next": url}
    )
    assert logged_in.url == url
    assert "Check in now" in client.get(url).content.decode()


def test_patients_get_403_and_nothing_changes(patient_client, technician, patient, service, area):
    booking = visit(patient, technician, service, area)

    assert patient_client.get(scan_url(booking)).status_code == 403
    assert patient_client.post(scan_url(booking)).status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


# --- The typed code -------------------------------------------------------------------------------------------


def test_typing_the_code_checks_in_whatever_its_case_and_dashes(technician_client, technician, patient, service, area):
    booking = visit(patient, technician, service, area)
    typed = f"{booking.checkin_code[:4].lower()}-{booking.checkin_code[4:].lower()}"

    response = technician_client.post(reverse("portal:check-in-code"), {"code": typed})

    booking.refresh_from_db()
    assert response.status_code == 200
    assert "The visit has started." in response.content.decode()
    assert booking.status == BookingStatus.IN_PROGRESS


def test_a_wrong_code_is_explained_next_to_the_field_and_recorded(technician_client, technician):
    response = technician_client.post(reverse("portal:check-in-code"), {"code": "ABCD-EFGH"})

    assert response.status_code == 404
    assert "This code does not belong to any booking." in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert failures() == [("unknown_code", "", "typed")]
    assert FailedCheckIn.objects.get().code == "ABCDEFGH"


def test_a_code_of_the_wrong_shape_is_explained_and_recorded(technician_client):
    response = technician_client.post(reverse("portal:check-in-code"), {"code": "12"})

    assert response.status_code == 200
    assert "A check-in code has 8 letters and digits" in response.content.decode()
    assert failures() == [("unknown_code", "", "typed")]


def test_a_typed_code_gets_the_same_answers_as_a_scan(technician_client, technician, patient, service, area):
    booking = visit(patient, technician, service, area, minutes_to_start=180)

    response = technician_client.post(reverse("portal:check-in-code"), {"code": booking.checkin_code})

    assert response.status_code == 409
    assert "It is too early to check in." in response.content.decode()
    assert failures() == [("too_early", booking.reference, "typed")]


def test_guessing_codes_is_stopped_after_ten_wrong_ones(technician_client, technician, patient, service, area):
    booking = visit(patient, technician, service, area)
    for _ in range(10):
        technician_client.post(reverse("portal:check-in-code"), {"code": "ZZZZ-ZZZZ"})

    response = technician_client.post(reverse("portal:check-in-code"), {"code": booking.checkin_code})

    booking.refresh_from_db()
    assert response.status_code == 429
    assert "Too many wrong codes" in response.content.decode()
    assert booking.status == BookingStatus.CONFIRMED
    assert FailedCheckIn.objects.filter(reason=CheckInFailure.TOO_MANY_TRIES).count() == 1


def test_two_codes_at_the_last_try_checked_at_once_let_only_one_through(technician_client, technician):
    """Two servers looking at the tenth and eleventh code before either is recorded: the try is
    taken from a counter they share before the code is checked, so only one gets an answer."""
    for _ in range(9):
        technician_client.post(reverse("portal:check-in-code"), {"code": "ZZZZ-ZZZZ"})

    both = [take_code_try(technician.user), take_code_try(technician.user)]

    assert both == [True, False]


def test_a_code_that_checks_in_or_an_empty_form_uses_no_try(technician_client, technician, patient, service, area):
    booking = visit(patient, technician, service, area)
    for _ in range(9):
        technician_client.post(reverse("portal:check-in-code"), {"code": "ZZZZ-ZZZZ"})
    technician_client.post(reverse("portal:check-in-code"), {"code": ""})
    assert technician_client.post(reverse("portal:check-in-code"), {"code": booking.checkin_code}).status_code == 200

    tenth_wrong = technician_client.post(reverse("portal:check-in-code"), {"code": "ZZZZ-ZZZZ"})
    eleventh_wrong = technician_client.post(reverse("portal:check-in-code"), {"code": "ZZZZ-ZZZZ"})

    assert tenth_wrong.status_code == 404
    assert eleventh_wrong.status_code == 429


def test_the_code_form_shows_on_get(technician_client):
    response = technician_client.get(reverse("portal:check-in-code"))

    assert response.status_code == 200
    assert "Check-in code" in response.content.decode()
    assert FailedCheckIn.objects.count() == 0


def test_visits_confirmed_before_codes_existed_get_one_on_migration(technician, patient, service, area):
    backfill = importlib.import_module("bookings.migrations.0006_checkin_code").give_confirmed_bookings_a_code
    confirmed = visit(patient, technician, service, area, accept=False, confirmed=True)
    pending = visit(patient, technician, service, area, minutes_to_start=300, accept=False)

    backfill(apps, None)

    confirmed.refresh_from_db()
    pending.refresh_from_db()
    assert len(confirmed.checkin_code) == 8
    assert set(confirmed.checkin_code) <= set(services.REFERENCE_ALPHABET)
    assert pending.checkin_code is None
