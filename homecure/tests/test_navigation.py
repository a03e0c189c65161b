"""The main navigation marks the item of the page you are on, and only that one."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from bookings.tests.factories import BookingFactory

pytestmark = pytest.mark.django_db


def current_items(response) -> list[str]:
    """The names of the main navigation's links marked as the current page."""
    nav = response.content.decode().split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", text).split())
        for text in re.findall(r'aria-current="page">(.*?)</a>', nav, flags=re.S)
    ]


def test_visitors_see_the_page_they_are_on():
    client = Client()

    assert current_items(client.get(reverse("catalog:list"))) == ["Services"]
    assert current_items(client.get(reverse("contact"))) == ["Contact"]
    assert current_items(client.get(reverse("home"))) == []


def test_the_booking_form_is_part_of_booking_a_visit_not_of_my_bookings(patient_client, patient, service, area):
    booking = BookingFactory(user=patient, service=service, service_area=area)

    assert current_items(patient_client.get(reverse("catalog:service", args=[service.slug]))) == ["Book a visit"]
    assert current_items(patient_client.get(reverse("bookings:new", args=[service.slug]))) == ["Book a visit"]
    assert current_items(patient_client.get(reverse("bookings:list"))) == ["My bookings"]
    assert current_items(patient_client.get(booking.get_absolute_url())) == ["My bookings"]
    assert current_items(patient_client.get(reverse("records:list"))) == ["My health records"]
    assert current_items(patient_client.get(reverse("notifications:list"))) == ["Notifications"]


@pytest.mark.parametrize(
    ("url_name", "item"),
    [
        ("portal:dashboard", "Portal"),
        ("portal:jobs", "Jobs"),
        ("portal:schedule", "Schedule"),
        ("portal:records", "Records"),
        ("portal:reviews", "Reviews"),
        ("earnings:list", "Earnings"),
        ("portal:profile", None),
    ],
)
def test_technicians_see_the_portal_page_they_are_on(technician_client, url_name, item):
    response = technician_client.get(reverse(url_name))

    assert response.status_code == 200
    assert current_items(response) == ([item] if item else [])
