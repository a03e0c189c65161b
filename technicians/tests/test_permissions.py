"""Who may reach each portal page: anonymous users log in first, other roles get 403, other
technicians' jobs do not exist (404), unverified technicians have no jobs, changes are POST only."""

import pytest
from django.test import Client
from django.urls import reverse

from bookings.models import BookingStatus
from bookings.tests.factories import BookingFactory
from earnings.tests.factories import TechnicianEarningsFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "portal:dashboard",
    "portal:jobs",
    "portal:schedule",
    "portal:profile",
    "portal:check-in-code",
    "earnings:list",
]
JOB_PAGES = ["portal:job"]
JOB_ACTIONS = ["portal:accept", "portal:decline", "portal:complete", "portal:no-show"]
ACTIONS = ["portal:availability", "portal:time-off-add"]


@pytest.fixture
def booking(patient, technician, service, area):
    return BookingFactory(user=patient, technician=technician, service=service, service_area=area)


def pages(booking):
    return (
        [reverse(name) for name in PAGES]
        + [reverse("earnings:export")]
        + [reverse(name, args=[booking.reference]) for name in JOB_PAGES]
    )


def actions(booking):
    return [reverse(name, args=[booking.reference]) for name in JOB_ACTIONS] + [reverse(name) for name in ACTIONS]


def test_anonymous_visitors_are_sent_to_log_in(client, booking):
    for url in pages(booking):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == f"{reverse('accounts:login')}?next={url}", url
    for url in actions(booking):
        assert client.post(url).url.startswith(reverse("accounts:login")), url


@pytest.mark.parametrize("persona", ["patient", "admin_user"])
def test_other_roles_get_403_everywhere(client, request, booking, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in pages(booking):
        assert client.get(url).status_code == 403, url
    for url in actions(booking):
        assert client.post(url).status_code == 403, url
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING


def test_the_owner_reaches_every_page(technician_client, booking):
    for name in PAGES:
        assert technician_client.get(reverse(name)).status_code == 200, name
    assert technician_client.get(reverse("earnings:export")).status_code == 200
    assert technician_client.get(reverse("portal:job", args=[booking.reference])).status_code == 200


def test_another_technicians_job_does_not_exist_for_them(client, other_technician, booking):
    client.force_login(other_technician.user)
    for name in JOB_PAGES:
        assert client.get(reverse(name, args=[booking.reference])).status_code == 404, name
    for name in JOB_ACTIONS:
        assert client.post(reverse(name, args=[booking.reference]), {"reason": "x"}).status_code == 404, name
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING


def test_an_unverified_technician_has_no_jobs(client, unverified_technician, booking):
    booking.technician = unverified_technician
    booking.save(update_fields=["technician"])
    client.force_login(unverified_technician.user)

    assert client.get(reverse("portal:job", args=[booking.reference])).status_code == 404
    assert client.post(reverse("portal:accept", args=[booking.reference])).status_code == 404
    assert list(client.get(reverse("portal:jobs"), {"show": "requests"}).context["page_obj"]) == []
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING


def test_another_technicians_earnings_are_not_shown(technician_client, other_technician):
    theirs = TechnicianEarningsFactory(technician=other_technician)

    listing = technician_client.get(reverse("earnings:list")).content.decode()
    export = technician_client.get(reverse("earnings:export")).content.decode()

    assert theirs.booking.reference not in listing
    assert theirs.booking.reference not in export


def test_changes_are_post_only(technician_client, booking):
    for name in JOB_ACTIONS:
        assert technician_client.get(reverse(name, args=[booking.reference])).status_code == 405, name
    for name in ACTIONS:
        assert technician_client.get(reverse(name)).status_code == 405, name
    assert technician_client.get(reverse("portal:time-off-delete", args=[1])).status_code == 405


def test_changes_need_the_csrf_token(technician, booking):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(technician.user)

    response = browser.post(reverse("portal:accept", args=[booking.reference]))

    assert response.status_code == 403
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING


def test_the_join_page_is_public(client):
    assert client.get(reverse("portal:join")).status_code == 200
