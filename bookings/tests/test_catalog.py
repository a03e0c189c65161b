from decimal import Decimal

import pytest
from django.urls import reverse

from bookings.models import ServiceCategory
from bookings.tests.factories import ServiceFactory
from homecure.models import SystemSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    return {
        "nurse": ServiceFactory(
            name="Wound dressing", category=ServiceCategory.NURSING, price=Decimal("45.50"), duration_minutes=30
        ),
        "physio": ServiceFactory(
            name="Back pain session", category=ServiceCategory.PHYSIOTHERAPY, price=Decimal("1250.00")
        ),
        "lab": ServiceFactory(name="Full blood count", category=ServiceCategory.LAB_TESTS, price=Decimal("30.00")),
        "retired": ServiceFactory(name="Retired massage", category=ServiceCategory.PHYSIOTHERAPY, is_active=False),
    }


def test_catalog_groups_active_services_by_category_with_price_and_duration(client, catalog):
    response = client.get(reverse("catalog:list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert [group["label"] for group in response.context["groups"]] == ["Nursing", "Physiotherapy", "Home lab tests"]
    for name in ("Wound dressing", "Back pain session", "Full blood count"):
        assert name in html
    assert "Retired massage" not in html
    assert "$45.50" in html
    assert "$1,250.00" in html
    assert "30 minutes" in html


def test_catalog_filters_by_category(client, catalog):
    response = client.get(reverse("catalog:list"), {"category": ServiceCategory.LAB_TESTS})

    html = response.content.decode()
    assert "Full blood count" in html
    assert "Wound dressing" not in html
    assert "Back pain session" not in html


def test_catalog_ignores_an_unknown_category(client, catalog):
    response = client.get(reverse("catalog:list"), {"category": "surgery"})

    assert response.status_code == 200
    assert "Wound dressing" in response.content.decode()
    assert response.context["selected"] == ""


def test_catalog_prices_follow_the_currency_setting(client, catalog):
    SystemSettings.objects.filter(key="currency").update(value="EUR")

    response = client.get(reverse("catalog:list"))

    assert "€45.50" in response.content.decode()


def test_catalog_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for category in ServiceCategory.values:
        ServiceFactory.create_batch(10, category=category)

    with django_assert_max_num_queries(4):
        response = client.get(reverse("catalog:list"))

    assert sum(len(group["services"]) for group in response.context["groups"]) == 30


def test_service_detail_shows_price_duration_and_description(client, catalog):
    service = catalog["nurse"]

    response = client.get(reverse("catalog:service", kwargs={"slug": service.slug}))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Wound dressing" in html
    assert "$45.50" in html
    assert "30 minutes" in html
    assert service.description in html


def test_inactive_service_is_not_found(client, catalog):
    response = client.get(reverse("catalog:service", kwargs={"slug": catalog["retired"].slug}))

    assert response.status_code == 404


def test_unknown_service_is_not_found(client):
    response = client.get(reverse("catalog:service", kwargs={"slug": "no-such-service"}))

    assert response.status_code == 404


def test_visitor_is_sent_to_log_in_or_sign_up_before_booking(client, service):
    response = client.get(service.get_absolute_url())

    html = response.content.decode()
    booking_url = reverse("bookings:new", args=[service.slug])
    assert f'href="{reverse("accounts:login")}?next={booking_url}"' in html
    assert f'href="{reverse("accounts:signup")}?next={booking_url}"' in html
    assert "Book this service" not in html


def test_patient_books_the_service_from_its_page(patient_client, service):
    response = patient_client.get(service.get_absolute_url())

    html = response.content.decode()
    booking_url = reverse("bookings:new", args=[service.slug])
    assert f'href="{booking_url}"' in html
    assert "Book this service" in html


def test_technician_is_not_offered_to_book(technician_client, service):
    response = technician_client.get(service.get_absolute_url())

    assert "Book this service" not in response.content.decode()
