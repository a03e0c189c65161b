#!/usr/bin/env python3
"""Bookings survive a database restart: HomeCure under gunicorn on PostgreSQL, several patients
booking at once, PostgreSQL restarted in the middle.

    python scripts/reliability.py [--database-url postgres://postgres@127.0.0.1:5432/homecure_reliability]
        [--clients 4] [--duration 40] [--restart-after 12] [--port 0]

1. Creates the database afresh (it must be a throwaway one), migrates it and adds one area, one
   service, 20 verified nurses working every day 07:00-21:00 and one patient per client.
2. Collects the static files into a temporary directory and starts gunicorn on 127.0.0.1 (2 workers
   of 4 threads, DEBUG off, persistent connections with health checks, as in production).
3. Each client process logs in through the log-in form and books visits as a person does: opens
   the booking page, asks for the free times of a day, confirms one. A confirmation that fails
   (connection refused, 5xx) is sent again with the same one-time form token until it is answered,
   as a browser's retry would be; a time taken by another client meanwhile is a normal refusal.
4. After `--restart-after` seconds it restarts PostgreSQL with
   `pg_ctlcluster --skip-systemctl-redirect <version> main restart` and waits until it accepts
   connections again.
5. At the end it reports the requests sent, the errors while PostgreSQL was restarting and after it
   was back, the bookings the server confirmed to a client that are missing from the database
   (lost), bookings made twice for one request (duplicates) and technicians booked twice at once.
   It exits non-zero unless errors after the restart, lost bookings and duplicates are all 0.

Only 127.0.0.1 is contacted; every loop is bounded by `--duration` (and each request by a 10 s
timeout). Run it as root or as a user allowed to run pg_ctlcluster.
"""

from __future__ import annotations

import argparse
import html
import http.cookiejar
import json
import multiprocessing
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"
PASSWORD = "reliability-run-password-42"  # noqa: S105 - the throwaway accounts of a throwaway database
SERVICE_SLUG = "reliability-nurse-visit"
TECHNICIANS = 20
REQUEST_TIMEOUT = 10

SEED = """
from datetime import time
from decimal import Decimal
from django.core.management import call_command
from accounts.models import User, UserRole
from bookings.models import Service, ServiceCategory
from accounts.models import ServiceArea
from technicians.models import ScheduleWindow, Specialization, Technician

call_command("migrate", verbosity=0)
area = ServiceArea.objects.create(name="Camden", slug="camden")
Service.objects.create(
    name="Nurse visit", slug="{slug}", category=ServiceCategory.NURSING, price=Decimal("80.00"), duration_minutes=60
)
for n in range({technicians}):
    user = User.objects.create_user(
        email=f"nurse{{n}}@reliability.example", password="{password}", role=UserRole.TECHNICIAN,
        first_name="Nurse", last_name=str(n),
    )
    technician = Technician.objects.create(
        user=user, specialization=Specialization.NURSE, license_number=f"REL-{{n:04d}}", is_verified=True
    )
    technician.service_areas.add(area)
    ScheduleWindow.objects.bulk_create(
        ScheduleWindow(technician=technician, weekday=day, start_time=time(7), end_time=time(21)) for day in range(7)
    )
for n in range({clients}):
    User.objects.create_user(
        email=f"patient{{n}}@reliability.example", password="{password}", role=UserRole.PATIENT,
        first_name="Patient", last_name=str(n), area=area, address=f"{{n}} Reliability Road",
    )
print(area.pk)
"""

REPORT = """
import json
from bookings.models import ACTIVE_STATUSES, Booking
from django.db.models import Count

references = set(json.loads('''{references}'''))
stored = set(Booking.objects.filter(reference__in=references).values_list("reference", flat=True))
twice = (Booking.objects.exclude(request_token=None).values("user", "request_token")
         .annotate(n=Count("id")).filter(n__gt=1))
active = list(Booking.objects.filter(status__in=ACTIVE_STATUSES).exclude(technician=None)
              .values_list("technician_id", "scheduled_start", "scheduled_end"))
overlaps = sum(
    1 for i, (tech, start, end) in enumerate(active) for other, o_start, o_end in active[i + 1:]
    if tech == other and start < o_end and o_start < end
)
print(json.dumps({{
    "lost": sorted(references - stored),
    "duplicates": twice.count(),
    "overlaps": overlaps,
    "bookings_in_database": Booking.objects.count(),
}}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def django(code: str, env: dict) -> str:
    """Run `code` in a Django shell against the run's database and return what it printed."""
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        sys.exit(f"Django step failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def recreate_database(url: str) -> None:
    parsed = urllib.parse.urlsplit(url)
    name = parsed.path.lstrip("/")
    if parsed.hostname not in ("127.0.0.1", "localhost") or not re.fullmatch(r"homecure_\w+", name):
        sys.exit("Use a throwaway database named homecure_<something> on 127.0.0.1: it is dropped and created.")
    base = ["psql", "-h", parsed.hostname, "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres"]
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run([*base, "-d", "postgres", "-qc", sql], check=True, capture_output=True)


def pg_version() -> str:
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".") if p.isdigit()])
    return versions[-1]


def wait_until_ready(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    sys.exit("gunicorn did not become ready in time")


class Browser:
    """Just enough of a browser: cookies, the CSRF token, redirects not followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), self._NoRedirect())

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = None
        if data is not None:
            token = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - always http://127.0.0.1
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode(errors="replace")


def client(number: int, base: str, area: str, stop_at: float, results: multiprocessing.Queue) -> None:
    """One patient booking visits until `stop_at`; every request and booking goes into `results`."""
    rng = random.Random(number)
    browser = Browser(base)
    log: list[dict] = []
    confirmed: list[str] = []

    def send(path, data=None):
        started = time.time()
        try:
            status, location, page = browser.request(path, data)
        except (OSError, urllib.error.URLError) as error:
            log.append({"start": started, "end": time.time(), "ok": False, "what": type(error).__name__})
            return None, "", ""
        log.append({"start": started, "end": time.time(), "ok": status < 500, "what": str(status)})
        return status, location, page

    booking_page = f"/bookings/new/{SERVICE_SLUG}/"
    email = f"patient{number}@reliability.example"
    while time.time() < stop_at:
        send("/accounts/login/")
        status, _, _ = send("/accounts/login/", {"username": email, "password": PASSWORD})
        if status == 302:
            break
        time.sleep(0.5)

    while time.time() < stop_at:
        status, _, page = send(booking_page)
        token = re.search(r'name="request_token" value="([^"]+)"', page or "")
        if status != 200 or not token:
            time.sleep(0.2)
            continue
        day = time.strftime("%Y-%m-%d", time.localtime(time.time() + 86400 * rng.randint(2, 20)))
        form = {"request_token": token.group(1), "area": area, "address": f"{number} Reliability Road", "date": day}
        status, _, page = send(booking_page, {**form, "action": "times"})
        starts = [html.unescape(s) for s in re.findall(r'name="start" id="start-\d+" value="([^"]+)"', page or "")]
        if status != 200 or not starts:
            continue
        confirm = {**form, "action": "confirm", "start": rng.choice(starts), "payment_method": "cash"}
        # Sent again with the same token until the server answers: it must not book twice.
        while time.time() < stop_at:
            status, location, _ = send(booking_page, confirm)
            if status == 302 and "/bookings/" in location:
                confirmed.append(location.rstrip("/").rsplit("/", 1)[-1])
                break
            if status == 200:  # The time was taken meanwhile: a normal refusal, try another.
                break
            time.sleep(0.3)
    results.put({"log": log, "confirmed": confirmed})


def restart_postgresql(version: str) -> tuple[float, float]:
    began = time.time()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True, capture_output=True
    )
    while subprocess.run(["pg_isready", "-q", "-h", HOST], check=False).returncode != 0:
        time.sleep(0.1)
    return began, time.time()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/homecure_reliability")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--duration", type=float, default=40)
    parser.add_argument("--restart-after", type=float, default=12)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if not 0 < args.restart_after < args.duration <= 600:
        parser.error("need 0 < --restart-after < --duration <= 600")

    port = args.port or free_port()
    static_root = tempfile.mkdtemp(prefix="homecure-reliability-static-")
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": args.database_url,
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"http://{HOST}:{port}",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATIC_ROOT": static_root,
        "TASKS_BACKEND": "immediate",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "ERROR",
    }
    print(
        f"Database {args.database_url}: recreating, migrating, adding {TECHNICIANS} nurses and {args.clients} patients"
    )
    recreate_database(args.database_url)
    area = django(SEED.format(slug=SERVICE_SLUG, technicians=TECHNICIANS, clients=args.clients, password=PASSWORD), env)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    server_log = Path(tempfile.mkstemp(prefix="homecure-reliability-gunicorn-", suffix=".log")[1])
    server = subprocess.Popen(
        [GUNICORN, "homecure.wsgi", "-b", f"{HOST}:{port}", "-w", "2", "--threads", "4", "--timeout", "30"],
        cwd=ROOT,
        env=env,
        stdout=server_log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_ready(port, time.monotonic() + 30)
        print(f"gunicorn on http://{HOST}:{port}; {args.clients} clients for {args.duration:.0f} s")
        results: multiprocessing.Queue = multiprocessing.Queue()
        stop_at = time.time() + args.duration
        workers = [
            multiprocessing.Process(target=client, args=(n, f"http://{HOST}:{port}", area, stop_at, results))
            for n in range(args.clients)
        ]
        for worker in workers:
            worker.start()
        time.sleep(args.restart_after)
        print(f"Restarting PostgreSQL {pg_version()} ...")
        outage_began, outage_ended = restart_postgresql(pg_version())
        print(f"PostgreSQL accepted connections again after {outage_ended - outage_began:.1f} s")
        collected = [results.get(timeout=args.duration + 60) for _ in workers]
        for worker in workers:
            worker.join(timeout=10)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)

    log = [entry for result in collected for entry in result["log"]]
    confirmed = [reference for result in collected for reference in result["confirmed"]]
    # A request in flight when the restart began counts as during it.
    failed = [e for e in log if not e["ok"]]
    during = [e for e in failed if e["end"] >= outage_began and e["start"] <= outage_ended]
    after = [e for e in failed if e["start"] > outage_ended]
    before = [e for e in failed if e["end"] < outage_began]
    check = json.loads(django(REPORT.format(references=json.dumps(confirmed)), env))
    figures = {
        "requests sent": len(log),
        "requests during the restart": sum(e["end"] >= outage_began and e["start"] <= outage_ended for e in log),
        "errors before the restart": len(before),
        "errors during the restart": len(during),
        "errors after PostgreSQL was back": len(after),
        "bookings confirmed to a client": len(confirmed),
        "confirmed bookings lost": len(check["lost"]),
        "bookings made twice for one request": check["duplicates"],
        "technicians booked twice at once": check["overlaps"],
        "bookings in the database": check["bookings_in_database"],
        "restart took (s)": round(outage_ended - outage_began, 1),
    }
    width = max(map(len, figures))
    print()
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    kinds = sorted({e["what"] for e in during + after + before})
    if kinds:
        print(f"\nerror kinds: {', '.join(kinds)}; gunicorn log: {server_log}")
    else:
        server_log.unlink(missing_ok=True)
    healthy = not after and not before and not check["lost"] and not check["duplicates"] and not check["overlaps"]
    print("\nRESULT:", "PASS" if healthy else "FAIL")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
