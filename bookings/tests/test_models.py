import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from bookings.models import (
    ACTIVE_STATUSES,
    CATEGORY_SPECIALIZATION,
    Booking,
    BookingStatus,
    BookingStatusHistory,
    PaymentMethod,
    PaymentStatus,
    ServiceCategory,
)
from bookings.tests.factories import (
    BookingDeclineFactory,
    BookingFactory,
    BookingStatusHistoryFactory,
    ServiceFactory,
)
from technicians.models import Specialization
from technicians.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


def _refused(**changes):
    """True when the database refuses to give a booking these values."""
    booking = BookingFactory()
    try:
        with transaction.atomic():
            Booking.objects.filter(pk=booking.pk).update(**changes)
    except IntegrityError:
        return True
    return False


def test_set_schedule_keeps_the_instant_and_the_local_date_and_time_together():
    booking = BookingFactory.build()

    # 23:30 UTC on 1 July is 00:30 on 2 July in London (summer time).
    booking.set_schedule(datetime(2026, 7, 1, 23, 30, tzinfo=UTC), 45)

    assert booking.scheduled_start == datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    assert booking.scheduled_end == datetime(2026, 7, 2, 0, 15, tzinfo=UTC)
    assert booking.duration_minutes == 45
    assert (booking.scheduled_date, booking.scheduled_time) == (date(2026, 7, 2), time(0, 30))


def test_factory_schedule_fields_agree_after_saving():
    booking = BookingFactory(start=datetime(2026, 1, 15, 10, 0, tzinfo=UTC))

    booking.refresh_from_db()
    assert booking.scheduled_end - booking.scheduled_start == timedelta(minutes=60)
    assert (booking.scheduled_date, booking.scheduled_time) == (date(2026, 1, 15), time(10, 0))
    assert booking.total_amount == Decimal("80.00")


def test_reference_is_unique():
    BookingFactory(reference="HC123456")

    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(reference="HC123456")


def test_booking_must_end_after_it_starts():
    booking = BookingFactory()

    assert _refused(scheduled_end=booking.scheduled_start - timedelta(minutes=1))


def test_end_equal_to_start_is_refused():
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=BookingFactory(start=start).pk).update(scheduled_end=start)


@pytest.mark.parametrize("rating, refused", [(0, True), (1, False), (5, False), (6, True), (None, False)])
def test_rating_is_one_to_five_or_empty(rating, refused):
    assert _refused(user_rating=rating) is refused


def test_total_cannot_be_negative():
    assert _refused(total_amount=Decimal("-0.01"))


def test_one_booking_per_submitted_form():
    token = uuid.uuid4()
    first = BookingFactory(request_token=token)

    BookingFactory(request_token=token)  # another patient's form may carry the same token
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(user=first.user, request_token=token)


def test_check_in_token_is_unique_when_set():
    BookingFactory(qr_code_data="same-token")
    BookingFactory(qr_code_data=None)
    BookingFactory(qr_code_data=None)

    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(qr_code_data="same-token")


def test_service_price_and_duration_constraints():
    ServiceFactory(price=Decimal("0.00"))

    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceFactory(price=Decimal("-1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceFactory(duration_minutes=0)


def test_service_slug_is_unique():
    ServiceFactory(slug="nurse-visit")

    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceFactory(slug="nurse-visit")


def test_service_links_to_its_catalog_page():
    assert ServiceFactory(slug="nurse-visit").get_absolute_url() == "/services/nurse-visit/"


@pytest.mark.parametrize(
    "category, specialization",
    [
        (ServiceCategory.NURSING, Specialization.NURSE),
        (ServiceCategory.PHYSIOTHERAPY, Specialization.PHYSIOTHERAPIST),
        (ServiceCategory.LAB_TESTS, Specialization.LAB_TECHNICIAN),
    ],
)
def test_each_category_is_performed_by_one_specialization(category, specialization):
    assert ServiceFactory.build(category=category).specialization == specialization
    assert category.specialization == specialization


def test_every_category_has_a_specialization():
    assert set(CATEGORY_SPECIALIZATION) == set(ServiceCategory)


@pytest.mark.parametrize("status", BookingStatus.values)
def test_active_means_pending_confirmed_or_in_progress(status):
    booking = BookingFactory.build(status=status)

    assert booking.is_active is (status in {"pending", "confirmed", "in_progress"})


def test_patient_may_pay_online_while_the_booking_is_active_and_unpaid():
    online = {"payment_method": PaymentMethod.ONLINE}

    assert BookingFactory.build(**online).can_pay is True
    assert BookingFactory.build(payment_method=PaymentMethod.CASH).can_pay is False
    assert BookingFactory.build(**online, payment_status=PaymentStatus.PAID).can_pay is False
    assert BookingFactory.build(**online, status=BookingStatus.CANCELLED).can_pay is False


def test_patient_may_review_a_completed_visit_once():
    assert BookingFactory.build(completed=True).can_review is True
    assert BookingFactory.build(completed=True, user_rating=4).can_review is False
    assert BookingFactory.build(in_progress=True).can_review is False


def test_qr_code_is_shown_for_a_confirmed_visit_that_has_one():
    assert BookingFactory.build(status=BookingStatus.CONFIRMED, qr_code="iVBORw0KGgo=").shows_qr is True
    assert BookingFactory.build(status=BookingStatus.CONFIRMED, qr_code="").shows_qr is False
    assert BookingFactory.build(status=BookingStatus.IN_PROGRESS, qr_code="iVBORw0KGgo=").shows_qr is False


def test_choices():
    assert BookingStatus.values == ["pending", "confirmed", "in_progress", "completed", "cancelled"]
    assert set(ACTIVE_STATUSES) == {BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS}
    assert PaymentStatus.values == ["pending", "paid", "refunded"]
    assert PaymentMethod.values == ["cash", "card", "online"]
    assert ServiceCategory.values == ["nursing", "physiotherapy", "lab_tests"]


def test_booking_defaults():
    booking = BookingFactory()

    assert (booking.status, booking.payment_status, booking.payment_method) == ("pending", "pending", "cash")
    assert booking.technician is None


def test_a_booked_service_and_patient_cannot_be_deleted():
    booking = BookingFactory()

    with pytest.raises(ProtectedError), transaction.atomic():
        booking.service.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        booking.user.delete()


def test_str_of_each_model():
    booking = BookingFactory(
        reference="HC000042",
        service__name="Blood test at home",
        start=datetime(2026, 7, 1, 23, 30, tzinfo=UTC),
    )
    history = BookingStatusHistoryFactory(booking=booking, from_status="pending", to_status="confirmed")
    first = BookingStatusHistoryFactory(booking=booking, from_status="", to_status="pending")
    technician = TechnicianFactory()
    decline = BookingDeclineFactory(booking=booking, technician=technician)

    assert str(booking.service) == "Blood test at home"
    assert str(booking) == "HC000042 · Blood test at home · 2026-07-02 00:30"
    assert str(history) == "HC000042: Pending to Confirmed"
    assert str(first) == "HC000042: - to Pending"
    assert str(decline) == f"HC000042 declined by {technician}"


def test_status_history_reads_in_time_order():
    booking = BookingFactory()
    now = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    later = BookingStatusHistoryFactory(booking=booking, to_status="confirmed", created_at=now + timedelta(hours=1))
    earlier = BookingStatusHistoryFactory(booking=booking, to_status="pending", created_at=now)

    assert list(booking.history.all()) == [earlier, later]
    assert list(BookingStatusHistory.objects.filter(booking=booking)) == [earlier, later]


def test_factory_traits_give_consistent_states():
    completed = BookingFactory(completed=True)
    cancelled = BookingFactory(cancelled=True)

    assert completed.status == BookingStatus.COMPLETED
    assert completed.qr_code_data
    assert completed.checked_in_at == completed.scheduled_start
    assert completed.completed_at == completed.scheduled_end
    assert (cancelled.status, cancelled.cancellation_reason) == (BookingStatus.CANCELLED, "Plans changed")
    assert cancelled.cancelled_at is not None
