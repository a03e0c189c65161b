"""Time a care plan's proposal with many eligible technicians.

    python manage.py bench_series [--visits 12] [--technicians 200] [--bookings 4000] [--runs 5] [--taken 0]

Builds the data inside a transaction that is rolled back at the end, so it leaves the database as
it found it. Prints the SQL queries of one proposal and its median time, wall-clock and CPU of this
process (the rest is the database server and waiting); the number of queries does not depend on the
number of visits or technicians.
"""

import statistics
import time as clock
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ServiceArea, User, UserRole
from bookings.models import Booking, BookingStatus, SeriesRepeat, Service, ServiceCategory
from bookings.series import RepeatRule, series_dates, series_propose
from technicians.models import ScheduleWindow, Specialization, Technician


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Measure a care plan's proposal with many eligible technicians (data is rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--visits", type=int, default=12)
        parser.add_argument("--technicians", type=int, default=200)
        parser.add_argument("--bookings", type=int, default=4000)
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument(
            "--taken",
            type=int,
            default=0,
            help="on this many of the plan's first dates every technician is busy at the visit's time, "
            "so the proposal looks for alternatives",
        )

    def handle(self, *args, visits, technicians, bookings, runs, taken, **options):
        try:
            with transaction.atomic():
                self._run(visits, technicians, bookings, runs, taken)
                raise Rollback
        except Rollback:
            pass

    def _run(self, n_visits, n_technicians, n_bookings, runs, n_taken):
        zone = timezone.get_current_timezone()
        first = timezone.localdate() + timedelta(days=2)
        area = ServiceArea.objects.create(name="Benchmark district", slug="benchmark-district")
        service = Service.objects.create(
            name="Benchmark physiotherapy",
            slug="benchmark-physiotherapy",
            category=ServiceCategory.PHYSIOTHERAPY,
            price=Decimal("60.00"),
            duration_minutes=45,
        )
        password = make_password(None)
        users = User.objects.bulk_create(
            User(email=f"bench-{i}@benchmark.invalid", role=UserRole.TECHNICIAN, password=password)
            for i in range(n_technicians)
        )
        patient = User.objects.create(email="bench-patient@benchmark.invalid", password=password)
        technicians = Technician.objects.bulk_create(
            Technician(
                user=user,
                specialization=Specialization.PHYSIOTHERAPIST,
                license_number=f"BENCH-{i}",
                is_verified=True,
                rating=Decimal("4.00") + Decimal(i % 100) / 100,
            )
            for i, user in enumerate(users)
        )
        Technician.service_areas.through.objects.bulk_create(
            Technician.service_areas.through(technician_id=t.pk, servicearea_id=area.pk) for t in technicians
        )
        ScheduleWindow.objects.bulk_create(
            ScheduleWindow(technician=t, weekday=weekday, start_time=time(8), end_time=time(18))
            for t in technicians
            for weekday in range(7)
        )
        # Busy times at 10:00 on a technician's every other day, so that no one is free for all dates.
        slots = {
            (i % n_technicians, first + timedelta(days=(i // n_technicians) * 2 + i % 2)) for i in range(n_bookings)
        }
        rule = RepeatRule(repeat=SeriesRepeat.EVERY_N_DAYS, interval_days=2, count=n_visits)
        days = series_dates(first, rule, max_visits=n_visits)
        # With --taken, whoever is still free at 10:00 on the plan's first dates is busy too.
        slots |= {(t, day) for day in days[:n_taken] for t in range(n_technicians)}
        rows = []
        for i, (t, day) in enumerate(sorted(slots)):
            booking = Booking(
                reference=f"BS{i:08d}",
                user=patient,
                technician=technicians[t],
                service=service,
                service_area=area,
                service_address="1 Benchmark Road",
                total_amount=service.price,
                status=BookingStatus.CONFIRMED,
            )
            booking.set_schedule(datetime.combine(day, time(10), tzinfo=zone), 45)
            rows.append(booking)
        Booking.objects.bulk_create(rows, batch_size=2000)

        now = timezone.now()
        durations, cpu = [], []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started, cpu_started = clock.perf_counter(), clock.process_time()
                proposal = series_propose(service=service, area=area, days=days, wall=time(10), now=now)
                durations.append(clock.perf_counter() - started)
                cpu.append(clock.process_time() - cpu_started)
        self.stdout.write(
            f"care plan proposal ({connection.vendor}): {len(days)} visits, {n_technicians} eligible technicians, "
            f"{Booking.objects.count()} bookings -> {len(proposal.placed)} placed with "
            f"{len(proposal.technicians)} technicians, {len(proposal.problems)} problems, {len(proposal.later)} later; "
            f"{len(queries)} SQL queries ({sum(float(q['time']) for q in queries.captured_queries) * 1000:.1f} ms "
            f"in the database driver), median {statistics.median(durations) * 1000:.1f} ms "
            f"({statistics.median(cpu) * 1000:.1f} ms CPU of this process) over {runs} runs"
        )
