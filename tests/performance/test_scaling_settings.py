"""Settings for several app servers: sessions in a shared cache, private files in a bucket, and a
settings change that every server sees at once."""

import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache.backends.redis import RedisCache
from django.urls import reverse
from django.utils import timezone

from earnings.tests.factories import TechnicianEarningsFactory
from homecure.base import system_settings
from homecure.base.system_settings import CACHE_KEY, get_setting
from homecure.models import SystemSettings

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/15"


def settings_with(**env) -> dict:
    """Selected settings as a fresh process computes them from these environment variables."""
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'SESSION_ENGINE': settings.SESSION_ENGINE, "
        "'CACHE': settings.CACHES['default']['BACKEND'], 'STORAGE': settings.STORAGES['default']}, default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "SESSION_ENGINE")}
    completed = subprocess.run(  # noqa: S603  (this interpreter, a fixed script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "homecure.settings", "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if completed.returncode:
        return {"error": completed.stderr}
    return json.loads(completed.stdout)


def test_sessions_live_in_the_database_with_the_per_process_cache():
    assert settings_with()["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_sessions_are_read_from_a_shared_redis_cache_and_kept_in_the_database():
    found = settings_with(CACHE_URL="redis://127.0.0.1:6379/1")

    assert found["CACHE"] == "homecure.base.cache.RedisCache"
    assert found["SESSION_ENGINE"] == "accounts.sessions"


def test_the_session_store_can_be_chosen():
    assert settings_with(CACHE_URL="redis://127.0.0.1:6379/1", SESSION_ENGINE="db")["SESSION_ENGINE"] == (
        "django.contrib.sessions.backends.db"
    )
    assert "SESSION_ENGINE must be one of db, cached_db" in settings_with(SESSION_ENGINE="files")["error"]


def test_private_files_can_live_in_a_private_s3_bucket():
    storage = settings_with(
        PRIVATE_MEDIA_S3_BUCKET="homecure-private", PRIVATE_MEDIA_S3_ENDPOINT_URL="https://s3.example"
    )["STORAGE"]

    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "homecure-private"
    assert storage["OPTIONS"]["endpoint_url"] == "https://s3.example"
    assert storage["OPTIONS"]["default_acl"] == "private"
    assert storage["OPTIONS"]["querystring_auth"] is True


@pytest.fixture
def redis_cache(settings):
    """The default cache on a Redis database of its own (skipped when no Redis server answers)."""
    prefix = f"test-{uuid.uuid4().hex}"
    other_server = RedisCache(REDIS_URL, {"KEY_PREFIX": prefix})
    try:
        other_server.get("ping")
    except Exception as error:  # any connection error means there is no Redis here
        pytest.skip(f"no Redis server at {REDIS_URL}: {error}")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield other_server
    other_server.delete(CACHE_KEY)


@pytest.mark.django_db
def test_a_settings_change_reaches_every_server_sharing_redis(redis_cache, django_capture_on_commit_callbacks):
    assert get_setting("booking_slot_minutes") == 30
    assert redis_cache.get(CACHE_KEY)["booking_slot_minutes"] == 30

    with django_capture_on_commit_callbacks(execute=True):
        row = SystemSettings.objects.get(key="booking_slot_minutes")
        row.value = "15"
        row.save()
        # Another server reads the settings before the change is committed and caches what the
        # database still shows it: the old value.
        redis_cache.set(CACHE_KEY, {"booking_slot_minutes": 30})

    assert redis_cache.get(CACHE_KEY) is None
    assert get_setting("booking_slot_minutes") == 15


class CountingCache:
    """The real cache, counting reads of the settings entry."""

    def __init__(self, real):
        self.real, self.reads = real, 0

    def get(self, key, *args, **kwargs):
        self.reads += key == CACHE_KEY
        return self.real.get(key, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def counting_cache(monkeypatch):
    counting = CountingCache(system_settings.cache)
    monkeypatch.setattr(system_settings, "cache", counting)
    return counting


@pytest.mark.django_db
def test_a_page_reads_the_settings_from_the_cache_once(technician_client, technician, counting_cache):
    TechnicianEarningsFactory.create_batch(5, technician=technician)
    technician_client.get(reverse("earnings:list"))
    counting_cache.reads = 0

    response = technician_client.get(reverse("earnings:list"))

    assert response.status_code == 200
    assert counting_cache.reads == 1


@pytest.mark.django_db
def test_outside_a_request_every_read_asks_the_cache(counting_cache):
    get_setting("currency")
    get_setting("currency")

    assert counting_cache.reads == 2


@pytest.mark.django_db
def test_the_next_request_sees_a_change_made_elsewhere(patient_client, service):
    page = reverse("bookings:new", kwargs={"slug": service.slug})
    patient_client.get(page)
    values = dict(system_settings.cache.get(CACHE_KEY))
    values["booking_horizon_days"] = 7
    # Another app server changed the setting and the shared cache holds the new value.
    system_settings.cache.set(CACHE_KEY, values)

    html = patient_client.get(page).content.decode()

    last_day = timezone.localdate() + timedelta(days=7)
    assert f'max="{last_day.isoformat()}"' in html
