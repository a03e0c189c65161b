"""Care plans (visit series): the dates of a rule, the proposal, confirmation, acceptance, cancellation, the job."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import series as plans
from bookings.models import Booking, BookingStatus, SeriesRepeat, ServiceCategory, VisitSeries
from bookings.services import BookingError, NotAllowed
from bookings.tests.factories import BookingFactory, ServiceFactory
from homecure.base.system_settings import clear_settings_cache
from homecure.models import SystemSettings
from technicians.models import Specialization, Weekday
from technicians.tests.factories import TechnicianFactory, TimeOffFactory, give_weekly_schedule

LONDON = ZoneInfo("Europe/London")
# A Monday well away from any daylight-saving change; `NOW` is the Friday before.
FIRST = date(2027, 6, 14)
NOW = datetime(2027, 6, 11, 9, 0, tzinfo=LONDON)
TEN = time(10, 0)
TWICE_A_WEEK = plans.RepeatRule(repeat=SeriesRepeat.WEEKDAYS, weekdays=(Weekday.MONDAY, Weekday.THURSDAY), count=6)

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def set_setting(key, value):
    SystemSettings.objects.filter(key=key).update(value=str(value))
    clear_settings_cache()


@pytest.fixture
def physio(db):
    return ServiceFactory(
        name="Physiotherapy session",
        category=ServiceCategory.PHYSIOTHERAPY,
        price=Decimal("65.00"),
        duration_minutes=45,
    )


def physiotherapist(area, rating="4.50", **kwargs):
    technician = TechnicianFactory(
        specialization=Specialization.PHYSIOTHERAPIST, areas=[area], rating=Decimal(rating), **kwargs
    )
    give_weekly_schedule(technician, start=time(8), end=time(18))
    return technician


def at(day, wall=TEN):
    return datetime.combine(day, wall, tzinfo=LONDON)


def propose(physio, area, days, now=NOW, **kwargs):
    return plans.series_propose(service=physio, area=area, days=days, wall=TEN, now=now, **kwargs)


def request_for(physio, area, rule=TWICE_A_WEEK, first=FIRST):
    return plans.SeriesRequest(service=physio, area=area, address="1 Camden Road", first_day=first, wall=TEN, rule=rule)


# --- Dates -----------------------------------------------------------------------------------------------------


def test_every_other_day_gives_count_dates():
    rule = plans.RepeatRule(repeat=SeriesRepeat.EVERY_N_DAYS, interval_days=2, count=4)
    assert plans.series_dates(FIRST, rule) == [FIRST + timedelta(days=n) for n in (0, 2, 4, 6)]


def test_chosen_weekdays_until_an_end_date():
    rule = plans.RepeatRule(repeat=SeriesRepeat.WEEKDAYS, weekdays=(0, 3), until=date(2027, 6, 28))
    assert plans.series_dates(FIRST, rule) == [
        date(2027, 6, 14),
        date(2027, 6, 17),
        date(2027, 6, 21),
        date(2027, 6, 24),
        date(2027, 6, 28),
    ]


def test_a_plan_never_has_more_than_series_max_visits():
    set_setting("series_max_visits", 5)
    rule = plans.RepeatRule(repeat=SeriesRepeat.EVERY_N_DAYS, interval_days=1, count=50)
    assert len(plans.series_dates(FIRST, rule)) == 5


# --- The proposal ----------------------------------------------------------------------------------------------


def test_one_technician_free_on_every_date_takes_them_all(physio, area):
    best = physiotherapist(area, rating="4.90")
    physiotherapist(area, rating="4.10")
    proposal = propose(physio, area, plans.series_dates(FIRST, TWICE_A_WEEK))
    assert proposal.one_technician
    assert [v.technician for v in proposal.visits] == [best] * 6
    assert [v.local_start.time() for v in proposal.visits] == [TEN] * 6


def test_split_over_two_technicians_when_nobody_is_free_for_all(physio, area):
    anna = physiotherapist(area, rating="4.90")
    ben = physiotherapist(area, rating="4.10")
    days = plans.series_dates(FIRST, TWICE_A_WEEK)
    TimeOffFactory(technician=anna, start_date=days[4], end_date=days[5])
    TimeOffFactory(technician=ben, start_date=days[0], end_date=days[1])
    proposal = propose(physio, area, days)
    assert [v.technician for v in proposal.visits] == [anna, anna, anna, anna, ben, ben]
    assert proposal.technicians == [anna, ben]
    assert not proposal.problems


def test_a_date_nobody_is_free_on_comes_with_the_nearest_alternatives(physio, area):
    anna = physiotherapist(area)
    days = plans.series_dates(FIRST, TWICE_A_WEEK)
    BookingFactory(technician=anna, service=physio, service_area=area, start=at(days[2]), confirmed=True)
    proposal = propose(physio, area, days)
    problem = proposal.problems
    assert [v.day for v in problem] == [days[2]]
    assert problem[0].problem == "Nobody is free at this time."
    alternatives = [timezone_wall(a.start) for a in problem[0].alternatives]
    # 45 minutes plus 30 of travel either side: 08:30 is the latest before, 11:30 the earliest after.
    assert alternatives == [
        (days[2] - timedelta(days=1), TEN),
        (days[2], time(8, 30)),
        (days[2], time(11, 30)),
        (days[2] + timedelta(days=1), TEN),
    ]
    assert all(a.technician == anna for a in problem[0].alternatives)


def timezone_wall(moment):
    local = moment.astimezone(LONDON)
    return local.date(), local.time()


def test_a_chosen_alternative_is_placed_and_the_rest_keep_their_time(physio, area):
    anna = physiotherapist(area)
    days = plans.series_dates(FIRST, TWICE_A_WEEK)
    BookingFactory(technician=anna, service=physio, service_area=area, start=at(days[2]), confirmed=True)
    moved_to = at(days[2], time(11, 30))
    proposal = propose(physio, area, days, moves={days[2]: moved_to})
    assert not proposal.problems
    assert proposal.visits[2].moved and proposal.visits[2].start == moved_to


def test_daylight_saving_change_inside_the_plan_keeps_the_wall_clock_time(physio, area):
    physiotherapist(area)
    rule = plans.RepeatRule(repeat=SeriesRepeat.EVERY_N_DAYS, interval_days=7, count=3)
    days = plans.series_dates(date(2027, 10, 24), rule)  # the clocks go back on 31 October 2027
    proposal = propose(physio, area, days, now=datetime(2027, 10, 20, 9, tzinfo=LONDON))
    assert [v.local_start.strftime("%d %H:%M %Z") for v in proposal.visits] == [
        "24 10:00 BST",
        "31 10:00 GMT",
        "07 10:00 GMT",
    ]
    assert [v.start.hour for v in proposal.visits] == [9, 10, 10]  # UTC
    assert not proposal.problems


def test_a_wall_time_the_clocks_skip_is_a_problem_of_that_date(physio, area):
    night = TechnicianFactory(specialization=Specialization.PHYSIOTHERAPIST, areas=[area])
    give_weekly_schedule(night, start=time(0), end=time(6))
    rule = plans.RepeatRule(repeat=SeriesRepeat.EVERY_N_DAYS, interval_days=7, count=2)
    days = plans.series_dates(date(2027, 3, 21), rule)  # the clocks go forward at 01:00 on 28 March 2027
    proposal = plans.series_propose(
        service=physio, area=area, days=days, wall=time(1, 30), now=datetime(2027, 3, 18, 9, tzinfo=LONDON)
    )
    assert [v.day for v in proposal.problems] == [date(2027, 3, 28)]
    assert "does not exist" in proposal.problems[0].problem


def test_dates_past_the_booking_horizon_are_placed_later(physio, area):
    set_setting("booking_horizon_days", 14)
    physiotherapist(area)
    rule = plans.RepeatRule(repeat=SeriesRepeat.EVERY_N_DAYS, interval_days=7, count=4)
    days = plans.series_dates(FIRST, rule)  # 14, 21, 28 June, 5 July; the horizon ends on 25 June
    proposal = propose(physio, area, days)
    assert [v.day for v in proposal.visits] == days[:2]
    assert proposal.later == days[2:]


def test_proposal_queries_do_not_grow_with_visits_or_technicians(physio, area):
    def count(visits, technicians):
        while len(physio_team) < technicians:
            physio_team.append(physiotherapist(area))
        rule = plans.RepeatRule(repeat=SeriesRepeat.EVERY_N_DAYS, interval_days=2, count=visits)
        days = plans.series_dates(FIRST, rule)
        with CaptureQueriesContext(connection) as queries:
            propose(physio, area, days)
        return len(queries)

    physio_team = []
    few = count(3, 5)
    assert count(12, 5) == few
    assert count(3, 50) == few
    assert count(12, 50) == few


# --- Confirmation ----------------------------------------------------------------------------------------------


def test_confirming_books_every_visit_as_its_own_booking(patient, physio, area):
    anna = physiotherapist(area)
    request = request_for(physio, area)
    series = plans.series_create(patient=patient, request=request, proposal=request.propose(now=NOW), now=NOW)
    visits = list(series.visits.order_by("scheduled_start"))
    assert len(visits) == 6 == series.visit_count
    assert {v.technician for v in visits} == {anna}
    assert {v.status for v in visits} == {BookingStatus.PENDING}
    assert len({v.reference for v in visits}) == 6
    assert {v.total_amount for v in visits} == {Decimal("65.00")} and series.price_per_visit == Decimal("65.00")
    assert [v.local_start.strftime("%a %H:%M") for v in visits] == ["Mon 10:00", "Thu 10:00"] * 3


def test_a_visit_lost_at_confirmation_books_nothing_and_names_the_date(patient, physio, area):
    anna = physiotherapist(area)
    request = request_for(physio, area)
    proposal = request.propose(now=NOW)
    BookingFactory(technician=anna, service=physio, service_area=area, start=proposal.visits[3].start)
    with pytest.raises(plans.SeriesSlotsTaken) as lost:
        plans.series_create(patient=patient, request=request, proposal=proposal, now=NOW)
    assert lost.value.days == [proposal.visits[3].day]
    assert not VisitSeries.objects.exists()
    assert Booking.objects.filter(user=patient).count() == 0


def test_a_resubmitted_confirmation_finds_the_plan_it_made(patient, physio, area):
    physiotherapist(area)
    request = request_for(physio, area)
    token = "7a0f7b8e-5a53-4f4a-9a55-2f6f3c2d9b11"
    first = plans.series_create(
        patient=patient, request=request, proposal=request.propose(now=NOW), request_token=token
    )
    again = plans.series_create(
        patient=patient, request=request, proposal=request.propose(now=NOW), request_token=token
    )
    assert again == first and Booking.objects.filter(user=patient).count() == 6


def test_a_plan_with_nothing_to_book_is_refused(patient, physio, area):
    request = request_for(physio, area)
    with pytest.raises(BookingError):
        plans.series_create(patient=patient, request=request, proposal=request.propose(now=NOW), now=NOW)


# --- Accepting and cancelling ----------------------------------------------------------------------------------


@pytest.fixture
def plan(patient, physio, area):
    anna = physiotherapist(area)
    request = request_for(physio, area)
    series = plans.series_create(patient=patient, request=request, proposal=request.propose(now=NOW), now=NOW)
    return series, anna


def test_technician_accepts_the_plan_as_a_whole(plan):
    series, anna = plan
    accepted, refused = plans.series_accept(series=series, actor=anna.user, now=NOW)
    assert (accepted, refused) == (6, [])
    assert set(series.visits.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}
    assert all(v.qr_code_data for v in series.visits.all())


def test_another_technician_accepts_nothing_of_the_plan(plan, area):
    series, _anna = plan
    other = physiotherapist(area)
    assert plans.series_accept(series=series, actor=other.user, now=NOW) == (0, [])
    assert set(series.visits.values_list("status", flat=True)) == {BookingStatus.PENDING}


def test_patient_cancels_this_and_all_later_visits(plan, patient):
    series, _anna = plan
    visits = list(series.visits.order_by("scheduled_start"))
    cancelled, left = plans.series_cancel(booking=visits[4], actor=patient, reason="Feeling better", now=NOW)
    assert [v.pk for v in cancelled] == [visits[4].pk, visits[5].pk] and left == []
    statuses = list(series.visits.order_by("scheduled_start").values_list("status", flat=True))
    assert statuses == [BookingStatus.PENDING] * 4 + [BookingStatus.CANCELLED] * 2


def test_visits_past_their_cancellation_deadline_are_left(plan, patient):
    series, anna = plan
    plans.series_accept(series=series, actor=anna.user, now=NOW)
    visits = list(series.visits.order_by("scheduled_start"))
    late = visits[0].scheduled_start - timedelta(hours=2)  # within 24 hours of the first visit
    cancelled, left = plans.series_cancel(booking=visits[0], actor=patient, reason="Moving away", now=late)
    assert [v.pk for v in left] == [visits[0].pk]
    assert len(cancelled) == 5


def test_another_patient_cannot_cancel_a_plan(plan, other_patient):
    series, _anna = plan
    with pytest.raises(NotAllowed):
        plans.series_cancel(booking=series.visits.first(), actor=other_patient, reason="x", now=NOW)
    assert not series.visits.filter(status=BookingStatus.CANCELLED).exists()


def test_administrator_cancels_one_visit_only(plan, admin_user):
    series, _anna = plan
    first = series.visits.order_by("scheduled_start").first()
    cancelled, _left = plans.series_cancel(booking=first, actor=admin_user, reason="Office", later=False, now=NOW)
    assert [v.pk for v in cancelled] == [first.pk]
    assert series.visits.filter(status=BookingStatus.CANCELLED).count() == 1


# --- Later dates -----------------------------------------------------------------------------------------------


def test_the_job_books_later_dates_with_the_plans_technician_as_the_horizon_moves(patient, physio, area):
    set_setting("booking_horizon_days", 14)
    anna = physiotherapist(area, rating="4.10")
    request = request_for(
        physio, area, rule=plans.RepeatRule(repeat=SeriesRepeat.EVERY_N_DAYS, interval_days=7, count=4)
    )
    series = plans.series_create(patient=patient, request=request, proposal=request.propose(now=NOW), now=NOW)
    assert series.visits.count() == 2 and series.later_dates == ["2027-06-28", "2027-07-05"]
    physiotherapist(area, rating="4.90")  # better rated, but the plan keeps its technician
    assert plans.series_place_due(now=NOW + timedelta(days=4)) == 1
    assert plans.series_place_due(now=NOW + timedelta(days=4)) == 0
    series.refresh_from_db()
    assert series.later_dates == ["2027-07-05"]
    newest = series.visits.order_by("-scheduled_start").first()
    assert newest.technician == anna and newest.local_start == at(date(2027, 6, 28))
