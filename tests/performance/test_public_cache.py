"""Home and catalog pages served whole from the cache to visitors who send no cookies."""

import pytest
from django.test import Client
from django.urls import reverse

from bookings.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def nurse_visit(db):
    return ServiceFactory(name="Nurse visit at home")


@pytest.mark.parametrize("url_name", ["home", "catalog:list"])
def test_a_cookieless_visitor_gets_the_kept_page_without_queries(url_name, nurse_visit, django_assert_num_queries):
    first = Client().get(reverse(url_name))

    with django_assert_num_queries(0):
        again = Client().get(reverse(url_name))

    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert "Nurse visit at home" in again.content.decode()
    assert not first.cookies


def test_a_service_detail_page_is_kept_too(nurse_visit, django_assert_num_queries):
    Client().get(nurse_visit.get_absolute_url())

    with django_assert_num_queries(0):
        response = Client().get(nurse_visit.get_absolute_url())

    assert "Nurse visit at home" in response.content.decode()


def test_a_changed_service_shows_at_once(nurse_visit):
    Client().get(reverse("catalog:list"))

    nurse_visit.name = "Registered nurse visit"
    nurse_visit.save()

    assert "Registered nurse visit" in Client().get(reverse("catalog:list")).content.decode()


def test_a_logged_in_visitor_gets_their_own_page_and_never_the_kept_one(patient_client, patient, nurse_visit):
    Client().get(reverse("home"))

    own = patient_client.get(reverse("home")).content.decode()
    anonymous = Client().get(reverse("home")).content.decode()

    assert "Paula" in own
    assert "Paula" not in anonymous
    assert 'action="/accounts/logout/"' not in anonymous


def test_a_visitor_with_any_cookie_gets_a_fresh_page(nurse_visit, django_assert_max_num_queries):
    Client().get(reverse("catalog:list"))
    client = Client()
    client.cookies["csrftoken"] = "a" * 32

    with django_assert_max_num_queries(5) as captured:
        client.get(reverse("catalog:list"))

    assert len(captured) >= 1


MADE_UP = ["?utm_source=anything", "?category=anything", "?category=nursing&category=lab_tests"]


@pytest.mark.parametrize("made_up", MADE_UP)
def test_known_query_strings_are_kept_and_made_up_ones_are_not(made_up, nurse_visit, django_assert_num_queries):
    nursing = reverse("catalog:list") + "?category=nursing"
    Client().get(nursing)
    Client().get(reverse("catalog:list") + made_up)

    with django_assert_num_queries(0):
        Client().get(nursing)
    with django_assert_num_queries(1):
        Client().get(reverse("catalog:list") + made_up)
