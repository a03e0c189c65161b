"""The patient's free times: kept in the cache and forgotten by every change that can move them,
asked for with a GET (a whole page or htmx's fragment), opening on the first day that has times.

Every test that reads the cache runs with FREE_TIMES_CACHE on (as with a shared Redis cache), and
each change below is made through the service or the form that makes it in the product; after
it, the cached answer must equal a fresh computation (`DayPlan(...).free_starts()`).
"""

import secrets
import uuid
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import Booking, BookingStatus, PaymentMethod
from bookings.scheduling import DayPlan, free_times
from bookings.tests.factories import BookingFactory
from homecure.base.system_settings import clear_settings_cache
from homecure.models import SystemSettings
from technicians import services as technician_services
from technicians.models import ScheduleWindow, Weekday
from technicians.tests.factories import TechnicianFactory, TimeOffFactory, give_weekly_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shared_cache(settings):
    settings.FREE_TIMES_CACHE = True


def visit_day(days_ahead=3):
    return timezone.localdate() + timedelta(days=days_ahead)


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def wall(starts):
    return [timezone.localtime(start).strftime("%H:%M") for start in starts]


def cached(service, area, day):
    """The patient's times (from the cache once asked), checked against a fresh computation."""
    times = wall(free_times(service=service, area=area, day=day))
    assert times == wall(DayPlan(service=service, area=area, day=day).free_starts())
    return times


def queries_of(function):
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def test_the_answer_is_kept_and_a_change_that_cannot_move_it_keeps_it(patient, technician, service, area):
    day = visit_day()
    booking = BookingFactory(confirmed=True, user=patient, technician=technician, service=service, start=at(day, 10))
    assert "10:00" not in cached(service, area, day)
    assert queries_of(lambda: free_times(service=service, area=area, day=day)) == 0

    # A note changes no time: the answer stays kept.
    booking.user_notes = "Ring twice"
    booking.save(update_fields=["user_notes", "updated_at"])
    assert queries_of(lambda: free_times(service=service, area=area, day=day)) == 0


def test_booking_a_time_takes_it_away(patient, technician, service, area):
    day = visit_day()
    assert "10:00" in cached(service, area, day)
    services.booking_create(patient=patient, service=service, area=area, address="1 Road", start=at(day, 10))
    assert "10:00" not in cached(service, area, day)


@pytest.fixture
def booked(patient, technician, service, area):
    """A confirmed 10:00 visit of the only technician, once its day's times are in the cache."""
    booking = BookingFactory(
        confirmed=True,
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=at(visit_day(), 10),
    )
    assert "10:00" not in cached(service, area, visit_day())
    return booking


def test_cancelling_gives_the_time_back(booked, patient, service, area):
    services.booking_cancel(booking=booked, actor=patient, reason="Feeling better")
    assert "10:00" in cached(service, area, visit_day())


def test_rescheduling_frees_the_old_time_and_takes_the_new(booked, patient, service, area):
    assert "14:00" in cached(service, area, visit_day())
    services.booking_reschedule(booking=booked, start=at(visit_day(), 14), actor=patient)
    times = cached(service, area, visit_day())
    assert "10:00" in times
    assert "14:00" not in times


@pytest.fixture
def offered(patient, technician, service, area):
    """A pending 10:00 visit offered to the only technician, once its day's times are in the cache."""
    booking = services.booking_create(
        patient=patient, service=service, area=area, address="1 Road", start=at(visit_day(), 10)
    )
    assert booking.technician == technician
    assert "10:00" not in cached(service, area, visit_day())
    return booking


def test_declining_gives_the_time_back_when_nobody_else_holds_it(offered, technician, service, area):
    services.booking_decline(booking=offered, actor=technician.user, reason="Too far")
    assert "10:00" in cached(service, area, visit_day())


def test_an_expired_offer_gives_the_time_back_when_nobody_else_holds_it(offered, service, area):
    services.booking_expire_offer(booking=offered, now=offered.offered_at + timedelta(days=1))
    offered.refresh_from_db()
    assert offered.technician is None
    assert "10:00" in cached(service, area, visit_day())


def test_accepting_keeps_the_time_taken(offered, technician, service, area):
    services.booking_accept(booking=offered, actor=technician.user)
    assert "10:00" not in cached(service, area, visit_day())


def test_a_new_weekly_schedule_moves_the_times(technician, service, area):
    day = visit_day()
    assert "15:00" in cached(service, area, day)
    windows = [technician_services.Window(weekday=w, start=time(8), end=time(12)) for w in Weekday.values]
    technician_services.technician_set_schedule(technician=technician, windows=windows)
    assert cached(service, area, day)[-1] == "11:00"


def test_a_first_schedule_offers_times(service, area):
    """The schedule is written in bulk: from no window at all, nothing is deleted that could tell."""
    newcomer = TechnicianFactory(areas=[area])
    day = visit_day()
    assert cached(service, area, day) == []
    windows = [technician_services.Window(weekday=day.weekday(), start=time(9), end=time(11))]
    technician_services.technician_set_schedule(technician=newcomer, windows=windows)
    assert cached(service, area, day) == ["09:00", "09:30", "10:00"]


def test_a_window_edited_in_the_back_office_moves_the_times(technician, service, area):
    day = visit_day()
    assert "16:00" in cached(service, area, day)
    window = ScheduleWindow.objects.get(technician=technician, weekday=day.weekday())
    window.end_time = time(12)
    window.save()
    assert "16:00" not in cached(service, area, day)


def test_time_off_takes_the_times_and_taking_it_back_returns_them(technician, service, area):
    day = visit_day()
    assert cached(service, area, day)
    time_off = technician_services.technician_add_time_off(technician=technician, start_date=day, end_date=day)
    assert cached(service, area, day) == []
    technician_services.technician_delete_time_off(technician=technician, time_off=time_off)
    assert cached(service, area, day)


def test_time_off_entered_in_the_back_office_takes_the_times(technician, service, area):
    day = visit_day()
    assert cached(service, area, day)
    TimeOffFactory(technician=technician, start_date=day, end_date=day)
    assert cached(service, area, day) == []


@pytest.mark.parametrize(
    ("key", "value", "expect"),
    [
        pytest.param("booking_slot_minutes", 60, lambda times: "12:30" not in times, id="slot"),
        pytest.param("booking_buffer_minutes", 60, lambda times: "11:30" not in times, id="buffer"),
        pytest.param("booking_min_notice_hours", 168, lambda times: times == [], id="notice"),
        pytest.param("booking_horizon_days", 1, lambda times: times == [], id="horizon"),
    ],
)
def test_a_setting_change_shows_on_the_next_read(booked, service, area, key, value, expect):
    assert not expect(cached(service, area, visit_day()))
    setting = SystemSettings.objects.get(key=key)
    setting.value = str(value)
    setting.save()  # as the back office saves it
    assert expect(cached(service, area, visit_day()))
    clear_settings_cache()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda t, admin: technician_services.technician_unverify(technician=t, actor=admin), id="unverified"
        ),
        pytest.param(
            lambda t, admin: technician_services.technician_set_active(technician=t, actor=admin, active=False),
            id="suspended",
        ),
        pytest.param(
            lambda t, admin: technician_services.technician_set_available(technician=t, available=False),
            id="not-taking-jobs",
        ),
        pytest.param(lambda t, admin: t.service_areas.clear(), id="left-the-area"),
    ],
)
def test_a_technician_who_stops_taking_work_takes_their_times_along(technician, admin_user, service, area, change):
    day = visit_day()
    assert cached(service, area, day)
    change(technician, admin_user)
    assert cached(service, area, day) == []


def test_a_verified_technician_offers_their_times(unverified_technician, admin_user, service, area):
    day = visit_day()
    assert cached(service, area, day) == []
    technician_services.technician_verify(technician=unverified_technician, actor=admin_user)
    assert "08:00" in cached(service, area, day)


def test_a_deactivated_account_takes_its_times_along(technician, service, area):
    day = visit_day()
    assert cached(service, area, day)
    technician.user.is_active = False
    technician.user.save()
    assert cached(service, area, day) == []


# --- The page -------------------------------------------------------------------------------------


def new_url(service, **query):
    url = reverse("bookings:new", kwargs={"slug": service.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_form_opens_on_the_first_day_with_free_times(patient_client, service, area):
    later = visit_day(5)
    nurse = TechnicianFactory(areas=[area])
    give_weekly_schedule(nurse, weekdays=[later.weekday()])
    html = patient_client.get(new_url(service)).content.decode()
    assert f'value="{later.isoformat()}"' in html
    assert 'name="start"' in html
    assert "08:00" in html


def test_the_form_shows_the_next_days_that_have_times_with_their_counts(
    patient_client, patient, technician, service, area
):
    day = visit_day()
    # The next day is full: 08:00 to 18:00 taken by one long visit (no time), the day after has all its times.
    BookingFactory(
        confirmed=True,
        user=patient,
        technician=technician,
        service=service,
        start=at(day + timedelta(days=1), 8),
        duration_minutes=600,
    )
    html = patient_client.get(new_url(service, area=area.pk, date=day.isoformat())).content.decode()
    assert "Next days with free times" in html
    assert f"date={(day + timedelta(days=1)).isoformat()}" not in html
    after = day + timedelta(days=2)
    assert f"?area={area.pk}&amp;date={after.isoformat()}&amp;focus=times" in html
    assert "19 times" in html  # 08:00 to 17:00 every half hour


def test_a_day_without_times_points_to_the_next_days_that_have_some(patient_client, service, area):
    later = visit_day(5)
    nurse = TechnicianFactory(areas=[area])
    give_weekly_schedule(nurse, weekdays=[later.weekday()])
    html = patient_client.get(new_url(service, area=area.pk, date=visit_day(3).isoformat())).content.decode()
    assert "There are no free times on this day in this area." in html
    assert "Next days with free times" in html
    assert f"date={later.isoformat()}" in html
    assert 'name="start"' not in html


def test_htmx_gets_only_the_times_and_the_announcement(patient_client, technician, service, area):
    day = visit_day()
    response = patient_client.get(new_url(service, area=area.pk, date=day.isoformat()), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="free-times"')
    assert "<h1" not in html
    assert 'id="free-times-status" hx-swap-oob="innerHTML"' in html
    assert "19 free times on" in html
    assert "HX-Request" in response["Vary"]


def times_fragment(client, service, area, day) -> str:
    response = client.get(new_url(service, area=area.pk, date=day.isoformat()), headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def patient_browser(patient):
    """A patient's browser with the booking form open: it holds a CSRF cookie, so fragments are kept."""
    client = Client()
    client.force_login(patient)
    client.cookies["csrftoken"] = secrets.token_hex(16)
    return client


def test_the_times_fragment_is_kept_until_a_booking_takes_a_time(
    patient_browser, other_patient, technician, service, area
):
    day = visit_day()
    assert ">10:00</label>" in times_fragment(patient_browser, service, area, day)
    rendered = queries_of(lambda: times_fragment(patient_browser, service, area, day + timedelta(days=1)))

    # Kept: the session and the stamps of the service and the area, not the service, the area and the times.
    assert queries_of(lambda: times_fragment(patient_browser, service, area, day)) < rendered

    services.booking_create(patient=other_patient, service=service, area=area, address="2 Road", start=at(day, 10))

    assert ">10:00</label>" not in times_fragment(patient_browser, service, area, day)


def test_without_kept_answers_the_times_fragment_is_rendered_every_time(
    settings, patient_browser, technician, service, area
):
    settings.FREE_TIMES_CACHE = False
    day = visit_day()
    times_fragment(patient_browser, service, area, day)
    first = queries_of(lambda: times_fragment(patient_browser, service, area, day))

    assert queries_of(lambda: times_fragment(patient_browser, service, area, day)) == first


def test_the_heading_takes_the_focus_only_when_the_times_were_asked_for(patient_client, technician, service, area):
    query = {"area": area.pk, "date": visit_day().isoformat()}
    asked = patient_client.get(new_url(service, **query, focus="times")).content.decode()
    assert 'id="free-times-heading" tabindex="-1" autofocus' in asked
    opened = patient_client.get(new_url(service, **query)).content.decode()
    assert 'id="free-times-heading" tabindex="-1">' in opened


def test_htmx_shows_why_there_are_no_times_for_a_bad_date(patient_client, service, area):
    response = patient_client.get(new_url(service, area=area.pk, date="2020-01-06"), headers={"HX-Request": "true"})
    assert "Date: The earliest date you can book is" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"area": "99999999999999999999999", "date": "2030-01-01"},
        {"area": "-1"},
        {"date": "not-a-date"},
        {"area": "x", "date": ""},
    ],
)
def test_hostile_queries_get_a_page_not_an_error(patient_client, service, area, query):
    assert patient_client.get(new_url(service, **query)).status_code == 200
    assert patient_client.get(new_url(service, **query), headers={"HX-Request": "true"}).status_code == 200


def test_asking_for_times_with_a_get_changes_nothing(patient_client, patient, technician, service, area):
    """Even with everything a confirmation posts, a GET only shows times."""
    day = visit_day()
    query = {
        "area": area.pk,
        "date": day.isoformat(),
        "start": at(day, 10).isoformat(),
        "address": "1 Road",
        "payment_method": PaymentMethod.CASH,
        "request_token": uuid.uuid4(),
        "action": "confirm",
    }
    assert patient_client.get(new_url(service, **query)).status_code == 200
    assert not Booking.objects.exists()
    assert not Booking.objects.filter(status=BookingStatus.PENDING).exists()


def test_the_times_come_back_with_the_area_and_date_they_are_for(patient_client, technician, service, area):
    day = visit_day()
    html = patient_client.get(new_url(service, area=area.pk, date=day.isoformat())).content.decode()
    assert f'<input type="hidden" name="area" value="{area.pk}">' in html
    assert f'<input type="hidden" name="date" value="{day.isoformat()}">' in html
    # The visible fields ask with the GET form, so a POST carries only the hidden ones.
    assert 'form="free-times-query"' in html


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the range overlap and its GiST index exist on PostgreSQL only"
)
def test_the_busy_visits_are_found_through_the_index_of_active_visit_times(patient, technician, service, area):
    """The busy-visits query is the time-range GiST index's own expression and predicate: with
    sequential scans priced out (the test tables are tiny), PostgreSQL answers it from that index."""
    day = visit_day()
    BookingFactory(confirmed=True, user=patient, technician=technician, service=service, start=at(day, 10))
    with CaptureQueriesContext(connection) as captured:
        DayPlan(service=service, area=area, day=day).free_starts()
    (busy,) = [query["sql"] for query in captured if 'FROM "bookings_booking"' in query["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + busy)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "booking_active_time_idx" in plan
    assert "&&" in plan


def test_a_patient_whose_area_is_no_longer_served_chooses_another_without_an_error(patient_client, patient, service):
    patient.area.is_active = False
    patient.area.save()
    html = patient_client.get(new_url(service)).content.decode()
    assert "Select a valid choice" not in html
    assert 'name="start"' not in html
