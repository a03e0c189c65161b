"""The matrix world, and the walk of every policy case, done once per test run.

Walking every (URL, role, method) case takes a few thousand requests; the tests of this package
judge the same responses from different sides (status, leaked markers, changed rows, headers),
so the walk runs once and its results are kept for the run.
"""

import pytest

from tests.security import walk


@pytest.fixture
def walked(world):
    """Every policy case's result (computed by the first test that asks)."""
    if "results" not in walk.CACHE:
        objects = walk.admin_objects(world)
        snapshot = walk.Snapshot(walk.data_tables())
        walk.CACHE["results"] = [walk.run(world, case, snapshot) for case in walk.cases(world, objects)]
    return walk.CACHE["results"]


def pytest_terminal_summary(terminalreporter):
    if walk.STATS:
        terminalreporter.write_sep("-", "security checks")
        for name, count in walk.STATS.items():
            terminalreporter.write_line(f"{name}: {count}")
