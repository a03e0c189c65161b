"""The technician's ratings and reviews in the portal: average, how many of each star, the latest reviews."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PatientFactory
from bookings import selectors
from bookings.tests.factories import BookingFactory

pytestmark = pytest.mark.django_db

URL = reverse("portal:reviews")


def rated(technician, service, area, rating, review="", *, days_ago, patient=None):
    return BookingFactory(
        user=patient or PatientFactory(),
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() - timedelta(days=days_ago),
        completed=True,
        user_rating=rating,
        user_review=review,
    )


def _page(response):
    return re.sub(r"\s+", " ", response.content.decode())


def test_summary_has_the_average_and_a_count_per_star(technician, other_technician, service, area):
    for days_ago, rating in enumerate((5, 5, 4, 2), start=1):
        rated(technician, service, area, rating, days_ago=days_ago)
    rated(other_technician, service, area, 1, days_ago=9)
    BookingFactory(technician=technician, service=service, service_area=area, completed=True)

    summary = selectors.rating_summary(technician)

    assert summary.count == 4
    assert str(summary.average) == "4.00"
    assert [(row.stars, row.count, row.percent) for row in summary.distribution] == [
        (5, 2, 50),
        (4, 1, 25),
        (3, 0, 0),
        (2, 1, 25),
        (1, 0, 0),
    ]


def test_the_page_shows_the_latest_reviews_first_with_first_names_only(technician_client, technician, service, area):
    paula = PatientFactory(first_name="Priya", last_name="Pemberton-Smythe")
    rated(technician, service, area, 3, "Arrived a little late.", days_ago=20)
    rated(technician, service, area, 5, "Kind and careful, thank you.", days_ago=2, patient=paula)

    response = technician_client.get(URL)

    page = _page(response)
    assert response.status_code == 200
    assert "4.0 out of 5" in page
    assert "from 2 rated visits" in page
    assert page.index("Kind and careful") < page.index("Arrived a little late")
    assert "Priya, visit of" in page
    assert "Pemberton-Smythe" not in page
    assert '<a class="nav-link" href="/portal/reviews/" aria-current="page">' in page


def test_a_technician_sees_only_their_own_reviews(technician_client, other_technician, service, area):
    rated(other_technician, service, area, 1, "Never came back to me.", days_ago=3)

    page = _page(technician_client.get(URL))

    assert "Never came back" not in page
    assert "No ratings yet." in page


def test_the_page_costs_the_same_queries_whatever_the_number_of_reviews(
    technician_client, technician, service, area, django_assert_max_num_queries
):
    rated(technician, service, area, 4, "Fine.", days_ago=1)
    with django_assert_max_num_queries(30) as one:
        technician_client.get(URL)
    for days_ago in range(2, 26):
        rated(technician, service, area, 1 + days_ago % 5, f"Review {days_ago}", days_ago=days_ago)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = technician_client.get(URL)

    assert len(response.context["page_obj"].object_list) == 10
