"""The back office's first page: today's numbers, each linking to the list it counts."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import PaymentMethod
from bookings.tests.factories import BookingFactory
from earnings.models import EarningStatus, TechnicianEarnings
from earnings.tests.factories import TechnicianEarningsFactory
from homecure.site.dashboard import dashboard_cards
from homecure.tests.factories import ContactFactory
from technicians.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


def _card(cards, title):
    return next(card for card in cards if card.title == title)


def _today_at(hour):
    return datetime.combine(timezone.localdate(), time(hour), tzinfo=timezone.get_current_timezone())


def _listed(client, card):
    response = client.get(card.url)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def test_visits_today_counts_todays_bookings_that_are_not_cancelled(admin_client, technician, service, area):
    morning = BookingFactory(technician=technician, service=service, service_area=area, start=_today_at(9))
    done = BookingFactory(
        technician=technician, service=service, service_area=area, start=_today_at(12), completed=True
    )
    BookingFactory(service=service, service_area=area, start=_today_at(15), cancelled=True)
    BookingFactory(service=service, service_area=area, start=_today_at(9) + timedelta(days=1))

    card = _card(admin_client.get(reverse("admin:index")).context["dashboard_cards"], "Visits today")

    assert card.value == "2"
    assert _listed(admin_client, card) == {morning, done}


def test_waiting_and_to_verify_link_to_their_lists(admin_client, technician, unverified_technician, service, area):
    waiting = BookingFactory(service=service, service_area=area)
    BookingFactory(technician=technician, service=service, service_area=area)
    TechnicianFactory(is_verified=False, is_active=False)
    # Signed up on Work with us, address not confirmed yet.
    TechnicianFactory(is_verified=False, user__is_active=False, user__awaiting_confirmation=True)

    cards = admin_client.get(reverse("admin:index")).context["dashboard_cards"]

    assert _card(cards, "Waiting for a technician").value == "1"
    assert _listed(admin_client, _card(cards, "Waiting for a technician")) == {waiting}
    assert _card(cards, "Technicians to verify").value == "1"
    assert _listed(admin_client, _card(cards, "Technicians to verify")) == {unverified_technician}


def test_revenue_and_commission_count_this_months_earnings_only(admin_client, technician):
    this_month = [TechnicianEarningsFactory(technician=technician) for _ in range(2)]
    old = TechnicianEarningsFactory(technician=technician)
    last_month = timezone.localtime().replace(day=1) - timedelta(days=3)
    TechnicianEarnings.objects.filter(pk=old.pk).update(created_at=last_month)
    paid = this_month[0]
    paid.payment_status, paid.payment_date = EarningStatus.PAID, timezone.now()
    paid.save()

    cards = admin_client.get(reverse("admin:index")).context["dashboard_cards"]

    assert _card(cards, "Revenue this month").value == "$160.00"
    assert _card(cards, "Platform commission this month").value == "$24.00"
    assert _listed(admin_client, _card(cards, "Revenue this month")) == set(this_month)
    # Payouts due: the unpaid net of this month and the month before.
    assert _card(cards, "Payouts due").value == "$136.00"
    assert sum(e.net_earnings for e in _listed(admin_client, _card(cards, "Payouts due"))) == Decimal("136.00")


def test_payouts_due_shows_the_net_per_technician_either_way(admin_client, technician, other_technician):
    TechnicianEarningsFactory(technician=technician)  # paid online: the platform owes 68.00
    TechnicianEarningsFactory(technician=technician, booking__payment_method=PaymentMethod.CASH)  # owes 12.00
    for _ in range(2):  # cash at the door twice: Otto owes the platform 24.00
        TechnicianEarningsFactory(technician=other_technician, booking__payment_method=PaymentMethod.CASH)

    card = _card(admin_client.get(reverse("admin:index")).context["dashboard_cards"], "Payouts due")

    assert card.value == "$56.00"
    assert "$24.00 to collect from technicians" in card.detail
    assert [(line.label, line.value) for line in card.lines] == [
        ("Nadia Nurse", "pay $56.00"),
        ("Otto Nurse", "collect $24.00"),
    ]
    assert _listed(admin_client, card.lines[1]) == set(TechnicianEarnings.objects.filter(technician=other_technician))


def test_messages_to_answer(admin_client):
    waiting = ContactFactory()
    ContactFactory(is_handled=True, handled_at=timezone.now())

    card = _card(admin_client.get(reverse("admin:index")).context["dashboard_cards"], "Messages to answer")

    assert card.value == "1"
    assert _listed(admin_client, card) == {waiting}


def test_the_cards_cost_the_same_queries_whatever_the_size_of_the_tables(technician, service, area):
    def count():
        with CaptureQueriesContext(connection) as queries:
            dashboard_cards()
        return len(queries)

    dashboard_cards()  # the settings cache, kept warm on a real server
    empty = count()
    for hour in range(8, 18):
        BookingFactory(service=service, service_area=area, start=_today_at(hour))
        TechnicianEarningsFactory(technician=technician)
        ContactFactory()

    assert count() == empty == 6


def test_the_index_shows_the_cards_above_the_app_list(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert page.index("Visits today") < page.index('class="app-bookings')
