"""The technician portal's own pages as a technician uses them: schedule, time off, availability."""

import itertools
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.scheduling import DayPlan
from bookings.tests.factories import BookingFactory
from technicians.models import ScheduleWindow, TimeOff, Weekday
from technicians.tests.factories import ScheduleWindowFactory, TimeOffFactory

pytestmark = pytest.mark.django_db


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


# --- Weekly schedule ------------------------------------------------------------------------------------------


def schedule_post(rows, *, initial=0):
    data = {
        "window-TOTAL_FORMS": str(len(rows)),
        "window-INITIAL_FORMS": str(initial),
        "window-MIN_NUM_FORMS": "0",
        "window-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"window-{index}-{key}"] = value
    return data


def row(weekday, start, end, **extra):
    return {"weekday": str(weekday), "start_time": start, "end_time": end, **extra}


def test_schedule_editor_replaces_the_week_with_several_windows_a_day(technician_client, technician):
    response = technician_client.post(
        reverse("portal:schedule"),
        schedule_post(
            [
                row(Weekday.MONDAY, "08:00", "12:00"),
                row(Weekday.MONDAY, "13:00", "17:30"),
                row(Weekday.WEDNESDAY, "09:00", "15:00"),
                row("", "", ""),
            ]
        ),
        follow=True,
    )

    windows = list(
        ScheduleWindow.objects.filter(technician=technician).values_list("weekday", "start_time", "end_time")
    )
    assert "Your weekly schedule was saved. Visits already booked stay as they are." in messages_of(response)
    assert windows == [
        (Weekday.MONDAY, time(8), time(12)),
        (Weekday.MONDAY, time(13), time(17, 30)),
        (Weekday.WEDNESDAY, time(9), time(15)),
    ]


def test_schedule_editor_shows_the_current_windows(technician_client, technician):
    response = technician_client.get(reverse("portal:schedule"))

    formset = response.context["formset"]
    assert [form.initial["weekday"] for form in formset.initial_forms] == list(Weekday.values)
    assert 'value="08:00"' in response.content.decode()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([row(Weekday.MONDAY, "12:00", "08:00")], "The end must be later than the start (12:00)."),
        ([row(Weekday.MONDAY, "09:00", "09:00")], "The end must be later than the start (09:00)."),
        (
            [row(Weekday.TUESDAY, "08:00", "12:00"), row(Weekday.TUESDAY, "11:00", "14:00")],
            "This overlaps your Tuesday window 08:00 to 12:00.",
        ),
        (
            [row(Weekday.FRIDAY, "13:00", "15:00"), row(Weekday.FRIDAY, "08:00", "18:00")],
            "This overlaps your Friday window 08:00 to 18:00.",
        ),
        ([row(Weekday.MONDAY, "8 o'clock", "12:00")], "Enter a valid time."),
        ([row("9", "08:00", "12:00")], "Select a valid choice."),
    ],
)
def test_schedule_editor_explains_each_error_and_saves_nothing(technician_client, technician, rows, message):
    before = list(ScheduleWindow.objects.filter(technician=technician).values_list("pk", flat=True))

    response = technician_client.post(reverse("portal:schedule"), schedule_post(rows))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Your schedule was not saved." in response.content.decode()
    assert list(ScheduleWindow.objects.filter(technician=technician).values_list("pk", flat=True)) == before


def test_windows_that_only_touch_do_not_overlap(technician_client, technician):
    technician_client.post(
        reverse("portal:schedule"),
        schedule_post([row(Weekday.MONDAY, "08:00", "12:00"), row(Weekday.MONDAY, "12:00", "16:00")]),
    )

    assert ScheduleWindow.objects.filter(technician=technician).count() == 2


def test_removing_a_window_frees_that_time_for_patients(technician_client, technician, service, area):
    ScheduleWindow.objects.filter(technician=technician).delete()
    ScheduleWindowFactory(technician=technician, weekday=Weekday.MONDAY, start_time=time(8), end_time=time(12))
    monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday() + 7)
    assert DayPlan(service=service, area=area, day=monday).free_starts()

    technician_client.post(
        reverse("portal:schedule"), schedule_post([row(Weekday.MONDAY, "08:00", "12:00", DELETE="on")], initial=1)
    )

    assert DayPlan(service=service, area=area, day=monday).free_starts() == []


# --- Time off and availability --------------------------------------------------------------------------------


def test_time_off_is_added_and_keeps_the_days_free(technician_client, technician, service, area):
    day = timezone.localdate() + timedelta(days=5)
    response = technician_client.post(
        reverse("portal:time-off-add"),
        {"start_date": day.isoformat(), "end_date": (day + timedelta(days=1)).isoformat(), "reason": "Course"},
        follow=True,
    )

    assert TimeOff.objects.filter(technician=technician, start_date=day).exists()
    assert "Your time off was added; no new visits are offered to you on those days." in messages_of(response)
    assert DayPlan(service=service, area=area, day=day).free_starts() == []


def test_time_off_over_accepted_visits_warns_that_they_stay_booked(
    technician_client, technician, patient, service, area
):
    day = timezone.localdate() + timedelta(days=5)
    job(
        patient,
        technician,
        service,
        area,
        start=datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone()),
        confirmed=True,
    )

    response = technician_client.post(
        reverse("portal:time-off-add"), {"start_date": day.isoformat(), "end_date": day.isoformat()}, follow=True
    )

    assert any("You already have 1 accepted visit(s) on those days." in m for m in messages_of(response))


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (3, 1, "The last day must be on or after the first day."),
        (-1, 2, "Time off cannot start in the past."),
        (8, 9, "These days overlap your time off from"),
        ("", 2, "This field is required."),
    ],
)
def test_time_off_errors_are_explained(technician_client, technician, start, end, message):
    today = timezone.localdate()
    TimeOffFactory(technician=technician, start_date=today + timedelta(days=7), end_date=today + timedelta(days=9))

    response = technician_client.post(
        reverse("portal:time-off-add"),
        {
            "start_date": (today + timedelta(days=start)).isoformat() if start != "" else "",
            "end_date": (today + timedelta(days=end)).isoformat(),
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert TimeOff.objects.filter(technician=technician).count() == 1


def test_time_off_can_be_removed_by_its_owner_only(technician_client, technician, other_technician):
    mine = TimeOffFactory(technician=technician)
    theirs = TimeOffFactory(technician=other_technician)

    assert technician_client.post(reverse("portal:time-off-delete", args=[theirs.pk])).status_code == 404
    assert technician_client.post(reverse("portal:time-off-delete", args=[mine.pk])).status_code == 302
    assert list(TimeOff.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_the_available_switch_stops_and_resumes_new_jobs(technician_client, technician, service, area):
    day = timezone.localdate() + timedelta(days=3)
    technician_client.post(reverse("portal:availability"), {"available": "0"})
    technician.refresh_from_db()
    assert not technician.is_available
    assert DayPlan(service=service, area=area, day=day).free_starts() == []

    response = technician_client.post(reverse("portal:availability"), {"available": "1", "from": "dashboard"})
    technician.refresh_from_db()
    assert technician.is_available
    assert response.url == reverse("portal:dashboard")
    assert DayPlan(service=service, area=area, day=day).free_starts()
