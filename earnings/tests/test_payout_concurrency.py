"""Twenty payout submissions at the same instant (a double-clicked button, two tabs) record one payout.

Each thread has its own database connection and waits at a barrier. PostgreSQL only: SQLite
serializes every writer, so there is no race there to observe. The negative control takes the
lock away (each thread reads the earnings, waits for the others to have read them too, then
writes) and shows that the same race then records a payout per thread, so a passing test means
the lock and the re-check held, not that the threads never met.
"""

import threading

import pytest
from django.db import connection, connections

from earnings import services
from earnings.models import EarningStatus, Payout, PayoutMethod, TechnicianEarnings
from earnings.selectors import totals_for
from earnings.tests.factories import TechnicianEarningsFactory
from homecure.models import AdminLog

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL: SQLite serializes all writers, so no race can happen "
        "(run with DATABASE_URL=postgres://...)",
    ),
    pytest.mark.django_db(transaction=True),
]

SUBMISSIONS = 20


def race(count, run):
    """Run `run` in `count` threads at the same instant; what each returned or raised."""
    barrier = threading.Barrier(count)
    outcomes = []

    def thread():
        try:
            barrier.wait(timeout=30)
            outcomes.append(run())
        except Exception as error:
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=thread) for _ in range(count)]
    for each in threads:
        each.start()
    for each in threads:
        each.join(timeout=60)
    assert not any(each.is_alive() for each in threads), "a payout hung"
    return outcomes


@pytest.fixture
def due(technician):
    return [TechnicianEarningsFactory(technician=technician) for _ in range(3)]


def submit(technician, earnings, admin_user):
    return lambda: services.payout_record(
        technician=technician,
        earnings=[earning.pk for earning in earnings],
        actor=admin_user,
        method=PayoutMethod.BANK_TRANSFER,
        transaction_id="TX-DOUBLE",
    )


def test_twenty_submissions_at_once_record_one_payout(technician, admin_user, due):
    outcomes = race(SUBMISSIONS, submit(technician, due, admin_user))

    payouts = [o for o in outcomes if isinstance(o, Payout)]
    refusals = [o for o in outcomes if isinstance(o, services.PayoutError)]
    assert (len(payouts), len(refusals)) == (1, SUBMISSIONS - 1), outcomes
    assert {refusal.code for refusal in refusals} == {"already_settled"}
    assert Payout.objects.count() == 1
    assert AdminLog.objects.filter(action="payout_recorded").count() == 1
    assert set(TechnicianEarnings.objects.values_list("payout", flat=True)) == {payouts[0].pk}
    assert totals_for(technician).balance == 0


def test_without_the_lock_the_same_race_records_a_payout_per_submission(technician, admin_user, due, monkeypatch):
    """Negative control: every thread reads the earnings unlocked and waits until all have read them."""
    all_read = threading.Barrier(SUBMISSIONS)

    def unlocked(technician, earning_ids):
        read = list(TechnicianEarnings.objects.filter(pk__in=earning_ids).select_related("booking").order_by("pk"))
        all_read.wait(timeout=30)
        return read

    monkeypatch.setattr(services, "_lock_for_payout", unlocked)

    outcomes = race(SUBMISSIONS, submit(technician, due, admin_user))

    assert all(isinstance(o, Payout) for o in outcomes), outcomes
    assert Payout.objects.count() == SUBMISSIONS
    assert TechnicianEarnings.objects.filter(payment_status=EarningStatus.PAID).count() == len(due)
