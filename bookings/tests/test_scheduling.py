"""Free start times (DESIGN 4.2): who is eligible, on which grid, and across daylight-saving changes."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import BookingStatus, ServiceCategory
from bookings.scheduling import DayPlan
from bookings.tests.factories import BookingFactory, ServiceFactory
from homecure.base.system_settings import clear_settings_cache
from homecure.models import SystemSettings
from technicians.models import ScheduleWindow, Specialization, Weekday
from technicians.tests.factories import TechnicianFactory, TimeOffFactory, give_weekly_schedule

LONDON = ZoneInfo("Europe/London")
# A Wednesday well away from any daylight-saving change; `NOW` is two days earlier.
DAY = date(2027, 6, 16)
NOW = datetime(2027, 6, 14, 9, 0, tzinfo=LONDON)

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def at(hour, minute=0, day=DAY):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def wall_times(starts):
    return [s.astimezone(LONDON).strftime("%H:%M") for s in starts]


def set_setting(key, value):
    SystemSettings.objects.filter(key=key).update(value=str(value))
    clear_settings_cache()


def nurse(area, *windows, weekday=Weekday.WEDNESDAY, **kwargs):
    technician = TechnicianFactory(specialization=Specialization.NURSE, areas=[area], **kwargs)
    for start, end in windows:
        ScheduleWindow.objects.create(technician=technician, weekday=weekday, start_time=start, end_time=end)
    return technician


def free(service, area, day=DAY, now=NOW):
    return wall_times(DayPlan(service=service, area=area, day=day, now=now).free_starts())


@pytest.fixture
def visit(db):
    return ServiceFactory(category=ServiceCategory.NURSING, duration_minutes=60)


def test_window_gives_every_start_that_fits_on_the_grid(area, visit):
    nurse(area, (time(9), time(12)))
    assert free(visit, area) == ["09:00", "09:30", "10:00", "10:30", "11:00"]


def test_a_visit_that_would_run_past_the_end_of_a_window_is_not_offered(area):
    ninety = ServiceFactory(category=ServiceCategory.NURSING, duration_minutes=90)
    nurse(area, (time(9), time(11)))
    assert free(ninety, area) == ["09:00", "09:30"]


def test_break_between_two_windows_is_not_bookable(area, visit):
    nurse(area, (time(9), time(11)), (time(13), time(15)))
    assert free(visit, area) == ["09:00", "09:30", "10:00", "13:00", "13:30", "14:00"]


def test_windows_of_other_weekdays_do_not_count(area, visit):
    nurse(area, (time(9), time(12)), weekday=Weekday.THURSDAY)
    assert free(visit, area) == []


def test_time_off_covering_the_day_removes_the_technician(area, visit):
    technician = nurse(area, (time(9), time(12)))
    TimeOffFactory(technician=technician, start_date=DAY - timedelta(days=1), end_date=DAY)
    assert free(visit, area) == []


def test_time_off_on_other_days_changes_nothing(area, visit):
    technician = nurse(area, (time(9), time(11)))
    TimeOffFactory(technician=technician, start_date=DAY + timedelta(days=1), end_date=DAY + timedelta(days=3))
    assert free(visit, area) == ["09:00", "09:30", "10:00"]


def test_travel_buffer_is_kept_around_existing_visits(area, visit):
    technician = nurse(area, (time(8), time(16)))
    BookingFactory(
        technician=technician, service=visit, service_area=area, start=at(11), status=BookingStatus.CONFIRMED
    )
    # Visit 11:00-12:00 with a 30-minute buffer blocks starts whose visit would touch 10:30-12:30.
    assert free(visit, area) == [
        "08:00",
        "08:30",
        "09:00",
        "09:30",
        "12:30",
        "13:00",
        "13:30",
        "14:00",
        "14:30",
        "15:00",
    ]


def test_buffer_setting_is_read_at_run_time(area, visit):
    technician = nurse(area, (time(8), time(14)))
    BookingFactory(technician=technician, service=visit, service_area=area, start=at(11), status=BookingStatus.PENDING)
    set_setting("booking_buffer_minutes", 0)
    assert free(visit, area) == ["08:00", "08:30", "09:00", "09:30", "10:00", "12:00", "12:30", "13:00"]


@pytest.mark.parametrize("status", [BookingStatus.CANCELLED, BookingStatus.COMPLETED])
def test_inactive_bookings_do_not_block(area, visit, status):
    technician = nurse(area, (time(9), time(11)))
    BookingFactory(technician=technician, service=visit, service_area=area, start=at(9), status=status)
    assert free(visit, area) == ["09:00", "09:30", "10:00"]


def test_a_busy_technician_leaves_the_times_another_one_can_take(area, visit):
    busy = nurse(area, (time(9), time(11)))
    nurse(area, (time(10), time(12)))
    BookingFactory(technician=busy, service=visit, service_area=area, start=at(9), status=BookingStatus.CONFIRMED)
    assert free(visit, area) == ["10:00", "10:30", "11:00"]


def test_minimum_notice_hides_times_too_soon(area, visit):
    nurse(area, (time(8), time(14)))
    now = at(9, 10)
    # 2 hours of notice from 09:10: the first start on the grid is 11:30.
    assert free(visit, area, now=now) == ["11:30", "12:00", "12:30", "13:00"]


def test_horizon_limits_how_far_ahead(area, visit):
    far_day = NOW.date() + timedelta(days=31)
    nurse(area, (time(9), time(11)), weekday=far_day.weekday())
    assert free(visit, area, day=far_day) == []
    set_setting("booking_horizon_days", 40)
    assert free(visit, area, day=far_day) == ["09:00", "09:30", "10:00"]


def test_days_in_the_past_have_no_times(area, visit):
    nurse(area, (time(9), time(11)), weekday=(NOW.date() - timedelta(days=1)).weekday())
    assert free(visit, area, day=NOW.date() - timedelta(days=1)) == []


def test_area_mismatch(area, other_area, visit):
    nurse(other_area, (time(9), time(11)))
    assert free(visit, area) == []


def test_specialization_mismatch(area):
    physio = ServiceFactory(category=ServiceCategory.PHYSIOTHERAPY, duration_minutes=60)
    nurse(area, (time(9), time(11)))
    assert free(physio, area) == []


@pytest.mark.parametrize(
    "change",
    [
        {"is_verified": False},
        {"is_available": False},
        {"is_active": False},
    ],
    ids=["unverified", "unavailable", "suspended"],
)
def test_technicians_who_cannot_take_work_offer_no_times(area, visit, change):
    nurse(area, (time(9), time(11)), **change)
    assert free(visit, area) == []


def test_deactivated_user_offers_no_times(area, visit):
    technician = nurse(area, (time(9), time(11)))
    technician.user.is_active = False
    technician.user.save()
    assert free(visit, area) == []


def test_best_technician_first_fewest_visits_then_rating(area, visit):
    loaded = nurse(area, (time(8), time(18)), rating=Decimal("4.90"))
    good = nurse(area, (time(8), time(18)), rating=Decimal("4.80"))
    better = nurse(area, (time(8), time(18)), rating=Decimal("4.85"))
    BookingFactory(technician=loaded, service=visit, service_area=area, start=at(15), status=BookingStatus.CONFIRMED)
    plan = DayPlan(service=visit, area=area, day=DAY, now=NOW)
    assert plan.free_technicians(at(9)) == [better, good, loaded]


def test_spring_forward_day_skips_missing_wall_times_and_counts_real_minutes(area, visit):
    # On Sunday 28 March 2027 London clocks jump from 01:00 to 02:00.
    day = date(2027, 3, 28)
    now = datetime(2027, 3, 20, 9, 0, tzinfo=LONDON)
    nurse(area, (time(0), time(6)), weekday=day.weekday())
    starts = DayPlan(service=visit, area=area, day=day, now=now).free_starts()
    assert wall_times(starts) == ["00:00", "00:30", "02:00", "02:30", "03:00", "03:30", "04:00", "04:30", "05:00"]
    # 00:30 GMT to 02:00 BST is thirty real minutes.
    assert starts[2] - starts[1] == timedelta(minutes=30)


def test_fall_back_day_offers_each_wall_time_once(area, visit):
    # On Sunday 31 October 2027 London clocks go back from 02:00 to 01:00.
    day = date(2027, 10, 31)
    now = datetime(2027, 10, 20, 9, 0, tzinfo=LONDON)
    nurse(area, (time(0), time(4)), weekday=day.weekday())
    starts = DayPlan(service=visit, area=area, day=day, now=now).free_starts()
    assert wall_times(starts) == ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00"]
    assert starts == sorted(starts)


def test_a_booking_across_the_clock_change_blocks_by_real_time(area, visit):
    day = date(2027, 3, 28)
    now = datetime(2027, 3, 20, 9, 0, tzinfo=LONDON)
    technician = nurse(area, (time(0), time(6)), weekday=day.weekday())
    set_setting("booking_buffer_minutes", 0)
    # 00:30 GMT + 60 minutes ends at 02:30 BST.
    BookingFactory(
        technician=technician, service=visit, service_area=area, start=at(0, 30, day), status=BookingStatus.CONFIRMED
    )
    starts = DayPlan(service=visit, area=area, day=day, now=now).free_starts()
    assert wall_times(starts) == ["02:30", "03:00", "03:30", "04:00", "04:30", "05:00"]


def _plan_queries(service, area):
    with CaptureQueriesContext(connection) as queries:
        DayPlan(service=service, area=area, day=DAY, now=NOW).free_starts()
    return len(queries)


def test_free_times_run_a_fixed_number_of_queries(area, visit):
    nurse(area, (time(8), time(12)))
    _plan_queries(visit, area)  # loads the cached settings once
    small = _plan_queries(visit, area)
    for _ in range(30):
        technician = nurse(area, (time(8), time(12)), (time(13), time(18)))
        give_weekly_schedule(technician, weekdays=[Weekday.MONDAY])
        for hour in (8, 10, 14, 16):
            BookingFactory(
                technician=technician, service=visit, service_area=area, start=at(hour), status=BookingStatus.CONFIRMED
            )
    large = _plan_queries(visit, area)
    # Technicians with their windows of the day, then their bookings near the day.
    assert small == large == 2
