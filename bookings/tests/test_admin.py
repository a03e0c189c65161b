"""Bookings in the back office: the list's filters and search, its query budget, and the audit
entries and notifications of assigning, confirming and cancelling."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PatientFactory, ServiceAreaFactory
from bookings.models import BookingStatus, BookingStatusHistory, ServiceCategory
from bookings.tests.factories import BookingFactory, ServiceFactory
from homecure.models import AdminLog
from notifications.models import Notification
from technicians.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:bookings_booking_changelist")
BROWSER = {"REMOTE_ADDR": "192.0.2.71", "HTTP_USER_AGENT": "Mozilla/5.0 (Bookings admin test)"}


def _start(days=5, hour=10):
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def booking(patient, technician, service, area):
    return BookingFactory(user=patient, technician=technician, service=service, service_area=area, start=_start())


@pytest.fixture
def listed(patient, technician, other_technician, service, area, other_area):
    """Five bookings that differ in one way each, by name."""
    lab = ServiceFactory(name="Blood test at home", category=ServiceCategory.LAB_TESTS)
    return {
        "mine": BookingFactory(
            user=patient, technician=technician, service=service, service_area=area, start=_start(days=3)
        ),
        "other_nurse": BookingFactory(
            technician=other_technician, service=service, service_area=area, start=_start(days=4), confirmed=True
        ),
        "unassigned": BookingFactory(service=service, service_area=area, start=_start(days=6)),
        "lab_elsewhere": BookingFactory(
            user=PatientFactory(first_name="Lena", last_name="Lab"),
            service=lab,
            service_area=other_area,
            start=_start(days=7),
            service_address="42 Mare Street",
        ),
        "today_cancelled": BookingFactory(service=service, service_area=area, start=_start(days=0), cancelled=True),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status__exact": "confirmed"}, {"other_nurse"}),
        ({"status__exact": "pending", "technician__isnull": "True"}, {"unassigned", "lab_elsewhere"}),
        ({"technician__id__exact": "NURSE"}, {"mine"}),
        ({"service__id__exact": "LAB"}, {"lab_elsewhere"}),
        ({"service__category__exact": "lab_tests"}, {"lab_elsewhere"}),
        ({"service_area__id__exact": "HACKNEY"}, {"lab_elsewhere"}),
        ({"scheduled_date__gte": "TODAY", "scheduled_date__lt": "TOMORROW"}, {"today_cancelled"}),
        ({"q": "Paula"}, {"mine"}),
        ({"q": "patient@example.com"}, {"mine"}),
        ({"q": "Mare Street"}, {"lab_elsewhere"}),
        ({"q": "REF"}, {"other_nurse"}),
    ],
)
def test_changelist_filters_and_search(admin_client, listed, technician, other_area, params, expected):
    today = timezone.localdate()
    placeholders = {
        "NURSE": str(technician.pk),
        "LAB": str(listed["lab_elsewhere"].service_id),
        "HACKNEY": str(other_area.pk),
        "TODAY": today.isoformat(),
        "TOMORROW": (today + timedelta(days=1)).isoformat(),
        "REF": listed["other_nurse"].reference,
    }
    params = {key: placeholders.get(value, value) for key, value in params.items()}

    response = admin_client.get(CHANGELIST, params)

    assert response.status_code == 200
    shown = set(response.context["cl"].result_list)
    assert {name for name, row in listed.items() if row in shown} == expected


def test_technician_filter_offers_not_assigned(admin_client, listed):
    page = admin_client.get(CHANGELIST).content.decode()

    assert "Not assigned" in page
    assert "Nadia Nurse (Nurse)" in page


def _changelist_queries(client):
    client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(queries), len(response.context["cl"].result_list)


def test_changelist_queries_do_not_grow_with_the_rows(admin_client):
    def make(count):
        for _ in range(count):
            area = ServiceAreaFactory()
            BookingFactory(technician=TechnicianFactory(areas=[area]), service_area=area)

    make(10)
    queries_10, shown_10 = _changelist_queries(admin_client)
    make(90)
    queries_100, shown_100 = _changelist_queries(admin_client)

    assert (shown_10, shown_100) == (10, 25)
    assert queries_10 == queries_100


def _row(html, reference):
    """The list's row of the booking with `reference`."""
    start = html.rindex("<tr>", 0, html.index(f">{reference}</a>"))
    return html[start : html.index("</tr>", start)]


def test_changelist_row_shows_the_visit_the_people_and_the_state_and_links_back_with_the_filters(
    admin_client, patient, technician, service, area
):
    booking = BookingFactory(
        user=patient, technician=technician, service=service, service_area=area, start=_start(), confirmed=True
    )

    html = admin_client.get(CHANGELIST, {"status__exact": "confirmed"}).content.decode()

    row = _row(html, booking.reference)
    assert f'<input type="checkbox" name="_selected_action" value="{booking.pk}"' in row
    change = reverse("admin:bookings_booking_change", args=[booking.pk])
    assert f'<a href="{change}?_changelist_filters=status__exact%3Dconfirmed">{booking.reference}</a>' in row
    assert "Nurse home visit · Camden" in row
    assert "Paula Patient<br>Nadia Nurse" in row
    assert "Confirmed<br>Pending" in row
    assert '<td class="field-total_amount">80.00</td>' in row


def test_changelist_row_names_a_patient_without_a_name_by_e_mail_and_escapes_names(admin_client):
    nameless = BookingFactory(user=PatientFactory(first_name="", last_name="", email="nameless@example.com"))
    marked_up = BookingFactory(user=PatientFactory(first_name="<b>Bold</b>", last_name="Patient"))

    html = admin_client.get(CHANGELIST).content.decode()

    assert "nameless@example.com<br>not assigned" in _row(html, nameless.reference)
    assert "&lt;b&gt;Bold&lt;/b&gt; Patient<br>not assigned" in _row(html, marked_up.reference)
    assert "<b>Bold</b>" not in html


def test_changelist_shows_a_page_of_bookings_in_a_few_queries(admin_client, django_assert_max_num_queries):
    """Each booking with its own patient, technician, service and area: a query per row for any of
    them would show."""
    for _ in range(30):
        area = ServiceAreaFactory()
        BookingFactory(technician=TechnicianFactory(areas=[area]), service_area=area)
    admin_client.get(CHANGELIST)

    # Session, second factor, the filters' services, areas and technicians, the count (on
    # PostgreSQL the table's estimate first) and the page.
    with django_assert_max_num_queries(8):
        response = admin_client.get(CHANGELIST)

    assert response.content.decode().count('name="_selected_action"') == 25


def test_assign_is_one_entry_with_the_technicians_and_tells_both(
    admin_client, admin_user, booking, technician, other_technician
):
    admin_client.post(
        reverse("admin:bookings_booking_assign", args=[booking.pk]), {"technician": other_technician.pk}, **BROWSER
    )

    entry = AdminLog.objects.get(entity_type="bookings.booking")
    assert entry.action == "booking_assigned"
    assert (entry.admin_user, entry.ip_address, entry.user_agent) == (
        admin_user,
        "192.0.2.71",
        "Mozilla/5.0 (Bookings admin test)",
    )
    assert (entry.previous_values["technician"], entry.new_values["technician"]) == (technician.pk, other_technician.pk)
    assert entry.description == (
        f"Reassigned booking {booking.reference} from Nadia Nurse (Nurse) to Otto Nurse (Nurse)."
    )
    history = BookingStatusHistory.objects.filter(booking=booking, changed_by=admin_user)
    assert history.count() == 1
    assert AdminLog.objects.filter(entity_type="bookings.bookingstatushistory", action="create").count() == 1
    told = set(Notification.objects.filter(related_entity_id=booking.reference).values_list("user", "title"))
    assert (other_technician.user_id, "A visit was assigned to you") in told
    assert (technician.user_id, "A visit was reassigned") in told


def test_cancel_with_a_reason_is_one_entry_and_tells_patient_and_technician(
    admin_client, admin_user, booking, patient, technician
):
    admin_client.post(
        reverse("admin:bookings_booking_cancel", args=[booking.pk]), {"reason": "Patient in hospital"}, **BROWSER
    )

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    entry = AdminLog.objects.get(entity_type="bookings.booking")
    assert entry.action == "booking_cancelled"
    assert entry.admin_user == admin_user
    assert entry.description == f"Cancelled booking {booking.reference}. Reason: Patient in hospital"
    assert (entry.previous_values["status"], entry.new_values["status"]) == ("pending", "cancelled")
    assert entry.new_values["cancellation_reason"] == "Patient in hospital"
    assert BookingStatusHistory.objects.filter(booking=booking, to_status="cancelled", changed_by=admin_user).exists()
    told = set(Notification.objects.filter(related_entity_id=booking.reference).values_list("user", flat=True))
    assert told == {patient.pk, technician.user_id}


def test_confirm_action_is_one_entry_per_booking_and_tells_the_patient(admin_client, admin_user, booking, patient):
    admin_client.post(CHANGELIST, {"action": "confirm_selected", "_selected_action": [booking.pk]}, **BROWSER)

    entry = AdminLog.objects.get(entity_type="bookings.booking")
    assert entry.action == "booking_confirmed"
    assert entry.admin_user == admin_user
    assert (entry.previous_values["status"], entry.new_values["status"]) == ("pending", "confirmed")
    assert entry.new_values["qr_code_data"] == "********"
    assert Notification.objects.filter(user=patient, related_entity_id=booking.reference).exists()


def test_cancelling_a_completed_visit_is_refused_and_logs_nothing(admin_client, patient, technician, service, area):
    done = BookingFactory(user=patient, technician=technician, service=service, service_area=area, completed=True)

    response = admin_client.post(reverse("admin:bookings_booking_cancel", args=[done.pk]), {"reason": "Too late"})

    done.refresh_from_db()
    assert response.status_code == 200
    assert done.status == BookingStatus.COMPLETED
    assert not AdminLog.objects.exists()


def test_dashboard_links_to_the_bookings_waiting_for_a_technician(admin_client, listed):
    page = admin_client.get(reverse("admin:index"))

    card = next(c for c in page.context["dashboard_cards"] if c.title == "Waiting for a technician")
    waiting = admin_client.get(card.url).context["cl"].result_list
    assert card.value == "2"
    assert set(waiting) == {listed["unassigned"], listed["lab_elsewhere"]}
