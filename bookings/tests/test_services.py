"""Booking transitions (DESIGN 4): who may do what from which state, and what the database keeps.

The clock is passed to the services as `now=`, so every case below happens at a known moment:
the visit is on Wednesday 16 June 2027 at 10:00 London time and "now" is two days earlier unless
a test says otherwise.
"""

import base64
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bookings import services
from bookings.models import (
    Booking,
    BookingDecline,
    BookingStatus,
    CheckInFailure,
    CheckInMethod,
    PaymentMethod,
    PaymentStatus,
)
from bookings.payments import PaymentProvider, PaymentResult
from bookings.tests.factories import BookingFactory
from earnings.models import TechnicianEarnings
from homecure.models import AdminLog
from homecure.tests.factories import SystemSettingsFactory
from notifications.models import Notification
from technicians.models import Technician
from technicians.tests.factories import TechnicianFactory, give_weekly_schedule

LONDON = ZoneInfo("Europe/London")
DAY = date(2027, 6, 16)
START = datetime.combine(DAY, time(10, 0), tzinfo=LONDON)
BEFORE_DEADLINE = START - timedelta(hours=48)
AFTER_DEADLINE = START - timedelta(hours=3)
AT_THE_DOOR = START - timedelta(minutes=10)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def set_setting(key, value):
    SystemSettingsFactory(key=key, value=str(value))


def row(booking):
    """Everything the database holds for the booking, to compare before and after a refused action."""
    return Booking.objects.filter(pk=booking.pk).values().get()


def make_booking(patient, technician, service, area, state=BookingStatus.PENDING, start=START, **kwargs):
    traits = {} if state == BookingStatus.PENDING else {state: True}
    return BookingFactory(
        user=patient, technician=technician, service=service, service_area=area, start=start, **traits, **kwargs
    )


# --- The transition table -------------------------------------------------------------------------

PENDING, CONFIRMED, IN_PROGRESS, COMPLETED, CANCELLED = (
    BookingStatus.PENDING,
    BookingStatus.CONFIRMED,
    BookingStatus.IN_PROGRESS,
    BookingStatus.COMPLETED,
    BookingStatus.CANCELLED,
)
STATES = [PENDING, CONFIRMED, IN_PROGRESS, COMPLETED, CANCELLED]
ACTORS = ["patient", "other_patient", "technician", "other_technician", "unverified_technician", "admin_user"]
REFUSED = "refused"
NOOP = "noop"  # already in the target state: returns quietly, writes nothing


def _everyone_refused():
    return dict.fromkeys(STATES, REFUSED)


def _table():
    """(action, actor) -> {from state: resulting status, NOOP or REFUSED}; `technician` is the assigned one."""
    table = {(action, actor): _everyone_refused() for action in ACTIONS for actor in ACTORS}
    table["accept", "technician"].update({PENDING: CONFIRMED, CONFIRMED: NOOP})
    table["accept", "admin_user"].update({PENDING: CONFIRMED, CONFIRMED: NOOP})
    table["decline", "technician"].update({PENDING: PENDING, CONFIRMED: PENDING})
    table["check_in", "technician"].update({CONFIRMED: IN_PROGRESS, IN_PROGRESS: NOOP})
    table["complete", "technician"].update({IN_PROGRESS: COMPLETED, COMPLETED: NOOP})
    table["complete", "admin_user"].update({IN_PROGRESS: COMPLETED, COMPLETED: NOOP})
    table["cancel", "patient"].update({PENDING: CANCELLED, CONFIRMED: CANCELLED, CANCELLED: NOOP})
    # "Admins can always cancel": also a visit that has started (the technician cannot finish it).
    table["cancel", "admin_user"].update(
        {PENDING: CANCELLED, CONFIRMED: CANCELLED, IN_PROGRESS: CANCELLED, CANCELLED: NOOP}
    )
    table["assign", "admin_user"].update({PENDING: PENDING, CONFIRMED: PENDING})
    return table


def _accept(booking, actor, ctx):
    return services.booking_accept(booking=booking, actor=actor, now=BEFORE_DEADLINE)


def _decline(booking, actor, ctx):
    return services.booking_decline(booking=booking, actor=actor, reason="Car broke down", now=BEFORE_DEADLINE)


def _check_in(booking, actor, ctx):
    return services.booking_check_in(booking=booking, actor=actor, now=AT_THE_DOOR)


def _complete(booking, actor, ctx):
    return services.booking_complete(booking=booking, actor=actor, now=START + timedelta(hours=1))


def _cancel(booking, actor, ctx):
    return services.booking_cancel(booking=booking, actor=actor, reason="Feeling better", now=BEFORE_DEADLINE)


def _assign(booking, actor, ctx):
    return services.booking_assign(
        booking=booking, technician=ctx["other_technician"], actor=actor, now=BEFORE_DEADLINE
    )


ACTIONS = {
    "accept": _accept,
    "decline": _decline,
    "check_in": _check_in,
    "complete": _complete,
    "cancel": _cancel,
    "assign": _assign,
}
TABLE = _table()
CASES = [
    pytest.param(actor, state, action, TABLE[action, actor][state], id=f"{actor}-{action}-{state}")
    for action in ACTIONS
    for actor in ACTORS
    for state in STATES
]


@pytest.mark.parametrize(("actor_name", "state", "action", "expected"), CASES)
def test_transition_table(
    request,
    actor_name,
    state,
    action,
    expected,
    patient,
    technician,
    other_technician,
    unverified_technician,
    service,
    area,
):
    booking = make_booking(patient, technician, service, area, state)
    actor = request.getfixturevalue(actor_name)
    actor = getattr(actor, "user", actor)
    ctx = {"other_technician": other_technician}
    before = row(booking)
    history_before = booking.history.count()

    if expected == REFUSED:
        with pytest.raises(services.BookingError):
            ACTIONS[action](booking, actor, ctx)
        assert row(booking) == before
        assert booking.history.count() == history_before
        return

    ACTIONS[action](booking, actor, ctx)

    if expected == NOOP:
        assert row(booking) == before
        assert booking.history.count() == history_before
        return
    booking.refresh_from_db()
    assert booking.status == expected
    assert booking.history.count() == history_before + 1
    change = booking.history.latest("pk")
    assert (change.from_status, change.to_status, change.changed_by) == (state, expected, actor)


# --- Idempotent repeats ----------------------------------------------------------------------------


def test_accepting_twice_confirms_once_and_keeps_the_first_qr_code(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area)

    services.booking_accept(booking=booking, actor=technician.user)
    first = row(booking)
    services.booking_accept(booking=booking, actor=technician.user)

    assert row(booking) == first
    assert first["status"] == CONFIRMED
    assert first["qr_code_data"] and first["qr_code"]
    assert list(booking.history.values_list("to_status", flat=True)) == [CONFIRMED]


def test_checking_in_twice_starts_the_visit_once(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, CONFIRMED)

    services.booking_check_in(booking=booking, actor=technician.user, now=AT_THE_DOOR)
    services.booking_check_in(booking=booking, actor=technician.user, now=AT_THE_DOOR + timedelta(minutes=5))

    booking.refresh_from_db()
    assert booking.status == IN_PROGRESS
    assert booking.checked_in_at == AT_THE_DOOR
    assert list(booking.history.values_list("to_status", flat=True)) == [IN_PROGRESS]


def test_completing_twice_creates_one_earning_and_counts_one_visit(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, IN_PROGRESS)
    done = START + timedelta(hours=1)

    services.booking_complete(booking=booking, actor=technician.user, now=done)
    services.booking_complete(booking=booking, actor=technician.user, now=done + timedelta(minutes=1))

    booking.refresh_from_db()
    assert booking.status == COMPLETED
    assert booking.completed_at == done
    assert TechnicianEarnings.objects.filter(booking=booking).count() == 1
    assert Technician.objects.get(pk=technician.pk).completed_bookings == 1
    assert list(booking.history.values_list("to_status", flat=True)) == [COMPLETED]


def test_cancelling_twice_keeps_the_first_reason_and_time(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, CONFIRMED)

    services.booking_cancel(booking=booking, actor=patient, reason="Feeling better", now=BEFORE_DEADLINE)
    services.booking_cancel(
        booking=booking, actor=patient, reason="Double click", now=BEFORE_DEADLINE + timedelta(seconds=1)
    )

    booking.refresh_from_db()
    assert booking.status == CANCELLED
    assert booking.cancellation_reason == "Feeling better"
    assert booking.cancelled_at == BEFORE_DEADLINE
    assert list(booking.history.values_list("to_status", flat=True)) == [CANCELLED]


def test_declining_again_after_the_booking_moved_on_changes_nothing(
    patient, technician, other_technician, service, area
):
    booking = make_booking(patient, technician, service, area)
    services.booking_decline(booking=booking, actor=technician.user, reason="Car broke down", now=BEFORE_DEADLINE)
    after_first = row(booking)

    services.booking_decline(booking=booking, actor=technician.user, reason="Car broke down", now=BEFORE_DEADLINE)

    assert row(booking) == after_first
    assert after_first["technician_id"] == other_technician.pk
    assert BookingDecline.objects.filter(booking=booking).count() == 1


def test_assigning_the_technician_already_assigned_changes_nothing(admin_user, patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, CONFIRMED)
    before = row(booking)

    services.booking_assign(booking=booking, technician=technician, actor=admin_user, now=BEFORE_DEADLINE)

    assert row(booking) == before
    assert not booking.history.exists()


# --- Booking ------------------------------------------------------------------------------------------


def test_booking_assigns_a_free_technician_copies_the_price_and_waits_as_pending(patient, technician, service, area):
    booking = services.booking_create(
        patient=patient, service=service, area=area, address="1 Camden Road", start=START, now=BEFORE_DEADLINE
    )

    booking.refresh_from_db()
    assert booking.status == PENDING
    assert booking.technician == technician
    assert booking.total_amount == Decimal("80.00")
    assert booking.scheduled_end == START + timedelta(minutes=60)
    assert booking.reference.startswith("HC-")
    change = booking.history.get()
    assert (change.from_status, change.to_status, change.changed_by) == ("", PENDING, patient)


def test_later_price_change_does_not_touch_the_booked_price(patient, technician, service, area):
    booking = services.booking_create(
        patient=patient, service=service, area=area, address="1 Camden Road", start=START, now=BEFORE_DEADLINE
    )
    service.price = Decimal("95.00")
    service.save()

    booking.refresh_from_db()
    assert booking.total_amount == Decimal("80.00")


def test_booking_prefers_the_technician_with_fewest_visits_that_day(
    patient, other_patient, technician, other_technician, service, area
):
    make_booking(other_patient, technician, service, area, start=START - timedelta(hours=2))

    booking = services.booking_create(
        patient=patient, service=service, area=area, address="1 Camden Road", start=START, now=BEFORE_DEADLINE
    )

    assert booking.technician == other_technician


def test_booking_prefers_the_better_rated_technician_when_days_are_equally_full(
    patient, technician, other_technician, service, area
):
    Technician.objects.filter(pk=other_technician.pk).update(rating=Decimal("4.90"))
    Technician.objects.filter(pk=technician.pk).update(rating=Decimal("4.10"))

    booking = services.booking_create(
        patient=patient, service=service, area=area, address="1 Camden Road", start=START, now=BEFORE_DEADLINE
    )

    assert booking.technician == other_technician


def test_booking_the_same_request_twice_returns_the_first_booking(patient, technician, other_technician, service, area):
    token = "0b7f6a52-57d1-4c0e-9f3a-2f7a4d5a0c11"
    first = services.booking_create(
        patient=patient,
        service=service,
        area=area,
        address="1 Camden Road",
        start=START,
        request_token=token,
        now=BEFORE_DEADLINE,
    )
    second = services.booking_create(
        patient=patient,
        service=service,
        area=area,
        address="1 Camden Road",
        start=START,
        request_token=token,
        now=BEFORE_DEADLINE,
    )

    assert second.pk == first.pk
    assert Booking.objects.count() == 1


def test_booking_a_time_nobody_is_free_for_raises_slot_taken(patient, other_patient, technician, service, area):
    make_booking(other_patient, technician, service, area)

    with pytest.raises(services.SlotTaken) as caught:
        services.booking_create(
            patient=patient, service=service, area=area, address="1 Camden Road", start=START, now=BEFORE_DEADLINE
        )

    assert caught.value.code == "slot_taken"
    assert "This time was just taken" in caught.value.message
    assert Booking.objects.count() == 1


def test_a_cancelled_booking_frees_its_time(patient, other_patient, technician, service, area):
    make_booking(other_patient, technician, service, area, CANCELLED)

    booking = services.booking_create(
        patient=patient, service=service, area=area, address="1 Camden Road", start=START, now=BEFORE_DEADLINE
    )

    assert booking.technician == technician


def test_only_patients_can_book(technician, service, area):
    with pytest.raises(services.NotAllowed):
        services.booking_create(
            patient=technician.user,
            service=service,
            area=area,
            address="1 Camden Road",
            start=START,
            now=BEFORE_DEADLINE,
        )

    assert not Booking.objects.exists()


def test_an_unverified_technician_is_never_given_a_booking(patient, unverified_technician, service, area):
    with pytest.raises(services.SlotTaken):
        services.booking_create(
            patient=patient, service=service, area=area, address="1 Camden Road", start=START, now=BEFORE_DEADLINE
        )

    assert not Booking.objects.exists()


# --- Accept ---------------------------------------------------------------------------------------------


def test_accepting_gives_an_unguessable_check_in_token_and_a_qr_png(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area)

    services.booking_accept(booking=booking, actor=technician.user)

    booking.refresh_from_db()
    assert len(booking.qr_code_data) >= 22  # 128 bits in URL-safe base64
    assert base64.b64decode(booking.qr_code).startswith(b"\x89PNG\r\n\x1a\n")


def test_assigned_technician_who_lost_verification_cannot_accept(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area)
    Technician.objects.filter(pk=technician.pk).update(is_verified=False)

    with pytest.raises(services.NotAllowed):
        services.booking_accept(booking=booking, actor=technician.user)

    booking.refresh_from_db()
    assert booking.status == PENDING


def test_admin_cannot_confirm_a_booking_without_a_technician(admin_user, patient, service, area):
    booking = make_booking(patient, None, service, area)

    with pytest.raises(services.NotAllowed) as caught:
        services.booking_accept(booking=booking, actor=admin_user)

    assert caught.value.code == "unassigned"
    booking.refresh_from_db()
    assert booking.status == PENDING


# --- Decline ----------------------------------------------------------------------------------------------


def test_declined_booking_is_offered_to_the_next_eligible_technician(
    patient, technician, other_technician, unverified_technician, service, area
):
    booking = make_booking(patient, technician, service, area, CONFIRMED)

    services.booking_decline(booking=booking, actor=technician.user, reason="Car broke down", now=BEFORE_DEADLINE)

    booking.refresh_from_db()
    assert booking.status == PENDING
    assert booking.technician == other_technician
    assert booking.qr_code_data is None
    assert booking.qr_code == ""
    decline = BookingDecline.objects.get(booking=booking)
    assert (decline.technician, decline.reason) == (technician, "Car broke down")
    change = booking.history.get()
    assert (change.from_status, change.to_status) == (CONFIRMED, PENDING)
    assert "Car broke down" in change.note


def test_declined_by_everyone_eligible_the_booking_waits_unassigned_as_pending(
    patient, technician, other_technician, unverified_technician, service, area
):
    booking = make_booking(patient, technician, service, area)

    services.booking_decline(booking=booking, actor=technician.user, reason="Car broke down", now=BEFORE_DEADLINE)
    services.booking_decline(booking=booking, actor=other_technician.user, reason="On leave", now=BEFORE_DEADLINE)

    booking.refresh_from_db()
    assert booking.technician is None
    assert booking.status == PENDING
    assert booking.declines.count() == 2


def test_next_technician_must_be_free_at_that_time(patient, other_patient, technician, other_technician, service, area):
    make_booking(other_patient, other_technician, service, area, CONFIRMED, start=START + timedelta(minutes=30))
    booking = make_booking(patient, technician, service, area)

    services.booking_decline(booking=booking, actor=technician.user, reason="Car broke down", now=BEFORE_DEADLINE)

    booking.refresh_from_db()
    assert booking.technician is None
    assert booking.status == PENDING


def test_technician_working_other_hours_is_not_offered_the_declined_booking(patient, technician, service, area):
    late_nurse = TechnicianFactory(areas=[area])
    give_weekly_schedule(late_nurse, start=time(14, 0), end=time(20, 0))
    booking = make_booking(patient, technician, service, area)

    services.booking_decline(booking=booking, actor=technician.user, reason="Car broke down", now=BEFORE_DEADLINE)

    booking.refresh_from_db()
    assert booking.technician is None


def test_patient_of_a_confirmed_visit_is_told_when_the_technician_declines(
    patient, technician, other_technician, service, area, django_capture_on_commit_callbacks, mailoutbox
):
    booking = make_booking(patient, technician, service, area, CONFIRMED)

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_decline(booking=booking, actor=technician.user, reason="Car broke down", now=BEFORE_DEADLINE)

    told = Notification.objects.get(user=patient)
    assert told.title == "Your technician can no longer come"
    assert "no longer work" in told.message
    assert "Car broke down" not in told.message
    assert [message.subject for message in mailoutbox if message.to == [patient.email]] == [told.title]


def test_patient_of_a_pending_visit_is_not_told_when_the_technician_declines(
    patient, technician, other_technician, service, area, django_capture_on_commit_callbacks, mailoutbox
):
    booking = make_booking(patient, technician, service, area)

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_decline(booking=booking, actor=technician.user, reason="Car broke down", now=BEFORE_DEADLINE)

    assert not Notification.objects.filter(user=patient).exists()
    assert [message.to for message in mailoutbox] == [[other_technician.user.email]]


def test_declining_needs_a_reason(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area)
    before = row(booking)

    with pytest.raises(services.BookingError) as caught:
        services.booking_decline(booking=booking, actor=technician.user, reason="  ", now=BEFORE_DEADLINE)

    assert caught.value.code == "reason_required"
    assert row(booking) == before
    assert not BookingDecline.objects.exists()


# --- Assign -----------------------------------------------------------------------------------------------


def test_admin_reassigning_a_confirmed_booking_sends_it_back_to_pending_for_the_new_technician(
    admin_user, patient, technician, other_technician, service, area
):
    booking = make_booking(patient, technician, service, area, CONFIRMED)

    services.booking_assign(booking=booking, technician=other_technician, actor=admin_user, now=BEFORE_DEADLINE)

    booking.refresh_from_db()
    assert booking.technician == other_technician
    assert booking.status == PENDING
    assert booking.qr_code_data is None


def test_admin_cannot_assign_a_technician_who_is_busy_then(
    admin_user, patient, other_patient, technician, other_technician, service, area
):
    make_booking(other_patient, other_technician, service, area, CONFIRMED, start=START + timedelta(minutes=30))
    booking = make_booking(patient, technician, service, area)
    before = row(booking)

    with pytest.raises(services.SlotTaken):
        services.booking_assign(booking=booking, technician=other_technician, actor=admin_user, now=BEFORE_DEADLINE)

    assert row(booking) == before


def test_admin_cannot_assign_an_unverified_technician(
    admin_user, patient, technician, unverified_technician, service, area
):
    booking = make_booking(patient, technician, service, area)
    before = row(booking)

    with pytest.raises(services.NotAllowed) as refusal:
        services.booking_assign(
            booking=booking, technician=unverified_technician, actor=admin_user, now=BEFORE_DEADLINE
        )

    assert refusal.value.code == "not_working"

    assert row(booking) == before


def test_admin_can_assign_an_unassigned_booking(admin_user, patient, technician, service, area):
    booking = make_booking(patient, None, service, area)

    services.booking_assign(booking=booking, technician=technician, actor=admin_user, now=BEFORE_DEADLINE)

    booking.refresh_from_db()
    assert booking.technician == technician
    assert booking.status == PENDING
    assert booking.history.get().note.startswith("Assigned to")


# --- Check-in -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "code"),
    [
        pytest.param(START - timedelta(minutes=61), "too_early", id="61-minutes-early"),
        pytest.param(START + timedelta(minutes=61), "too_late", id="61-minutes-late"),
    ],
)
def test_check_in_outside_the_window_is_refused_with_its_reason(patient, technician, service, area, now, code):
    booking = make_booking(patient, technician, service, area, CONFIRMED)
    before = row(booking)

    with pytest.raises(services.NotAllowed) as caught:
        services.booking_check_in(booking=booking, actor=technician.user, now=now)

    assert caught.value.code == code
    assert row(booking) == before


@pytest.mark.parametrize(
    "now", [START - timedelta(minutes=60), START + timedelta(minutes=60)], ids=["window-opens", "window-closes"]
)
def test_check_in_at_the_edges_of_the_window_is_accepted(patient, technician, service, area, now):
    booking = make_booking(patient, technician, service, area, CONFIRMED)

    services.booking_check_in(booking=booking, actor=technician.user, now=now)

    booking.refresh_from_db()
    assert booking.status == IN_PROGRESS


@pytest.mark.parametrize(
    ("state", "code"),
    [(PENDING, "not_confirmed"), (COMPLETED, "completed"), (CANCELLED, "cancelled")],
)
def test_check_in_tells_why_it_is_refused(patient, technician, service, area, state, code):
    booking = make_booking(patient, technician, service, area, state)

    with pytest.raises(services.NotAllowed) as caught:
        services.booking_check_in(booking=booking, actor=technician.user, now=AT_THE_DOOR)

    assert caught.value.code == code


def test_the_check_in_window_uses_the_setting(patient, technician, service, area):
    set_setting("checkin_window_minutes", 15)
    booking = make_booking(patient, technician, service, area, CONFIRMED)

    with pytest.raises(services.NotAllowed):
        services.booking_check_in(booking=booking, actor=technician.user, now=START - timedelta(minutes=20))
    services.booking_check_in(booking=booking, actor=technician.user, now=START - timedelta(minutes=15))

    booking.refresh_from_db()
    assert booking.status == IN_PROGRESS


def test_another_technician_scanning_the_code_is_told_it_is_not_theirs(
    patient, technician, other_technician, service, area
):
    booking = make_booking(patient, technician, service, area, CONFIRMED)

    with pytest.raises(services.NotAllowed) as caught:
        services.booking_check_in(booking=booking, actor=other_technician.user, now=AT_THE_DOOR)

    assert caught.value.code == "not_yours"


# --- Complete -----------------------------------------------------------------------------------------------


def test_completing_records_a_cash_payment_collected_at_the_door(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, IN_PROGRESS, payment_status=PaymentStatus.PENDING)

    services.booking_complete(
        booking=booking,
        actor=technician.user,
        technician_notes="Dressing changed.",
        payment_collected=True,
        now=START + timedelta(hours=1),
    )

    booking.refresh_from_db()
    assert booking.payment_status == PaymentStatus.PAID
    assert booking.technician_notes == "Dressing changed."


def test_completion_creates_the_earning_at_the_rate_of_that_moment(patient, technician, service, area):
    set_setting("platform_commission_rate", "0.20")
    booking = make_booking(patient, technician, service, area, IN_PROGRESS)

    services.booking_complete(booking=booking, actor=technician.user, now=START + timedelta(hours=1))
    set_setting("platform_commission_rate", "0.10")

    earning = TechnicianEarnings.objects.get()
    assert earning.booking == booking
    assert earning.technician == technician
    assert earning.amount == Decimal("80.00")
    assert earning.commission_rate == Decimal("0.2000")
    assert earning.net_earnings == Decimal("64.00")


def test_a_refused_completion_creates_no_earning(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, CONFIRMED)

    with pytest.raises(services.NotAllowed):
        services.booking_complete(booking=booking, actor=technician.user, now=START + timedelta(hours=1))

    assert not TechnicianEarnings.objects.exists()
    assert Technician.objects.get(pk=technician.pk).completed_bookings == 0


# --- Cancel -------------------------------------------------------------------------------------------------


def test_patient_cannot_cancel_after_deadline_and_is_told_why(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, CONFIRMED)
    before = row(booking)

    with pytest.raises(services.NotAllowed) as caught:
        services.booking_cancel(booking=booking, actor=patient, reason="Feeling better", now=AFTER_DEADLINE)

    assert caught.value.code == "too_late"
    assert "until 24 hours before the start" in caught.value.message
    assert row(booking) == before
    assert not booking.history.exists()


def test_patient_can_cancel_right_up_to_the_deadline(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, CONFIRMED)
    deadline = START - timedelta(hours=24)

    assert services.can_cancel(booking, patient, now=deadline)
    assert not services.can_cancel(booking, patient, now=deadline + timedelta(seconds=1))
    services.booking_cancel(booking=booking, actor=patient, reason="Feeling better", now=deadline)

    booking.refresh_from_db()
    assert booking.status == CANCELLED


def test_cancellation_deadline_follows_the_setting(patient, technician, service, area):
    set_setting("booking_cancellation_hours", 2)
    booking = make_booking(patient, technician, service, area, CONFIRMED)

    services.booking_cancel(booking=booking, actor=patient, reason="Feeling better", now=AFTER_DEADLINE)

    booking.refresh_from_db()
    assert booking.status == CANCELLED


def test_admin_can_cancel_at_any_time(admin_user, patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, CONFIRMED)

    services.booking_cancel(
        booking=booking, actor=admin_user, reason="Technician ill", now=START + timedelta(minutes=30)
    )

    booking.refresh_from_db()
    assert booking.status == CANCELLED
    assert booking.cancellation_reason == "Technician ill"
    assert booking.cancelled_at == START + timedelta(minutes=30)
    assert booking.history.get().note == "Technician ill"


def test_cancelling_needs_a_reason(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area)
    before = row(booking)

    with pytest.raises(services.BookingError) as caught:
        services.booking_cancel(booking=booking, actor=patient, reason="", now=BEFORE_DEADLINE)

    assert caught.value.code == "reason_required"
    assert row(booking) == before


def test_cancelled_booking_is_kept(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area)

    services.booking_cancel(booking=booking, actor=patient, reason="Feeling better", now=BEFORE_DEADLINE)

    assert Booking.objects.filter(pk=booking.pk, status=CANCELLED).exists()


def test_cancelling_a_paid_online_booking_refunds_it(patient, technician, service, area):
    booking = make_booking(
        patient,
        technician,
        service,
        area,
        CONFIRMED,
        payment_method=PaymentMethod.ONLINE,
        payment_status=PaymentStatus.PAID,
    )

    services.booking_cancel(booking=booking, actor=patient, reason="Feeling better", now=BEFORE_DEADLINE)

    booking.refresh_from_db()
    assert booking.status == CANCELLED
    assert booking.payment_status == PaymentStatus.REFUNDED


def test_cancelling_an_unpaid_booking_refunds_nothing(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, payment_method=PaymentMethod.ONLINE)

    services.booking_cancel(booking=booking, actor=patient, reason="Feeling better", now=BEFORE_DEADLINE)

    booking.refresh_from_db()
    assert booking.payment_status == PaymentStatus.PENDING


class RefusingGateway(PaymentProvider):
    def charge(self, *, amount, currency, reference, card_number):
        return PaymentResult(ok=False, message="Gateway unavailable")

    def refund(self, *, amount, currency, reference):
        return PaymentResult(ok=False, message="Gateway unavailable")


def test_a_failed_refund_leaves_the_booking_as_it_was(settings, patient, technician, service, area):
    settings.PAYMENT_PROVIDER = "bookings.tests.test_services.RefusingGateway"
    booking = make_booking(
        patient,
        technician,
        service,
        area,
        CONFIRMED,
        payment_method=PaymentMethod.ONLINE,
        payment_status=PaymentStatus.PAID,
    )
    before = row(booking)

    with pytest.raises(services.PaymentFailed):
        services.booking_cancel(booking=booking, actor=patient, reason="Feeling better", now=BEFORE_DEADLINE)

    assert row(booking) == before


# --- Pay online ----------------------------------------------------------------------------------------------


def test_paying_online_with_the_test_card_marks_the_booking_paid(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, payment_method=PaymentMethod.ONLINE)

    services.booking_pay_online(booking=booking, actor=patient, card_number="4242 4242 4242 4242")

    booking.refresh_from_db()
    assert booking.payment_status == PaymentStatus.PAID
    assert booking.payment_reference.startswith("test_")
    assert booking.status == PENDING


def test_a_declined_card_leaves_the_payment_pending(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, payment_method=PaymentMethod.ONLINE)
    before = row(booking)

    with pytest.raises(services.PaymentFailed) as caught:
        services.booking_pay_online(booking=booking, actor=patient, card_number="4000 0000 0000 0002")

    assert caught.value.code == "payment_failed"
    assert "declined" in caught.value.message
    assert row(booking) == before


def test_paying_twice_charges_once(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, payment_method=PaymentMethod.ONLINE)
    services.booking_pay_online(booking=booking, actor=patient, card_number="4242424242424242")
    after_first = row(booking)

    services.booking_pay_online(booking=booking, actor=patient, card_number="4242424242424242")

    assert row(booking) == after_first


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"payment_method": PaymentMethod.CASH}, id="cash-booking"),
        pytest.param({"payment_method": PaymentMethod.ONLINE, "cancelled": True}, id="cancelled-booking"),
        pytest.param(
            {"payment_method": PaymentMethod.ONLINE, "payment_status": PaymentStatus.REFUNDED, "cancelled": True},
            id="refunded-booking",
        ),
    ],
)
def test_only_an_active_online_booking_can_be_paid_online(patient, technician, service, area, kwargs):
    booking = BookingFactory(
        user=patient, technician=technician, service=service, service_area=area, start=START, **kwargs
    )
    before = row(booking)

    with pytest.raises(services.NotAllowed):
        services.booking_pay_online(booking=booking, actor=patient, card_number="4242424242424242")

    assert row(booking) == before


def test_nobody_else_can_pay_for_a_patients_booking(other_patient, patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, payment_method=PaymentMethod.ONLINE)

    with pytest.raises(services.NotAllowed):
        services.booking_pay_online(booking=booking, actor=other_patient, card_number="4242424242424242")

    booking.refresh_from_db()
    assert booking.payment_status == PaymentStatus.PENDING


# --- Review --------------------------------------------------------------------------------------------------


def test_two_reviews_set_the_technicians_rating_and_count(patient, technician, service, area):
    first = make_booking(patient, technician, service, area, COMPLETED)
    second = make_booking(patient, technician, service, area, COMPLETED, start=START + timedelta(days=1))

    services.booking_review(booking=first, actor=patient, rating=4, review="Kind and quick.")
    services.booking_review(booking=second, actor=patient, rating=5)

    technician.refresh_from_db()
    assert technician.rating == Decimal("4.50")
    assert technician.total_reviews == 2
    first.refresh_from_db()
    assert (first.user_rating, first.user_review) == (4, "Kind and quick.")


def test_a_visit_is_reviewed_once(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, COMPLETED)
    services.booking_review(booking=booking, actor=patient, rating=2)

    with pytest.raises(services.NotAllowed) as caught:
        services.booking_review(booking=booking, actor=patient, rating=5)

    assert caught.value.code == "already_reviewed"
    booking.refresh_from_db()
    technician.refresh_from_db()
    assert booking.user_rating == 2
    assert (technician.rating, technician.total_reviews) == (Decimal("2.00"), 1)


@pytest.mark.parametrize("state", [PENDING, CONFIRMED, IN_PROGRESS, CANCELLED])
def test_only_a_completed_visit_can_be_reviewed(patient, technician, service, area, state):
    booking = make_booking(patient, technician, service, area, state)

    with pytest.raises(services.NotAllowed):
        services.booking_review(booking=booking, actor=patient, rating=5)

    booking.refresh_from_db()
    assert booking.user_rating is None


@pytest.mark.parametrize("rating", [0, 6])
def test_a_rating_outside_one_to_five_is_refused(patient, technician, service, area, rating):
    booking = make_booking(patient, technician, service, area, COMPLETED)

    with pytest.raises(services.BookingError) as caught:
        services.booking_review(booking=booking, actor=patient, rating=rating)

    assert caught.value.code == "invalid_rating"
    booking.refresh_from_db()
    assert booking.user_rating is None


def test_only_the_patient_can_review_their_visit(other_patient, patient, technician, service, area):
    booking = make_booking(patient, technician, service, area, COMPLETED)

    with pytest.raises(services.NotAllowed):
        services.booking_review(booking=booking, actor=other_patient, rating=1)

    technician.refresh_from_db()
    assert technician.total_reviews == 0


def test_a_review_changes_only_the_reviewed_technician(patient, technician, other_technician, service, area):
    booking = make_booking(patient, technician, service, area, COMPLETED)

    services.booking_review(booking=booking, actor=patient, rating=3)

    other_technician.refresh_from_db()
    assert (other_technician.rating, other_technician.total_reviews) == (Decimal("0.00"), 0)


def test_a_typed_code_with_nul_characters_is_recorded_without_them(technician):
    record = services.failed_check_in_record(
        user=technician.user, code="AB\x00CD", method=CheckInMethod.TYPED, reason=CheckInFailure.UNKNOWN_CODE
    )
    record.refresh_from_db()
    assert record.code == "ABCD"


# --- An administrator's change is audited by the service, from a shell as from the back office ----------------


def _booking_entries(booking):
    return list(AdminLog.objects.filter(entity_type="bookings.booking", entity_id=str(booking.pk)))


def test_admin_assigning_a_booking_writes_the_entry_with_the_actor(admin_user, patient, technician, service, area):
    booking = make_booking(patient, None, service, area)

    services.booking_assign(booking=booking, technician=technician, actor=admin_user, now=BEFORE_DEADLINE)
    services.booking_assign(booking=booking, technician=technician, actor=admin_user, now=BEFORE_DEADLINE)

    [entry] = _booking_entries(booking)
    assert (entry.action, entry.admin_user, entry.ip_address) == ("booking_assigned", admin_user, None)
    assert (entry.previous_values, entry.new_values) == ({"technician": None}, {"technician": technician.pk})
    assert entry.description == f"Assigned booking {booking.reference} to Nadia Nurse (Nurse)."


def test_admin_reassigning_a_booking_writes_the_entry_with_both_technicians(
    admin_user, patient, technician, other_technician, service, area
):
    booking = make_booking(patient, technician, service, area, CONFIRMED)

    services.booking_assign(booking=booking, technician=other_technician, actor=admin_user, now=BEFORE_DEADLINE)

    [entry] = _booking_entries(booking)
    assert (entry.action, entry.admin_user) == ("booking_assigned", admin_user)
    assert (entry.previous_values, entry.new_values) == (
        {"technician": technician.pk},
        {"technician": other_technician.pk},
    )
    assert entry.description == (
        f"Reassigned booking {booking.reference} from Nadia Nurse (Nurse) to Otto Nurse (Nurse)."
    )


def test_admin_confirming_a_booking_writes_the_entry_with_the_actor(admin_user, patient, technician, service, area):
    booking = make_booking(patient, technician, service, area)

    services.booking_accept(booking=booking, actor=admin_user, now=BEFORE_DEADLINE)
    services.booking_accept(booking=booking, actor=admin_user, now=BEFORE_DEADLINE)

    [entry] = _booking_entries(booking)
    assert (entry.action, entry.admin_user) == ("booking_confirmed", admin_user)
    assert entry.description == f"Confirmed booking {booking.reference} for Nadia Nurse (Nurse)."


def test_the_technicians_own_acceptance_is_not_an_audit_entry(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area)

    services.booking_accept(booking=booking, actor=technician.user, now=BEFORE_DEADLINE)

    assert _booking_entries(booking) == []


def test_admin_cancelling_a_booking_writes_the_entry_with_the_actor(admin_user, patient, technician, service, area):
    booking = make_booking(
        patient,
        technician,
        service,
        area,
        CONFIRMED,
        payment_method=PaymentMethod.ONLINE,
        payment_status=PaymentStatus.PAID,
    )

    services.booking_cancel(booking=booking, actor=admin_user, reason="Technician ill", now=BEFORE_DEADLINE)
    services.booking_cancel(booking=booking, actor=admin_user, reason="Technician ill", now=BEFORE_DEADLINE)

    [entry] = _booking_entries(booking)
    assert (entry.action, entry.admin_user) == ("booking_cancelled", admin_user)
    assert entry.description == (
        f"Cancelled booking {booking.reference} and refunded the online payment. Reason: Technician ill"
    )


def test_the_patients_own_cancellation_is_not_an_audit_entry(patient, technician, service, area):
    booking = make_booking(patient, technician, service, area)

    services.booking_cancel(booking=booking, actor=patient, reason="Feeling better", now=BEFORE_DEADLINE)

    assert _booking_entries(booking) == []
