#!/usr/bin/env python3
"""Load benchmark of HomeCure's key pages under gunicorn, against a database filled by `seed_scale`.

    python scripts/bench.py run --database-url postgres://postgres@127.0.0.1:5432/homecure_scale \\
        [--duration 5] [--healthz-duration 2] [--rounds 1] [--connections 8] [--port 8765] [--json result.json]
    python scripts/bench.py compare small.json large.json

`run` works in three steps:
1. In a child process with Django loaded, it picks the people and objects to ask for (the busiest
   patient and technician of the seed data, the administrator, the patient's latest visit, the busiest
   bookable day) and counts the SQL queries of one request to every page through Django's test client.
2. It collects the static files into a temporary directory and starts gunicorn (2 sync workers,
   DEBUG off, persistent database connections) on 127.0.0.1, then logs in through the login form as
   the patient, the technician and the administrator.
3. It drives each page with wrk for a fixed time, each right after a short run of `/healthz`, and
   prints requests/s, the ratio to that `/healthz` run, p50/p95/p99 latency, the queries per request
   and the peak resident memory (VmHWM) of each gunicorn worker. Then it stops gunicorn. With
   `--rounds N` every page is measured N times and its best round is kept: on a machine shared with
   other work, that work only ever slows a run down. Beside the pages it measures the logged-in
   floor: `/healthz` with a session cookie, which costs what every logged-in request costs before
   its page (the session, the account, the session's clocks) and renders nothing.

Beside `/healthz` every page is also compared with a trivial WSGI application (`scripts/trivial_wsgi.py`:
"ok" from a function, no Django) served by its own gunicorn with the same settings: a fixed
reference that does not get faster when the project's middleware does. Each page gets its ratio to
both, each measured right before it.

The administrator logs in with the second factor, as in production: the prepare step gives the scale
data's administrator an authenticator (TOTP) device when they have none, and the log-in computes its code.

`compare` checks two runs (e.g. at 1,000 and at 100,000 bookings) against the targets: every page at
least 0.40 of `/healthz` (free times 0.20, the back office's booking list 0.10, the logged-in
floor 0.70), p95 of the larger within 1.5x of the smaller, worker peak memory under
150 MB and no larger with more data.

Only 127.0.0.1 is ever contacted. Other settings (CACHE_URL, SESSION_ENGINE, ...) come from the
environment as for any HomeCure process.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"

RATIO_TARGET = 0.40
# Pages with a target of their own: free times compute a day's plan (when not kept), the back
# office lists a large table, and the floor renders nothing at all.
RATIO_TARGETS = {"free times (busy day)": 0.20, "admin booking list": 0.10, "logged-in floor": 0.70}
P95_GROWTH_TARGET = 1.5
MEMORY_TARGET_MB = 150
FLOOR = "logged-in floor"
TRIVIAL = "trivial WSGI app"

# (name, who, method, path or None when the prepare step fills it in). "who" is the persona whose
# session cookie is sent, or None for an anonymous visitor.
PAGES = [
    ("home", None, "GET", "/"),
    ("catalog", None, "GET", "/services/"),
    ("free times (busy day)", "patient", "GET", None),
    ("my bookings", "patient", "GET", "/bookings/"),
    ("booking detail", "patient", "GET", None),
    ("technician dashboard", "technician", "GET", "/portal/"),
    ("earnings", "technician", "GET", "/earnings/"),
    ("notifications inbox", "patient", "GET", "/notifications/"),
    ("records list", "patient", "GET", "/records/"),
    ("admin booking list", "admin", "GET", "/admin/bookings/booking/"),
    # Not a page: `/healthz` with the patient's session cookie. The middleware then reads the
    # session and the account and checks the session's clocks, as for every logged-in page, but
    # nothing is rendered: the most a page for a logged-in person can reach.
    (FLOOR, "patient", "GET", "/healthz"),
]

# Asked for as htmx asks for them: the booking form's free times are a fragment the form fetches
# when the patient picks an area or a date.
HTMX_PAGES = {"free times (busy day)"}

WRK_SCRIPT = """
wrk.method = "%(method)s"%(htmx)s
wrk.body = "%(body)s"
wrk.headers["Cookie"] = "%(cookie)s"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {"requests": %%d, "duration_us": %%d, "socket_errors": %%d, "status_errors": %%d, '
    .. '"p50_us": %%d, "p95_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


# --- step 1: inside Django -------------------------------------------------------------------------------


def prepare() -> None:
    """Print (as JSON) the personas, the objects to ask for and each page's query count."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "homecure.settings")
    import django

    django.setup()

    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import ServiceArea, User
    from bookings.models import ACTIVE_STATUSES, Booking, BookingStatus, Service, ServiceCategory
    from bookings.scheduling import DayPlan, bookable_days
    from homecure.base.public_cache import forget_public_pages
    from homecure.base.system_settings import clear_settings_cache
    from homecure.management.commands.seed_scale import ADMIN_EMAIL, SCALE_PASSWORD, patient_email, technician_email
    from notifications.models import Notification
    from technicians.models import Technician

    # A shared cache (Redis) may still hold pages and settings of another database's run.
    forget_public_pages()
    clear_settings_cache()
    patient = User.objects.get(email=patient_email(0))
    technician = User.objects.get(email=technician_email(0))
    admin = User.objects.get(email=ADMIN_EMAIL)
    # The back office asks administrators for their second factor: the scale data's administrator
    # gets an authenticator device (in this throwaway database) whose codes the log-in computes.
    device = TOTPDevice.objects.filter(user=admin, confirmed=True).first() or TOTPDevice.objects.create(
        user=admin, name="Benchmark", confirmed=True
    )
    booking = (
        Booking.objects.filter(user=patient, status=BookingStatus.COMPLETED).order_by("-scheduled_start").first()
        or Booking.objects.filter(user=patient).order_by("-scheduled_start").first()
    )

    # The busiest bookable day: the (area, specialization) with the most technicians, then the day
    # on which they have the most active visits.
    first_day, last_day = bookable_days()
    busiest = (
        Technician.objects.taking_jobs()
        .values("service_areas", "specialization")
        .annotate(n=Count("pk"))
        .order_by("-n", "service_areas", "specialization")
        .first()
    )
    category = next(c for c in ServiceCategory if c.specialization == busiest["specialization"])
    service = Service.objects.filter(category=category, is_active=True).order_by("duration_minutes", "slug").first()
    day_row = (
        Booking.objects.filter(
            status__in=ACTIVE_STATUSES,
            service_area_id=busiest["service_areas"],
            technician__specialization=busiest["specialization"],
            scheduled_date__range=(first_day, last_day),
        )
        .values("scheduled_date")
        .annotate(n=Count("pk"))
        .order_by("-n", "scheduled_date")
        .first()
    )
    day = day_row["scheduled_date"] if day_row else first_day
    area = ServiceArea.objects.get(pk=busiest["service_areas"])
    plan = DayPlan(service=service, area=area, day=day)
    free_times = {
        "path": f"/bookings/new/{service.slug}/",
        "form": {
            "action": "times",
            "area": str(area.pk),
            "address": patient.address or "1 High Street",
            "date": day.isoformat(),
            "request_token": "7a0c1d9e-3b7f-4d21-9a54-0c6e4f1b2a33",
        },
        "day": day.isoformat(),
        "service": service.slug,
        "area": area.name,
        "eligible_technicians": len(plan.candidates),
        "active_visits_that_day": day_row["n"] if day_row else 0,
        "free_starts": len(plan.free_starts()),
    }

    paths = {name: path for name, _who, _method, path in PAGES}
    paths["booking detail"] = f"/bookings/{booking.reference}/"
    # Free times are a GET: the times of the busiest day, as the booking form fetches them (htmx).
    paths["free times (busy day)"] = f"{free_times['path']}?area={area.pk}&date={day.isoformat()}"
    people = {"patient": patient, "technician": technician, "admin": admin}
    queries = {}
    for name, who, method, _path in PAGES:
        client = Client(HTTP_HOST=HOST)
        if who:
            client.force_login(people[who])
        if who == "admin":
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        path = paths[name]

        def request(client=client, path=path, method=method, name=name):
            if method == "POST":
                return client.post(path, free_times["form"])
            return client.get(path, headers={"HX-Request": "true"} if name in HTMX_PAGES else {})

        request()  # fill the per-process caches first, as a warmed-up worker has them
        with CaptureQueriesContext(connection) as captured:
            response = request()
        if response.status_code != 200:
            raise SystemExit(f"{name}: {path} answered {response.status_code} to the test client")
        queries[name] = len(captured)

    counts = {
        "bookings": Booking.objects.count(),
        "patient_bookings": Booking.objects.filter(user=patient).count(),
        "technician_visits": Booking.objects.filter(technician__user=technician).count(),
        "patient_notifications": Notification.objects.filter(user=patient).count(),
        "notifications": Notification.objects.count(),
    }
    print(
        json.dumps(
            {
                "password": SCALE_PASSWORD,
                "admin_totp": {"key": device.key, "step": device.step, "t0": device.t0, "digits": device.digits},
                "emails": {who: user.email for who, user in people.items()},
                "paths": paths,
                "free_times": free_times,
                "queries": queries,
                "counts": counts,
                "database": connection.vendor,
                "timestamp": timezone.now().isoformat(),
            }
        )
    )


# --- step 2 and 3: the server and the load ---------------------------------------------------------------


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def _request(port: int, method: str, path: str, *, cookies=None, form=None, htmx=False):
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Host": HOST, **({"HX-Request": "true"} if htmx else {})}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    content = response.read().decode("utf-8", "replace")
    connection.close()
    return response, content


def totp_code(device: dict, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now for `device` (RFC 6238, as django-otp checks it)."""
    counter = int((time.time() - device["t0"]) // device["step"]) + steps_ahead
    digest = hmac.new(bytes.fromhex(device["key"]), counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 10 ** device['digits']:0{device['digits']}d}"


def give_second_factor(port: int, cookies: dict[str, str], device: dict) -> dict[str, str]:
    """The log-in's second step with the authenticator's code (the next step's if this one's was used)."""
    for steps_ahead in (0, 1):
        response, html = _request(port, "GET", "/accounts/two-factor/verify/", cookies=cookies)
        cookies.update(_cookies(response))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if response.status != 200 or not token:
            raise SystemExit(f"the code page answered {response.status} without a form")
        form = {"csrfmiddlewaretoken": token.group(1), "code": totp_code(device, steps_ahead)}
        response, _html = _request(port, "POST", "/accounts/two-factor/verify/", cookies=cookies, form=form)
        cookies.update(_cookies(response))
        if response.status == 302:
            return cookies
    raise SystemExit("the administrator's second factor was refused")


def log_in(port: int, email: str, password: str) -> dict[str, str]:
    """Log in through the login form; the session and CSRF cookies it ends with."""
    response, html = _request(port, "GET", "/accounts/login/")
    cookies = _cookies(response)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if response.status != 200 or not token:
        raise SystemExit(f"login page answered {response.status} without a form")
    form = {"csrfmiddlewaretoken": token.group(1), "username": email, "password": password}
    response, _html = _request(port, "POST", "/accounts/login/", cookies=cookies, form=form)
    cookies.update(_cookies(response))
    if response.status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"log-in as {email} failed (status {response.status})")
    return cookies


def start_server(
    env: dict[str, str], port: int, workers: int, log_path: Path, app: str = "homecure.wsgi"
) -> subprocess.Popen:
    command = [
        str(GUNICORN),
        app,
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--timeout=60",
    ]
    log = log_path.open("w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start; see {log_path}")
        try:
            response, _ = _request(port, "GET", "/healthz")
            if response.status == 200 and len(worker_pids(server.pid)) == workers:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log_path}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def worker_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return sorted(int(pid) for pid in children)


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk(
    port: int, path: str, *, method="GET", cookies=None, form=None, htmx=False, duration: int, connections: int
) -> dict:
    cookie = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
    body = urllib.parse.urlencode(form) if form else ""
    if form and cookies:
        body += "&csrfmiddlewaretoken=" + cookies["csrftoken"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        htmx_header = '\nwrk.headers["HX-Request"] = "true"' if htmx else ""
        script.write(WRK_SCRIPT % {"method": method, "body": body, "cookie": cookie, "htmx": htmx_header})
    try:
        completed = subprocess.run(
            [
                "wrk",
                "--threads=1",
                f"--connections={connections}",
                f"--duration={duration}s",
                "--timeout=10s",
                f"--script={script.name}",
                f"http://{HOST}:{port}{path}",
            ],
            capture_output=True,
            text=True,
            timeout=duration + 30,
            check=True,
        )
    finally:
        os.unlink(script.name)
    line = next(line for line in completed.stdout.splitlines() if line.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["rps"] = result["requests"] / (result["duration_us"] / 1_000_000)
    return result


def run(args) -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian/Ubuntu: apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="homecure-bench-"))
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        CONN_MAX_AGE=str(args.conn_max_age),
        LOG_LEVEL="WARNING",
        STATIC_ROOT=str(work / "static"),
    )
    targets = []
    servers = []
    try:
        subprocess.run(
            [str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        for index, url in enumerate(args.database_url):
            # Each database's entries apart in a shared cache (accounts are cached under their id).
            target_env = {**env, "DATABASE_URL": url, "CACHE_KEY_PREFIX": f"bench-{index}-{url.rsplit('/', 1)[-1]}"}
            print(f"Preparing: personas, targets and queries per page ({url.rsplit('/', 1)[-1]}) ...")
            step = subprocess.run(
                [str(PYTHON), __file__, "prepare"], cwd=ROOT, env=target_env, capture_output=True, text=True
            )
            if step.returncode:
                raise SystemExit(f"The prepare step failed:\n{step.stderr}")
            targets.append(
                {"url": url, "env": target_env, "port": args.port + index, "prepared": json.loads(step.stdout)}
            )
        for target in targets:
            log = work / f"gunicorn-{target['port']}.log"
            target["server"] = start_server(target["env"], target["port"], args.workers, log)
            servers.append(target["server"])
        # The fixed reference: the same gunicorn settings serving "ok" from a plain function.
        trivial_port = args.port + len(targets)
        log = work / f"gunicorn-{trivial_port}.log"
        servers.append(start_server(env, trivial_port, args.workers, log, app="scripts.trivial_wsgi:application"))
        for target in targets:
            target["trivial_port"] = trivial_port
        for target in targets:
            emails = target["prepared"]["emails"].items()
            password = target["prepared"]["password"]
            target["sessions"] = {who: log_in(target["port"], email, password) for who, email in emails}
            device = target["prepared"]["admin_totp"]
            target["sessions"]["admin"] = give_second_factor(target["port"], target["sessions"]["admin"], device)
        results = measure(args, targets)
        for target in targets:
            pids = worker_pids(target["server"].pid)
            target["workers"] = {str(pid): round(peak_memory_mb(pid), 1) for pid in pids}
    finally:
        for server in servers:
            stop_server(server)
        shutil.rmtree(work, ignore_errors=True)
    reports = [
        {
            "database_url": target["url"],
            "counts": target["prepared"]["counts"],
            "free_times": target["prepared"]["free_times"],
            "paths": target["prepared"]["paths"],
            "pages": pages,
            "worker_peak_mb": target["workers"],
            "settings": {
                "duration_s": args.duration,
                "connections": args.connections,
                "workers": args.workers,
                "rounds": args.rounds,
                "CACHE_URL": env.get("CACHE_URL", "(default)"),
                "SESSION_ENGINE": env.get("SESSION_ENGINE", "(default)"),
            },
        }
        for target, pages in zip(targets, results, strict=True)
    ]
    for report in reports:
        print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": reports}, indent=2))
        print(f"Saved to {args.json}")
    if len(reports) == 2:
        print()
        sys.exit(1 if compare_reports(*reports) else 0)


def _load_once(port, name, who, method, path, target, duration, connections) -> dict:
    prepared, cookies = target["prepared"], target["sessions"].get(who)
    form = prepared["free_times"]["form"] if method == "POST" else None
    check_form = {**form, "csrfmiddlewaretoken": cookies["csrftoken"]} if form else None
    # One request on its own first: it must succeed, and it waits until the workers have
    # finished what the previous run left queued.
    htmx = name in HTMX_PAGES
    response, _html = _request(port, method, path, cookies=cookies, form=check_form, htmx=htmx)
    if response.status != 200:
        raise SystemExit(f"{name}: {method} {path} answered {response.status}")
    result = wrk(
        port, path, method=method, cookies=cookies, form=form, htmx=htmx, duration=duration, connections=connections
    )
    if result["status_errors"] or result["socket_errors"]:
        errors = f"{result['status_errors']} error answers, {result['socket_errors']} socket errors"
        raise SystemExit(f"{name}: {errors}")
    return result


def measure(args, targets) -> list[dict]:
    """Each page right after a short `/healthz` run, its ratio taken to that run: on a machine shared
    with other work the speed drifts, and neighbouring runs drift least. With two databases each
    page is measured on both, one right after the other, for the same reason. With several rounds
    the round with the best ratio counts (other work only ever slows a run down)."""
    results: list[dict[str, dict]] = [{} for _ in targets]
    for _round in range(args.rounds):
        for name, who, method, _path in PAGES:
            for target, pages in zip(targets, results, strict=True):
                port, path = target["port"], target["prepared"]["paths"][name]
                trivial_port = target["trivial_port"]
                trivial = _load_once(trivial_port, TRIVIAL, None, "GET", "/", target, args.healthz_duration, 8)
                healthz = _load_once(port, "/healthz", None, "GET", "/healthz", target, args.healthz_duration, 8)
                result = _load_once(port, name, who, method, path, target, args.duration, args.connections)
                result["queries"] = target["prepared"]["queries"][name]
                result["healthz_rps"] = healthz["rps"]
                result["trivial_rps"] = trivial["rps"]
                result["ratio"] = result["rps"] / healthz["rps"]
                result["trivial_ratio"] = result["rps"] / trivial["rps"]
                for reference, measured in (("/healthz (best run)", healthz), (f"{TRIVIAL} (best run)", trivial)):
                    best = pages.get(reference)
                    if best is None or measured["rps"] > best["rps"]:
                        pages[reference] = {**measured, "queries": 0}
                for reference in ("/healthz (best run)", f"{TRIVIAL} (best run)"):
                    best = pages[reference]
                    best["healthz_rps"] = pages["/healthz (best run)"]["rps"]
                    best["trivial_rps"] = pages[f"{TRIVIAL} (best run)"]["rps"]
                    best["ratio"] = best["rps"] / best["healthz_rps"]
                    best["trivial_ratio"] = best["rps"] / best["trivial_rps"]
                if name not in pages or result["ratio"] > pages[name]["ratio"]:
                    pages[name] = result
    return results


def print_report(report: dict) -> None:
    counts = report["counts"]
    free = report["free_times"]
    print()
    print(
        f"{counts['bookings']:,} bookings; the patient has {counts['patient_bookings']:,} bookings and "
        f"{counts['patient_notifications']:,} notifications, the technician {counts['technician_visits']:,} visits"
    )
    print(
        f"free times: {free['service']} in {free['area']} on {free['day']}: {free['eligible_technicians']} eligible "
        f"technicians, {free['active_visits_that_day']} active visits that day, {free['free_starts']} free starts"
    )
    header = ("page", "req/s", "healthz", "ratio", "trivial", "ratio", "p50 ms", "p95 ms", "p99 ms", "queries")
    print("{:<28} {:>8} {:>8} {:>6} {:>8} {:>6} {:>7} {:>7} {:>7} {:>7}".format(*header))
    for name, r in report["pages"].items():
        print(
            f"{name:<28} {r['rps']:>8.0f} {r['healthz_rps']:>8.0f} {r['ratio']:>6.2f} {r['trivial_rps']:>8.0f} "
            f"{r['trivial_ratio']:>6.2f} {r['p50_us'] / 1000:>7.1f} {r['p95_us'] / 1000:>7.1f} "
            f"{r['p99_us'] / 1000:>7.1f} {r['queries']:>7}"
        )
    memory = ", ".join(f"{mb:.1f} MB" for mb in report["worker_peak_mb"].values())
    print(f"gunicorn workers' peak resident memory (VmHWM): {memory}")


def compare_reports(small: dict, large: dict) -> int:
    """Print the targets' verdicts for two runs; the number of targets missed."""
    print(f"{small['counts']['bookings']:,} bookings vs {large['counts']['bookings']:,} bookings")
    header = (
        "page",
        "ratio",
        "trivial",
        "target",
        "",
        "p95 small",
        "p95 large",
        "growth",
        f"<={P95_GROWTH_TARGET}x",
    )
    print("{:<24} {:>6} {:>7} {:>6} {:>7} {:>10} {:>10} {:>7} {:>7}".format(*header))
    missed = 0
    for name, big in large["pages"].items():
        if name.startswith("/healthz") or name.startswith(TRIVIAL):
            continue
        target = RATIO_TARGETS.get(name, RATIO_TARGET)
        growth = big["p95_us"] / small["pages"][name]["p95_us"]
        ratio_ok, growth_ok = big["ratio"] >= target, growth <= P95_GROWTH_TARGET
        missed += (not ratio_ok) + (not growth_ok)
        print(
            f"{name:<24} {big['ratio']:>6.2f} {big.get('trivial_ratio', 0):>7.2f} {target:>6.2f} "
            f"{'ok' if ratio_ok else 'MISSED':>7} "
            f"{small['pages'][name]['p95_us'] / 1000:>8.1f}ms {big['p95_us'] / 1000:>8.1f}ms {growth:>6.2f}x "
            f"{'ok' if growth_ok else 'MISSED':>7}"
        )
    small_peak, large_peak = max(small["worker_peak_mb"].values()), max(large["worker_peak_mb"].values())
    memory_ok = large_peak < MEMORY_TARGET_MB and large_peak <= small_peak * 1.05
    missed += not memory_ok
    print(
        f"worker peak memory: {small_peak:.1f} MB -> {large_peak:.1f} MB  {'ok' if memory_ok else 'MISSED'} "
        f"(target < {MEMORY_TARGET_MB} MB and no larger, 5% noise allowed)"
    )
    return missed


def compare(args) -> None:
    runs = [run for path in args.files for run in json.loads(Path(path).read_text())["runs"]]
    if len(runs) != 2:
        raise SystemExit("compare needs two runs: one file saved from a run of two databases, or two files")
    sys.exit(1 if compare_reports(*runs) else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="benchmark the key pages")
    run_parser.add_argument(
        "--database-url",
        action="append",
        required=True,
        help="a PostgreSQL database filled by seed_scale; give two (smaller first) to compare them page by page",
    )
    run_parser.add_argument("--duration", type=int, default=5, help="seconds of load per page")
    run_parser.add_argument("--healthz-duration", type=int, default=2, help="seconds of /healthz before each page")
    run_parser.add_argument("--rounds", type=int, default=1, help="measure every page this many times, keep the best")
    run_parser.add_argument("--connections", type=int, default=8)
    run_parser.add_argument("--workers", type=int, default=2)
    run_parser.add_argument("--port", type=int, default=8765)
    run_parser.add_argument("--conn-max-age", type=int, default=600)
    run_parser.add_argument("--json", help="also save the figures to this file")
    compare_parser = commands.add_parser("compare", help="check two saved runs against the targets")
    compare_parser.add_argument("files", nargs="+", help="the smaller run first")
    commands.add_parser("prepare", help=argparse.SUPPRESS)
    args = parser.parse_args()
    {"run": run, "compare": compare, "prepare": lambda _args: prepare()}[args.command](args)


if __name__ == "__main__":
    main()
