"""Item 1 of the security review: every URL the project serves answers every role as the policy says.

The walk covers each URL pattern from the resolver (the back office included) as the anonymous
visitor, `patient`, `other_patient`, `technician`, `other_technician`, `unverified_technician` and
an administrator, with GET and POST, parameters filled with `patient`'s and `technician`'s objects.
"""

import pytest

from tests.security import policy, walk
from tests.security.resolver import all_routes

pytestmark = pytest.mark.django_db


def test_every_url_answers_every_role_as_the_policy_says(walked):
    unclassified = sorted(
        {r.case.route.key for r in walked if policy.expected(r.case.route.key, r.case.method) is None}
    )
    wrong = [
        f"{r.describe()}; the policy says {outcome}"
        for r in walked
        if (outcomes := policy.expected(r.case.route.key, r.case.method)) is not None
        and not walk.matches(outcome := outcomes[r.case.role], r)
    ]
    walk.STATS["matrix cases"] = len(walked)
    walk.STATS["URL patterns"] = len({r.case.route.key for r in walked})

    assert unclassified == [], "URLs without a row in tests/security/policy.py"
    assert wrong == []


def test_the_walk_covers_every_url_pattern_the_resolver_knows(walked):
    walked_keys = {r.case.route.key for r in walked}

    assert {route.key for route in all_routes()} == walked_keys
    assert len(walked) == len(walked_keys) * len(policy.ROLES) * len(walk.METHODS)


def test_a_new_page_without_a_policy_row_is_unclassified():
    # Only the back office is classified by a wildcard; any other new URL name needs its own rows.
    assert policy.expected("bookings:brand-new-page", "GET") is None
    assert policy.expected("portal:jobs-export", "POST") is None
    assert policy.expected("admin:bookings_booking_changelist", "GET") is not None


def test_no_case_ends_in_a_server_error(walked):
    errors = [f"{r.describe()}\n{r.error}" for r in walked if r.status >= 500]

    assert errors == []


def test_other_peoples_objects_answer_404(walked):
    """Strangers of the same role as the owner are told the object does not exist, never 403."""
    object_urls = {
        ("bookings:detail", "other_patient"),
        ("bookings:qr", "other_patient"),
        ("records:detail", "other_patient"),
        ("records:document", "other_patient"),
        ("records:detail", "other_technician"),
        ("portal:job", "other_technician"),
        ("portal:job", "unverified_technician"),
        ("portal:time-off-delete", "other_technician"),
        ("notifications:open", "other_patient"),
        ("portal:photo", "other_patient"),
    }
    answers = {
        (r.case.route.key, r.case.role): r.status
        for r in walked
        if (r.case.route.key, r.case.role) in object_urls
        and r.case.method == ("POST" if r.case.route.key.endswith(("open", "delete")) else "GET")
    }

    assert answers == dict.fromkeys(object_urls, 404)
