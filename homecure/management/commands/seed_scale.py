"""`manage.py seed_scale`: a busy operator's platform, for load tests and query plans.

    python manage.py seed_scale [--technicians 1000] [--patients 20000] [--bookings 100000]
                                [--records 50000] [--notifications 1000000] [--seed 2026]

Load-test data only, into a database of its own (e.g. `homecure_scale`): every account shares the
published password `SCALE_PASSWORD`, so the command refuses to run with `DEBUG` off, and it refuses
a database that already holds scale data (a second run would double every table).

The same options and seed give the same rows. Rows are built and inserted in chunks, so memory
stays flat whatever the counts; per table it prints the rows written and the time taken.

The data is skewed the way real platforms are: a few patients and technicians have far more visits
and notifications than most (the first of each is the busiest, and the one the benchmark logs in
as). Visits span the last year and the booking horizon: past ones completed or cancelled, one in
200 begun and not yet completed, future ones pending, confirmed or cancelled. Completed visits have
their status history, an earning and, as far as `--records` goes, a health record. Confirmed visits
have a check-in token and code; the QR image (20 ms to draw) only for visits in the next two days.

Money follows the product's rules (`bookings.payments`): every paid visit has its confirmed charge
(online when it was booked, or cash or card at the door when it was completed) and every refunded
one its refund when it was cancelled, so `sync_booking_payment` derives the status the visit has.
Receipts and credit notes are numbered per year in the order the money moved, with no gap, and the
document counters end at the last number given; to number them in time order the command keeps a
few facts per movement until the visits are written. Earnings record who collected the money by
`collection_terms`.
"""

import base64
import random
import time as clock
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import ServiceArea, User, UserRole
from bookings import payments, qr, receipts
from bookings.models import (
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
    Service,
    ServiceCategory,
)
from bookings.services import REFERENCE_ALPHABET
from earnings.models import EarningStatus, PayoutMethod, TechnicianEarnings
from earnings.services import collection_terms, net_after_commission
from homecure.base.system_settings import get_setting
from homecure.management.commands.seed_demo import SERVICES
from homecure.management.demo_paths import status_steps
from notifications.models import Notification, NotificationType, Priority
from records.models import HealthRecord, RecordType
from technicians.models import ScheduleWindow, Specialization, Technician

SCALE_PASSWORD = "homecure-scale-2026"  # noqa: S105  (documented load-test-only password)
EMAIL_DOMAIN = "scale.homecure.example"
ADMIN_EMAIL = f"admin@{EMAIL_DOMAIN}"
AREA_COUNT = 12
# Visits start on a two-hour grid (08:00 to 18:00): a visit of up to an hour plus the travel
# buffer never overlaps the next slot, so a technician's active visits never clash.
SLOT_HOURS = (8, 10, 12, 14, 16, 18)
HISTORY_DAYS = 365
HORIZON_DAYS = 30
QR_IMAGE_DAYS = 2
UNDER_WAY_EVERY = 200
COMMISSION_RATE = Decimal("0.1500")

FIRST_NAMES = (  # noqa: SIM905  (a word list reads better as words)
    "Amelia Oliver Isla George Ava Noah Mia Arthur Grace Leo Freya Oscar Lily Harry Ella Jack Sophia Theo Ivy "
    "Finley Aisha Mohammed Priya Tomasz Chloe Kwame Sofia Mateo Hana Yusuf"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson Evans Walker White "
    "Roberts Green Hall Wood Jackson Clarke Khan Nowak Okafor Rossi Silva Chen Ali Murphy Kelly"
).split()
STREETS = ("High Street", "Station Road", "Church Lane", "Park Road", "Victoria Road", "Green Lane", "Mill Road")

RECORD_TYPES = {
    ServiceCategory.NURSING: (RecordType.CHECKUP, RecordType.WOUND_CARE, RecordType.VACCINATION),
    ServiceCategory.PHYSIOTHERAPY: (RecordType.THERAPY, RecordType.CONSULTATION),
    ServiceCategory.LAB_TESTS: (RecordType.LAB,),
}
NOTIFICATION_TITLES = (
    (NotificationType.BOOKING, "Your visit is confirmed"),
    (NotificationType.BOOKING, "New visit request"),
    (NotificationType.REMINDER, "Your visit is tomorrow"),
    (NotificationType.PAYMENT, "Payment received"),
    (NotificationType.RECORD, "A new health record"),
    (NotificationType.ANNOUNCEMENT, "Holiday opening hours"),
)


def patient_email(index: int) -> str:
    return f"patient-{index:05d}@{EMAIL_DOMAIN}"


def technician_email(index: int) -> str:
    return f"technician-{index:04d}@{EMAIL_DOMAIN}"


def skewed(rng: random.Random, count: int, power: float) -> int:
    """An index in [0, count) where low indexes come up far more often: index 0 is the busiest."""
    return min(int(count * rng.random() ** power), count - 1)


def chunked(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextmanager
def explicit_timestamps(*fields: models.DateTimeField):
    """Let bulk inserts keep the creation and update times they are given.

    `auto_now_add` / `auto_now` fields overwrite any value with the moment of the insert, which would
    put a year of history on one afternoon and empty the earnings chart.
    """
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _field(model: type[models.Model], name: str) -> models.DateTimeField:
    return model._meta.get_field(name)


@dataclass
class TechnicianRow:
    pk: int
    user_id: int
    name: str
    specialization: str
    area_ids: list[int]
    day_off: int
    completed: int = 0
    ratings: list[int] = field(default_factory=list)


class Movement(NamedTuple):
    """One movement of a visit's money, kept until the visits are written and numbered in time order."""

    settled_at: datetime
    booking_id: int
    kind: str
    amount: Decimal
    provider: str
    reference: str
    reason: str
    actor_id: int | None


@dataclass
class PatientRow:
    pk: int
    area_id: int
    address: str


class Command(BaseCommand):
    help = "Fill an empty database with a large, deterministic platform for load tests (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("--technicians", type=int, default=1_000)
        parser.add_argument("--patients", type=int, default=20_000)
        parser.add_argument("--bookings", type=int, default=100_000)
        parser.add_argument("--records", type=int, default=50_000, help="health records (at most one per visit)")
        parser.add_argument("--notifications", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=2026, help="random seed: the same seed gives the same data")
        parser.add_argument("--chunk", type=int, default=5_000, help="rows built and inserted at a time")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_scale writes load-test accounts with a published password; it runs only with DEBUG=1, "
                "into a database of its own."
            )
        if min(options["technicians"], options["patients"]) < 1 or options["chunk"] < 1:
            raise CommandError("--technicians, --patients and --chunk must be at least 1.")
        if User.objects.filter(email=ADMIN_EMAIL).exists():
            raise CommandError(
                f"This database already holds scale data ({ADMIN_EMAIL} exists); seed a fresh database instead."
            )
        self.rng = random.Random(options["seed"])
        self.chunk = options["chunk"]
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.zone = timezone.get_current_timezone()
        self.password = make_password(SCALE_PASSWORD)
        self.timings: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

        started = clock.perf_counter()
        self.stdout.write(f"Seeding scale data into {connection.vendor} database {connection.settings_dict['NAME']}")
        areas = self._areas()
        services = self._services()
        self._admin()
        technicians = self._technicians(options["technicians"], areas)
        patients = self._patients(options["patients"], areas)
        self._bookings(options["bookings"], options["records"], technicians, patients, services)
        self._technician_figures(technicians)
        self._notifications(options["notifications"], technicians, patients)
        self._analyze()

        for table, (rows, seconds) in self.timings.items():
            if rows:
                self.stdout.write(f"  {table:<36} {rows:>10,} rows {seconds:7.1f} s  ({rows / seconds:,.0f} rows/s)")
            else:
                self.stdout.write(f"  {table:<36} {'':>15} {seconds:7.1f} s")
        self.stdout.write(self.style.SUCCESS(f"Done in {clock.perf_counter() - started:.1f} s."))
        self.stdout.write(
            f"Logins (password {SCALE_PASSWORD}): admin {ADMIN_EMAIL}, busiest patient {patient_email(0)}, "
            f"busiest technician {technician_email(0)}"
        )

    # --- helpers -------------------------------------------------------------------------------------

    def _insert(self, model: type[models.Model], rows: list[models.Model], label: str | None = None) -> list:
        started = clock.perf_counter()
        with transaction.atomic():
            created = model.objects.bulk_create(rows, batch_size=1_000)
        timing = self.timings[label or model._meta.db_table]
        timing[0] += len(rows)
        timing[1] += clock.perf_counter() - started
        return created

    def _copy(self, model: type[models.Model], rows: list[models.Model]) -> None:
        """Insert rows whose ids nothing needs: with PostgreSQL's COPY, several times faster than
        INSERT for the million notifications; elsewhere with `bulk_create`."""
        if connection.vendor != "postgresql":
            self._insert(model, rows)
            return
        started = clock.perf_counter()
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with transaction.atomic(), connection.cursor() as cursor:
            sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row([f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields])
        timing = self.timings[model._meta.db_table]
        timing[0] += len(rows)
        timing[1] += clock.perf_counter() - started

    def _name(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def _address(self) -> str:
        return f"{self.rng.randint(1, 240)} {self.rng.choice(STREETS)}, London"

    def _local(self, day_offset: int, hour: int) -> datetime:
        return datetime.combine(self.today + timedelta(days=day_offset), time(hour), tzinfo=self.zone)

    # --- reference data ------------------------------------------------------------------------------

    def _areas(self) -> list[int]:
        areas = [
            ServiceArea(name=f"Scale district {n:02d}", slug=f"scale-district-{n:02d}")
            for n in range(1, AREA_COUNT + 1)
        ]
        return [area.pk for area in self._insert(ServiceArea, areas)]

    def _services(self) -> dict[str, list[Service]]:
        by_category: dict[str, list[Service]] = defaultdict(list)
        for category, slug, name, description, price, minutes in SERVICES:
            service, _created = Service.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "description": description,
                    "category": category,
                    "price": Decimal(price),
                    "duration_minutes": minutes,
                },
            )
            if service.is_active:
                by_category[service.category].append(service)
        return by_category

    def _admin(self):
        admin = User(
            email=ADMIN_EMAIL,
            first_name="Scale",
            last_name="Administrator",
            role=UserRole.ADMIN,
            is_staff=True,
            is_superuser=True,
            password=self.password,
        )
        self._insert(User, [admin], "accounts_user")

    # --- people --------------------------------------------------------------------------------------

    def _technicians(self, count: int, areas: list[int]) -> list[TechnicianRow]:
        specializations = list(Specialization.values)
        rows: list[TechnicianRow] = []
        for start in range(0, count, self.chunk):
            indexes = range(start, min(start + self.chunk, count))
            users = []
            for index in indexes:
                first, last = self._name()
                users.append(
                    User(
                        email=technician_email(index),
                        first_name=first,
                        last_name=last,
                        role=UserRole.TECHNICIAN,
                        phone=f"+44 20 7{index:07d}"[:20],
                        password=self.password,
                    )
                )
            users = self._insert(User, users, "accounts_user")
            technicians = []
            for index, user in zip(indexes, users, strict=True):
                technicians.append(
                    Technician(
                        user_id=user.pk,
                        specialization=specializations[index % len(specializations)],
                        license_number=f"SCALE-{index:06d}",
                        experience_years=self.rng.randint(1, 30),
                        certifications=[{"name": "Basic Life Support", "issuer": "Resuscitation Council UK"}],
                        bio="Experienced and reliable, visits at home across the city.",
                        # The busiest technicians are always open for work; a few others are not.
                        is_verified=index < 10 or self.rng.random() < 0.95,
                        verified_at=self.now,
                        is_available=index < 10 or self.rng.random() < 0.97,
                    )
                )
            technicians = self._insert(Technician, technicians)
            links, windows = [], []
            for index, user, technician in zip(indexes, users, technicians, strict=True):
                area_ids = self.rng.sample(areas, self.rng.randint(1, 3))
                links += [
                    Technician.service_areas.through(technician_id=technician.pk, servicearea_id=area_id)
                    for area_id in area_ids
                ]
                day_off = index % 7
                windows += [
                    ScheduleWindow(technician_id=technician.pk, weekday=day, start_time=time(8), end_time=time(20))
                    for day in range(7)
                    if day != day_off
                ]
                rows.append(
                    TechnicianRow(
                        pk=technician.pk,
                        user_id=user.pk,
                        name=f"{user.first_name} {user.last_name}",
                        specialization=technician.specialization,
                        area_ids=area_ids,
                        day_off=day_off,
                    )
                )
            self._insert(Technician.service_areas.through, links)
            self._insert(ScheduleWindow, windows)
        return rows

    def _patients(self, count: int, areas: list[int]) -> list[PatientRow]:
        rows: list[PatientRow] = []
        for start in range(0, count, self.chunk):
            users = []
            for index in range(start, min(start + self.chunk, count)):
                first, last = self._name()
                users.append(
                    User(
                        email=patient_email(index),
                        first_name=first,
                        last_name=last,
                        role=UserRole.PATIENT,
                        phone=f"+44 7700 {index:06d}",
                        address=self._address(),
                        area_id=self.rng.choice(areas),
                        password=self.password,
                    )
                )
            for user in self._insert(User, users, "accounts_user"):
                rows.append(PatientRow(pk=user.pk, area_id=user.area_id, address=user.address))
        return rows

    # --- bookings and what follows from them ---------------------------------------------------------

    def _slot(self, technician: TechnicianRow, taken: set[tuple[int, int, int]]) -> tuple[int, int] | None:
        """A free (day offset, hour) of the technician on one of their working days, or None."""
        for _attempt in range(12):
            offset = self.rng.randint(-HISTORY_DAYS, HORIZON_DAYS - 1)
            if (self.today + timedelta(days=offset)).weekday() == technician.day_off:
                continue
            hour = self.rng.choice(SLOT_HOURS)
            if (technician.pk, offset, hour) not in taken:
                taken.add((technician.pk, offset, hour))
                return offset, hour
        return None

    def _latest_started_slot(
        self, technician: TechnicianRow, taken: set[tuple[int, int, int]]
    ) -> tuple[int, int] | None:
        """The technician's latest free slot that has already begun: a visit under way, whatever the hour."""
        for offset in (0, -1, -2, -3):
            if (self.today + timedelta(days=offset)).weekday() == technician.day_off:
                continue
            for hour in reversed(SLOT_HOURS):
                if self._local(offset, hour) <= self.now and (technician.pk, offset, hour) not in taken:
                    taken.add((technician.pk, offset, hour))
                    return offset, hour
        return None

    def _status(self, start: datetime, end: datetime, *, under_way: bool) -> str:
        roll = self.rng.random()
        if under_way:
            return BookingStatus.IN_PROGRESS
        if end <= self.now:
            return BookingStatus.COMPLETED if roll < 0.8 else BookingStatus.CANCELLED
        if start <= self.now:
            return BookingStatus.IN_PROGRESS
        if roll < 0.3:
            return BookingStatus.PENDING
        return BookingStatus.CONFIRMED if roll < 0.85 else BookingStatus.CANCELLED

    def _booking(self, index, technicians, patients, services, taken) -> Booking:
        technician = technicians[skewed(self.rng, len(technicians), 1.5)]
        patient = patients[skewed(self.rng, len(patients), 2.0)]
        category = next(c for c in ServiceCategory if c.specialization == technician.specialization)
        service = self.rng.choice(services[category])
        # Every so often a visit has begun and is not completed yet, so some are under way at any hour.
        under_way = index % UNDER_WAY_EVERY == 0
        slot = self._latest_started_slot(technician, taken) if under_way else None
        under_way = slot is not None
        slot = slot or self._slot(technician, taken)
        if slot is None:
            # The technician's calendar is full: the visit was cancelled, and a cancelled visit
            # may share its time with an active one.
            offset, hour = self.rng.randint(-HISTORY_DAYS, -1), self.rng.choice(SLOT_HOURS)
        else:
            offset, hour = slot
        booking = Booking(
            reference=f"SC{index:08d}",
            user_id=patient.pk,
            technician_id=technician.pk,
            service=service,
            service_area_id=self.rng.choice(technician.area_ids),
            service_address=patient.address,
            total_amount=service.price,
            payment_method=self.rng.choices(PaymentMethod.values, weights=(5, 3, 2))[0],
        )
        booking.set_schedule(self._local(offset, hour), service.duration_minutes)
        status = (
            BookingStatus.CANCELLED
            if slot is None
            else self._status(booking.scheduled_start, booking.scheduled_end, under_way=under_way)
        )
        booking.status = status
        booking.created_at = min(booking.scheduled_start - timedelta(days=self.rng.randint(1, 14)), self.now)
        booking.updated_at = booking.created_at
        if status == BookingStatus.PENDING and self.rng.random() < 0.05:
            booking.technician_id = None  # nobody accepted: waits for an administrator
        if status in (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED):
            booking.updated_at = booking.scheduled_start
        if status == BookingStatus.CONFIRMED:
            booking.qr_code_data = base64.urlsafe_b64encode(self.rng.randbytes(24)).decode("ascii")
            booking.checkin_code = self._checkin_code(index)
            if booking.scheduled_start < self.now + timedelta(days=QR_IMAGE_DAYS):
                booking.qr_code = qr.qr_png_base64(booking.qr_code_data)
        if status in (BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED):
            booking.checked_in_at = booking.scheduled_start
        if status == BookingStatus.COMPLETED:
            booking.completed_at = booking.scheduled_end
            booking.updated_at = booking.completed_at
            booking.payment_status = PaymentStatus.PAID
            if self.rng.random() < 0.4:
                booking.user_rating = self.rng.choices((3, 4, 5), weights=(1, 3, 6))[0]
                booking.user_review = "Friendly, on time and careful." if booking.user_rating > 3 else ""
        if status == BookingStatus.CANCELLED:
            booking.cancelled_at = min(booking.created_at + timedelta(hours=self.rng.randint(3, 48)), self.now)
            booking.updated_at = booking.cancelled_at
            booking.cancellation_reason = "Plans changed"
        if booking.payment_method == PaymentMethod.ONLINE and status in (
            BookingStatus.CONFIRMED,
            BookingStatus.CANCELLED,
        ):
            booking.payment_status = PaymentStatus.REFUNDED if status == BookingStatus.CANCELLED else PaymentStatus.PAID
        if booking.payment_method == PaymentMethod.ONLINE and booking.payment_status != PaymentStatus.PENDING:
            booking.payment_reference = f"test_{booking.reference.lower()}"
        return booking

    @staticmethod
    def _checkin_code(index: int) -> str:
        """A different 8-character code for every booking index."""
        base = len(REFERENCE_ALPHABET)
        digits = []
        for _position in range(8):
            index, digit = divmod(index, base)
            digits.append(REFERENCE_ALPHABET[digit])
        return "".join(reversed(digits))

    def _bookings(self, count, record_count, technicians, patients, services):
        by_pk = {t.pk: t for t in technicians}
        taken: set[tuple[int, int, int]] = set()
        # Most completed visits get a record, so `record_count` records are written along the way.
        record_share = min(1.0, record_count / max(1, count * 0.72))
        records_left = record_count
        movements: list[Movement] = []
        online_provider = payments.provider_code(payments.get_provider())
        timestamps = (
            _field(Booking, "created_at"),
            _field(Booking, "updated_at"),
            _field(TechnicianEarnings, "created_at"),
            _field(TechnicianEarnings, "updated_at"),
            _field(HealthRecord, "created_at"),
            _field(HealthRecord, "updated_at"),
        )
        with explicit_timestamps(*timestamps):
            for start in range(0, count, self.chunk):
                build_started = clock.perf_counter()
                bookings = [
                    self._booking(index, technicians, patients, services, taken)
                    for index in range(start, min(start + self.chunk, count))
                ]
                self.timings["(building visits)"][1] += clock.perf_counter() - build_started
                bookings = self._insert(Booking, bookings)
                history, earnings, records = [], [], []
                for booking in bookings:
                    history += self._history(booking)
                    movements += self._movements(booking, by_pk, online_provider)
                    if booking.status != BookingStatus.COMPLETED:
                        continue
                    technician = by_pk[booking.technician_id]
                    technician.completed += 1
                    if booking.user_rating:
                        technician.ratings.append(booking.user_rating)
                    earnings.append(self._earning(booking))
                    if records_left and self.rng.random() < record_share:
                        records.append(self._record(booking, technician))
                        records_left -= 1
                self._copy(BookingStatusHistory, history)
                self._insert(TechnicianEarnings, earnings)
                self._insert(HealthRecord, records)
            for chunk in chunked(range(records_left), self.chunk):
                # Records brought in from outside a visit (booking left empty).
                self._insert(HealthRecord, [self._record(None, None, patients=patients) for _ in chunk])
        self._payments(movements)

    def _history(self, booking: Booking) -> list[BookingStatusHistory]:
        moments = {
            BookingStatus.PENDING: booking.created_at,
            BookingStatus.CONFIRMED: booking.created_at + timedelta(hours=2),
            BookingStatus.IN_PROGRESS: booking.checked_in_at,
            BookingStatus.COMPLETED: booking.completed_at,
            BookingStatus.CANCELLED: booking.cancelled_at,
        }
        return [
            BookingStatusHistory(
                booking_id=booking.pk,
                from_status=previous,
                to_status=status,
                changed_by_id=booking.user_id if status in (BookingStatus.PENDING, BookingStatus.CANCELLED) else None,
                created_at=moments[status],
            )
            for previous, status in status_steps(booking.status)
        ]

    def _movements(self, booking: Booking, by_pk: dict[int, TechnicianRow], online_provider: str) -> list[Movement]:
        """The money `booking` moved, as `bookings.payments` records it: the whole total paid online when
        it was booked or at the door when it was completed, and all of it back when it was cancelled."""
        if booking.payment_status == PaymentStatus.PENDING:
            return []
        online = booking.payment_method == PaymentMethod.ONLINE
        charge = Movement(
            settled_at=booking.created_at if online else booking.completed_at,
            booking_id=booking.pk,
            kind=PaymentKind(booking.payment_method),
            amount=booking.total_amount,
            provider=online_provider if online else payments.DOOR_PROVIDER,
            reference=booking.payment_reference,
            reason="",
            actor_id=booking.user_id if online else by_pk[booking.technician_id].user_id,
        )
        if booking.payment_status != PaymentStatus.REFUNDED:
            return [charge]
        refund = Movement(
            settled_at=booking.cancelled_at,
            booking_id=booking.pk,
            kind=PaymentKind.REFUND,
            amount=booking.total_amount,
            provider=online_provider if online else payments.OFFICE_PROVIDER,
            reference=f"test_refund_{booking.reference.lower()}" if online else "",
            reason=str(payments.RefundCause.PATIENT.label),
            actor_id=booking.user_id,
        )
        return [charge, refund]

    def _payments(self, movements: list[Movement]):
        """Write the payment rows with their receipt and credit note numbers, per series and year in the
        order the money moved and after any number already given, then the counters at the last ones."""
        currency = get_setting("currency")
        last = {(c.series, c.year): c.last_number for c in DocumentCounter.objects.all()}
        movements.sort(key=lambda m: (m.settled_at, m.booking_id, m.kind == PaymentKind.REFUND))
        for chunk in chunked(movements, self.chunk):
            rows = []
            for movement in chunk:
                series = DocumentSeries.CREDIT_NOTE if movement.kind == PaymentKind.REFUND else DocumentSeries.RECEIPT
                year = timezone.localtime(movement.settled_at).year
                last[series, year] = number = last.get((series, year), 0) + 1
                rows.append(
                    Payment(
                        booking_id=movement.booking_id,
                        kind=movement.kind,
                        state=PaymentState.CONFIRMED,
                        amount=movement.amount,
                        currency=currency,
                        provider=movement.provider,
                        provider_reference=movement.reference,
                        reason=movement.reason,
                        number=receipts.document_number(series, year, number),
                        created_by_id=movement.actor_id,
                        created_at=movement.settled_at,
                        settled_at=movement.settled_at,
                    )
                )
            self._insert(Payment, rows)
        counters = [DocumentCounter(series=series, year=year, last_number=n) for (series, year), n in last.items()]
        DocumentCounter.objects.bulk_create(
            counters, update_conflicts=True, unique_fields=["series", "year"], update_fields=["last_number"]
        )

    def _earning(self, booking: Booking) -> TechnicianEarnings:
        net = net_after_commission(booking.total_amount, COMMISSION_RATE)
        terms = collection_terms(
            payment_method=booking.payment_method,
            payment_status=booking.payment_status,
            amount=booking.total_amount,
            net=net,
        )
        earning = TechnicianEarnings(
            technician_id=booking.technician_id,
            booking_id=booking.pk,
            amount=booking.total_amount,
            commission_rate=COMMISSION_RATE,
            net_earnings=net,
            collected_by=terms.collected_by,
            collected_amount=terms.collected_amount,
            balance_amount=terms.balance_amount,
            created_at=booking.completed_at,
            updated_at=booking.completed_at,
        )
        if booking.completed_at < self.now - timedelta(days=14):
            earning.payment_status = EarningStatus.PAID
            earning.payment_date = booking.completed_at + timedelta(days=7)
            earning.payment_method = PayoutMethod.BANK_TRANSFER
            earning.transaction_id = f"TX-{booking.pk:09d}"
            earning.updated_at = earning.payment_date
        elif self.rng.random() < 0.03:
            earning.payment_status = EarningStatus.ON_HOLD
        return earning

    def _record(self, booking: Booking | None, technician: TechnicianRow | None, patients=None) -> HealthRecord:
        if booking is not None:
            category, patient_id, moment = booking.service.category, booking.user_id, booking.completed_at
        else:
            category = self.rng.choice(list(ServiceCategory))
            patient_id = patients[skewed(self.rng, len(patients), 2.0)].pk
            moment = self.now - timedelta(days=self.rng.randint(1, HISTORY_DAYS), hours=self.rng.randint(0, 23))
        vitals = {
            "blood_pressure_systolic": self.rng.randint(105, 150),
            "blood_pressure_diastolic": self.rng.randint(65, 95),
            "heart_rate": self.rng.randint(55, 100),
            "oxygen_saturation": self.rng.randint(94, 100),
            "temperature": f"{self.rng.uniform(36.1, 37.6):.1f}",
        }
        lab_results = []
        if category == ServiceCategory.LAB_TESTS:
            lab_results = [
                {
                    "test": "Haemoglobin",
                    "value": f"{self.rng.uniform(11.5, 16.5):.1f}",
                    "unit": "g/dL",
                    "range": "12-16",
                }
            ]
        return HealthRecord(
            user_id=patient_id,
            booking_id=booking.pk if booking else None,
            record_type=self.rng.choice(RECORD_TYPES[category]),
            record_date=timezone.localdate(moment),
            diagnosis="Stable; no new concerns.",
            treatment="Continue the current plan.",
            medications=[{"name": "Paracetamol", "dose": "500 mg", "frequency": "as needed"}],
            vitals=vitals,
            lab_results=lab_results,
            provider_name=technician.name if technician else "St Mary's Hospital",
            created_by_id=technician.user_id if technician else None,
            created_at=moment,
            updated_at=moment,
        )

    def _technician_figures(self, technicians: list[TechnicianRow]):
        for chunk in chunked(technicians, self.chunk):
            rows = []
            for row in chunk:
                ratings = row.ratings
                rating = Decimal(sum(ratings) / len(ratings)).quantize(Decimal("0.01")) if ratings else Decimal("0")
                rows.append(
                    Technician(pk=row.pk, completed_bookings=row.completed, total_reviews=len(ratings), rating=rating)
                )
            started = clock.perf_counter()
            Technician.objects.bulk_update(rows, ["completed_bookings", "total_reviews", "rating"], batch_size=500)
            self.timings["technicians (figures)"][0] += len(rows)
            self.timings["technicians (figures)"][1] += clock.perf_counter() - started

    # --- notifications -------------------------------------------------------------------------------

    def _notifications(self, count: int, technicians: list[TechnicianRow], patients: list[PatientRow]):
        with explicit_timestamps(_field(Notification, "created_at")):
            for chunk in chunked(range(count), self.chunk * 2):
                self._copy(Notification, [self._notification(technicians, patients) for _ in chunk])

    def _notification(self, technicians, patients) -> Notification:
        for_patient = self.rng.random() < 0.8
        if for_patient:
            user_id = patients[skewed(self.rng, len(patients), 2.0)].pk
        else:
            user_id = technicians[skewed(self.rng, len(technicians), 2.0)].user_id
        kind, title = self.rng.choice(NOTIFICATION_TITLES)
        reference = f"SC{self.rng.randrange(10**8):08d}"
        created = self.now - timedelta(minutes=self.rng.randint(1, HISTORY_DAYS * 24 * 60))
        is_read = created < self.now - timedelta(days=7) and self.rng.random() < 0.95
        return Notification(
            user_id=user_id,
            title=title,
            message=f"About visit {reference}. Open HomeCure for the details.",
            notification_type=kind,
            related_entity_type="booking",
            related_entity_id=reference,
            is_read=is_read,
            read_at=created + timedelta(hours=3) if is_read else None,
            priority=Priority.HIGH if kind == NotificationType.REMINDER else Priority.NORMAL,
            action_url=f"/bookings/{reference}/" if for_patient else f"/portal/jobs/{reference}/",
            created_at=created,
        )

    def _analyze(self):
        """Fresh planner statistics, so the first queries after seeding use the indexes; on PostgreSQL
        also the visibility map, without which counts cannot be answered from an index alone."""
        started = clock.perf_counter()
        # VACUUM refuses to run inside a transaction, as when a test calls the command.
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
        self.timings["(vacuum, analyze)"][1] += clock.perf_counter() - started
