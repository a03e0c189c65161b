"""Payouts in the back office: mark paid with method and transaction id, hold, export, totals."""

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
from earnings import services
from earnings.models import EarningStatus, PayoutMethod
from earnings.signals import earnings_paid
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
    return [TechnicianEarningsFactory(technician=technician) for _ in range(2)]


def test_mark_paid_first_asks_for_method_and_transaction_id(admin_client, earnings):
    response = _action(admin_client, "mark_paid", earnings)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Record a payout" in page
    assert "$136.00" in page  # 2 x 68.00 net
    assert all(e.booking.reference in page for e in earnings)
    for earning in earnings:
        earning.refresh_from_db()
        assert earning.payment_status == EarningStatus.PENDING


def test_mark_paid_records_the_payout_once_per_earning_and_audits_it(admin_client, admin_user, earnings):
    sent = []
    earnings_paid.connect(lambda **kwargs: sent.append(kwargs["earning"].pk), weak=False, dispatch_uid="test-paid")
    try:
        response = _action(
            admin_client,
            "mark_paid",
            earnings,
            apply="yes",
            method=PayoutMethod.BANK_TRANSFER,
            transaction_id=" TX-2026-0042 ",
        )
    finally:
        earnings_paid.disconnect(dispatch_uid="test-paid")

    assert response.status_code == 302
    for earning in earnings:
        earning.refresh_from_db()
        assert earning.payment_status == EarningStatus.PAID
        assert earning.payment_method == PayoutMethod.BANK_TRANSFER
        assert earning.transaction_id == "TX-2026-0042"
        assert earning.payment_date is not None
    assert sorted(sent) == sorted(e.pk for e in earnings)
    entries = AdminLog.objects.filter(entity_type="earnings.technicianearnings")
    assert entries.count() == 2
    for entry in entries:
        assert entry.action == "earning_paid"
        assert entry.admin_user == admin_user
        assert (entry.ip_address, entry.user_agent) == ("203.0.113.20", "Mozilla/5.0 (Back office test)")
        assert entry.previous_values["payment_status"] == "pending"
        assert entry.new_values["payment_status"] == "paid"
        assert entry.new_values["transaction_id"] == "TX-2026-0042"
        assert "by Bank transfer, transaction TX-2026-0042" in entry.description


def test_mark_paid_without_a_transaction_id_is_refused_next_to_the_field(admin_client, earnings):
    response = _action(admin_client, "mark_paid", earnings, apply="yes", method=PayoutMethod.WALLET, transaction_id="")

    assert response.status_code == 200
    assert response.context["form"].errors["transaction_id"] == ["This field is required."]
    assert not AdminLog.objects.exists()
    for earning in earnings:
        earning.refresh_from_db()
        assert earning.payment_status == EarningStatus.PENDING


def test_mark_paid_leaves_an_earning_already_paid_as_it_was(admin_client, technician):
    paid = TechnicianEarningsFactory(technician=technician)
    services.earning_mark_paid(
        earning=paid, actor=AdminUserFactory(), method=PayoutMethod.CASH, transaction_id="RECEIPT-1"
    )
    pending = TechnicianEarningsFactory(technician=technician)

    _action(admin_client, "mark_paid", [paid, pending], apply="yes", method=PayoutMethod.WALLET, transaction_id="W-9")

    paid.refresh_from_db()
    pending.refresh_from_db()
    assert (paid.payment_method, paid.transaction_id) == (PayoutMethod.CASH, "RECEIPT-1")
    assert (pending.payment_status, pending.transaction_id) == (EarningStatus.PAID, "W-9")


def test_put_on_hold_holds_pending_earnings_only(admin_client, admin_user, technician):
    pending = TechnicianEarningsFactory(technician=technician)
    paid = TechnicianEarningsFactory(technician=technician)
    services.earning_mark_paid(earning=paid, actor=admin_user, method=PayoutMethod.CASH, transaction_id="R-1")

    response = _action(admin_client, "put_on_hold", [pending, paid])

    pending.refresh_from_db()
    paid.refresh_from_db()
    assert response.status_code == 302
    assert pending.payment_status == EarningStatus.ON_HOLD
    assert paid.payment_status == EarningStatus.PAID
    entry = AdminLog.objects.get(action="earning_put_on_hold")
    assert entry.entity_id == str(pending.pk)
    assert (entry.previous_values["payment_status"], entry.new_values["payment_status"]) == ("pending", "on_hold")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "1 earning put on hold." in messages
    assert "1 earning was not pending and was left as it was." in messages


def test_release_returns_held_earnings_to_pending_once_each(admin_client, admin_user, technician):
    held = TechnicianEarningsFactory(technician=technician)
    services.earning_put_on_hold(earning=held, actor=admin_user)
    pending = TechnicianEarningsFactory(technician=technician)

    response = _action(admin_client, "release", [held, pending])

    held.refresh_from_db()
    pending.refresh_from_db()
    assert (held.payment_status, pending.payment_status) == (EarningStatus.PENDING, EarningStatus.PENDING)
    entry = AdminLog.objects.get(action="earning_released")
    assert (entry.entity_id, entry.admin_user) == (str(held.pk), admin_user)
    assert (entry.ip_address, entry.user_agent) == ("203.0.113.20", "Mozilla/5.0 (Back office test)")
    assert (entry.previous_values["payment_status"], entry.new_values["payment_status"]) == ("on_hold", "pending")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "1 earning released from hold." in messages
    assert "1 earning was not on hold and was left as it was." in messages


def test_an_earning_on_hold_can_be_paid_later(admin_user, technician):
    earning = TechnicianEarningsFactory(technician=technician)
    services.earning_put_on_hold(earning=earning, actor=admin_user)

    services.earning_mark_paid(earning=earning, actor=admin_user, method=PayoutMethod.OTHER, transaction_id="CHQ-7")

    earning.refresh_from_db()
    assert earning.payment_status == EarningStatus.PAID


@pytest.mark.parametrize("persona", ["patient", "technician"])
def test_only_administrators_record_payouts(request, persona, technician):
    person = request.getfixturevalue(persona)
    actor = person if persona == "patient" else person.user
    earning = TechnicianEarningsFactory(technician=technician)

    with pytest.raises(services.PayoutError):
        services.earning_mark_paid(earning=earning, actor=actor, method=PayoutMethod.CASH, transaction_id="X")
    with pytest.raises(services.PayoutError):
        services.earning_put_on_hold(earning=earning, actor=actor)

    earning.refresh_from_db()
    assert earning.payment_status == EarningStatus.PENDING


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
    assert row[8] == "Pending"


def test_csv_export_writes_the_same_date_and_time_format_as_the_technicians_download(admin_client, technician):
    earning = TechnicianEarningsFactory(
        technician=technician,
        payment_status=EarningStatus.PAID,
        payment_date=timezone.make_aware(datetime(2025, 3, 2, 14, 30)),
        payment_method=PayoutMethod.BANK_TRANSFER,
    )

    header, row = list(csv.reader(io.StringIO(_action(admin_client, "export_csv", [earning]).content.decode())))

    assert row[1] == earning.booking.scheduled_date.strftime("%Y-%m-%d")
    assert row[header.index("Paid at")] == "2025-03-02 14:30"


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


def test_payout_entry_reads_in_words(admin_client, earnings):
    _action(admin_client, "mark_paid", earnings[:1], apply="yes", method=PayoutMethod.WALLET, transaction_id="W-1")
    entry = AdminLog.objects.get(action="earning_paid")

    page = admin_client.get(reverse("admin:homecure_adminlog_change", args=[entry.pk])).content.decode()

    assert entry.description.startswith("Paid $68.00 to Nadia Nurse (Nurse) for visit ")
    assert "<th scope='row'>Payout status</th><td>Pending</td><td>Paid</td>" in page
    assert "<th scope='row'>Payout method</th><td>-</td><td>Wallet</td>" in page
    assert entry.new_values["payment_date"] not in page  # shown as a local date and time, not ISO
