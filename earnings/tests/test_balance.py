"""The technician's balance (DESIGN 6): what each visit adds, and payouts that settle it either way.

The money table drives the real booking services for every payment method and outcome and reads
the earning, the technician's balance and the platform's commission, in Decimal, to the cent.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from bookings import services as bookings
from bookings.models import BookingStatus, PaymentMethod, PaymentStatus
from bookings.tests.factories import BookingFactory
from earnings import signals
from earnings.models import CollectedBy, EarningStatus, Payout, PayoutMethod, TechnicianEarnings
from earnings.selectors import totals_for
from earnings.services import PayoutError, earning_put_on_hold, earning_release, payout_record
from earnings.tests.factories import TechnicianEarningsFactory
from homecure.models import AdminLog

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
START = datetime.combine(date(2027, 6, 16), time(10, 0), tzinfo=LONDON)
H = timedelta(hours=1)
CARD_OK = "4242 4242 4242 4242"


def confirmed_visit(patient, technician, service, area, method):
    """A confirmed 80.00 visit; paid online through the payment provider when `method` is online."""
    booking = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=START,
        confirmed=True,
        payment_method=method,
    )
    if method == PaymentMethod.ONLINE:
        bookings.booking_pay_online(booking=booking, actor=patient, card_number=CARD_OK)
    return booking


def completed(booking, w):
    bookings.booking_check_in(booking=booking, actor=w.technician.user, now=START)
    bookings.booking_complete(booking=booking, actor=w.technician.user, payment_collected=True, now=START + H)


def patient_cancels_in_time(booking, w):
    bookings.booking_cancel(booking=booking, actor=w.patient, reason="Plans changed", now=START - 48 * H)


def office_cancels_late(booking, w):
    bookings.booking_cancel(booking=booking, actor=w.admin_user, reason="Nurse unwell", now=START - H)


def patient_not_home(booking, w):
    bookings.booking_report_no_show(booking=booking, actor=w.technician.user, now=START + H / 3)


def lapses(booking, w):
    bookings.booking_lapse(booking=booking, now=START + 25 * H)


OUTCOMES = {
    "completed": completed,
    "patient cancel in time": patient_cancels_in_time,
    "late cancel by the office": office_cancels_late,
    "patient no-show": patient_not_home,
    "lapse": lapses,
}

# method, outcome -> (collected by, the technician's balance, the platform's commission); None: no earning.
MONEY_TABLE = {
    (PaymentMethod.ONLINE, "completed"): (CollectedBy.PLATFORM, "68.00", "12.00"),
    (PaymentMethod.CASH, "completed"): (CollectedBy.TECHNICIAN, "-12.00", "12.00"),
    (PaymentMethod.CARD, "completed"): (CollectedBy.TECHNICIAN, "-12.00", "12.00"),
    **{
        (method, outcome): None
        for method in (PaymentMethod.ONLINE, PaymentMethod.CASH, PaymentMethod.CARD)
        for outcome in OUTCOMES
        if outcome != "completed"
    },
}


class World:
    def __init__(self, request):
        for name in ("patient", "technician", "admin_user", "service", "area"):
            setattr(self, name, request.getfixturevalue(name))


def platform_commission():
    totals = TechnicianEarnings.objects.exclude(collected_by=CollectedBy.NOBODY).aggregate(
        commission=Sum(F("amount") - F("net_earnings"))
    )
    return totals["commission"] or Decimal("0.00")


@pytest.mark.parametrize(("method", "outcome"), MONEY_TABLE)
def test_money_table(request, method, outcome):
    w = World(request)
    booking = confirmed_visit(w.patient, w.technician, w.service, w.area, method)

    OUTCOMES[outcome](booking, w)

    expected = MONEY_TABLE[(method, outcome)]
    earning = TechnicianEarnings.objects.filter(booking=booking).first()
    balance = totals_for(w.technician, now=START + 2 * H).balance
    if expected is None:
        assert earning is None
        assert (balance, platform_commission()) == (Decimal("0.00"), Decimal("0.00"))
        return
    collected_by, expected_balance, commission = expected
    assert earning.collected_by == collected_by
    assert earning.net_earnings == Decimal("68.00")
    assert earning.collected_amount == (Decimal("80.00") if collected_by == CollectedBy.TECHNICIAN else Decimal("0"))
    assert balance == Decimal(expected_balance)
    assert platform_commission() == Decimal(commission)


def test_a_cash_visit_completed_without_collection_earns_nothing_payable(patient, technician, service, area):
    booking = confirmed_visit(patient, technician, service, area, PaymentMethod.CASH)
    bookings.booking_check_in(booking=booking, actor=technician.user, now=START)

    bookings.booking_complete(booking=booking, actor=technician.user, payment_collected=False, now=START + H)

    earning = TechnicianEarnings.objects.get(booking=booking)
    booking.refresh_from_db()
    assert booking.payment_status == PaymentStatus.PENDING
    assert (earning.collected_by, earning.balance_amount) == (CollectedBy.NOBODY, Decimal("0.00"))
    totals = totals_for(technician, now=START + 2 * H)
    assert (totals.balance, totals.awaiting_collection, platform_commission()) == (Decimal("0.00"), 1, Decimal("0"))
    assert not earning.is_payable


# --- Payouts -------------------------------------------------------------------------------------------------------


def online(technician, **fields):
    return TechnicianEarningsFactory(technician=technician, **fields)


def at_the_door(technician, **fields):
    return TechnicianEarningsFactory(technician=technician, booking__payment_method=PaymentMethod.CASH, **fields)


def pay(technician, earnings, actor, **fields):
    fields = {"method": PayoutMethod.BANK_TRANSFER, "transaction_id": "TX-1"} | fields
    return payout_record(technician=technician, earnings=earnings, actor=actor, **fields)


def test_a_payout_to_the_technician_settles_the_net_of_online_and_door_visits(admin_user, technician):
    earnings = [online(technician), online(technician), at_the_door(technician)]
    assert totals_for(technician).balance == Decimal("124.00")  # 68 + 68 - 12
    sent = []
    signals.payout_recorded.connect(lambda **kw: sent.append(kw["payout"]), weak=False, dispatch_uid="test-payout")
    try:
        payout = pay(technician, earnings, admin_user, transaction_id="  TX-2026-0042 ")
    finally:
        signals.payout_recorded.disconnect(dispatch_uid="test-payout")

    assert (payout.amount, payout.to_technician, payout.transaction_id) == (Decimal("124.00"), True, "TX-2026-0042")
    assert sent == [payout]
    assert totals_for(technician).balance == Decimal("0.00")
    assert totals_for(technician).paid == Decimal("124.00")
    for earning in earnings:
        earning.refresh_from_db()
        assert (earning.payout, earning.payment_status) == (payout, EarningStatus.PAID)
        assert (earning.payment_method, earning.transaction_id) == (PayoutMethod.BANK_TRANSFER, "TX-2026-0042")
    entry = AdminLog.objects.get(action="payout_recorded")
    assert (entry.admin_user, entry.entity_id) == (admin_user, str(payout.pk))
    assert entry.description.startswith("Paid to the technician $124.00 for Nadia Nurse (Nurse), settling 3 visits")


def test_money_received_from_the_technician_settles_a_balance_they_owe(admin_user, technician):
    earnings = [online(technician)] + [at_the_door(technician) for _ in range(7)]
    assert totals_for(technician).balance == Decimal("-16.00")  # 68 - 7 x 12

    payout = pay(technician, earnings, admin_user, method=PayoutMethod.CASH, transaction_id="RECEIPT-9")

    assert (payout.amount, payout.to_technician) == (Decimal("-16.00"), False)
    assert payout.direction_label == "Received from the technician"
    assert totals_for(technician).balance == Decimal("0.00")
    assert AdminLog.objects.get(action="payout_recorded").description.startswith(
        "Received from the technician $16.00 for Nadia Nurse (Nurse)"
    )


def test_paying_the_same_earnings_twice_is_refused(admin_user, technician):
    earnings = [online(technician), at_the_door(technician)]
    pay(technician, earnings, admin_user)

    with pytest.raises(PayoutError) as again:
        pay(technician, earnings, admin_user, transaction_id="TX-2")
    with pytest.raises(PayoutError) as overlapping:
        pay(technician, [earnings[1], online(technician)], admin_user, transaction_id="TX-3")

    assert (again.value.code, overlapping.value.code) == ("already_settled", "already_settled")
    assert Payout.objects.count() == 1
    assert AdminLog.objects.filter(action="payout_recorded").count() == 1
    assert totals_for(technician).balance == Decimal("68.00")  # the third earning, still pending


def test_an_earning_belongs_to_at_most_one_payout_and_only_when_settled(admin_user, technician):
    earning = online(technician)
    payout = pay(technician, [earning], admin_user)
    pending = online(technician)

    with pytest.raises(IntegrityError), transaction.atomic():
        TechnicianEarnings.objects.filter(pk=pending.pk).update(payout=payout)

    earning.refresh_from_db()
    assert list(payout.earnings.all()) == [earning]


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("on hold", "on_hold"),
        ("not collected", "not_collected"),
        ("another technician's", "not_this_technician"),
        ("an id that does not exist", "not_this_technician"),
        ("an id past 64 bits", "not_this_technician"),
        ("nothing", "nothing_chosen"),
        ("no transaction id", "transaction_id_required"),
        ("an unknown method", "method_required"),
        ("a transaction id too long", "transaction_id_too_long"),
        ("not an administrator", "not_allowed"),
    ],
)
def test_a_payout_that_cannot_be_made_is_refused_and_writes_nothing(
    admin_user, technician, other_technician, case, code
):
    good = online(technician)
    chosen, fields, actor = [good], {}, admin_user
    if case == "on hold":
        chosen.append(online(technician, payment_status=EarningStatus.ON_HOLD, hold_reason="Dispute"))
    elif case == "not collected":
        chosen.append(TechnicianEarningsFactory(technician=technician, booking__payment_status=PaymentStatus.PENDING))
    elif case == "another technician's":
        chosen.append(online(other_technician))
    elif case == "an id that does not exist":
        chosen.append(2**63 - 1)
    elif case == "an id past 64 bits":
        chosen.append(2**64 + 1)
    elif case == "nothing":
        chosen = []
    elif case == "no transaction id":
        fields = {"transaction_id": "   "}
    elif case == "an unknown method":
        fields = {"method": "gold"}
    elif case == "a transaction id too long":
        fields = {"transaction_id": "x" * 101}
    else:
        actor = technician.user

    with pytest.raises(PayoutError) as refused:
        pay(technician, chosen, actor, **fields)

    assert refused.value.code == code
    assert not Payout.objects.exists()
    assert not AdminLog.objects.exists()
    good.refresh_from_db()
    assert good.payment_status == EarningStatus.PENDING


def test_an_earning_released_from_hold_can_be_paid(admin_user, technician):
    earning = at_the_door(technician)
    earning_put_on_hold(earning=earning, actor=admin_user, reason="Receipt missing.")
    earning_release(earning=earning, actor=admin_user, reason="Receipt found.")

    payout = pay(technician, [earning], admin_user)

    assert payout.amount == Decimal("-12.00")
    assert totals_for(technician).balance == Decimal("0.00")


def test_a_visit_paid_at_the_door_is_owed_commission_not_a_payout(admin_user, technician, patient, service, area):
    booking = BookingFactory(
        user=patient,
        technician=technician,
        service=service,
        service_area=area,
        start=START,
        in_progress=True,
        payment_method=PaymentMethod.CARD,
    )

    bookings.booking_complete(booking=booking, actor=technician.user, payment_collected=True, now=START + H)

    earning = TechnicianEarnings.objects.get(booking=booking)
    booking.refresh_from_db()
    assert (booking.status, booking.payment_status) == (BookingStatus.COMPLETED, PaymentStatus.PAID)
    assert (earning.collected_amount, earning.owed_to_platform, earning.balance_amount) == (
        Decimal("80.00"),
        Decimal("12.00"),
        Decimal("-12.00"),
    )
