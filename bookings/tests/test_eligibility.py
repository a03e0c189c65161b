"""Why a technician cannot take a visit (`scheduling.explain_eligibility`), as the back office reads it.

The explanation comes from the scheduler's own plan, so it must agree with the free times a patient
is offered: the last tests check that for every start of a day.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import ServiceAreaFactory
from bookings.models import ServiceCategory
from bookings.scheduling import DayPlan, Obstacle, Reason, explain_eligibility
from bookings.tests.factories import BookingFactory, ServiceFactory
from technicians.models import ScheduleWindow, Specialization, Weekday
from technicians.tests.factories import TechnicianFactory, TimeOffFactory

LONDON = ZoneInfo("Europe/London")
# A Wednesday; "now" is two days earlier.
DAY = date(2027, 6, 16)
NOW = datetime(2027, 6, 14, 9, 0, tzinfo=LONDON)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def at(hour, minute=0):
    return datetime.combine(DAY, time(hour, minute), tzinfo=LONDON)


def nurse(area, name, *, hours=(time(8), time(18)), weekday=Weekday.WEDNESDAY, **kwargs):
    technician = TechnicianFactory(
        specialization=Specialization.NURSE, areas=[area], user__first_name=name, user__last_name="Nurse", **kwargs
    )
    ScheduleWindow.objects.create(technician=technician, weekday=weekday, start_time=hours[0], end_time=hours[1])
    return technician


@pytest.fixture
def visit(db):
    return ServiceFactory(category=ServiceCategory.NURSING, duration_minutes=60)


@pytest.fixture
def waiting(visit, area):
    """A nursing visit on Wednesday at 10:00 in `area`, waiting for a technician."""
    return BookingFactory(technician=None, service=visit, service_area=area, start=at(10))


def explained(booking):
    return {c.technician.user.first_name: [str(r) for r in c.reasons] for c in explain_eligibility(booking, now=NOW)}


def test_a_free_technician_is_eligible_with_nothing_in_the_way(waiting, area):
    nurse(area, "Free")

    (candidate,) = explain_eligibility(waiting, now=NOW)

    assert candidate.is_eligible and candidate.reasons == ()


def test_a_technician_of_another_area_is_not_in_the_area(waiting):
    nurse(ServiceAreaFactory(name="Hackney"), "Elsewhere")

    assert explained(waiting) == {"Elsewhere": ["not in the area"]}


def test_a_technician_without_a_window_covering_the_visit_is_not_working_then(waiting, area):
    nurse(area, "Afternoon", hours=(time(13), time(18)))
    nurse(area, "Early", hours=(time(7), time(10, 30)))
    nurse(area, "Thursday", weekday=Weekday.THURSDAY)

    assert explained(waiting) == {
        "Afternoon": ["not working then"],
        "Early": ["not working then"],
        "Thursday": ["not working then"],
    }


def test_a_technician_with_a_visit_then_is_busy_with_its_reference(waiting, visit, area):
    technician = nurse(area, "Busy")
    # 11:00 is inside the travel buffer after a 10:00-11:00 visit.
    BookingFactory(
        reference="HC-CLASH001", technician=technician, service=visit, service_area=area, start=at(11), confirmed=True
    )

    (candidate,) = explain_eligibility(waiting, now=NOW)

    assert candidate.reasons == (Reason(Obstacle.BUSY, clash="HC-CLASH001"),)
    assert candidate.explanation == "busy with HC-CLASH001"
    assert not candidate.can_override


def test_cancelled_visits_do_not_make_anyone_busy(waiting, visit, area):
    technician = nurse(area, "Free")
    BookingFactory(technician=technician, service=visit, service_area=area, start=at(10), cancelled=True)

    assert explained(waiting) == {"Free": []}


def test_a_technician_on_time_off_that_day_is_on_time_off(waiting, area):
    technician = nurse(area, "Holiday")
    TimeOffFactory(technician=technician, start_date=DAY - timedelta(days=2), end_date=DAY)

    assert explained(waiting) == {"Holiday": ["on time off"]}


def test_a_technician_taking_no_new_jobs_is_not_available(waiting, area):
    nurse(area, "Paused", is_available=False)

    assert explained(waiting) == {"Paused": ["not available for new jobs"]}


def test_every_obstacle_is_named_and_all_but_a_clash_may_be_overridden(waiting, visit):
    technician = nurse(ServiceAreaFactory(), "Everything", hours=(time(13), time(18)), is_available=False)
    TimeOffFactory(technician=technician, start_date=DAY, end_date=DAY)
    BookingFactory(reference="HC-CLASH002", technician=technician, service=visit, start=at(10), confirmed=True)

    (candidate,) = explain_eligibility(waiting, now=NOW)

    assert candidate.explanation == (
        "not in the area, not working then, on time off, not available for new jobs, busy with HC-CLASH002"
    )
    assert [reason.overridable for reason in candidate.reasons] == [True, True, True, True, False]


@pytest.mark.parametrize(
    "change",
    [{"is_verified": False}, {"is_active": False}, {"user__is_active": False}],
    ids=["unverified", "suspended", "account closed"],
)
def test_technicians_who_may_not_work_are_never_listed(waiting, area, change):
    nurse(area, "Listed")
    nurse(area, "Hidden", **change)

    assert explained(waiting) == {"Listed": []}


def test_technicians_of_another_specialization_are_never_listed(waiting, area):
    physio = nurse(area, "Physio")
    physio.specialization = Specialization.PHYSIOTHERAPIST
    physio.save()

    assert explain_eligibility(waiting, now=NOW) == []


def test_free_technicians_come_first_best_first_then_overridable_then_busy(waiting, visit, area):
    busy = nurse(area, "Busy")
    BookingFactory(technician=busy, service=visit, service_area=area, start=at(10), confirmed=True)
    nurse(ServiceAreaFactory(), "Twice", hours=(time(13), time(18)))
    nurse(ServiceAreaFactory(), "Once")
    nurse(area, "Good", rating=Decimal("4.50"))
    nurse(area, "Better", rating=Decimal("4.90"))

    assert list(explained(waiting)) == ["Better", "Good", "Once", "Twice", "Busy"]


def test_the_booking_itself_does_not_make_its_technician_busy(visit, area):
    technician = nurse(area, "Assigned")
    booking = BookingFactory(technician=technician, service=visit, service_area=area, start=at(10), confirmed=True)

    assert explained(booking) == {"Assigned": []}


def test_a_visit_whose_start_has_passed_has_nobody_to_explain(waiting, area):
    nurse(area, "Free")

    assert explain_eligibility(waiting, now=at(10, 1)) == []


def test_the_explanation_agrees_with_the_free_times_at_every_start_of_the_day(visit, area):
    nurse(area, "Morning", hours=(time(8), time(12)))
    afternoon = nurse(area, "Afternoon", hours=(time(12), time(18)))
    BookingFactory(technician=afternoon, service=visit, service_area=area, start=at(15), confirmed=True)
    nurse(ServiceAreaFactory(), "Elsewhere")
    TimeOffFactory(technician=nurse(area, "Holiday"), start_date=DAY, end_date=DAY)
    plan = DayPlan(service=visit, area=area, day=DAY, now=NOW)

    for hour in range(6, 20):
        start = at(hour)
        booking = BookingFactory.build(technician=None, service=visit, service_area=area, start=start)
        eligible = [c.technician for c in explain_eligibility(booking, now=NOW) if c.is_eligible]
        assert eligible == plan.free_technicians(start), start


def test_the_explanation_runs_a_fixed_number_of_queries(waiting, visit, area):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            explain_eligibility(waiting, now=NOW)
        return len(captured)

    nurse(area, "First")
    queries()  # loads the cached settings once
    small = queries()
    for n in range(20):
        technician = nurse(area if n % 2 else ServiceAreaFactory(), f"Nurse{n}")
        TimeOffFactory(technician=technician, start_date=DAY, end_date=DAY)
        BookingFactory(technician=technician, service=visit, service_area=area, start=at(14), confirmed=True)

    assert queries() == small == 2
