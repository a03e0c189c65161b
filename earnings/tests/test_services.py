"""Technician earnings (DESIGN 6): one row per completed visit, commission rounded half-up to cents."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bookings import services
from bookings.models import BookingStatus
from bookings.tests.factories import BookingFactory
from earnings import signals
from earnings.models import EarningStatus, PayoutMethod, TechnicianEarnings
from earnings.services import (
    PayoutError,
    earning_create_for_booking,
    earning_put_on_hold,
    earning_release,
    net_after_commission,
    payout_record,
)
from earnings.tests.factories import TechnicianEarningsFactory
from homecure.models import AdminLog
from homecure.tests.factories import SystemSettingsFactory
from technicians.models import Technician

LONDON = ZoneInfo("Europe/London")
START = datetime.combine(date(2027, 6, 16), time(10, 0), tzinfo=LONDON)
DONE = START + timedelta(hours=1)

pytestmark = pytest.mark.django_db


def set_commission_rate(rate):
    SystemSettingsFactory(key="platform_commission_rate", value=rate)


def visit_in_progress(patient, technician, service, area, amount=Decimal("80.00"), **kwargs):
    return BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=kwargs.pop("start", START),
        total_amount=amount,
        in_progress=True,
        **kwargs,
    )


# amount, rate, commission, net. Cases marked "half" have a commission that ends in exactly half a
# cent, where half-up and banker's rounding disagree; the others check rounding of longer tails.
ROUNDING_CASES = [
    pytest.param("33.33", "0.15", "5.00", "28.33", id="33.33-at-15pc-4.9995-rounds-up"),
    pytest.param("12.30", "0.15", "1.85", "10.45", id="12.30-at-15pc-half-1.845"),
    pytest.param("0.30", "0.15", "0.05", "0.25", id="0.30-at-15pc-half-0.045"),
    pytest.param("45.00", "0.125", "5.63", "39.37", id="45.00-at-12.5pc-half-5.625"),
    pytest.param("10.10", "0.15", "1.52", "8.58", id="10.10-at-15pc-half-1.515"),
    pytest.param("99.99", "0.1", "10.00", "89.99", id="99.99-at-10pc-9.999"),
    pytest.param("19.99", "0.15", "3.00", "16.99", id="19.99-at-15pc-2.9985"),
    pytest.param("80.00", "0.15", "12.00", "68.00", id="80.00-at-15pc-exact"),
    pytest.param("80.00", "0", "0.00", "80.00", id="no-commission"),
    pytest.param("0.00", "0.15", "0.00", "0.00", id="free-visit"),
]


@pytest.mark.parametrize(("amount", "rate", "commission", "net"), ROUNDING_CASES)
def test_net_is_the_amount_less_the_commission_rounded_half_up_to_cents(amount, rate, commission, net):
    assert net_after_commission(Decimal(amount), Decimal(rate)) == Decimal(net)
    assert Decimal(amount) - net_after_commission(Decimal(amount), Decimal(rate)) == Decimal(commission)


@pytest.mark.parametrize(("amount", "rate", "commission", "net"), ROUNDING_CASES)
def test_completing_a_visit_stores_its_earning_with_half_up_commission(
    patient, technician, service, area, amount, rate, commission, net
):
    set_commission_rate(rate)
    booking = visit_in_progress(patient, technician, service, area, amount=Decimal(amount))

    services.booking_complete(booking=booking, actor=technician.user, now=DONE)

    earning = TechnicianEarnings.objects.get(booking=booking)
    assert earning.technician == technician
    assert earning.amount == Decimal(amount)
    assert earning.commission_rate == Decimal(rate)
    assert earning.net_earnings == Decimal(net)
    assert earning.commission_amount == Decimal(commission)
    assert earning.payment_status == EarningStatus.PENDING
    assert earning.payment_date is None


def test_completing_twice_creates_exactly_one_earning_and_counts_the_visit_once(patient, technician, service, area):
    booking = visit_in_progress(patient, technician, service, area)

    services.booking_complete(booking=booking, actor=technician.user, now=DONE)
    services.booking_complete(booking=booking, actor=technician.user, now=DONE + timedelta(minutes=2))

    assert TechnicianEarnings.objects.filter(booking=booking).count() == 1
    assert Technician.objects.get(pk=technician.pk).completed_bookings == 1


def test_an_admin_completing_the_visit_credits_the_assigned_technician(admin_user, patient, technician, service, area):
    booking = visit_in_progress(patient, technician, service, area)

    services.booking_complete(booking=booking, actor=admin_user, now=DONE)

    assert TechnicianEarnings.objects.get(booking=booking).technician == technician
    assert Technician.objects.get(pk=technician.pk).completed_bookings == 1


def test_each_completed_visit_counts_once(patient, technician, service, area):
    first = visit_in_progress(patient, technician, service, area)
    second = visit_in_progress(patient, technician, service, area, start=START + timedelta(days=1))

    services.booking_complete(booking=first, actor=technician.user, now=DONE)
    services.booking_complete(booking=second, actor=technician.user, now=DONE + timedelta(days=1))

    assert TechnicianEarnings.objects.filter(technician=technician).count() == 2
    assert Technician.objects.get(pk=technician.pk).completed_bookings == 2


def test_commission_rate_is_the_one_in_force_when_the_visit_completes(patient, technician, service, area):
    set_commission_rate("0.15")
    first = visit_in_progress(patient, technician, service, area)
    services.booking_complete(booking=first, actor=technician.user, now=DONE)

    set_commission_rate("0.25")
    second = visit_in_progress(patient, technician, service, area, start=START + timedelta(days=1))
    services.booking_complete(booking=second, actor=technician.user, now=DONE + timedelta(days=1))

    rates = dict(TechnicianEarnings.objects.values_list("booking_id", "commission_rate"))
    assert rates == {first.pk: Decimal("0.1500"), second.pk: Decimal("0.2500")}
    nets = dict(TechnicianEarnings.objects.values_list("booking_id", "net_earnings"))
    assert nets == {first.pk: Decimal("68.00"), second.pk: Decimal("60.00")}


def test_creating_the_earning_again_returns_the_first_row_unchanged(patient, technician, service, area):
    booking = BookingFactory(
        user=patient, technician=technician, service=service, service_area=area, start=START, completed=True
    )
    set_commission_rate("0.15")
    first = earning_create_for_booking(booking=booking)

    set_commission_rate("0.30")
    again = earning_create_for_booking(booking=booking)

    assert again.pk == first.pk
    assert TechnicianEarnings.objects.get().commission_rate == Decimal("0.1500")


def test_default_commission_rate_is_fifteen_percent(patient, technician, service, area):
    booking = visit_in_progress(patient, technician, service, area)

    services.booking_complete(booking=booking, actor=technician.user, now=DONE)

    earning = TechnicianEarnings.objects.get()
    assert earning.commission_rate == Decimal("0.1500")
    assert earning.net_earnings == Decimal("68.00")


@pytest.mark.parametrize("state", [BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.CANCELLED])
def test_no_earning_for_a_visit_that_did_not_take_place(patient, technician, service, area, state):
    traits = {} if state == BookingStatus.PENDING else {state: True}
    booking = BookingFactory(
        user=patient, technician=technician, service=service, service_area=area, start=START, **traits
    )

    with pytest.raises(services.NotAllowed):
        services.booking_complete(booking=booking, actor=technician.user, now=DONE)

    assert not TechnicianEarnings.objects.exists()


# --- Holds take a reason, are audited by the service and tell the technician ------------------------------------


def _only_entry(earning):
    entry = AdminLog.objects.get(entity_type="earnings.technicianearnings")
    assert entry.entity_id == str(earning.pk)
    return entry


def test_putting_on_hold_keeps_the_reason_and_writes_the_entry_once(admin_user, technician):
    earning = TechnicianEarningsFactory(technician=technician)
    held = []
    signals.earning_held.connect(lambda **kw: held.append(kw["earning"].pk), weak=False, dispatch_uid="test-held")
    try:
        earning_put_on_hold(earning=earning, actor=admin_user, reason="  The patient disputes the visit.  ")
        earning_put_on_hold(earning=earning, actor=admin_user, reason="Again.")
    finally:
        signals.earning_held.disconnect(dispatch_uid="test-held")

    earning.refresh_from_db()
    assert (earning.payment_status, earning.hold_reason) == (EarningStatus.ON_HOLD, "The patient disputes the visit.")
    assert held == [earning.pk]
    entry = _only_entry(earning)
    assert (entry.action, entry.admin_user, entry.ip_address) == ("earning_put_on_hold", admin_user, None)
    assert entry.new_values == {"payment_status": "on_hold", "hold_reason": "The patient disputes the visit."}
    assert entry.description == (
        f"Put the earning of Nadia Nurse (Nurse) for visit {earning.booking.reference} on hold: "
        "The patient disputes the visit."
    )


def test_releasing_from_hold_keeps_the_reason_and_makes_the_earning_payable(admin_user, technician):
    earning = TechnicianEarningsFactory(technician=technician)
    earning_put_on_hold(earning=earning, actor=admin_user, reason="Question about the visit.")

    earning_release(earning=earning, actor=admin_user, reason="The patient confirmed the visit.")
    earning_release(earning=earning, actor=admin_user, reason="Again.")

    earning.refresh_from_db()
    assert earning.payment_status == EarningStatus.PENDING
    assert (earning.release_reason, earning.hold_note) == ("The patient confirmed the visit.",) * 2
    assert earning.is_payable
    entry = AdminLog.objects.get(action="earning_released")
    assert entry.new_values == {"payment_status": "pending", "release_reason": "The patient confirmed the visit."}


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_hold_or_release_without_a_usable_reason_is_refused_and_changes_nothing(admin_user, technician, reason):
    pending = TechnicianEarningsFactory(technician=technician)
    held = TechnicianEarningsFactory(technician=technician, payment_status=EarningStatus.ON_HOLD, hold_reason="Why")

    with pytest.raises(PayoutError) as on_hold:
        earning_put_on_hold(earning=pending, actor=admin_user, reason=reason)
    with pytest.raises(PayoutError):
        earning_release(earning=held, actor=admin_user, reason=reason)

    assert on_hold.value.code in ("reason_required", "reason_too_long")
    pending.refresh_from_db()
    held.refresh_from_db()
    assert (pending.payment_status, held.payment_status) == (EarningStatus.PENDING, EarningStatus.ON_HOLD)
    assert not AdminLog.objects.exists()


def test_a_settled_earning_is_neither_held_nor_released_and_only_administrators_hold(admin_user, patient, technician):
    settled = TechnicianEarningsFactory(technician=technician)
    payout_record(
        technician=technician, earnings=[settled], actor=admin_user, method=PayoutMethod.CASH, transaction_id="R-1"
    )
    pending = TechnicianEarningsFactory(technician=technician)

    with pytest.raises(PayoutError) as hold:
        earning_put_on_hold(earning=settled, actor=admin_user, reason="Late question.")
    with pytest.raises(PayoutError) as release:
        earning_release(earning=settled, actor=admin_user, reason="Late answer.")
    with pytest.raises(PayoutError) as not_admin:
        earning_put_on_hold(earning=pending, actor=patient, reason="Mine.")

    assert (hold.value.code, release.value.code, not_admin.value.code) == (
        "already_settled",
        "already_settled",
        "not_allowed",
    )
    assert not AdminLog.objects.filter(action__in=["earning_put_on_hold", "earning_released"]).exists()
