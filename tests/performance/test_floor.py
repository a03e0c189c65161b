"""The logged-in floor: what every request of a logged-in person costs before its page.

With sessions in the cache (`cached_db`, the default with Redis) a logged-in request that renders
nothing reads its session and its account from the cache: at most one query (the account, the first
time), none once the account is cached, and from the second request on one round trip to the cache
for both (`accounts.sessions`). The account in the cache never outlives a change to it.
"""

import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import sessions
from accounts.models import User
from accounts.user_cache import cached_user, offer_user, take_offered_user, user_cache_key
from homecure.base.cache import RedisCache

pytestmark = pytest.mark.django_db

FLOOR = "/healthz"


@pytest.fixture
def cached_sessions(settings):
    settings.SESSION_ENGINE = "accounts.sessions"


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


class CacheReads:
    """The reads of the default cache, one per round trip: `get` or `get_many` (whose local-memory
    version calls `get` once per key; those calls inside it are not round trips of their own)."""

    def __init__(self, monkeypatch):
        self.calls = []
        self.depth = 0
        for name in ("get", "get_many"):
            original = getattr(cache, name)
            monkeypatch.setattr(cache, name, self._counted(name, original))

    def _counted(self, name, original):
        def counted(*args, **kwargs):
            if not self.depth:
                self.calls.append(name)
            self.depth += 1
            try:
                return original(*args, **kwargs)
            finally:
                self.depth -= 1

        return counted


def test_the_session_and_its_account_come_in_one_cache_round_trip(cached_sessions, patient, monkeypatch):
    client = _logged_in_and_cached(patient)
    reads = CacheReads(monkeypatch)

    assert floor_queries(client) == 0

    assert reads.calls == ["get_many"]


def test_an_account_read_with_the_session_is_the_changed_one(cached_sessions, patient):
    client = _logged_in_and_cached(patient)
    client.get(FLOOR)

    User.objects.filter(pk=patient.pk).update(first_name="Paula")

    assert _profile_name(client) == "Paula"


def test_a_logged_out_session_key_reads_no_account(cached_sessions, patient):
    client = _logged_in_and_cached(patient)
    old_key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    client.post(reverse("accounts:logout"))
    # The cached account is still there; the old key must not lead to it.
    client.get(FLOOR)
    assert cached_user(patient.pk) is not None

    stolen = Client()
    stolen.cookies[django_settings.SESSION_COOKIE_NAME] = old_key
    response = stolen.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_an_account_is_only_given_to_the_session_that_names_it(cached_sessions, patient, other_patient):
    client = _logged_in_and_cached(patient)
    key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    # Whatever a process remembers of a key, what the session names decides.
    sessions._account_of_session[key] = str(other_patient.pk)
    cache.set(user_cache_key(other_patient.pk), other_patient)

    assert client.get(reverse("accounts:profile")).context["user"] == patient


def test_a_process_remembers_a_bounded_number_of_sessions(cached_sessions, monkeypatch):
    monkeypatch.setattr(sessions, "REMEMBERED_SESSIONS", 3)
    monkeypatch.setattr(sessions, "_account_of_session", {})

    for number in range(5):
        sessions._remember(f"key{number}", "7")

    assert list(sessions._account_of_session) == ["key2", "key3", "key4"]


def test_an_account_changed_after_the_session_was_read_is_not_handed_out(patient):
    offer_user(patient.pk, patient)

    User.objects.filter(pk=patient.pk).update(first_name="Pat")

    assert take_offered_user(patient.pk) is None


def test_an_offered_account_is_handed_out_once_and_only_for_its_own_id(patient, other_patient):
    offer_user(patient.pk, patient)
    assert take_offered_user(other_patient.pk) is None

    offer_user(patient.pk, patient)
    assert take_offered_user(patient.pk) == patient
    assert take_offered_user(patient.pk) is None


@pytest.fixture
def own_connection():
    """A connection of its own to the test database, outside the test's transaction."""
    from django.db import connections

    other = connections.create_connection("default")
    other.ensure_connection()
    yield other
    other.close()


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's health check")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_healthy_kept_connection_is_checked_without_a_query(own_connection, monkeypatch):
    from django.db.backends.postgresql.base import DatabaseWrapper

    asked = []
    monkeypatch.setattr(DatabaseWrapper, "is_usable", lambda self: asked.append(self) or True)

    assert own_connection.is_usable()
    assert asked == []


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_found_unusable_and_replaced(own_connection):
    pid = own_connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's farewell reaches the socket at once, or nearly.
    for _ in range(50):
        if not own_connection.is_usable():
            break
        time.sleep(0.01)
    assert not own_connection.is_usable()

    own_connection.close_if_unusable_or_obsolete()
    own_connection.health_check_done = False
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.fixture
def high_descriptor_limit():
    """Room for descriptors above select()'s 1,023, as a busy process may hold."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_the_socket_check_sees_a_farewell_on_any_descriptor(high_descriptor_limit):
    import os
    import socket

    from homecure.base.postgresql.base import _waiting_to_be_read

    ours, server = socket.socketpair()
    high = os.dup2(ours.fileno(), 2000)
    try:
        assert not _waiting_to_be_read(high)
        server.close()
        assert _waiting_to_be_read(high)
    finally:
        os.close(high)
        ours.close()
