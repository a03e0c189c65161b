import secrets
from datetime import datetime, time, timedelta
from decimal import Decimal

import factory
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from accounts.tests.factories import PatientFactory, ServiceAreaFactory, TechnicianUserFactory
from bookings import payments
from bookings.models import (
    Booking,
    BookingDecline,
    BookingStatus,
    BookingStatusHistory,
    CalendarFeed,
    CheckInFailure,
    CheckInMethod,
    FailedCheckIn,
    MissedVisit,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentStatus,
    SeriesRepeat,
    Service,
    ServiceCategory,
    VisitSeries,
    WaitlistEntry,
)
from technicians.tests.factories import TechnicianFactory


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Home nursing visit {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "A registered nurse visits you at home."
    category = ServiceCategory.NURSING
    price = Decimal("80.00")
    duration_minutes = 60
    is_active = True


def slot_start(n):
    """The n-th default visit start: 3 to 22 days ahead at 08:00, 10:00, ... 16:00 local time.

    Consecutive bookings get different, non-overlapping two-hour slots inside an 08:00-18:00
    working day and the booking horizon, so several visits of one technician never clash.
    """
    day = timezone.localdate() + timedelta(days=3 + n % 20)
    hour = 8 + 2 * ((n // 20) % 5)
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


class BookingFactory(DjangoModelFactory):
    """A pending, unassigned visit; pass `start=` (aware) to choose its time, traits for later states."""

    class Meta:
        model = Booking

    reference = factory.Sequence(lambda n: f"HC{n:06d}")
    user = factory.SubFactory(PatientFactory)
    technician = None
    service = factory.SubFactory(ServiceFactory)
    service_area = factory.SubFactory(ServiceAreaFactory)
    service_address = factory.Faker("street_address")
    start = factory.Sequence(slot_start)
    duration_minutes = factory.SelfAttribute("service.duration_minutes")
    total_amount = factory.SelfAttribute("service.price")
    status = BookingStatus.PENDING

    class Params:
        confirmed = factory.Trait(
            status=BookingStatus.CONFIRMED,
            qr_code_data=factory.LazyFunction(lambda: secrets.token_urlsafe(32)),
        )
        in_progress = factory.Trait(
            confirmed=True,
            status=BookingStatus.IN_PROGRESS,
            checked_in_at=factory.SelfAttribute("start"),
        )
        completed = factory.Trait(
            in_progress=True,
            status=BookingStatus.COMPLETED,
            payment_status=PaymentStatus.PAID,
            completed_at=factory.LazyAttribute(lambda o: o.start + timedelta(minutes=o.duration_minutes)),
        )
        cancelled = factory.Trait(
            status=BookingStatus.CANCELLED,
            cancellation_reason="Plans changed",
            cancelled_at=factory.LazyFunction(timezone.now),
        )

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        start = kwargs.pop("start")
        duration = kwargs.pop("duration_minutes")
        booking = model_class(*args, **kwargs)
        booking.set_schedule(start, duration)
        return booking

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        booking = cls._build(model_class, *args, **kwargs)
        booking.save(force_insert=True)
        if booking.payment_status != PaymentStatus.PENDING:
            record_payment_rows(booking)
        return booking


def record_payment_rows(booking, *, at=None):
    """The payment rows a booking made as paid (or refunded) would have: its charge, by its method, and
    for a refunded one the refund; numbered as the services number them, in a transaction as the
    services do (a test that commits, such as a live-server test, has none around the factory)."""
    with transaction.atomic():
        return _record_payment_rows(booking, at=at)


def _record_payment_rows(booking, *, at):
    at = at or booking.completed_at or timezone.now()
    online = booking.payment_method == PaymentMethod.ONLINE
    charge = payments.record_charge(
        booking=booking,
        kind=booking.payment_method,
        provider="sandbox" if online else payments.DOOR_PROVIDER,
        reference=booking.payment_reference or ("test_factory" if online else ""),
        actor=None,
        now=at,
    )
    if booking.payment_status == PaymentStatus.REFUNDED:
        refund = Payment(
            booking=booking,
            kind=PaymentKind.REFUND,
            amount=charge.amount,
            currency=charge.currency,
            provider=charge.provider,
            reason="Cancelled",
        )
        payments.settle(refund, reference="test_factory_refund", now=at)
        refund.save()
    return charge


class BookingStatusHistoryFactory(DjangoModelFactory):
    class Meta:
        model = BookingStatusHistory

    booking = factory.SubFactory(BookingFactory)
    from_status = ""
    to_status = BookingStatus.PENDING
    changed_by = factory.SelfAttribute("booking.user")
    note = "Booked online"


class BookingDeclineFactory(DjangoModelFactory):
    class Meta:
        model = BookingDecline

    booking = factory.SubFactory(BookingFactory)
    technician = factory.SubFactory(TechnicianFactory)
    reason = "Not available at that time"


class FailedCheckInFactory(DjangoModelFactory):
    """A technician's refused scan of a code that belongs to no booking."""

    class Meta:
        model = FailedCheckIn

    user = factory.SubFactory(TechnicianUserFactory)
    code = factory.Sequence(lambda n: f"WRONG{n:03d}")
    method = CheckInMethod.TYPED
    reason = CheckInFailure.UNKNOWN_CODE
    ip_address = "192.0.2.10"


class MissedVisitFactory(DjangoModelFactory):
    """A confirmed visit its technician never checked in to, cancelled a day after its start."""

    class Meta:
        model = MissedVisit

    technician = factory.SubFactory(TechnicianFactory)
    booking = factory.SubFactory(
        BookingFactory,
        technician=factory.SelfAttribute("..technician"),
        status=BookingStatus.CANCELLED,
        cancellation_reason="Not attended: nobody checked in to the visit.",
    )
    scheduled_start = factory.SelfAttribute("booking.scheduled_start")


class WaitlistEntryFactory(DjangoModelFactory):
    """A patient waiting for a time on a day three days ahead, any time of day."""

    class Meta:
        model = WaitlistEntry

    patient = factory.SubFactory(PatientFactory)
    service = factory.SubFactory(ServiceFactory)
    area = factory.SubFactory(ServiceAreaFactory)
    address = factory.Faker("street_address")
    first_day = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))
    last_day = factory.SelfAttribute("first_day")
    expires_at = factory.LazyAttribute(
        lambda o: datetime.combine(o.last_day + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())
    )


class CalendarFeedFactory(DjangoModelFactory):
    """A technician's calendar address (its token is not known: only a hash is kept)."""

    class Meta:
        model = CalendarFeed

    technician = factory.SubFactory(TechnicianFactory)
    token_hash = factory.LazyFunction(lambda: secrets.token_hex(32))


class VisitSeriesFactory(DjangoModelFactory):
    """A care plan of two visits on Mondays and Thursdays at 10:00; link bookings to it with `series=`."""

    class Meta:
        model = VisitSeries

    reference = factory.Sequence(lambda n: f"CP{n:06d}")
    user = factory.SubFactory(PatientFactory)
    service = factory.SubFactory(ServiceFactory)
    service_area = factory.SubFactory(ServiceAreaFactory)
    service_address = factory.Faker("street_address")
    repeat = SeriesRepeat.WEEKDAYS
    weekdays = "0,3"
    wall_time = time(10, 0)
    visit_count = 2
    price_per_visit = factory.SelfAttribute("service.price")
