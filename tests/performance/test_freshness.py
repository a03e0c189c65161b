"""Fresh pages: every action shows on the very next request of every page it changes.

My bookings, the booking page, the portal dashboard and the inbox are kept whole in the cache under
keys that change with what they show (`homecure.base.page_cache`); what else is kept (the
logged-in account, the system settings, sessions) is dropped by the change itself. Each test opens
the affected pages first, as the people would have them open, from a browser that holds a CSRF
cookie (so the pages are kept), acts through the service that owns the action, and opens them
again: the change must be there at once.
"""

import secrets
from datetime import date, datetime, time, timedelta

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking, BookingStatus, PaymentMethod
from bookings.tests.factories import BookingFactory
from earnings import services as earnings_services
from earnings.models import PayoutMethod
from earnings.tests.factories import TechnicianEarningsFactory
from homecure.base.dates import format_when
from homecure.base.services import system_setting_change
from notifications import services as notification_services
from notifications.models import Notification
from notifications.tests.factories import NotificationFactory
from records import services as records_services
from technicians.models import Technician

pytestmark = pytest.mark.django_db


def visit_start(days=3, hour=10):
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def make_booking(patient, technician, service, area):
    def make(**kwargs):
        kwargs.setdefault("user", patient)
        kwargs.setdefault("technician", technician)
        kwargs.setdefault("start", visit_start())
        return BookingFactory(service=service, service_area=area, **kwargs)

    return make


@pytest.fixture
def nurse_client(technician):
    client = Client()
    client.force_login(technician.user)
    return client


def page(client, url) -> str:
    if "csrftoken" not in client.cookies:
        # As a browser that has opened a page before: only then are pages kept.
        client.cookies["csrftoken"] = secrets.token_hex(16)
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.content.decode()


def detail(booking):
    return reverse("bookings:detail", kwargs={"reference": booking.reference})


def job(booking):
    return reverse("portal:job", kwargs={"reference": booking.reference})


MY_BOOKINGS, DASHBOARD, INBOX = reverse("bookings:list"), reverse("portal:dashboard"), reverse("notifications:list")


def test_booking_shows_on_my_bookings_and_the_dashboard(patient_client, nurse_client, patient, technician, service):
    page(patient_client, MY_BOOKINGS)
    page(nurse_client, DASHBOARD)

    booking = booking_services.booking_create(
        patient=patient, service=service, area=patient.area, address="1 Camden Road", start=visit_start()
    )

    assert booking.reference in page(patient_client, MY_BOOKINGS)
    assert booking.reference in page(nurse_client, DASHBOARD)


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_accepting_or_declining_shows_at_once(patient_client, nurse_client, make_booking, technician, action):
    booking = make_booking()
    assert "Pending" in page(patient_client, detail(booking))
    assert booking.reference in page(nurse_client, DASHBOARD)

    if action == "accept":
        booking_services.booking_accept(booking=booking, actor=technician.user)
    else:
        booking_services.booking_decline(booking=booking, actor=technician.user, reason="Car broke down")

    if action == "accept":
        assert "Confirmed" in page(patient_client, detail(booking))
        assert "Confirmed" in page(patient_client, MY_BOOKINGS)
    else:
        # Offered on to nobody else here: no longer among this nurse's requests.
        assert booking.reference not in page(nurse_client, DASHBOARD)


def test_check_in_and_completion_show_at_once(patient_client, nurse_client, make_booking, technician):
    booking = make_booking(confirmed=True, start=timezone.now() + timedelta(minutes=10))
    assert "Confirmed" in page(patient_client, detail(booking))
    page(nurse_client, job(booking))

    booking_services.booking_check_in(booking=booking, actor=technician.user)

    assert "In progress" in page(patient_client, detail(booking))
    assert "In progress" in page(nurse_client, job(booking))

    booking_services.booking_complete(booking=booking, actor=technician.user)

    assert "Completed" in page(patient_client, detail(booking))
    assert "Completed" in page(nurse_client, job(booking))


def test_cancelling_shows_at_once(patient_client, nurse_client, make_booking, patient):
    booking = make_booking(confirmed=True)
    page(patient_client, detail(booking))
    assert booking.reference in page(nurse_client, DASHBOARD)

    booking_services.booking_cancel(booking=booking, actor=patient, reason="I feel better")

    assert "I feel better" in page(patient_client, detail(booking))
    assert booking.reference not in page(nurse_client, DASHBOARD)


def test_rescheduling_shows_the_new_time_at_once(patient_client, nurse_client, make_booking, patient):
    booking = make_booking(confirmed=True)
    new_start = visit_start(hour=14)
    assert format_when(new_start) not in page(patient_client, detail(booking))
    page(nurse_client, job(booking))

    booking_services.booking_reschedule(booking=booking, start=new_start, actor=patient)

    assert format_when(new_start) in page(patient_client, detail(booking))
    assert format_when(new_start) in page(patient_client, MY_BOOKINGS)


def test_paying_shows_at_once(patient_client, make_booking, patient):
    booking = make_booking(confirmed=True, payment_method=PaymentMethod.ONLINE)
    assert "Pay online" in page(patient_client, detail(booking))

    booking_services.booking_pay_online(booking=booking, actor=patient, card_number="4242 4242 4242 4242")

    html = page(patient_client, detail(booking))
    assert "Pay online" not in html
    assert "Paid" in html


def test_a_rating_shows_at_once(patient_client, make_booking, patient):
    booking = make_booking(completed=True, start=timezone.now() - timedelta(days=1))
    assert "How was your visit?" in page(patient_client, detail(booking))

    booking_services.booking_review(booking=booking, actor=patient, rating=4, review="Kind and quick")

    html = page(patient_client, detail(booking))
    assert "4 out of 5" in html
    assert "Kind and quick" in html


def test_reading_notifications_updates_the_inbox_and_the_badge(patient_client, patient):
    first, _second = NotificationFactory.create_batch(2, user=patient)
    html = page(patient_client, MY_BOOKINGS)
    assert '2<span class="visually-hidden"> unread' in html

    notification_services.notification_mark_read(notification=first)

    assert '1<span class="visually-hidden"> unread' in page(patient_client, MY_BOOKINGS)
    assert page(patient_client, INBOX).count("notification-unread") == 1

    notification_services.notifications_mark_all_read(user=patient)

    assert 'visually-hidden"> unread' not in page(patient_client, MY_BOOKINGS)
    assert "notification-unread" not in page(patient_client, INBOX)
    assert not Notification.objects.filter(user=patient, is_read=False).exists()


def test_a_payout_shows_on_the_earnings_page(nurse_client, make_booking, technician, admin_user):
    booking = make_booking(completed=True, start=timezone.now() - timedelta(days=2))
    earning = TechnicianEarningsFactory(technician=technician, booking=booking)
    before = page(nurse_client, reverse("earnings:list"))

    earnings_services.payout_record(
        technician=technician,
        earnings=[earning],
        actor=admin_user,
        method=PayoutMethod.BANK_TRANSFER,
        transaction_id="TX-1",
    )

    after = page(nurse_client, reverse("earnings:list"))
    assert after != before
    assert after.count("Settled") > before.count("Settled")
    assert "TX-1" in after


def test_a_record_written_or_amended_shows_at_once(patient_client, make_booking, technician):
    booking = make_booking(in_progress=True, start=timezone.now() - timedelta(minutes=30))
    records_page = reverse("records:list")
    assert "Mild dehydration" not in page(patient_client, records_page)

    record = records_services.record_create(
        actor=technician.user,
        booking=booking,
        record_type="checkup",
        record_date=date.today(),
        diagnosis="Mild dehydration.",
    )

    record_page = reverse("records:detail", kwargs={"pk": record.pk})
    assert "Mild dehydration" in page(patient_client, record_page)

    records_services.record_amend(record=record, actor=technician.user, reason="Typo", diagnosis="Mild fatigue.")

    assert "Mild fatigue" in page(patient_client, record_page)


def test_a_changed_setting_shows_on_the_next_request(patient_client, make_booking, admin_user):
    booking = make_booking(confirmed=True, start=visit_start(days=5))
    page(patient_client, detail(booking))

    system_setting_change(key="booking_cancellation_hours", value="48", actor=admin_user)

    deadline = booking_services.free_cancellation_until(booking.scheduled_start, booked_at=booking.created_at)
    assert format_when(deadline) in page(patient_client, detail(booking))


# --- updated_at moves with every write, so a key built from it changes with the data -----------------------


def test_a_save_of_some_fields_moves_updated_at(make_booking):
    booking = make_booking()
    Booking.objects.filter(pk=booking.pk).update(updated_at=timezone.now() - timedelta(days=1))
    booking.refresh_from_db()
    before = booking.updated_at

    booking.admin_notes = "Call before"
    booking.save(update_fields=["admin_notes"])

    booking.refresh_from_db()
    assert booking.updated_at > before


def test_a_bulk_update_moves_updated_at(technician):
    Technician.objects.filter(pk=technician.pk).update(updated_at=timezone.now() - timedelta(days=1))
    technician.refresh_from_db()
    before = technician.updated_at

    Technician.objects.filter(pk=technician.pk).update(completed_bookings=F("completed_bookings") + 1)

    technician.refresh_from_db()
    assert technician.updated_at > before


def test_bulk_update_of_objects_moves_updated_at(make_booking):
    booking = make_booking()
    Booking.objects.filter(pk=booking.pk).update(updated_at=timezone.now() - timedelta(days=1))
    booking.refresh_from_db()
    before = booking.updated_at
    booking.admin_notes = "Gate code 1234"

    Booking.objects.bulk_update([booking], ["admin_notes"])

    booking.refresh_from_db()
    assert booking.updated_at > before
    assert booking.admin_notes == "Gate code 1234"


def test_completing_a_visit_moves_the_technician_s_updated_at(make_booking, technician):
    booking = make_booking(in_progress=True, start=timezone.now() - timedelta(minutes=30))
    Technician.objects.filter(pk=technician.pk).update(updated_at=timezone.now() - timedelta(days=1))
    technician.refresh_from_db()
    before = technician.updated_at

    booking_services.booking_complete(booking=booking, actor=technician.user)

    technician.refresh_from_db()
    assert technician.updated_at > before
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.COMPLETED
