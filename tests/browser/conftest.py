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
from pathlib import Path

import pytest
from a11y import AxeReport, axe_violations

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
