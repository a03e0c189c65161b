"""What the clock does to bookings (`booking_expire_offer`, `booking_lapse` and their jobs): offers
that expire and move on or go to the office, visits that lapse, and acceptance refused once it is
too late.

Every case is a row of a table over (status, how long ago, who is left), run by calling the
services with `now=`. The visit is on Wednesday 16 June 2027 at 10:00 London time; `technician`
(Nadia) holds the offer and `other_technician` (Otto), when present and free, is the next one to
ask. Settings are the defaults: 60 minutes to accept, 2 hours' minimum notice, a check-in window
of 60 minutes.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import payments, services
from bookings.models import (
    Booking,
    BookingDecline,
    BookingStatus,
    BookingStatusHistory,
    MissedVisit,
    PaymentMethod,
    PaymentStatus,
)
from bookings.payments import PaymentProvider, PaymentResult
from bookings.tests.factories import BookingDeclineFactory, BookingFactory
from homecure.models import AdminLog
from notifications.models import Notification, Priority

LONDON = ZoneInfo("Europe/London")
DAY = date(2027, 6, 16)
START = datetime.combine(DAY, time(10, 0), tzinfo=LONDON)
H = timedelta(hours=1)
M = timedelta(minutes=1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def refunds(monkeypatch):
    """The payment provider, recording each refund it is asked for."""
    made = []

    class Recording(PaymentProvider):
        def charge(self, **kwargs):
            return PaymentResult(ok=True, transaction_id="T-1")

        def refund(self, **kwargs):
            made.append(kwargs)
            return PaymentResult(ok=True, transaction_id="R-1")

    monkeypatch.setattr(payments, "get_provider", Recording)
    return made


def offer(patient, technician, service, area, *, offered_at, status=BookingStatus.PENDING, **fields):
    traits = {} if status == BookingStatus.PENDING else {status: True}
    return BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=START,
        offered_at=offered_at,
        **traits,
        **fields,
    )


def leave(who, other_technician, booking, service, area):
    """Make the case's "who is left": Otto free, Otto declined it already, or Otto busy then."""
    if who == "nobody":
        BookingDeclineFactory(booking=booking, technician=other_technician, reason="Away that day")
    elif who == "busy":
        BookingFactory(technician=other_technician, service=service, service_area=area, start=START, confirmed=True)


def names(booking):
    return booking.technician.user.first_name if booking.technician else None


def titles(user):
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


# (case, offered relative to the start, now relative to the start, who is left,
#  who holds the offer afterwards, whether Nadia let it pass)
EXPIRY = [
    ("answered in time: nothing moves", -26 * H, -26 * H + 59 * M, "other", "Nadia", False),
    ("expired: re-offered like a decline", -26 * H, -26 * H + 60 * M, "other", "Otto", True),
    ("expired after an outage: re-offered once", -26 * H, -5 * H, "other", "Otto", True),
    ("expired, the only other declined: the office", -26 * H, -25 * H, "nobody", None, True),
    ("expired, the only other busy: the office", -26 * H, -25 * H, "busy", None, True),
    ("the minimum notice caps the offer: the office", -150 * M, -120 * M, "other", None, True),
    ("within the notice, not yet at it: nothing moves", -150 * M, -121 * M, "other", "Nadia", False),
    ("an admin's late offer runs its minutes, then the office", -100 * M, -40 * M, "other", None, True),
    ("an admin's late offer still running: nothing moves", -100 * M, -41 * M, "other", "Nadia", False),
    ("start passed: left to the lapse", -26 * H, 1 * M, "other", "Nadia", False),
]


@pytest.mark.parametrize(
    ("offered", "now", "who", "holder", "let_pass"), [row[1:] for row in EXPIRY], ids=[row[0] for row in EXPIRY]
)
def test_offer_expiry(
    patient, technician, other_technician, admin_user, service, area, offered, now, who, holder, let_pass
):
    booking = offer(patient, technician, service, area, offered_at=START + offered)
    leave(who, other_technician, booking, service, area)

    services.offers_expire_due(now=START + now)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING
    assert names(booking) == holder
    passed = BookingDecline.objects.filter(booking=booking, technician=technician, reason="Offer expired")
    assert passed.exists() == let_pass
    if holder == "Otto":
        assert booking.offered_at == START + now
        assert titles(other_technician.user) == ["New visit request"]
    if let_pass:
        assert "A visit offer expired" in titles(technician.user)
        assert BookingStatusHistory.objects.filter(booking=booking, note__contains="expired unanswered").count() == 1
    if let_pass and holder is None:
        assert booking.offered_at is None
        office = Notification.objects.get(user=admin_user)
        assert (office.title, office.priority) == ("A booking needs a technician", Priority.HIGH)
        assert titles(patient) == ["We are still finding a technician"]
    else:
        assert not Notification.objects.filter(user=admin_user).exists()


def test_an_expired_offer_is_never_offered_again_to_who_let_it_pass(
    patient, technician, other_technician, service, area
):
    booking = offer(patient, technician, service, area, offered_at=START - 30 * H)

    services.offers_expire_due(now=START - 29 * H)
    services.offers_expire_due(now=START - 28 * H)

    booking.refresh_from_db()
    assert names(booking) is None
    assert set(booking.declines.values_list("technician__user__first_name", "reason")) == {
        ("Nadia", "Offer expired"),
        ("Otto", "Offer expired"),
    }


def test_the_next_technician_is_told_until_when_they_may_answer(patient, technician, other_technician, service, area):
    booking = offer(patient, technician, service, area, offered_at=START - 26 * H)

    services.offers_expire_due(now=START - 25 * H)

    request = Notification.objects.get(user=other_technician.user)
    assert request.priority == Priority.HIGH
    assert "The offer is open until Tuesday 15 June at 10:00." in request.message
    assert reverse("portal:job", args=[booking.reference]) == request.action_url


# (case, status, now relative to the start, extra fields, status afterwards, flagged, missed)
LAPSE = [
    ("pending, not started: nothing", BookingStatus.PENDING, -1 * M, {}, BookingStatus.PENDING, False, False),
    ("pending at its start: cancelled", BookingStatus.PENDING, 0 * M, {}, BookingStatus.CANCELLED, False, False),
    ("pending, days later: cancelled once", BookingStatus.PENDING, 72 * H, {}, BookingStatus.CANCELLED, False, False),
    ("confirmed, check-in open: nothing", BookingStatus.CONFIRMED, 60 * M, {}, BookingStatus.CONFIRMED, False, False),
    ("confirmed, window closed: flagged", BookingStatus.CONFIRMED, 61 * M, {}, BookingStatus.CONFIRMED, True, False),
    (
        "confirmed, a day later: cancelled as missed",
        BookingStatus.CONFIRMED,
        24 * H,
        {},
        BookingStatus.CANCELLED,
        True,
        True,
    ),
    ("in progress: nothing", BookingStatus.IN_PROGRESS, 48 * H, {}, BookingStatus.IN_PROGRESS, False, False),
]


@pytest.mark.parametrize(
    ("status", "now", "fields", "after", "flagged", "missed"), [row[1:] for row in LAPSE], ids=[row[0] for row in LAPSE]
)
def test_lapse(patient, technician, admin_user, service, area, status, now, fields, after, flagged, missed):
    booking = offer(patient, technician, service, area, offered_at=START - 26 * H, status=status, **fields)

    services.bookings_lapse_due(now=START + now)

    booking.refresh_from_db()
    assert booking.status == after
    assert (booking.not_attended_at is not None) == flagged
    assert MissedVisit.objects.filter(booking=booking, technician=technician).exists() == missed
    if after == BookingStatus.CANCELLED:
        assert booking.cancelled_at == START + now
        expected = "Not attended: nobody checked in to the visit." if missed else "No technician accepted in time."
        assert booking.cancellation_reason == expected
        assert booking.history.last().note == expected
        assert booking.history.last().changed_by is None
        assert titles(patient) == ["Your visit was cancelled"]
        assert AdminLog.objects.filter(action="booking_lapsed", entity_id=str(booking.pk)).count() == 1
    if flagged and not missed:
        office = Notification.objects.get(user=admin_user)
        assert (office.title, office.priority) == ("A visit was not attended", Priority.HIGH)
        assert booking.history.last().note == "Not attended: nobody checked in by 11:00."
    if missed:
        assert "A visit was recorded as missed" in titles(technician.user)


def test_a_flagged_visit_is_told_to_the_office_once_then_lapses_a_day_after_its_start(
    patient, technician, admin_user, service, area
):
    booking = offer(patient, technician, service, area, offered_at=START - 26 * H, status=BookingStatus.CONFIRMED)

    for minutes in (61, 62, 120, 23 * 60):
        services.bookings_lapse_due(now=START + minutes * M)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.not_attended_at == START + 61 * M
    assert titles(admin_user) == ["A visit was not attended"]

    services.bookings_lapse_due(now=START + 24 * H)
    services.bookings_lapse_due(now=START + 25 * H)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.not_attended_at == START + 61 * M
    assert MissedVisit.objects.get(booking=booking).technician == technician
    assert titles(admin_user) == ["A visit was not attended"]


@pytest.mark.parametrize("status", [BookingStatus.PENDING, BookingStatus.CONFIRMED])
def test_a_lapsed_online_payment_is_refunded_and_the_patient_told(patient, technician, service, area, refunds, status):
    booking = offer(
        patient,
        technician,
        service,
        area,
        offered_at=START - 26 * H,
        status=status,
        payment_method=PaymentMethod.ONLINE,
        payment_status=PaymentStatus.PAID,
    )

    services.bookings_lapse_due(now=START + 25 * H)
    services.bookings_lapse_due(now=START + 26 * H)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.payment_status == PaymentStatus.REFUNDED
    assert [refund["reference"] for refund in refunds] == [booking.reference]
    assert Notification.objects.get(user=patient).message.endswith("Your online payment was refunded.")


def test_a_refused_refund_leaves_the_visit_for_the_next_run(patient, technician, service, area, monkeypatch):
    class Refusing(PaymentProvider):
        def refund(self, **kwargs):
            return PaymentResult(ok=False, message="Gateway down")

    monkeypatch.setattr(payments, "get_provider", Refusing)
    booking = offer(
        patient,
        technician,
        service,
        area,
        offered_at=START - 26 * H,
        payment_method=PaymentMethod.ONLINE,
        payment_status=PaymentStatus.PAID,
    )

    assert services.bookings_lapse_due(now=START + M) == 0

    booking.refresh_from_db()
    assert (booking.status, booking.payment_status) == (BookingStatus.PENDING, PaymentStatus.PAID)


# --- accepting too late -------------------------------------------------------------------------------------------


def test_the_technician_cannot_accept_after_the_offer_expired(patient, technician, service, area):
    booking = offer(patient, technician, service, area, offered_at=START - 26 * H)

    with pytest.raises(services.NotAllowed) as refusal:
        services.booking_accept(booking=booking, actor=technician.user, now=START - 25 * H)

    assert refusal.value.code == "offer_expired"
    assert refusal.value.message == "The time to accept this visit ran out at 09:00: it has been passed on."
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.PENDING


def test_the_technician_may_accept_until_the_last_minute_of_the_offer(patient, technician, service, area):
    booking = offer(patient, technician, service, area, offered_at=START - 26 * H)

    services.booking_accept(booking=booking, actor=technician.user, now=START - 25 * H - M)

    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


def test_an_offer_never_runs_past_the_minimum_notice(patient, technician, service, area):
    booking = offer(patient, technician, service, area, offered_at=START - 150 * M)

    with pytest.raises(services.NotAllowed) as refusal:
        services.booking_accept(booking=booking, actor=technician.user, now=START - 2 * H)

    assert refusal.value.code == "offer_expired"


def test_an_administrator_may_confirm_for_the_technician_until_the_start(
    patient, technician, admin_user, service, area
):
    booking = offer(patient, technician, service, area, offered_at=START - 26 * H)

    services.booking_accept(booking=booking, actor=admin_user, now=START - M)

    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED


@pytest.mark.parametrize("who", ["technician", "admin"])
def test_nobody_can_accept_after_the_start(patient, technician, admin_user, service, area, who):
    booking = offer(patient, technician, service, area, offered_at=START - 26 * H)
    actor = technician.user if who == "technician" else admin_user

    with pytest.raises(services.NotAllowed) as refusal:
        services.booking_accept(booking=booking, actor=actor, now=START)

    assert refusal.value.code == "visit_started"
    assert refusal.value.message == "This visit was due to start already: it can no longer be accepted."


def test_the_job_page_says_until_when_to_answer_and_refuses_a_late_acceptance(
    technician_client, patient, technician, service, area
):
    start = timezone.now() + 26 * H
    booking = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=start,
        offered_at=timezone.now() - 61 * M,
    )
    deadline = timezone.localtime(booking.offered_at + 60 * M)

    page = technician_client.get(reverse("portal:job", args=[booking.reference])).content.decode()
    response = technician_client.post(reverse("portal:accept", args=[booking.reference]), follow=True)

    assert f"Please answer by {deadline:%A} {deadline.day} {deadline:%B, %H:%M}" in page
    assert (
        f"The time to accept this visit ran out at {deadline:%H:%M}: it has been passed on."
        in response.content.decode()
    )
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.PENDING


def test_a_new_booking_and_a_decline_start_the_offer_clock(patient, technician, other_technician, service, area):
    now = START - 48 * H
    booking = services.booking_create(
        patient=patient, service=service, area=area, address="1 Camden Road", start=START, now=now
    )
    assert booking.offered_at == now

    holder = booking.technician
    later = now + 10 * M
    booking = services.booking_decline(booking=booking, actor=holder.user, reason="Car in the garage", now=later)

    assert booking.technician not in (None, holder)
    assert booking.offered_at == later
