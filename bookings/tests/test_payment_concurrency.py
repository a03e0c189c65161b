"""Receipt numbers and refunds under concurrency (PostgreSQL, threads, each with its own connection).

Twenty patients pay at the same instant: their receipts get twenty consecutive numbers, no gap, no
duplicate. The negative control takes the counter's row lock away and shows the same race then
hands one number out twice (the unique index refuses the second payment), so a passing test means
the lock held. Twenty submits of one refund form refund once.
"""

import threading
import time as clock
import uuid
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from accounts.tests.factories import PatientFactory
from bookings import payments, receipts, services
from bookings.models import DocumentCounter, Payment, PaymentKind, PaymentMethod
from bookings.tests.factories import BookingFactory

LONDON = ZoneInfo("Europe/London")
START = datetime.combine(date(2027, 6, 16), time(10, 0), tzinfo=LONDON)
PAID_AT = datetime(2027, 6, 10, 9, 0, tzinfo=LONDON)
ATTEMPTS = 20

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency needs PostgreSQL: SQLite serializes all writers, so no race can happen "
        "(run with DATABASE_URL=postgres://...)",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


def race(attempts):
    """Run every attempt at the same instant in its own thread; (results, errors)."""
    barrier = threading.Barrier(len(attempts))
    results, errors = [], []

    def run(attempt):
        try:
            barrier.wait(timeout=30)
            results.append(attempt())
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a payment thread hung"
    return results, errors


def online_bookings(area, service):
    return [
        BookingFactory(
            user=patient,
            service=service,
            service_area=area,
            start=START,
            confirmed=True,
            payment_method=PaymentMethod.ONLINE,
        )
        for patient in PatientFactory.create_batch(ATTEMPTS, area=area)
    ]


def payments_of(bookings):
    return [
        lambda booking=booking: services.booking_pay_online(
            booking=booking, actor=booking.user, card_number="4242424242424242", now=PAID_AT
        )
        for booking in bookings
    ]


def test_twenty_payments_at_once_get_twenty_consecutive_numbers(area, service):
    _results, errors = race(payments_of(online_bookings(area, service)))

    assert errors == []
    numbers = sorted(Payment.objects.values_list("number", flat=True))
    assert numbers == [f"HC-R-2027-{n:06d}" for n in range(1, ATTEMPTS + 1)]
    assert DocumentCounter.objects.get(series="R", year=2027).last_number == ATTEMPTS


def test_without_the_counter_lock_the_same_race_hands_a_number_out_twice(area, service, monkeypatch):
    def unlocked(series, *, at):
        counter, _created = DocumentCounter.objects.get_or_create(series=series, year=at.year)
        clock.sleep(0.05)  # read, think, write: what the lock makes safe
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        return f"HC-{series}-{at.year}-{counter.last_number:06d}"

    monkeypatch.setattr(receipts, "allocate_number", unlocked)

    _results, errors = race(payments_of(online_bookings(area, service)))

    assert errors, "the race did not happen: the positive test above would prove nothing"
    assert Payment.objects.count() < ATTEMPTS


def test_twenty_submits_of_one_refund_form_refund_once(area, service, admin_user):
    booking = online_bookings(area, service)[0]
    services.booking_pay_online(booking=booking, actor=booking.user, card_number="4242424242424242", now=PAID_AT)
    key = uuid.uuid4()
    submit = [
        lambda: payments.booking_refund(
            booking=booking, actor=admin_user, amount=Decimal("80.00"), reason="Double click", idempotency_key=key
        )
    ] * ATTEMPTS

    results, errors = race(submit)

    assert errors == []
    assert {payment.pk for payment in results} == {Payment.objects.get(kind=PaymentKind.REFUND).pk}
