"""Item 3: every URL refuses a POST without a CSRF token, before the view runs."""

import re

import pytest
from django.db import transaction
from django.urls import reverse

from tests.security import walk
from tests.security.resolver import all_routes
from tests.security.world import ROLES

pytestmark = pytest.mark.django_db

SENDERS = ("anonymous", "patient", "technician", "admin")


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(world):
    snapshot = walk.Snapshot(walk.data_tables())
    accepted = []
    tried = 0
    for case in walk.cases(world, walk.admin_objects(world)):
        if case.method != "POST" or case.role not in SENDERS:
            continue
        with transaction.atomic():
            before = snapshot.take()
            response = world.client(case.role, enforce_csrf_checks=True).post(case.url, {"next": "/"})
            changed = snapshot.changed(before, snapshot.take())
            transaction.set_rollback(True)
        tried += 1
        if response.status_code != 403 or b"CSRF verification failed" not in response.content or changed:
            accepted.append(f"POST {case.url} as {case.role}: {response.status_code}, changed {changed}")
    walk.STATS["POSTs without a CSRF token"] = tried

    assert tried == len(all_routes()) * len(SENDERS)
    assert accepted == []


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_the_same_post_with_the_token_gets_through(world, role):
    """The control: with the page's token, the profile form is processed (and re-shown with errors)."""
    client = world.client(role, enforce_csrf_checks=True)
    page = client.get(reverse("accounts:profile")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = client.post(reverse("accounts:profile"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
