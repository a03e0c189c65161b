"""Browser tests: Playwright drives the system Chromium against pytest-django's live server.

The browser is the one installed on the machine: `CHROMIUM_PATH`, or Debian's `/usr/bin/chromium`
(`apt-get install chromium`). Without it the browser tests are skipped with that reason, unless
`REQUIRE_BROWSER=1` (set in CI) turns the missing browser into an error, so CI cannot pass without
running them.

Static files need no `collectstatic`: the live server serves them from the finders, and the root
conftest switches to the unhashed storage.
"""

import os
import re
import time
from pathlib import Path

import pytest
from a11y import AxeReport, axe_violations
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD

# Playwright's sync API keeps an event loop in the main thread from the first browser test to the
# end of the session, and Django refuses ORM calls beside a running loop unless told that this is
# safe. It is: no test code awaits anything.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

CHROMIUM_ARGS = [
    # Containers and CI runners have no user namespaces for the sandbox, no GPU and a small /dev/shm.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # The tests must not depend on (or wait for) anything outside the machine.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"no Chromium found at {CHROMIUM}; install it (apt-get install chromium) or set CHROMIUM_PATH"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required (REQUIRE_BROWSER=1) but {reason}", pytrace=False)
        pytest.skip(f"browser tests SKIPPED: {reason}")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture
def screenshot(page, request):
    """`screenshot("signed-up")` saves the whole page as test-artifacts/screenshots/<test>-NN-signed-up.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^\w-]+", "_", request.node.name).strip("_")
    taken = []

    def take(step):
        taken.append(step)
        path = SCREENSHOTS / f"{test_name}-{len(taken):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def failed_responses(page):
    """Every response of the page with a 4xx/5xx status, e.g. a stylesheet that did not load."""
    failures = []

    def record(response):
        if response.status >= 400:
            failures.append(f"{response.status} {response.url}")

    page.on("response", record)
    return failures


def app_code(email):
    """The code the authenticator app of the user with `email` shows, as the person would read it.

    A code is accepted once, so when this 30-second step's code was used already (a second log-in
    within the step) it is the next step's, which the server also accepts.
    """
    device = TOTPDevice.objects.get(user__email=email, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if totp.t() <= device.last_t:
        totp.time = time.time() + device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():06d}"


@pytest.fixture
def log_in_with_code(page, live_server):
    """`log_in_with_code(user_or_email, password)` logs in through both steps, as an administrator
    does: the e-mail address and password, then the 6-digit code of their authenticator app (computed
    from the device's key). `on_code_page(page)` runs on the code page, e.g. to check it with axe."""

    def log_in(user_or_email, password=DEFAULT_PASSWORD, *, on_code_page=None):
        email = getattr(user_or_email, "email", user_or_email)
        page.context.clear_cookies()
        page.goto(live_server.url + reverse("accounts:login"))
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_text("Enter the 6-digit code from your authenticator app.")).to_be_visible()
        if on_code_page is not None:
            on_code_page(page)
        page.get_by_label("Code").fill(app_code(email))
        page.get_by_role("button", name="Continue").click()
        expect(page).not_to_have_url(re.compile(reverse("accounts:two-factor-verify")))

    return log_in


AXE_REPORT = pytest.StashKey[AxeReport]()


@pytest.fixture
def axe_problems(page, request):
    """`axe_problems("checkout")` lists the page's serious and critical axe-core violations, one a line."""
    report = request.config.stash.setdefault(AXE_REPORT, AxeReport())

    def check(label=""):
        return [f"{label or page.url}: {failure}" for failure in axe_violations(page, report=report, label=label)]

    return check


@pytest.fixture
def assert_accessible(page, axe_problems):
    """`assert_accessible("checkout")` fails on any serious or critical axe-core violation of the page."""

    def check(label=""):
        failures = axe_problems(label)
        assert not failures, f"{page.url} has accessibility violations:\n" + "\n".join(failures)

    return check


def pytest_terminal_summary(terminalreporter, config):
    report = config.stash.get(AXE_REPORT, None)
    if report is not None:
        terminalreporter.write_sep("-", "accessibility")
        terminalreporter.write_line(report.summary())
