"""The technician portal's visit pages as a technician uses them: dashboard, jobs, a job's actions."""

import itertools
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import services, signals
from bookings.models import BookingStatus, PaymentMethod, PaymentStatus
from bookings.tests.factories import BookingFactory, BookingStatusHistoryFactory
from earnings.models import EarningStatus, TechnicianEarnings
from earnings.tests.factories import TechnicianEarningsFactory

pytestmark = pytest.mark.django_db


def today_at(hour, minute=0):
    return datetime.combine(timezone.localdate(), time(hour, minute), tzinfo=timezone.get_current_timezone())


_slots = itertools.count()


def job(patient, technician, service, area, *, start=None, **traits):
    """A visit of `technician`; without `start`, two days ahead in a two-hour slot of its own (PostgreSQL
    refuses overlapping visits of one technician)."""
    if start is None:
        start = timezone.now() + timedelta(days=2, hours=2 * next(_slots))
    return BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=start,
        **traits,
    )


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def texts_in_order(html, *texts):
    positions = [html.index(text) for text in texts]
    return positions == sorted(positions)


# --- Dashboard ------------------------------------------------------------------------------------------------


def test_dashboard_lists_todays_visits_in_time_order(technician_client, technician, patient, service, area):
    late = job(patient, technician, service, area, start=today_at(16), confirmed=True, service_address="3 Late Lane")
    early = job(patient, technician, service, area, start=today_at(8), completed=True, service_address="1 Early Road")
    middle = job(patient, technician, service, area, start=today_at(12), in_progress=True, service_address="2 Noon St")
    job(patient, technician, service, area, start=today_at(10), cancelled=True, service_address="Cancelled Close")

    response = technician_client.get(reverse("portal:dashboard"))

    html = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["today_visits"]) == [early, middle, late]
    assert texts_in_order(html, "1 Early Road", "2 Noon St", "3 Late Lane")
    assert "Cancelled Close" not in html


def test_dashboard_shows_requests_upcoming_visits_and_this_months_earnings(
    technician_client, technician, patient, service, area
):
    request = job(patient, technician, service, area, start=timezone.now() + timedelta(days=3))
    upcoming = job(patient, technician, service, area, start=timezone.now() + timedelta(days=4), confirmed=True)
    TechnicianEarningsFactory(technician=technician, amount=Decimal("80.00"), net_earnings=Decimal("68.00"))
    TechnicianEarningsFactory(technician=technician, amount=Decimal("45.50"), net_earnings=Decimal("38.67"))

    response = technician_client.get(reverse("portal:dashboard"))

    html = response.content.decode()
    assert list(response.context["requests"]) == [request]
    assert list(response.context["upcoming"]) == [upcoming]
    assert reverse("portal:accept", args=[request.reference]) in html
    assert reverse("portal:decline", args=[request.reference]) in html
    assert response.context["totals"].this_month == Decimal("106.67")
    assert "$106.67" in html


def test_dashboard_of_an_unverified_technician_shows_the_banner_and_no_jobs(
    client, unverified_technician, patient, service, area
):
    job(patient, unverified_technician, service, area, service_address="99 Secret Street")
    client.force_login(unverified_technician.user)

    response = client.get(reverse("portal:dashboard"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Waiting for verification" in html
    assert "Until then you get no jobs." in html
    assert "99 Secret Street" not in html


def test_a_technician_without_a_profile_is_sent_to_fill_it_in(client, technician):
    invited = technician.user.__class__.objects.create_user(
        email="invited@example.com", password="x", role="technician", first_name="Ivy", last_name="Invited"
    )
    client.force_login(invited)

    response = client.get(reverse("portal:dashboard"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("portal:profile")
    assert "Please fill in your professional profile first." in messages_of(response)


def test_technicians_land_on_the_portal_after_logging_in(technician_client):
    assert technician_client.get(reverse("accounts:after-login")).url == reverse("portal:dashboard")


def test_the_navbar_leads_a_technician_to_portal_jobs_schedule_and_earnings(technician_client):
    html = technician_client.get(reverse("portal:dashboard")).content.decode()

    for name in ("portal:dashboard", "portal:jobs", "portal:schedule", "earnings:list"):
        assert f'href="{reverse(name)}"' in html


# Measured with the settings cache empty: session, user, technician, the earnings totals, the
# navbar's unread-notifications count, today's visits, requests, upcoming visits, and one read of
# the system settings (currency).
DASHBOARD_QUERIES = 9


def test_dashboard_runs_a_fixed_number_of_queries_whatever_the_number_of_visits(
    technician_client, technician, patient, service, area
):
    for hour in range(8, 18):
        job(patient, technician, service, area, start=today_at(hour), confirmed=True)
    for day in range(3, 13):
        job(patient, technician, service, area, start=timezone.now() + timedelta(days=day, hours=1))
        job(patient, technician, service, area, start=timezone.now() + timedelta(days=day, hours=4), confirmed=True)
    TechnicianEarningsFactory.create_batch(5, technician=technician)

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = technician_client.get(reverse("portal:dashboard"))

    assert response.status_code == 200
    assert len(response.context["today_visits"]) == 10
    assert len(captured) <= DASHBOARD_QUERIES, "\n".join(q["sql"][:150] for q in captured)


# --- Jobs list ------------------------------------------------------------------------------------------------


def test_jobs_are_split_into_accepted_requests_and_past(technician_client, technician, patient, service, area):
    accepted = job(patient, technician, service, area, confirmed=True)
    request = job(patient, technician, service, area)
    done = job(patient, technician, service, area, start=timezone.now() - timedelta(days=2), completed=True)
    expired = job(patient, technician, service, area, start=timezone.now() - timedelta(days=1))

    def tab(show=None):
        params = {"show": show} if show else {}
        return list(technician_client.get(reverse("portal:jobs"), params).context["page_obj"])

    assert tab() == [accepted]
    assert tab("requests") == [request]
    assert tab("past") == [expired, done]


def test_jobs_list_runs_a_fixed_number_of_queries(technician_client, technician, patient, service, area):
    for n in range(15):
        job(patient, technician, service, area, start=timezone.now() + timedelta(days=2, hours=n), confirmed=True)

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = technician_client.get(reverse("portal:jobs"))

    assert len(response.context["page_obj"]) == 10
    assert len(captured) <= 6


# --- A job's page and its actions -----------------------------------------------------------------------------


def test_job_page_shows_what_the_technician_needs_at_the_door(technician_client, technician, patient, service, area):
    booking = job(
        patient, technician, service, area, service_address="1 Camden Road\nFlat 2", user_notes="Ring twice please"
    )
    BookingStatusHistoryFactory(booking=booking, to_status=BookingStatus.PENDING)

    response = technician_client.get(reverse("portal:job", args=[booking.reference]))

    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Paula Patient",
        "+44 20 7946 0000",
        "1 Camden Road<br>Flat 2",
        "Nurse home visit",
        "Ring twice please",
    ):
        assert text in html
    assert 'href="tel:+442079460000"' in html
    assert "Timeline" in html


def test_accepting_a_request_confirms_it(technician_client, technician, patient, service, area):
    booking = job(patient, technician, service, area)

    response = technician_client.post(reverse("portal:accept", args=[booking.reference]), follow=True)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert len(booking.checkin_code) == 8
    assert "Visit accepted. The patient has been told." in messages_of(response)
    assert "Check in at the door" in response.content.decode()


def test_declining_needs_a_reason(technician_client, technician, patient, service, area):
    booking = job(patient, technician, service, area)

    response = technician_client.post(reverse("portal:decline", args=[booking.reference]), {"reason": " "}, follow=True)

    booking.refresh_from_db()
    assert "Please give a reason for declining." in messages_of(response)
    assert booking.technician == technician


def test_declining_with_a_reason_hands_the_visit_on(technician_client, technician, patient, service, area):
    booking = job(patient, technician, service, area)

    response = technician_client.post(
        reverse("portal:decline", args=[booking.reference]), {"reason": "Car broke down"}, follow=True
    )

    booking.refresh_from_db()
    assert response.redirect_chain[-1][0] == reverse("portal:dashboard")
    assert booking.technician is None
    assert booking.declines.get().reason == "Car broke down"
    assert technician_client.get(reverse("portal:job", args=[booking.reference])).status_code == 404


@pytest.mark.parametrize(("method", "collected", "payment"), [("cash", "on", "paid"), ("card", "", "pending")])
def test_completing_records_notes_payment_and_one_earning(
    technician_client, technician, patient, service, area, method, collected, payment
):
    booking = job(patient, technician, service, area, in_progress=True, payment_method=method)
    url = reverse("portal:complete", args=[booking.reference])
    page = technician_client.get(reverse("portal:job", args=[booking.reference])).content.decode()
    assert "I collected the payment of $80.00" in page

    technician_client.post(url, {"technician_notes": "Dressing changed.", "payment_collected": collected})
    technician_client.post(url, {"technician_notes": "Dressing changed.", "payment_collected": collected})

    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    assert booking.technician_notes == "Dressing changed."
    assert booking.payment_status == payment
    earning = TechnicianEarnings.objects.get(booking=booking)
    assert (earning.amount, earning.net_earnings) == (Decimal("80.00"), Decimal("68.00"))


def test_an_online_payment_needs_no_collection(technician_client, technician, patient, service, area):
    booking = job(
        patient, technician, service, area, in_progress=True, payment_method=PaymentMethod.ONLINE, payment_status="paid"
    )

    page = technician_client.get(reverse("portal:job", args=[booking.reference])).content.decode()

    assert "Complete visit" in page
    assert "I collected the payment" not in page


def test_reporting_a_no_show_cancels_with_that_reason(technician_client, technician, patient, service, area):
    booking = services.booking_accept(
        booking=job(patient, technician, service, area, start=timezone.now() - timedelta(minutes=10)),
        actor=technician.user,
        now=timezone.now() - timedelta(hours=3),
    )
    assert "Report a no-show" in technician_client.get(reverse("portal:job", args=[booking.reference])).content.decode()

    response = technician_client.post(
        reverse("portal:no-show", args=[booking.reference]), {"note": "Rang twice, no answer."}, follow=True
    )

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert (
        booking.cancellation_reason
        == "The patient was not at home (reported by the technician). Rang twice, no answer."
    )
    assert booking.payment_status == PaymentStatus.PENDING
    assert "The visit was cancelled as a no-show and the office has been told." in messages_of(response)


def test_no_show_cannot_be_reported_before_the_visit_is_due(technician_client, technician, patient, service, area):
    # Twenty minutes before the start: check-in is open, but the patient may still be on the way home.
    booking = services.booking_accept(
        booking=job(patient, technician, service, area, start=timezone.now() + timedelta(minutes=20)),
        actor=technician.user,
        now=timezone.now() - timedelta(hours=3),
    )

    page = technician_client.get(reverse("portal:job", args=[booking.reference])).content.decode()
    response = technician_client.post(reverse("portal:no-show", args=[booking.reference]), {"note": ""}, follow=True)

    booking.refresh_from_db()
    assert "Report a no-show" not in page
    assert booking.status == BookingStatus.CONFIRMED
    assert messages_of(response)[0].startswith("You can report a no-show from")


def test_no_show_tells_the_office_through_the_cancel_signal(technician, patient, service, area):
    sent = []
    signals.booking_cancelled.connect(lambda **kw: sent.append(kw), weak=False, dispatch_uid="no-show-test")
    try:
        booking = services.booking_accept(
            booking=job(patient, technician, service, area, start=timezone.now()),
            actor=technician.user,
            now=timezone.now() - timedelta(hours=3),
        )
        services.booking_report_no_show(booking=booking, actor=technician.user)
        services.booking_report_no_show(booking=booking, actor=technician.user)
    finally:
        signals.booking_cancelled.disconnect(dispatch_uid="no-show-test")
    assert len(sent) == 1
    assert sent[0]["no_show"] is True
    assert sent[0]["actor"] == technician.user
    assert booking.history.filter(to_status=BookingStatus.CANCELLED).count() == 1


def test_earnings_pending_and_paid_are_shown_apart(technician_client, technician):
    TechnicianEarningsFactory(technician=technician, payment_status=EarningStatus.PAID, payment_date=timezone.now())
    TechnicianEarningsFactory(technician=technician)

    totals = technician_client.get(reverse("portal:dashboard")).context["totals"]

    assert (totals.pending, totals.paid) == (Decimal("68.00"), Decimal("68.00"))
