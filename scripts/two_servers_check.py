#!/usr/bin/env python3
"""The checks of `scripts/two_servers.sh`, run against two live app servers and the balancer.

Drives the servers as browsers would (login form, CSRF tokens, cookies) with the standard
library only, and reads the database through `manage.py shell` for the facts a page does not show.
Exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import http.client
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from datetime import date, timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "homecure-demo-2026"  # noqa: S105  (the published demo password of seed_demo)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

results: list[bool] = []


def check(condition: bool, what: str) -> None:
    print(f"  {'PASS' if condition else 'FAIL'}  {what}")
    results.append(condition)


def wait_until_ready(server: str, seconds: int = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if Browser().get(server, "/readyz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{server} did not become ready within {seconds} s")


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """Cookies and requests to whichever server each call names."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, server: str, method: str, path: str, *, form=None, files=None) -> Response:
        host, port = server.split(":")
        headers = {"Host": host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if files:
            body, headers["Content-Type"] = multipart(form or {}, files)
        elif form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        connection.request(method, path, body=body, headers=headers)
        raw = connection.getresponse()
        response = Response(raw.status, raw.headers, raw.read())
        connection.close()
        jar = SimpleCookie()
        for header in raw.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        for name, morsel in jar.items():
            if morsel.value:
                self.cookies[name] = morsel.value
            else:
                self.cookies.pop(name, None)
        return response

    def get(self, server: str, path: str) -> Response:
        return self.request(server, "GET", path)

    def post(self, server: str, path: str, form: dict, files=None) -> Response:
        form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        return self.request(server, "POST", path, form=form, files=files)

    def log_in(self, server: str, email: str) -> Response:
        self.get(server, "/accounts/login/")
        return self.post(server, "/accounts/login/", {"username": email, "password": PASSWORD})


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class FormFields(HTMLParser):
    """The values a browser would submit from the first POST form that has field `marker`."""

    def __init__(self, marker: str):
        super().__init__()
        self.marker, self.forms, self.current, self.select, self.textarea = marker, [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post":
            self.current = {}
            self.forms.append(self.current)
        elif self.current is None or not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "file", "button"):
                self.current.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.current[self.select] = [a.get("value", "")]
        elif tag == "textarea":
            self.textarea = a["name"]
            self.current[self.textarea] = [""]

    def handle_data(self, data):
        if self.textarea:
            self.current[self.textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.current = None

    @classmethod
    def of(cls, html: str, marker: str) -> dict:
        parser = cls(marker)
        parser.feed(html)
        form = next(f for f in parser.forms if marker in f)
        return {name: values if len(values) > 1 else values[0] for name, values in form.items()}


def database(code: str) -> str:
    """Run Python in `manage.py shell` against the servers' database; its printed output."""
    completed = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "shell", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return completed.stdout.strip().splitlines()[-1]


def logged_in_as(response: Response, name: str) -> bool:
    return response.status == 200 and name in response.text and 'action="/accounts/logout/"' in response.text


def check_sessions(a: str, b: str, balancer: str) -> None:
    print("1. A log-in through one server holds on the other")
    browser = Browser()
    response = browser.log_in(a, "emma.clarke@homecure.example")
    check(response.status == 302 and "sessionid" in browser.cookies, f"Emma logs in through {a}")
    check(logged_in_as(browser.get(b, "/bookings/"), "Emma"), f"her bookings page opens through {b}")
    upstreams = set()
    for _ in range(4):
        response = browser.get(balancer, "/bookings/")
        upstreams.add(response.headers.get("X-Upstream"))
        if not logged_in_as(response, "Emma"):
            break
    check(
        logged_in_as(response, "Emma") and len(upstreams) == 2,
        f"four requests through nginx reach both servers ({', '.join(sorted(upstreams))}), all logged in",
    )


def check_settings(a: str, b: str) -> None:
    print("2. A setting changed through one server is seen by the other at once")
    patient, admin = Browser(), Browser()
    patient.log_in(b, "james.wilson@homecure.example")
    admin.log_in(a, "admin@homecure.example")

    def last_bookable_day() -> str:
        html = patient.get(b, "/bookings/new/home-nurse-visit/").text
        return re.search(r'name="date"[^>]*max="([0-9-]+)"', html).group(1)

    before = last_bookable_day()  # server B now has the settings in the shared cache
    changelist = admin.get(a, "/admin/homecure/systemsettings/?q=booking_horizon_days").text
    change_path = re.search(r'href="(/admin/homecure/systemsettings/\d+/change/)', changelist).group(1)
    current = int(re.search(r'name="value"[^>]*value="(\d+)"', admin.get(a, change_path).text).group(1))
    wanted = current + 15
    response = admin.post(a, change_path, {"value": str(wanted), "_save": "Save"})
    check(response.status == 302, f"the administrator sets booking_horizon_days {current} -> {wanted} through {a}")
    after = last_bookable_day()
    expected = date.fromisoformat(before) + timedelta(days=wanted - current)
    check(after == expected.isoformat(), f"{b} offers dates up to {after} at once (was {before})")
    admin.post(a, change_path, {"value": str(current), "_save": "Save"})


def check_race(a: str, b: str) -> None:
    print("3. 20 concurrent bookings of one free time, over both servers, make one booking")
    service = "physiotherapy-assessment"  # in Camden only one technician does it
    day = date.today() + timedelta(days=3)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    browsers = []
    for i in range(20):
        browser = Browser()
        browser.log_in(a if i % 2 else b, f"race{i:02d}@homecure.example")
        browsers.append(browser)
    page = browsers[0].get(a, f"/bookings/new/{service}/").text
    place = FormFields.of(page, "request_token")
    area = re.search(r'<option value="(\d+)"[^>]*>Camden</option>', page).group(1)
    place.update(area=area, date=day.isoformat(), action="times", address="1 Camden Road")
    times_page = browsers[0].post(a, f"/bookings/new/{service}/", place).text
    found = re.search(r'<input[^>]*name="start"[^>]*value="([^"]+)"', times_page)
    if found is None:
        raise SystemExit(f"no free time offered for {service} in Camden on {day}")
    start = found.group(1)
    barrier = threading.Barrier(20)
    statuses: list[int] = [0] * 20
    taken_messages: list[bool] = [False] * 20

    def book(i: int) -> None:
        form = {**place, "action": "confirm", "start": start, "payment_method": "cash", "user_notes": ""}
        form["request_token"] = str(uuid.uuid4())
        barrier.wait(timeout=60)
        response = browsers[i].post(a if i % 2 else b, f"/bookings/new/{service}/", form)
        statuses[i] = response.status
        taken_messages[i] = "This time was just taken" in response.text

    threads = [threading.Thread(target=book, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    made = database(
        "from bookings.models import Booking; "
        f"print(Booking.objects.filter(user__email__startswith='race', scheduled_start='{start}').count())"
    )
    check(statuses.count(302) == 1, f"one of 20 submissions for {start} is booked (answers: {sorted(statuses)})")
    check(made == "1", f"the database holds exactly one booking at that time ({made})")
    check(
        statuses.count(200) == 19 and taken_messages.count(True) == 19,
        "the other 19 see the booking form again with 'This time was just taken'",
    )


def check_documents(a: str, b: str) -> None:
    print("4. A document uploaded through one server downloads through the other")
    technician, patient = Browser(), Browser()
    technician.log_in(a, "david.okoye@homecure.example")
    path = "/records/visit/HC-DEMO0004/new/"
    form = FormFields.of(technician.get(a, path).text, "request_token")
    form.update(
        record_type="checkup",
        diagnosis="Stable; reviewed at home.",
        treatment="No change.",
        follow_up_required="no",
    )
    content = PDF + uuid.uuid4().hex.encode()
    response = technician.post(a, path, form, files={"documents": ("results.pdf", content, "application/pdf")})
    record_path = response.headers.get("Location", "")
    check(response.status == 302 and "/records/" in record_path, f"David saves a record with a PDF through {a}")
    patient.log_in(b, "james.wilson@homecure.example")
    record_page = patient.get(b, record_path).text
    link = re.search(r'href="(/records/\d+/documents/\d+/)"', record_page)
    download = patient.get(b, link.group(1)) if link else None
    check(
        download is not None and download.status == 200 and download.body == content,
        f"James downloads the same bytes through {b}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server-a", required=True)
    parser.add_argument("--server-b", required=True)
    parser.add_argument("--balancer", required=True)
    args = parser.parse_args()
    for server in (args.server_a, args.server_b, args.balancer):
        if not server.startswith("127.0.0.1:"):
            raise SystemExit("the checks only talk to servers on 127.0.0.1")
    for server in (args.server_a, args.server_b, args.balancer):
        wait_until_ready(server)
    check_sessions(args.server_a, args.server_b, args.balancer)
    check_settings(args.server_a, args.server_b)
    check_race(args.server_a, args.server_b)
    check_documents(args.server_a, args.server_b)
    print(f"two servers: {results.count(True)} passed, {results.count(False)} failed")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
