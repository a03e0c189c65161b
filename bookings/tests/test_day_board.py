"""The day board: where visits sit on the axis, the travel buffer around them, lanes so that no two
visits are ever drawn over each other, the waiting lane, late markers, its query budget, and the
back-office page that shows it."""

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import PatientFactory
from bookings.day_board import day_board
from bookings.models import BookingStatus
from bookings.tests.factories import BookingFactory
from homecure.base.system_settings import clear_settings_cache
from homecure.models import SystemSettings
from technicians.tests.factories import TechnicianFactory, TimeOffFactory, give_weekly_schedule

pytestmark = pytest.mark.django_db

BOARD = reverse("admin:bookings_booking_day_board")


def _at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def day():
    return timezone.localdate() + timedelta(days=2)


def set_setting(key, value):
    SystemSettings.objects.filter(key=key).update(value=str(value))
    clear_settings_cache()


def test_a_visit_sits_under_its_hours_with_the_travel_buffer_around_it(technician, patient, service, area, day):
    set_setting("booking_buffer_minutes", 30)
    BookingFactory(
        user=patient, technician=technician, service=service, service_area=area, start=_at(day, 10), confirmed=True
    )

    board = day_board(day=day, area=area)

    # The axis runs 08:00-18:00 (600 minutes): 10:00 is 120 minutes in, a 60-minute visit is 1/10 wide.
    assert (board.axis.first_minute, board.axis.last_minute) == (8 * 60, 18 * 60)
    [row] = board.rows
    [visit] = row.visits
    assert row.technician == technician
    assert visit.left == pytest.approx(20, abs=0.001)
    assert visit.width == pytest.approx(10, abs=0.001)
    assert (visit.buffer_before.start_minute, visit.buffer_before.end_minute) == (9 * 60 + 30, 10 * 60)
    assert (visit.buffer_after.start_minute, visit.buffer_after.end_minute) == (11 * 60, 11 * 60 + 30)
    assert visit.initials == "P.P."
    assert visit.description == "10:00 P.P. Nurse home visit, until 11:00, Confirmed"
    # The working window 08:00-18:00 is drawn behind.
    assert [(w.start_minute, w.end_minute) for w in row.windows] == [(8 * 60, 18 * 60)]
    assert row.hours_label == "08:00-18:00"


def test_the_axis_stretches_to_whole_hours_around_an_early_visit(technician, patient, service, area, day):
    BookingFactory(user=patient, technician=technician, service=service, service_area=area, start=_at(day, 6, 30))

    board = day_board(day=day, area=area, now=_at(day, 2))

    assert board.axis.first_minute == 6 * 60
    assert board.now_left is None  # 02:00 is off the axis: no "now" line pinned to its edge
    assert board.rows[0].visits[0].left == pytest.approx(100 * 30 / (12 * 60), abs=0.001)


def test_overlapping_visits_of_one_technician_are_never_drawn_over_each_other(technician, service, area, day):
    # An override or older data can leave one technician with visits that overlap in time.
    starts = [_at(day, 9), _at(day, 9, 30), _at(day, 10), _at(day, 12)]
    for start in starts:
        BookingFactory(
            technician=technician, service=service, service_area=area, start=start, status=BookingStatus.COMPLETED
        )

    [row] = day_board(day=day, area=area).rows

    assert row.lanes == 2
    placed = sorted(row.visits, key=lambda v: v.start_minute)
    assert [v.lane for v in placed] == [0, 1, 0, 0]
    for one in row.visits:
        for other in row.visits:
            if one is not other and one.lane == other.lane:
                assert one.end_minute <= other.start_minute or other.end_minute <= one.start_minute
    assert placed[1].y > placed[0].y


def test_a_visit_closer_to_the_previous_one_than_the_travel_buffer_is_marked(technician, service, area, day):
    set_setting("booking_buffer_minutes", 30)
    BookingFactory(technician=technician, service=service, service_area=area, start=_at(day, 9), confirmed=True)
    BookingFactory(technician=technician, service=service, service_area=area, start=_at(day, 10, 15), confirmed=True)
    BookingFactory(technician=technician, service=service, service_area=area, start=_at(day, 12), confirmed=True)

    visits = sorted(day_board(day=day, area=area).rows[0].visits, key=lambda v: v.start_minute)

    assert [v.tight for v in visits] == [False, True, False]
    assert "less travel time than the buffer before it" in visits[1].description


def test_unassigned_and_escalated_visits_wait_for_the_office_and_late_ones_are_marked(
    technician, patient, service, area, other_area, day
):
    now = _at(day, 11)
    unassigned = BookingFactory(user=patient, service=service, service_area=area, start=_at(day, 14))
    BookingFactory(service=service, service_area=other_area, start=_at(day, 14))  # another area: not on this board
    late = BookingFactory(
        technician=technician, service=service, service_area=area, start=_at(day, 10, 30), confirmed=True
    )
    escalated = BookingFactory(
        technician=technician,
        service=service,
        service_area=area,
        start=_at(day, 8),
        confirmed=True,
        not_attended_at=now,
    )
    BookingFactory(technician=technician, service=service, service_area=area, start=_at(day, 16), cancelled=True)

    board = day_board(day=day, area=area, now=now)

    assert [v.booking for v in board.waiting] == [escalated, unassigned]
    row_visits = {v.booking: v for v in board.rows[0].visits}
    assert set(row_visits) == {late, escalated}
    assert row_visits[late].late and not row_visits[late].escalated
    assert row_visits[escalated].escalated
    assert row_visits[late].description.startswith("Late 10:30 ")
    assert row_visits[late].marks == ["late to check in"]
    assert row_visits[escalated].description.startswith("Not checked in 08:00 ")
    assert row_visits[escalated].marks == ["nobody checked in, office told"]
    assert board.now_left == pytest.approx(30, abs=0.001)  # 11:00 on an 08:00-18:00 axis
    assert board.find(unassigned.pk).booking == unassigned
    assert board.find(10**18) is None


def test_a_technicians_visit_elsewhere_shows_on_their_row(technician, service, area, other_area, day):
    there = BookingFactory(
        technician=technician, service=service, service_area=other_area, start=_at(day, 9), confirmed=True
    )

    [row] = day_board(day=day, area=area).rows

    assert [v.booking for v in row.visits] == [there]
    assert row.visits[0].elsewhere
    assert row.visits[0].subline == f"Nurse home visit · {other_area}"
    assert row.visits[0].marks == [f"in {other_area}"]


def test_rows_are_the_technicians_working_in_the_area_that_day(technician, other_technician, area, other_area, day):
    TimeOffFactory(technician=other_technician, start_date=day, end_date=day)
    elsewhere = TechnicianFactory(areas=[other_area])
    give_weekly_schedule(elsewhere)
    no_hours = TechnicianFactory(areas=[area])

    assert [row.technician for row in day_board(day=day, area=area).rows] == [technician]
    everywhere = {row.technician for row in day_board(day=day).rows}
    assert everywhere == {technician, elsewhere}
    assert no_hours not in everywhere


def _fill(area, service, day, technicians, visits_each):
    for _ in range(technicians):
        nurse = TechnicianFactory(areas=[area])
        give_weekly_schedule(nurse)
        for n in range(visits_each):
            BookingFactory(
                user=PatientFactory(),
                technician=nurse,
                service=service,
                service_area=area,
                start=_at(day, 8 + n),
                confirmed=True,
            )
    BookingFactory(service=service, service_area=area, start=_at(day, 9))


def _queries(**kwargs):
    with CaptureQueriesContext(connection) as captured:
        board = day_board(**kwargs)
        [v.description for v in board.visits]
    return len(captured)


def test_the_board_costs_the_same_queries_for_1_and_for_12_technicians(service, area, day):
    _fill(area, service, day, technicians=1, visits_each=1)
    day_board(day=day, area=area)  # the settings are cached from here on
    few = _queries(day=day, area=area)
    _fill(area, service, day, technicians=11, visits_each=6)
    many = _queries(day=day, area=area)

    assert few == many
    assert many <= 4


def test_the_page_costs_the_same_queries_for_few_and_many_visits(admin_client, service, area, day):
    params = {"day": day.isoformat(), "area": area.pk}
    _fill(area, service, day, technicians=1, visits_each=1)
    admin_client.get(BOARD, params)  # settings and the session are cached from here on
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(BOARD, params).status_code == 200
    _fill(area, service, day, technicians=10, visits_each=5)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(BOARD, params)

    assert response.status_code == 200
    assert len(few) == len(many)
    assert response.content.decode().count('class="hc-visit ') == 1 + 1 + 10 * 5 + 1


def test_the_page_shows_the_chosen_visit_with_its_actions(admin_client, technician, patient, service, area, day):
    booking = BookingFactory(
        user=patient, technician=technician, service=service, service_area=area, start=_at(day, 10), confirmed=True
    )

    response = admin_client.get(BOARD, {"day": day.isoformat(), "area": area.pk, "visit": booking.pk})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Paula Patient" in page
    assert reverse("admin:bookings_booking_change", args=[booking.pk]) in page
    assert reverse("admin:bookings_booking_assign", args=[booking.pk]) + "?next=" in page
    assert reverse("admin:bookings_booking_cancel", args=[booking.pk]) + "?next=" in page
    assert "Reassign technician" in page


@pytest.mark.parametrize(
    "params",
    [
        {"day": "not a day", "area": "x", "visit": "abc"},
        {"day": "9999-12-31", "visit": str(2**64)},
        {"day": "0001-01-01", "visit": "-1"},
        {"area": str(2**70)},
        {"day": "2026-02-30", "visit": "1e3"},
    ],
)
def test_bad_values_fall_back_to_today_without_an_error_page(admin_client, params):
    response = admin_client.get(BOARD, params)

    assert response.status_code == 200
    assert timezone.localdate().strftime("%Y-%m-%d") in response.content.decode()


def test_a_day_far_away_is_refused_with_a_message(admin_client):
    response = admin_client.get(BOARD, {"day": "2999-01-01"})

    assert "Choose a day within ten years of today." in response.content.decode()


def test_the_board_is_for_administrators_only(client, patient_client, technician_client):
    assert client.get(BOARD).status_code == 302
    assert patient_client.get(BOARD).status_code == 302
    assert technician_client.get(BOARD).status_code == 302
    assert "login" in client.get(BOARD)["Location"]


def test_the_board_answers_only_get(admin_client):
    assert admin_client.post(BOARD).status_code == 405


def test_reassigning_from_the_board_comes_back_to_the_board(admin_client, technician, other_technician, service, area):
    start = _at(timezone.localdate() + timedelta(days=3), 10)
    booking = BookingFactory(technician=technician, service=service, service_area=area, start=start)
    back = f"{BOARD}?day={start.date().isoformat()}&visit={booking.pk}"
    url = reverse("admin:bookings_booking_assign", args=[booking.pk])

    response = admin_client.post(f"{url}?{urlencode({'next': back})}", {"technician": other_technician.pk})

    assert response.status_code == 302
    assert response["Location"] == back
    booking.refresh_from_db()
    assert booking.technician == other_technician


def test_an_action_never_sends_the_office_elsewhere_than_the_board(admin_client, technician, service, area):
    booking = BookingFactory(technician=technician, service=service, service_area=area, confirmed=True)
    url = reverse("admin:bookings_booking_cancel", args=[booking.pk])

    response = admin_client.post(f"{url}?next=https://example.org{BOARD}", {"reason": "Patient in hospital"})

    assert response["Location"] == reverse("admin:bookings_booking_change", args=[booking.pk])
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_the_dashboard_links_to_the_board(admin_client):
    assert BOARD in admin_client.get(reverse("admin:index")).content.decode()
