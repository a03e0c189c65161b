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


def links_of(response) -> dict[str, str]:
    """The main navigation's and the footer's links, by their text."""
    html = response.content.decode()
    shell = html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0] + html.split("<footer", 1)[1]
    return {
        " ".join(re.sub(r"<[^>]+>", " ", text).split()): href
        for href, text in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', shell, flags=re.S)
    }


@pytest.mark.parametrize(
    ("client_fixture", "expected"),
    [
        (
            "client",
            {
                "HomeCure": "home",
                "Services": "catalog:list",
                "Contact": "contact",
                "Log in": "accounts:login",
                "Sign up": "accounts:signup",
                "Work with us": "portal:join",
            },
        ),
        (
            "patient_client",
            {
                "Book a visit": "catalog:list",
                "My bookings": "bookings:list",
                "My health records": "records:list",
                "Notifications": "notifications:list",
                "Profile": "accounts:profile",
                "Change password": "accounts:password_change",
                "Services": "catalog:list",
            },
        ),
        (
            "technician_client",
            {
                "Portal": "portal:dashboard",
                "Jobs": "portal:jobs",
                "Schedule": "portal:schedule",
                "Records": "portal:records",
                "Reviews": "portal:reviews",
                "Earnings": "earnings:list",
                "Notifications": "notifications:list",
            },
        ),
        ("admin_client", {"Back office": "admin:index", "Profile": "accounts:profile"}),
    ],
)
def test_the_navigation_and_footer_links_lead_where_they_say(request, client_fixture, expected):
    links = links_of(request.getfixturevalue(client_fixture).get(reverse("contact")))

    assert {text: links.get(text) for text in expected} == {text: reverse(name) for text, name in expected.items()}
