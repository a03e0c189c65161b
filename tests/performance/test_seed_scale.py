"""`seed_scale` builds the load-test platform: the counts asked for, every status, no clash."""

from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import User, UserRole
from bookings import receipts, selectors
from bookings.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    BookingStatusHistory,
    DocumentCounter,
    DocumentSeries,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentState,
    PaymentStatus,
)
from bookings.payments import sync_booking_payment
from earnings.models import CollectedBy, TechnicianEarnings
from earnings.services import collection_terms
from homecure.management.demo_paths import status_steps
from notifications.models import Notification
from records.models import HealthRecord
from technicians.models import Technician

pytestmark = pytest.mark.django_db

COUNTS = {"technicians": 6, "patients": 30, "bookings": 400, "records": 150, "notifications": 700, "chunk": 64}


def seed(**options):
    out = StringIO()
    call_command("seed_scale", **{**COUNTS, **options}, stdout=out)
    return out.getvalue()


def fingerprint():
    return list(
        Booking.objects.order_by("reference").values_list(
            "reference",
            "user__email",
            "technician__license_number",
            "service__slug",
            "scheduled_date",
            "scheduled_time",
        )
    )


class Rollback(Exception):
    pass


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_seeds_the_counts_asked_for_in_every_status(debug):
    output = seed()

    assert User.objects.filter(role=UserRole.PATIENT).count() == 30
    assert Technician.objects.count() == 6
    assert User.objects.filter(role=UserRole.ADMIN, is_staff=True).count() == 1
    assert Booking.objects.count() == 400
    assert HealthRecord.objects.count() == 150
    assert Notification.objects.count() == 700
    assert set(Booking.objects.values_list("status", flat=True)) == set(BookingStatus.values)
    completed = Booking.objects.filter(status=BookingStatus.COMPLETED)
    assert TechnicianEarnings.objects.count() == completed.exclude(technician=None).count()
    assert BookingStatusHistory.objects.filter(to_status=BookingStatus.COMPLETED).count() == completed.count()
    cancelled = Booking.objects.filter(status=BookingStatus.CANCELLED).prefetch_related("history").first()
    steps = [(change.from_status, change.to_status) for change in cancelled.history.order_by("created_at", "pk")]
    assert steps == status_steps(BookingStatus.CANCELLED)
    assert "bookings_booking" in output
    assert "notifications_notification" in output


def test_every_visits_payment_status_is_what_its_payment_rows_give(debug):
    seed()

    bookings = list(Booking.objects.select_related("service"))
    seeded = Counter((b.payment_status, b.payment_method) for b in bookings)
    assert {status for status, _method in seeded} == set(PaymentStatus.values)
    assert {method for status, method in seeded if status == PaymentStatus.PAID} == set(PaymentMethod.values)
    charges = Counter(
        Payment.objects.filter(state=PaymentState.CONFIRMED)
        .exclude(kind=PaymentKind.REFUND)
        .values_list("booking_id", flat=True)
    )
    for booking in bookings:
        stored = (booking.payment_status, booking.payment_method, booking.payment_reference)
        sync_booking_payment(booking)
        assert (booking.payment_status, booking.payment_method, booking.payment_reference) == stored, booking.reference
        assert charges[booking.pk] == (0 if booking.payment_status == PaymentStatus.PENDING else 1), booking.reference
        if booking.payment_status == PaymentStatus.REFUNDED:
            assert selectors.amount_refunded(booking) == booking.total_amount
    assert not Payment.objects.exclude(state=PaymentState.CONFIRMED).exists()


def test_receipts_and_credit_notes_are_numbered_per_year_without_gaps(debug):
    seed()

    documents = defaultdict(list)
    for payment in Payment.objects.order_by("settled_at", "pk"):
        series = DocumentSeries.CREDIT_NOTE if payment.kind == PaymentKind.REFUND else DocumentSeries.RECEIPT
        documents[series, timezone.localtime(payment.settled_at).year].append(payment.number)
    assert {series for series, _year in documents} == set(DocumentSeries.values)
    counters = {(c.series, c.year): c.last_number for c in DocumentCounter.objects.all()}
    assert counters == {key: len(numbers) for key, numbers in documents.items()}
    for (series, year), numbers in documents.items():
        assert numbers == [receipts.document_number(series, year, n) for n in range(1, len(numbers) + 1)]


def test_earnings_record_who_collected_the_money(debug):
    seed()

    earnings = list(TechnicianEarnings.objects.select_related("booking"))
    assert {earning.collected_by for earning in earnings} == {CollectedBy.PLATFORM, CollectedBy.TECHNICIAN}
    for earning in earnings:
        booking = earning.booking
        terms = collection_terms(
            payment_method=booking.payment_method,
            payment_status=booking.payment_status,
            amount=booking.total_amount,
            net=earning.net_earnings,
        )
        assert (earning.collected_by, earning.collected_amount, earning.balance_amount) == (
            terms.collected_by,
            terms.collected_amount,
            terms.balance_amount,
        )
        assert earning.collected_amount == selectors.collected_at_door(booking)


def test_a_technicians_active_visits_never_overlap(debug):
    seed()

    active = Booking.objects.filter(status__in=ACTIVE_STATUSES).exclude(technician=None)
    by_technician = Counter(active.values_list("technician_id", "scheduled_start"))
    assert by_technician
    assert max(by_technician.values()) == 1
    for booking in active:
        assert not active.filter(
            technician_id=booking.technician_id,
            scheduled_start__lt=booking.scheduled_end,
            scheduled_end__gt=booking.scheduled_start,
        ).exclude(pk=booking.pk)


def test_the_first_patient_and_technician_are_the_busiest(debug):
    seed()

    per_patient = Counter(Booking.objects.values_list("user__email", flat=True))
    per_technician = Counter(Booking.objects.exclude(technician=None).values_list("technician__user__email", flat=True))
    assert per_patient.most_common(1)[0][0] == "patient-00000@scale.homecure.example"
    assert per_technician.most_common(1)[0][0] == "technician-0000@scale.homecure.example"


def test_the_same_seed_gives_the_same_data(debug):
    with pytest.raises(Rollback), transaction.atomic():
        seed()
        first = fingerprint()
        raise Rollback
    seed()

    assert fingerprint() == first
    assert len(first) == 400


def test_refuses_a_database_that_already_has_scale_data(debug):
    seed(bookings=10, records=2, notifications=10)

    with pytest.raises(CommandError, match="already holds scale data"):
        seed()


def test_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed()
    assert not User.objects.exists()
