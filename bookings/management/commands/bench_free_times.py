"""Time the free-times computation for a busy day.

    python manage.py bench_free_times [--technicians 200] [--bookings 20000] [--runs 21]

Builds the data inside a transaction that is rolled back at the end, so it leaves the database
as it found it. Prints the median wall-clock and CPU time of one computation (the wall-clock time
includes the database's; the CPU time is this process's alone), the SQL queries of one computation
with the time each took as seen from here (with `--explain`, their plans on PostgreSQL), and with
FREE_TIMES_CACHE on the same figures for the cached answer.

The timed runs capture no queries: a captured query is logged with its SQL, which the app servers
never do. On PostgreSQL the tables it fills are vacuumed first: a rolled-back run leaves its rows
in their indexes until they are vacuumed, and the next run would read them again.
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
from bookings.models import Booking, BookingStatus, Service, ServiceCategory
from bookings.scheduling import DayPlan, free_times, free_times_cached
from technicians.models import ScheduleWindow, Specialization, Technician

# The tables the benchmark fills (and vacuums before it does).
FILLED = (User, Technician, Technician.service_areas.through, ScheduleWindow, Booking)


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Measure free times for one day with many eligible technicians and bookings (data is rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--technicians", type=int, default=200)
        parser.add_argument("--bookings", type=int, default=20_000)
        parser.add_argument("--runs", type=int, default=21)
        parser.add_argument("--explain", action="store_true", help="Print the query plans (PostgreSQL).")

    def handle(self, *args, technicians, bookings, runs, explain, **options):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in FILLED:
                    cursor.execute(f"VACUUM {model._meta.db_table}")
        try:
            with transaction.atomic():
                self._run(technicians, bookings, runs, explain)
                raise Rollback
        except Rollback:
            pass

    def _run(self, n_technicians, n_bookings, runs, explain):
        zone = timezone.get_current_timezone()
        day = timezone.localdate() + timedelta(days=7)
        area = ServiceArea.objects.create(name="Benchmark district", slug="benchmark-district")
        service = Service.objects.create(
            name="Benchmark visit",
            slug="benchmark-visit",
            category=ServiceCategory.NURSING,
            price=Decimal("50.00"),
            duration_minutes=60,
        )
        password = make_password(None)
        users = User.objects.bulk_create(
            User(email=f"bench-{i}@benchmark.invalid", role=UserRole.TECHNICIAN, password=password)
            for i in range(n_technicians)
        )
        patient = User.objects.create(email="bench-patient@benchmark.invalid", password=password)
        technicians = Technician.objects.bulk_create(
            Technician(user=user, specialization=Specialization.NURSE, license_number=f"BENCH-{i}", is_verified=True)
            for i, user in enumerate(users)
        )
        Technician.service_areas.through.objects.bulk_create(
            Technician.service_areas.through(technician_id=t.pk, servicearea_id=area.pk) for t in technicians
        )
        ScheduleWindow.objects.bulk_create(
            ScheduleWindow(technician=t, weekday=weekday, start_time=start, end_time=end)
            for t in technicians
            for weekday in range(7)
            for start, end in ((time(8), time(12)), (time(13), time(19)))
        )
        # Spread the bookings over 50 days around the measured day, a few per technician per day.
        rows = []
        for i in range(n_bookings):
            technician = technicians[i % n_technicians]
            offset = (i // n_technicians) % 50 - 25
            hour = 8 + 2 * ((i // (n_technicians * 50)) % 5)
            start = datetime.combine(day + timedelta(days=offset), time(hour), tzinfo=zone)
            booking = Booking(
                reference=f"BN{i:08d}",
                user=patient,
                technician=technician,
                service=service,
                service_area=area,
                service_address="1 Benchmark Road",
                total_amount=service.price,
                status=BookingStatus.CONFIRMED,
            )
            booking.set_schedule(start, 60)
            rows.append(booking)
        Booking.objects.bulk_create(rows, batch_size=2000)
        if connection.vendor == "postgresql":
            # As autovacuum would have by now: the planner needs the tables' statistics.
            with connection.cursor() as cursor:
                for model in FILLED:
                    cursor.execute(f"ANALYZE {model._meta.db_table}")

        now = timezone.now()
        wall, cpu = _timed(lambda: DayPlan(service=service, area=area, day=day, now=now).free_starts(), runs)
        with CaptureQueriesContext(connection) as queries:
            starts = DayPlan(service=service, area=area, day=day, now=now).free_starts()
        on_day = Booking.objects.filter(scheduled_date=day).count()
        self.stdout.write(
            f"free times on {day} ({connection.vendor}): {n_technicians} eligible technicians, "
            f"{Booking.objects.count()} bookings ({on_day} that day) -> {len(starts)} free start times\n"
            f"one computation, not cached, median of {runs} runs: {_ms(wall)} wall-clock "
            f"(fastest {min(wall) * 1000:.2f} ms), {_ms(cpu)} CPU of this process\n"
            f"{len(queries)} SQL queries: "
            + ", ".join(f"{float(query['time']) * 1000:.2f} ms" for query in queries.captured_queries)
            + " (as seen from here, in one run)"
        )
        if explain and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for query in queries.captured_queries:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                    self.stdout.write(query["sql"][:300] + "\n" + "\n".join(row[0] for row in cursor.fetchall()) + "\n")
        # The patient's form reads the answer from the cache once it is there (FREE_TIMES_CACHE).
        if free_times_cached():
            free_times(service=service, area=area, day=day, now=now)
            wall, cpu = _timed(lambda: free_times(service=service, area=area, day=day, now=now), runs)
            with CaptureQueriesContext(connection) as queries:
                free_times(service=service, area=area, day=day, now=now)
            self.stdout.write(
                f"the same answer from the cache, median of {runs} runs: {_ms(wall)} wall-clock, "
                f"{_ms(cpu)} CPU, {len(queries)} SQL queries"
            )


def _timed(compute, runs: int) -> tuple[list[float], list[float]]:
    """The wall-clock and CPU seconds of each of `runs` calls of `compute`."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = clock.perf_counter(), clock.process_time()
        compute()
        wall.append(clock.perf_counter() - started)
        cpu.append(clock.process_time() - started_cpu)
    return wall, cpu


def _ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.2f} ms"
