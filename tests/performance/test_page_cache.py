"""Kept pages (`homecure.base.page_cache`): served from the cache while what they show is unchanged,
for one query; rendered again as soon as anything they show changes, however it was changed.

The actions of the services are covered in test_freshness.py; most of them also notify someone,
which changes the unread badge of every page. The changes here notify nobody and some bypass
`save()`, so each one shows only if the page's own sources cover it.
"""

import re
import secrets
from datetime import datetime, time, timedelta

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ServiceArea, User
from bookings.models import Booking, Payment, PaymentKind, PaymentState
from bookings.tests.factories import BookingFactory
from bookings.views import booking_list
from earnings.models import TechnicianEarnings
from earnings.tests.factories import TechnicianEarningsFactory
from homecure.base import page_cache
from notifications.tests.factories import NotificationFactory
from records.models import HealthRecord, RecordType
from records.tests.factories import HealthRecordFactory
from technicians.models import Technician

pytestmark = pytest.mark.django_db

MY_BOOKINGS, DASHBOARD, INBOX = reverse("bookings:list"), reverse("portal:dashboard"), reverse("notifications:list")


def browser(user) -> Client:
    """A logged-in browser that has opened a page before, so it holds a CSRF cookie."""
    client = Client()
    client.force_login(user)
    client.cookies["csrftoken"] = secrets.token_hex(16)
    return client


def visit_start(days=3):
    return datetime.combine(
        timezone.localdate() + timedelta(days=days), time(10), tzinfo=timezone.get_current_timezone()
    )


def detail(booking):
    return reverse("bookings:detail", kwargs={"reference": booking.reference})


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def without_tokens(html: str) -> str:
    """The page with its CSRF tokens left out: each rendering masks the secret anew."""
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", html)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        page(client, url)
    return len(captured)


@pytest.fixture
def booking(patient, technician, service, area):
    return BookingFactory(user=patient, technician=technician, service=service, service_area=area, start=visit_start())


@pytest.fixture
def patient_browser(patient):
    return browser(patient)


@pytest.fixture
def nurse_browser(technician):
    return browser(technician.user)


@pytest.fixture
def kept_pages(booking, patient_browser, nurse_browser):
    """Each page with its browser, opened once so that it is kept."""
    pages = [
        (patient_browser, MY_BOOKINGS),
        (patient_browser, detail(booking)),
        (nurse_browser, DASHBOARD),
        (patient_browser, INBOX),
    ]
    for client, url in pages:
        page(client, url)
    return pages


def test_a_kept_page_is_served_again_for_the_query_of_its_stamps(kept_pages, settings):
    for client, url in kept_pages:
        settings.PAGE_CACHE = False
        rendered = page(client, url)
        rendered_queries = queries(client, url)
        floor = queries(client, "/healthz")
        settings.PAGE_CACHE = True
        page(client, url)

        kept_queries = queries(client, url)
        # The floor (the session, in the database in tests) and the stamps: the dashboard is kept
        # before the technician's profile is read.
        assert kept_queries == floor + 1 < rendered_queries
        assert without_tokens(page(client, url)) == without_tokens(rendered)


def test_a_kept_page_gets_the_headers_of_every_response(kept_pages):
    client, url = kept_pages[1]

    response = client.get(url)

    assert "Content-Security-Policy" in response
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"


def test_another_browser_of_the_same_person_gets_forms_that_work_in_it(patient, kept_pages):
    first, url = kept_pages[0]
    second = browser(patient)

    html = page(second, url)

    assert html != page(first, url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    second.raise_request_exception = False
    response = second.post(reverse("notifications:read-all"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_a_browser_without_a_csrf_cookie_gets_a_rendered_page_that_gives_it_one(patient, kept_pages):
    client = Client()
    client.force_login(patient)

    response = client.get(MY_BOOKINGS)

    assert response.status_code == 200
    assert "csrftoken" in response.cookies


def test_waiting_messages_are_shown_not_a_kept_copy(patient, kept_pages):
    request = RequestFactory().get(MY_BOOKINGS)
    request.user = patient
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request.META["CSRF_COOKIE"] = kept_pages[0][0].cookies["csrftoken"].value
    request._messages.add(20, "Your visit is booked.")

    response = booking_list(request)

    assert "Your visit is booked." in response.content.decode()


def test_a_visit_leaves_the_upcoming_list_the_minute_it_ends(patient, technician, service, area, monkeypatch):
    # A visit that ends two minutes from now (the session's own clocks stay within their limits).
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=2 - service.duration_minutes)
    visit = BookingFactory(user=patient, technician=technician, service=service, service_area=area, start=start)
    client = browser(patient)
    end = visit.scheduled_end
    monkeypatch.setattr(timezone, "now", lambda: end - timedelta(seconds=30))
    assert visit.reference in page(client, MY_BOOKINGS)
    assert visit.reference in page(client, MY_BOOKINGS)

    monkeypatch.setattr(timezone, "now", lambda: end + timedelta(seconds=30))

    assert visit.reference not in page(client, MY_BOOKINGS)


def test_a_renamed_service_or_area_shows_on_the_patient_s_pages(booking, kept_pages, patient_browser):
    service = booking.service
    service.name = "Wound dressing at home"
    service.save()
    ServiceArea.objects.filter(pk=booking.service_area_id).update(name="Hackney Wick")

    for url in (MY_BOOKINGS, detail(booking)):
        html = page(patient_browser, url)
        assert "Wound dressing at home" in html
        assert "Hackney Wick" in html


def test_a_change_to_the_visit_made_in_bulk_shows_on_its_page_and_the_dashboard(
    booking, kept_pages, patient_browser, nurse_browser
):
    Booking.objects.filter(pk=booking.pk).update(service_address="12 Mare Street")

    assert "12 Mare Street" in page(patient_browser, detail(booking))
    assert "12 Mare Street" in page(nurse_browser, DASHBOARD)


def test_a_renamed_technician_shows_on_the_booking_page(booking, kept_pages, patient_browser, technician):
    User.objects.filter(pk=technician.user_id).update(first_name="Nadine")

    assert "Nadine" in page(patient_browser, detail(booking))


def test_a_renamed_patient_shows_on_the_technician_s_dashboard(booking, kept_pages, nurse_browser, patient):
    booking.status = "confirmed"
    booking.save()
    page(nurse_browser, DASHBOARD)

    User.objects.filter(pk=patient.pk).update(last_name="Okonkwo-Smith")

    assert "Okonkwo-Smith" in page(nurse_browser, DASHBOARD)


def test_a_technician_who_stops_taking_jobs_sees_it_on_the_dashboard(kept_pages, nurse_browser, technician):
    Technician.objects.filter(pk=technician.pk).update(is_available=False)

    assert "You are not taking new jobs" in page(nurse_browser, DASHBOARD)


def test_a_payment_row_shows_among_the_visit_s_documents(booking, kept_pages, patient_browser):
    payment = Payment.objects.create(
        booking=booking,
        kind=PaymentKind.ONLINE,
        amount=booking.total_amount,
        currency="GBP",
        provider="test",
        state=PaymentState.CONFIRMED,
        settled_at=timezone.now(),
        number="R-2026-000123",
    )

    assert payment.number in page(patient_browser, detail(booking))


def test_a_corrected_record_shows_on_the_booking_page(patient, technician, service, area, patient_browser):
    visit = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=visit_start(days=-2),
        completed=True,
    )
    record = HealthRecordFactory(booking=visit, record_type=RecordType.CHECKUP)
    assert "Check-up" in page(patient_browser, detail(visit))

    HealthRecord.objects.filter(pk=record.pk).update(record_type=RecordType.WOUND_CARE)

    assert "Wound care" in page(patient_browser, detail(visit))


def test_an_earning_changed_in_bulk_shows_on_the_dashboard_panel(technician, kept_pages, nurse_browser):
    earning = TechnicianEarningsFactory(technician=technician)
    before = page(nurse_browser, DASHBOARD)

    TechnicianEarnings.objects.filter(pk=earning.pk).update(balance_amount=earning.balance_amount + 40)

    assert page(nurse_browser, DASHBOARD) != before


def test_an_earlier_month_s_earning_paid_in_bulk_leaves_the_dashboard_s_balance(technician, kept_pages, nurse_browser):
    earning = TechnicianEarningsFactory(technician=technician)
    TechnicianEarnings.objects.filter(pk=earning.pk).update(created_at=timezone.now() - timedelta(days=45))
    before = page(nurse_browser, DASHBOARD)

    TechnicianEarnings.objects.filter(pk=earning.pk).update(payment_status="paid", payment_date=timezone.now())

    assert page(nurse_browser, DASHBOARD) != before


def test_a_paid_earning_of_this_month_changed_in_bulk_shows_in_the_month_s_figure(
    technician, kept_pages, nurse_browser
):
    earning = TechnicianEarningsFactory(technician=technician, payment_status="paid", payment_date=timezone.now())
    before = page(nurse_browser, DASHBOARD)

    TechnicianEarnings.objects.filter(pk=earning.pk).update(net_earnings=earning.net_earnings + 10)

    assert page(nurse_browser, DASHBOARD) != before


def test_a_notification_read_as_another_arrives_shows_in_the_inbox(patient, kept_pages, patient_browser):
    first = NotificationFactory(user=patient, title="Your nurse is on the way")
    assert "Your nurse is on the way" in page(patient_browser, INBOX)

    # The unread count stays at one: only the newest notification tells the change.
    first.is_read = True
    first.save()
    NotificationFactory(user=patient, title="Your nurse has arrived")

    assert "Your nurse has arrived" in page(patient_browser, INBOX)


def test_a_changed_account_shows_at_once(kept_pages, patient_browser, patient):
    User.objects.filter(pk=patient.pk).update(first_name="Priya")

    assert "Priya" in page(patient_browser, MY_BOOKINGS)


def test_the_release_changes_with_a_template(settings, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.html").write_text("<p>One</p>")
    settings.BASE_DIR = tmp_path
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [folder]}]
    page_cache.release.cache_clear()
    try:
        before = page_cache.release()
        (folder / "page.html").write_text("<p>Two</p>")
        page_cache.release.cache_clear()
        assert page_cache.release() != before
    finally:
        page_cache.release.cache_clear()


def test_a_visit_of_today_moved_in_bulk_shows_on_the_dashboard(technician, patient, service, area, nurse_browser):
    today = timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0)
    visit = BookingFactory(
        user=patient, technician=technician, service=service, service_area=area, start=today, status="confirmed"
    )
    assert "23:00" in page(nurse_browser, DASHBOARD)

    Booking.objects.filter(pk=visit.pk).update(
        scheduled_start=today + timedelta(minutes=20), scheduled_end=visit.scheduled_end + timedelta(minutes=20)
    )

    assert "23:20" in page(nurse_browser, DASHBOARD)


# --- The office's booking list, kept under the state of the whole database ----------------------

BOOKING_LIST = reverse("admin:bookings_booking_changelist")
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="a snapshot is PostgreSQL's")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_office_s_booking_list_is_kept_until_anything_is_committed(booking, admin_user):
    office = browser(admin_user)
    assert booking.reference in page(office, BOOKING_LIST)
    with CaptureQueriesContext(connection) as captured:
        kept = page(office, BOOKING_LIST)
    # The session, the second factor's device and the stamps: no booking is read.
    assert [query["sql"] for query in captured if "pg_current_snapshot" in query["sql"]]
    assert not any("bookings_booking" in query["sql"] for query in captured)
    assert booking.reference in kept

    # Renamed in bulk, with no `updated_at` moved: only a stamp of the whole database sees it.
    booking.service.__class__.objects.filter(pk=booking.service_id).update(name="Wound dressing at home")
    assert "Wound dressing at home" in page(office, BOOKING_LIST)
    User.objects.filter(pk=booking.user_id).update(last_name="Renamed")
    assert "Renamed" in page(office, BOOKING_LIST)
    booking.delete()
    assert booking.reference not in page(office, BOOKING_LIST)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_office_s_kept_list_is_its_own_for_each_filter_and_search(booking, admin_user):
    office = browser(admin_user)
    page(office, BOOKING_LIST)
    assert booking.reference not in page(office, f"{BOOKING_LIST}?q=nobody-matches-this")
    assert booking.reference in page(office, f"{BOOKING_LIST}?q={booking.reference}")


def test_the_office_s_booking_list_is_rendered_where_its_database_cannot_be_stamped(booking, admin_client):
    """On SQLite, and inside a transaction (as every test here runs), whose snapshot leaves out
    its own writes: the list is rendered for every request and shows a bulk change at once."""
    admin_client.cookies["csrftoken"] = secrets.token_hex(16)
    page(admin_client, BOOKING_LIST)
    with CaptureQueriesContext(connection) as captured:
        page(admin_client, BOOKING_LIST)
    assert any("bookings_booking" in query["sql"] for query in captured)
    User.objects.filter(pk=booking.user_id).update(last_name="Renamed")
    assert "Renamed" in page(admin_client, BOOKING_LIST)


def test_a_back_office_page_is_kept_with_the_csrf_cookie_it_sets_and_no_other(rf, settings):
    """The back office's views set the CSRF cookie themselves (`csrf_protect`): a page that comes
    with it is kept, as its secret is part of the key; any other cookie keeps it from being kept."""
    from django.http import HttpResponse

    renders = []

    def view(request, cookie):
        renders.append(cookie)
        response = HttpResponse("page")
        response.set_cookie(cookie, "value")
        return response

    kept_view = page_cache.keyed_page(lambda request, cookie: [])(view)
    secret, changed = secrets.token_hex(16), timezone.now()
    for cookie in (settings.CSRF_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "other", "other"):
        request = rf.get(f"/{cookie}/")
        request.user = User(pk=1, updated_at=changed)
        request.META["CSRF_COOKIE"] = secret
        request.session = SessionStore()
        request._messages = FallbackStorage(request)
        kept_view(request, cookie)
    assert renders == [settings.CSRF_COOKIE_NAME, "other", "other"]
