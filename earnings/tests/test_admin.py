"""Payouts in the back office: record one net of collections, hold and release with a reason, export, totals."""

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AdminUserFactory, TechnicianUserFactory
from bookings.models import PaymentMethod
from earnings import services
from earnings.models import EarningStatus, Payout, PayoutMethod
from earnings.selectors import totals_for
from earnings.signals import payout_recorded
from earnings.tests.factories import TechnicianEarningsFactory
from homecure.models import AdminLog
from technicians.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:earnings_technicianearnings_changelist")
BROWSER = {"REMOTE_ADDR": "203.0.113.20", "HTTP_USER_AGENT": "Mozilla/5.0 (Back office test)"}


def _action(admin_client, action, earnings, **data):
    return admin_client.post(
        CHANGELIST, {"action": action, "_selected_action": [e.pk for e in earnings], **data}, **BROWSER
    )


@pytest.fixture
def earnings(technician):
    """Two visits paid online (the platform owes 2 x 68.00) and one paid in cash at the door (12.00 owed)."""
    return [
        TechnicianEarningsFactory(technician=technician),
        TechnicianEarningsFactory(technician=technician),
        TechnicianEarningsFactory(technician=technician, booking__payment_method=PaymentMethod.CASH),
    ]


def test_record_payout_first_shows_the_net_and_asks_for_method_and_transaction_id(admin_client, earnings):
    response = _action(admin_client, "record_payout", earnings)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Record a payout" in page
    assert "Net: the platform pays the technician $124.00." in page  # 68 + 68 - 12
    assert "Collected at the door" in page and "-$12.00" in page
    assert all(e.booking.reference in page for e in earnings)
    assert not Payout.objects.exists()


def test_record_payout_net_of_collections_settles_the_balance_and_audits_it(admin_client, admin_user, earnings):
    sent = []
    payout_recorded.connect(lambda **kwargs: sent.append(kwargs["payout"]), weak=False, dispatch_uid="test-paid")
    try:
        response = _action(
            admin_client,
            "record_payout",
            earnings,
            apply="yes",
            method=PayoutMethod.BANK_TRANSFER,
            transaction_id=" TX-2026-0042 ",
        )
    finally:
        payout_recorded.disconnect(dispatch_uid="test-paid")

    assert response.status_code == 302
    payout = Payout.objects.get()
    assert sent == [payout]
    assert (payout.amount, payout.transaction_id, payout.recorded_by) == (Decimal("124.00"), "TX-2026-0042", admin_user)
    for earning in earnings:
        earning.refresh_from_db()
        assert (earning.payment_status, earning.payout) == (EarningStatus.PAID, payout)
    entry = AdminLog.objects.get(action="payout_recorded")
    assert (entry.admin_user, entry.entity_id) == (admin_user, str(payout.pk))
    assert (entry.ip_address, entry.user_agent) == ("203.0.113.20", "Mozilla/5.0 (Back office test)")
    assert "by Bank transfer, transaction TX-2026-0042" in entry.description
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "Paid to the technician: $124.00 for Nadia Nurse (Nurse), settling 3 earnings." in messages


def test_money_received_from_a_technician_is_recorded_the_same_way(admin_client, technician):
    owed = [
        TechnicianEarningsFactory(technician=technician, booking__payment_method=method)
        for method in (PaymentMethod.CARD, PaymentMethod.CASH)
    ]

    confirm = _action(admin_client, "record_payout", owed).content.decode()
    _action(admin_client, "record_payout", owed, apply="yes", method=PayoutMethod.CASH, transaction_id="RCPT-7")

    assert "Net: the technician pays the platform $24.00" in confirm
    assert Payout.objects.get().amount == Decimal("-24.00")
    assert totals_for(technician).balance == Decimal("0.00")


def test_record_payout_without_a_transaction_id_is_refused_next_to_the_field(admin_client, earnings):
    response = _action(
        admin_client, "record_payout", earnings, apply="yes", method=PayoutMethod.WALLET, transaction_id=""
    )

    assert response.status_code == 200
    assert response.context["form"].errors["transaction_id"] == ["This field is required."]
    assert not AdminLog.objects.exists()
    assert not Payout.objects.exists()


def test_record_payout_leaves_out_what_cannot_be_settled_and_says_why(admin_client, admin_user, technician):
    settled = TechnicianEarningsFactory(technician=technician)
    services.payout_record(
        technician=technician, earnings=[settled], actor=admin_user, method=PayoutMethod.CASH, transaction_id="R-1"
    )
    held = TechnicianEarningsFactory(technician=technician, payment_status=EarningStatus.ON_HOLD)
    pending = TechnicianEarningsFactory(technician=technician)
    chosen = [settled, held, pending]

    page = _action(admin_client, "record_payout", chosen).content.decode()
    _action(admin_client, "record_payout", chosen, apply="yes", method=PayoutMethod.WALLET, transaction_id="W-9")

    assert f"{settled.booking.reference}: already settled" in page
    assert f"{held.booking.reference}: on hold" in page
    settled.refresh_from_db()
    held.refresh_from_db()
    pending.refresh_from_db()
    assert settled.transaction_id == "R-1"
    assert held.payment_status == EarningStatus.ON_HOLD
    assert (pending.payment_status, pending.transaction_id, pending.payout.amount) == (
        EarningStatus.PAID,
        "W-9",
        Decimal("68.00"),
    )


def test_record_payout_takes_one_technician_at_a_time(admin_client, technician, other_technician):
    chosen = [TechnicianEarningsFactory(technician=technician), TechnicianEarningsFactory(technician=other_technician)]

    response = _action(
        admin_client, "record_payout", chosen, apply="yes", method=PayoutMethod.WALLET, transaction_id="W-1"
    )

    assert response.status_code == 302
    assert not Payout.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Select the earnings of one technician at a time: each payout is one transfer."]


def test_put_on_hold_asks_for_a_reason_then_holds_pending_earnings_only(admin_client, admin_user, technician):
    pending = TechnicianEarningsFactory(technician=technician)
    settled = TechnicianEarningsFactory(technician=technician)
    services.payout_record(
        technician=technician, earnings=[settled], actor=admin_user, method=PayoutMethod.CASH, transaction_id="R-1"
    )

    form = _action(admin_client, "put_on_hold", [pending, settled])
    blank = _action(admin_client, "put_on_hold", [pending, settled], apply="yes", reason="   ")
    response = _action(admin_client, "put_on_hold", [pending, settled], apply="yes", reason="Patient disputes it.")

    assert form.status_code == blank.status_code == 200
    assert "Reason" in form.content.decode()
    assert blank.context["form"].errors["reason"]
    pending.refresh_from_db()
    settled.refresh_from_db()
    assert response.status_code == 302
    assert (pending.payment_status, pending.hold_reason) == (EarningStatus.ON_HOLD, "Patient disputes it.")
    assert settled.payment_status == EarningStatus.PAID
    entry = AdminLog.objects.get(action="earning_put_on_hold")
    assert entry.entity_id == str(pending.pk)
    assert (entry.ip_address, entry.user_agent) == ("203.0.113.20", "Mozilla/5.0 (Back office test)")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "1 earning put on hold." in messages
    assert "1 earning was not pending and was left as it was." in messages


def test_release_asks_for_a_reason_and_returns_held_earnings_to_pending_once_each(admin_client, admin_user, technician):
    held = TechnicianEarningsFactory(technician=technician)
    services.earning_put_on_hold(earning=held, actor=admin_user, reason="Question")
    pending = TechnicianEarningsFactory(technician=technician)

    response = _action(admin_client, "release", [held, pending], apply="yes", reason="Answered by the patient.")

    held.refresh_from_db()
    pending.refresh_from_db()
    assert (held.payment_status, pending.payment_status) == (EarningStatus.PENDING, EarningStatus.PENDING)
    assert held.release_reason == "Answered by the patient."
    entry = AdminLog.objects.get(action="earning_released")
    assert (entry.entity_id, entry.admin_user) == (str(held.pk), admin_user)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "1 earning released from hold." in messages
    assert "1 earning was not on hold and was left as it was." in messages


@pytest.mark.parametrize("persona", ["patient", "technician"])
def test_only_administrators_record_payouts(request, persona, technician):
    person = request.getfixturevalue(persona)
    actor = person if persona == "patient" else person.user
    earning = TechnicianEarningsFactory(technician=technician)

    with pytest.raises(services.PayoutError):
        services.payout_record(
            technician=technician, earnings=[earning], actor=actor, method=PayoutMethod.CASH, transaction_id="X"
        )
    with pytest.raises(services.PayoutError):
        services.earning_put_on_hold(earning=earning, actor=actor, reason="No.")

    earning.refresh_from_db()
    assert earning.payment_status == EarningStatus.PENDING


def test_payouts_are_listed_read_only(admin_client, admin_user, earnings, technician):
    payout = services.payout_record(
        technician=technician, earnings=earnings, actor=admin_user, method=PayoutMethod.WALLET, transaction_id="W-3"
    )

    listing = admin_client.get(reverse("admin:earnings_payout_changelist")).content.decode()
    detail = admin_client.get(reverse("admin:earnings_payout_change", args=[payout.pk])).content.decode()
    edit = admin_client.post(reverse("admin:earnings_payout_change", args=[payout.pk]), {"amount": "1.00"})

    assert "Paid to the technician" in listing and "$124.00" in listing
    assert all(e.booking.reference in detail for e in earnings)
    assert edit.status_code == 403
    payout.refresh_from_db()
    assert payout.amount == Decimal("124.00")


def test_csv_export_lists_the_selection_and_never_starts_a_cell_with_a_formula(admin_client):
    technician = TechnicianFactory(
        user=TechnicianUserFactory(first_name='=HYPERLINK("http://evil.example")', last_name="Nurse")
    )
    earning = TechnicianEarningsFactory(technician=technician)
    AdminUserFactory()

    response = _action(admin_client, "export_csv", [earning])

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="homecure-earnings-')
    header, row = list(csv.reader(io.StringIO(response.content.decode())))
    assert header[:4] == ["Visit", "Visit date", "Technician", "Technician e-mail"]
    assert row[0] == earning.booking.reference
    assert row[2] == '\'=HYPERLINK("http://evil.example") Nurse'
    assert row[4:8] == ["80.00", "0.1500", "12.00", "68.00"]
    assert row[header.index("Payout status")] == "Pending"


def test_csv_export_writes_the_same_date_and_time_format_as_the_technicians_download(admin_client, technician):
    earning = TechnicianEarningsFactory(
        technician=technician,
        payment_status=EarningStatus.PAID,
        payment_date=timezone.make_aware(datetime(2025, 3, 2, 14, 30)),
        payment_method=PayoutMethod.BANK_TRANSFER,
    )

    header, row = list(csv.reader(io.StringIO(_action(admin_client, "export_csv", [earning]).content.decode())))

    assert row[1] == earning.booking.scheduled_date.strftime("%Y-%m-%d")
    assert row[header.index("Settled at")] == "2025-03-02 14:30"


def test_changelist_shows_totals_of_the_filtered_rows(admin_client, technician):
    TechnicianEarningsFactory(technician=technician)
    TechnicianEarningsFactory(technician=technician)
    held = TechnicianEarningsFactory(technician=technician)
    held.payment_status = EarningStatus.ON_HOLD
    held.save()

    everything = admin_client.get(CHANGELIST)
    pending = admin_client.get(CHANGELIST, {"payment_status__exact": "pending"})

    assert everything.context["totals"] == {
        "total_amount": Decimal("240.00"),
        "total_commission": Decimal("36.00"),
        "total_net": Decimal("204.00"),
        "total_balance": Decimal("204.00"),
    }
    assert pending.context["totals"]["total_net"] == Decimal("136.00")
    assert "$136.00" in pending.content.decode()


def test_payout_fields_are_not_typed_by_hand(admin_client, technician):
    earning = TechnicianEarningsFactory(technician=technician)
    url = reverse("admin:earnings_technicianearnings_change", args=[earning.pk])

    response = admin_client.post(
        url, {"payment_method": "cash", "transaction_id": "TX-FAKE", "notes": "Asked about the visit on 3 May."}
    )

    earning.refresh_from_db()
    assert response.status_code == 302
    assert (earning.payment_method, earning.transaction_id) == ("", "")
    assert earning.notes == "Asked about the visit on 3 May."


def _changelist_queries(client, **params):
    client.get(CHANGELIST, params)  # fills the settings cache, which a real server keeps warm
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return len(queries)


def test_changelist_queries_do_not_grow_with_the_rows(admin_client, technician, other_technician):
    for _ in range(5):
        TechnicianEarningsFactory(technician=technician)
        TechnicianEarningsFactory(technician=other_technician)
    with_10 = _changelist_queries(admin_client)

    for index in range(90):
        TechnicianEarningsFactory(technician=technician if index % 2 else other_technician)
    with_100 = _changelist_queries(admin_client)

    assert with_10 == with_100
