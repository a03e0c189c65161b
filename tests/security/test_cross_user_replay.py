"""Item 2: every URL replayed as everyone who is a stranger to `patient` and their nurse.

`patient`'s address, phone, booking notes, diagnosis, treatment, document, review, notification,
the nurse's time off and payout carry marker strings (tests/security/world.py). The anonymous
visitor, `other_patient`, `other_technician` and `unverified_technician` must never get a response
that contains one, and none of their POSTs may change a row.
"""

import pytest

from tests.security import walk
from tests.security.world import MARKERS, STRANGERS

pytestmark = pytest.mark.django_db


def _replayed(walked):
    return [r for r in walked if r.case.role in STRANGERS]


def test_no_response_to_a_stranger_contains_the_owners_data(walked):
    replayed = _replayed(walked)
    leaks = [f"{r.describe()} shows {name}" for r in replayed for name, marker in MARKERS.items() if marker in r.body]
    walk.STATS["replayed requests (strangers, every URL)"] = len(replayed)
    walk.STATS["replayed requests on object URLs"] = len([r for r in replayed if r.case.route.params])

    assert leaks == []


def test_no_post_of_a_stranger_to_an_object_url_changes_a_row(walked):
    # URLs without parameters act on the sender's own data (a nurse switching their own
    # availability); URLs with parameters name the owner's objects, which strangers must not touch.
    posts = [r for r in _replayed(walked) if r.case.method == "POST" and r.case.route.params]
    changes = [f"{r.describe()} changed {', '.join(r.changed)}" for r in posts if r.changed]

    assert len(posts) > 300
    assert changes == []


@pytest.mark.parametrize(
    ("role", "key", "marker"),
    [
        ("patient", "bookings:detail", "booking_notes"),
        ("patient", "bookings:detail", "address"),
        ("patient", "records:detail", "diagnosis"),
        ("patient", "records:document", "document"),
        ("patient", "notifications:list", "notification"),
        ("patient", "accounts:profile", "phone"),
        ("technician", "portal:job", "technician_notes"),
        ("technician", "portal:schedule", "time_off"),
        ("technician", "earnings:export", "earning"),
        ("admin", "admin:bookings_booking_change", "address"),
    ],
)
def test_the_owners_see_the_markers(walked, role, key, marker):
    """The control: the markers are on the owners' pages, so their absence elsewhere means something."""
    (result,) = [r for r in walked if (r.case.role, r.case.route.key, r.case.method) == (role, key, "GET")]

    assert result.status == 200
    assert MARKERS[marker] in result.body
