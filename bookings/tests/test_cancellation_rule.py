"""Free cancellation that is fair to short-notice bookings: while no technician has accepted, within
`booking_grace_minutes` of booking, and otherwise until `booking_cancellation_hours` before the start;
the pages never name a deadline earlier than the moment the booking was made, and the review step
says the rule before the patient confirms.

The visit is on Wednesday 16 June 2027 at 10:00 London time.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, timezone

from bookings import services
from bookings.models import Booking, BookingStatus
from bookings.tests.factories import BookingFactory
from bookings.tests.test_views import reach_review, visit_day
from homecure.tests.factories import SystemSettingsFactory

LONDON = ZoneInfo("Europe/London")
START = datetime.combine(date(2027, 6, 16), time(10, 0), tzinfo=LONDON)
LONG_AGO = START - timedelta(days=10)
SHORT_NOTICE = START - timedelta(hours=5)  # booked after the 24-hour deadline had passed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def booked(patient, technician, service, area, *, status, at):
    traits = {status: True} if status != BookingStatus.PENDING else {}
    booking = BookingFactory(
        user=patient, technician=technician, service=service, service_area=area, start=START, **traits
    )
    Booking.objects.filter(pk=booking.pk).update(created_at=at)
    booking.refresh_from_db()
    return booking


RULE = [
    # (status, booked at, now, the patient may cancel)
    ("pending", LONG_AGO, START - timedelta(hours=48), True),
    ("pending", LONG_AGO, START - timedelta(hours=3), True),
    ("pending", SHORT_NOTICE, SHORT_NOTICE + timedelta(hours=1), True),
    ("confirmed", LONG_AGO, START - timedelta(hours=48), True),
    ("confirmed", LONG_AGO, START - timedelta(hours=24), True),
    ("confirmed", LONG_AGO, START - timedelta(hours=24) + timedelta(seconds=1), False),
    ("confirmed", LONG_AGO, START - timedelta(hours=3), False),
    ("confirmed", SHORT_NOTICE, SHORT_NOTICE + timedelta(minutes=10), True),
    ("confirmed", SHORT_NOTICE, SHORT_NOTICE + timedelta(minutes=15), True),
    ("confirmed", SHORT_NOTICE, SHORT_NOTICE + timedelta(minutes=16), False),
    ("in_progress", SHORT_NOTICE, SHORT_NOTICE + timedelta(minutes=1), False),
    ("completed", LONG_AGO, START - timedelta(hours=48), False),
    ("cancelled", LONG_AGO, START - timedelta(hours=48), False),
]


@pytest.mark.parametrize(("status", "booked_at", "now", "may_cancel"), RULE)
def test_when_the_patient_may_cancel(patient, technician, service, area, status, booked_at, now, may_cancel):
    booking = booked(patient, technician, service, area, status=status, at=booked_at)

    assert services.can_cancel(booking, patient, now=now) is may_cancel
    assert services.can_reschedule(booking, patient, now=now) is may_cancel
    if may_cancel:
        services.booking_cancel(booking=booking, actor=patient, reason="Plans changed", now=now)
        assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED
    elif status != BookingStatus.CANCELLED:  # cancelling again is a quiet repeat, not a refusal
        with pytest.raises(services.NotAllowed):
            services.booking_cancel(booking=booking, actor=patient, reason="Plans changed", now=now)


def test_the_grace_follows_its_setting(patient, technician, service, area):
    SystemSettingsFactory(key="booking_grace_minutes", value="60")
    booking = booked(patient, technician, service, area, status="confirmed", at=SHORT_NOTICE)

    assert services.can_cancel(booking, patient, now=SHORT_NOTICE + timedelta(minutes=59))
    assert not services.can_cancel(booking, patient, now=SHORT_NOTICE + timedelta(minutes=61))


def test_the_deadline_is_never_earlier_than_the_booking(patient, technician, other_technician, service, area):
    long_ago = booked(patient, technician, service, area, status="confirmed", at=LONG_AGO)
    short_notice = booked(patient, other_technician, service, area, status="confirmed", at=SHORT_NOTICE)

    assert services.cancellation_deadline(long_ago) == START - timedelta(hours=24)
    assert services.cancellation_deadline(short_notice) == SHORT_NOTICE + timedelta(minutes=15)


@pytest.mark.parametrize(
    ("pending", "booked_at", "now", "sentence"),
    [
        (
            True,
            LONG_AGO,
            LONG_AGO,
            "You can cancel free of charge until Tuesday 15 June 2027, 10:00, and after that for as long as no "
            "technician has accepted the visit.",
        ),
        (
            True,
            SHORT_NOTICE,
            SHORT_NOTICE,
            "You can cancel free of charge until Wednesday 16 June 2027, 05:15, and after that for as long as no "
            "technician has accepted the visit.",
        ),
        (
            True,
            SHORT_NOTICE,
            SHORT_NOTICE + timedelta(hours=1),
            "You can cancel free of charge for as long as no technician has accepted the visit.",
        ),
        (False, LONG_AGO, LONG_AGO, "You can cancel free of charge until Tuesday 15 June 2027, 10:00."),
        (False, SHORT_NOTICE, SHORT_NOTICE, "You can cancel free of charge until Wednesday 16 June 2027, 05:15."),
        (False, LONG_AGO, START - timedelta(hours=3), ""),
    ],
)
def test_the_rule_in_one_sentence(pending, booked_at, now, sentence):
    assert services.cancellation_terms(start=START, booked_at=booked_at, pending=pending, now=now) == sentence


def _deadline_text(moment):
    return formats.date_format(timezone.localtime(moment), "l j F Y, H:i")


def test_the_review_step_states_the_rule_before_the_patient_confirms(patient_client, service, area, technician):
    review = reach_review(patient_client, service, area, visit_day())
    start = review.context["form"].cleaned_data["start"]

    expected = _deadline_text(start - timedelta(hours=24))
    assert (
        f"You can cancel free of charge until {expected}, and after that for as long as no technician has "
        "accepted the visit."
    ) in review.content.decode()


def test_a_short_notice_booking_page_names_a_deadline_after_the_booking(
    patient_client, patient, technician, service, area
):
    booking = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() + timedelta(hours=3),
        confirmed=True,
    )

    html = patient_client.get(booking.get_absolute_url()).content.decode()

    deadline = services.cancellation_deadline(booking)
    assert deadline > booking.created_at
    assert f"You can cancel free of charge until {_deadline_text(deadline)}." in html
    assert "Online cancellation closed" not in html


def test_a_pending_booking_page_says_it_can_be_cancelled_until_a_technician_accepts(
    patient_client, patient, technician, service, area
):
    booking = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=timezone.now() + timedelta(hours=3),
    )
    Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - timedelta(days=1))

    html = patient_client.get(booking.get_absolute_url()).content.decode()

    assert "You can cancel free of charge for as long as no technician has accepted the visit." in html
    assert 'name="reason"' in html
