from datetime import date, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.tests.factories import ServiceAreaFactory
from technicians.models import ScheduleWindow, Specialization, Technician, TimeOff, Weekday
from technicians.tests.factories import ScheduleWindowFactory, TechnicianFactory, TimeOffFactory

pytestmark = pytest.mark.django_db


def test_license_number_is_unique():
    TechnicianFactory(license_number="NMC-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        TechnicianFactory(license_number="NMC-1")


def test_unconfirmed_sign_ups_may_share_a_licence_number_that_nobody_holds():
    TechnicianFactory(license_number="NMC-1", holds_license=False)
    TechnicianFactory(license_number="NMC-1", holds_license=False)
    TechnicianFactory(license_number="NMC-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        TechnicianFactory(license_number="NMC-1")


def test_a_user_has_one_technician_profile():
    technician = TechnicianFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        TechnicianFactory(user=technician.user)


@pytest.mark.parametrize("rating", [Decimal("-0.01"), Decimal("5.01")])
def test_database_refuses_a_rating_outside_0_to_5(rating):
    technician = TechnicianFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Technician.objects.filter(pk=technician.pk).update(rating=rating)


@pytest.mark.parametrize("rating", [Decimal("0"), Decimal("5")])
def test_ratings_at_the_ends_of_the_scale_are_kept(rating):
    technician = TechnicianFactory(rating=rating)

    technician.refresh_from_db()
    assert technician.rating == rating


@pytest.mark.parametrize("start, end", [(time(18, 0), time(8, 0)), (time(9, 0), time(9, 0))])
def test_schedule_window_must_start_before_it_ends(start, end):
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduleWindowFactory(start_time=start, end_time=end)


def test_form_validation_explains_a_backwards_schedule_window():
    window = ScheduleWindow(
        technician=TechnicianFactory(), weekday=Weekday.MONDAY, start_time=time(18), end_time=time(8)
    )

    with pytest.raises(ValidationError):
        window.full_clean()


def test_time_off_may_be_a_single_day_but_not_end_before_it_starts():
    one_day = TimeOffFactory(start_date=date(2026, 12, 24), end_date=date(2026, 12, 24))

    with pytest.raises(IntegrityError), transaction.atomic():
        TimeOffFactory(technician=one_day.technician, start_date=date(2026, 12, 24), end_date=date(2026, 12, 23))


def test_verified_available_technician_can_receive_jobs():
    assert TechnicianFactory().can_receive_jobs is True


@pytest.mark.parametrize(
    "overrides",
    [{"is_verified": False}, {"is_active": False}, {"is_available": False}, {"user__is_active": False}],
    ids=["unverified", "suspended", "unavailable", "account disabled"],
)
def test_technician_cannot_receive_jobs_unless_every_flag_is_on(overrides):
    assert TechnicianFactory(**overrides).can_receive_jobs is False


@pytest.mark.parametrize(
    "overrides",
    [{"is_verified": False}, {"is_active": False}, {"user__is_active": False}, {"user__role": "patient"}],
    ids=["unverified", "suspended", "account disabled", "not a technician account"],
)
def test_technician_does_not_work_unless_verified_active_with_an_open_technician_account(overrides):
    technician = TechnicianFactory(**overrides)

    assert technician.is_working is False
    assert not Technician.objects.working().filter(pk=technician.pk).exists()


def test_unavailable_technician_still_works_on_accepted_visits_but_takes_no_new_ones():
    technician = TechnicianFactory(is_available=False)

    assert (technician.is_working, technician.can_receive_jobs) == (True, False)
    assert list(Technician.objects.working()) == [technician]
    assert not Technician.objects.taking_jobs().exists()


def test_service_areas_are_a_relation():
    camden, hackney = ServiceAreaFactory(name="Camden"), ServiceAreaFactory(name="Hackney")

    technician = TechnicianFactory(areas=[camden, hackney])

    assert list(technician.service_areas.order_by("name")) == [camden, hackney]
    assert list(camden.technicians.all()) == [technician]


def test_deleting_the_user_removes_the_technician_profile_and_schedule():
    window = ScheduleWindowFactory()

    window.technician.user.delete()

    assert not Technician.objects.exists()
    assert not ScheduleWindow.objects.exists()


def test_str_of_each_model():
    technician = TechnicianFactory(
        user__first_name="Nadia", user__last_name="Nurse", specialization=Specialization.PHYSIOTHERAPIST
    )
    window = ScheduleWindowFactory(technician=technician, weekday=Weekday.WEDNESDAY, start_time=time(8, 30))
    time_off = TimeOffFactory(technician=technician, start_date=date(2026, 8, 3), end_date=date(2026, 8, 7))

    assert str(technician) == "Nadia Nurse (Physiotherapist)"
    assert str(window) == "Wednesday 08:30-18:00"
    assert str(time_off) == "Nadia Nurse (Physiotherapist): 2026-08-03 - 2026-08-07"


def test_choices():
    assert Specialization.values == ["nurse", "physiotherapist", "lab_technician"]
    assert [day.label for day in Weekday] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert Weekday.values == list(range(7))


def test_time_off_is_ordered_by_first_day():
    technician = TechnicianFactory()
    later = TimeOffFactory(technician=technician, start_date=date(2026, 9, 1), end_date=date(2026, 9, 2))
    earlier = TimeOffFactory(technician=technician, start_date=date(2026, 8, 1), end_date=date(2026, 8, 2))

    assert list(TimeOff.objects.filter(technician=technician)) == [earlier, later]
