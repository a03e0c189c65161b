"""Item 3: no GET changes data, whoever sends it, on any URL.

Reads may leave a trace in the audit trails (a technician's or administrator's read of a health
record is kept, a failed check-in scan is recorded, the session is touched): those tables are
left out (`walk.AUDIT_TABLES`); every other table must be unchanged after every GET of the matrix.
"""

import pytest

pytestmark = pytest.mark.django_db


def test_no_get_request_changes_a_row(walked):
    gets = [r for r in walked if r.case.method == "GET"]
    changes = [f"{r.describe()} changed {', '.join(r.changed)}" for r in gets if r.changed]

    assert len(gets) > 1000
    assert changes == []


def test_the_snapshot_sees_a_change(walked):
    """The control: POSTs that do act (the nurse accepting, the patient opening a notification) show up."""
    changed = {(r.case.route.key, r.case.role) for r in walked if r.case.method == "POST" and r.changed}

    assert ("notifications:open", "patient") in changed
    assert ("portal:availability", "technician") in changed
