"""The logged-in floor: what every request of a logged-in person costs before its page.

With sessions in the cache (`cached_db`, the default with Redis) a logged-in request that renders
nothing reads its session and its account from the cache: at most one query (the account, the first
time), none once the account is cached. The account in the cache never outlives a change to it.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.user_cache import cached_user
from homecure.base.cache import RedisCache

pytestmark = pytest.mark.django_db

FLOOR = "/healthz"


@pytest.fixture
def cached_sessions(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


def floor_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(FLOOR)
    assert response.status_code == 200
    return len(captured)


def test_a_logged_in_request_makes_one_query_then_none_once_the_account_is_cached(cached_sessions, patient):
    client = Client()
    client.force_login(patient)

    assert floor_queries(client) == 1
    assert cached_user(patient.pk) is not None
    assert floor_queries(client) == 0
    assert floor_queries(client) == 0


def test_the_cached_account_is_still_the_session_s(cached_sessions, patient):
    client = Client()
    client.force_login(patient)
    client.get(FLOOR)

    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 200
    assert response.context["user"] == patient


def _logged_in_and_cached(user) -> Client:
    client = Client()
    client.force_login(user)
    client.get(FLOOR)
    assert cached_user(user.pk) is not None
    return client


def _profile_name(client) -> str:
    return client.get(reverse("accounts:profile")).context["user"].first_name


def test_saving_the_account_drops_it_from_the_cache(cached_sessions, patient):
    client = _logged_in_and_cached(patient)

    patient.first_name = "Petra"
    patient.save()

    assert _profile_name(client) == "Petra"


def test_a_bulk_update_drops_the_accounts_it_changes(cached_sessions, patient):
    client = _logged_in_and_cached(patient)

    User.objects.filter(pk=patient.pk).update(first_name="Polly")

    assert _profile_name(client) == "Polly"


def test_a_bulk_update_of_objects_drops_them(cached_sessions, patient):
    client = _logged_in_and_cached(patient)
    patient.first_name = "Pia"

    User.objects.bulk_update([patient], ["first_name"])

    assert _profile_name(client) == "Pia"


def test_an_account_switched_off_in_bulk_is_logged_out_at_its_next_request(cached_sessions, patient):
    client = _logged_in_and_cached(patient)

    User.objects.filter(pk=patient.pk).update(is_active=False)

    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_new_password_ends_the_other_sessions_at_once(cached_sessions, patient):
    client = _logged_in_and_cached(patient)

    patient.set_password("a-brand-new-passphrase")
    patient.save()

    assert client.get(reverse("accounts:profile")).status_code == 302


@pytest.mark.parametrize("delete", ["instance", "query"])
def test_a_deleted_account_leaves_the_cache(cached_sessions, patient, delete):
    client = _logged_in_and_cached(patient)

    if delete == "instance":
        patient.delete()
    else:
        User.objects.filter(pk=patient.pk).delete()

    assert cached_user(patient.pk) is None
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_an_uncommitted_change_is_dropped_again_at_commit(cached_sessions, patient, django_capture_on_commit_callbacks):
    client = _logged_in_and_cached(patient)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        User.objects.filter(pk=patient.pk).update(first_name="Pam")
    # A request in between puts the account back in the cache (in production it may have read
    # the row before the change was committed) ...
    client.get(FLOOR)
    assert cached_user(patient.pk) is not None
    # ... and the commit drops it again.
    for callback in callbacks:
        callback()

    assert cached_user(patient.pk) is None


def test_the_redis_cache_keeps_one_client_per_process():
    first = RedisCache("redis://127.0.0.1:6379/9", {})
    second = RedisCache("redis://127.0.0.1:6379/9", {})

    assert first._cache is second._cache
    assert first._cache.get_client("a") is first._cache.get_client("b", write=True)
    assert RedisCache("redis://127.0.0.1:6379/8", {})._cache is not first._cache
