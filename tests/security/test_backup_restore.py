"""Item 6: a backup restores. The commands are the ones the README's "Backups and restore" gives:
`pg_dump --format=custom` of the database and a tar archive of the private files, restored with
`pg_restore` into an empty database and `tar -x` into an empty directory."""

import os
import shutil
import subprocess
import tarfile
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from records.tests.factories import HealthDocumentFactory, HealthRecordFactory

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore need PostgreSQL (run with DATABASE_URL=postgres://...)")
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump and pg_restore are not installed (apt-get install postgresql-client)")
    return connection.settings_dict


def _libpq(settings_dict, name=None):
    return {
        "host": settings_dict["HOST"] or "127.0.0.1",
        "port": str(settings_dict["PORT"] or 5432),
        "user": settings_dict["USER"] or "postgres",
        "password": settings_dict["PASSWORD"] or None,
        "dbname": name or settings_dict["NAME"],
    }


def _command_args(params):
    return ["-h", params["host"], "-p", params["port"], "-U", params["user"]]


def _run(program, *args, password=None):
    """Run a PostgreSQL client program or tar from PATH with the test's own arguments."""
    env = {**os.environ, "PGPASSWORD": password} if password else None
    subprocess.run([shutil.which(program), *args], check=True, env=env)  # noqa: S603


@pytest.fixture
def empty_database(on_postgresql):
    params = _libpq(on_postgresql, on_postgresql["NAME"] + "_restored")
    admin = {**params, "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{params["dbname"]}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{params["dbname"]}"')
    yield params
    with psycopg.connect(**admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{params["dbname"]}" WITH (FORCE)')


def test_a_database_dump_and_the_private_files_restore_with_every_booking(on_postgresql, empty_database, tmp_path):
    patient_visits = [BookingFactory(start=timezone.now() + timedelta(days=3 + n)) for n in range(5)]
    cancelled = BookingFactory(cancelled=True)
    finished = BookingFactory(completed=True, start=timezone.now() - timedelta(days=2))
    document = HealthDocumentFactory(record=HealthRecordFactory(booking=finished))
    references = {booking.reference for booking in [*patient_visits, cancelled, finished]}
    assert set(Booking.objects.values_list("reference", flat=True)) == references
    source = _libpq(on_postgresql)
    private_root = settings.STORAGES["default"]["OPTIONS"]["location"]

    # Back up: the database and the private files, as the README says.
    dump = tmp_path / "homecure.dump"
    archive = tmp_path / "homecure-private.tar.gz"
    _run(
        "pg_dump",
        *_command_args(source),
        "--format=custom",
        f"--file={dump}",
        source["dbname"],
        password=source["password"],
    )
    _run("tar", "-C", str(private_root), "-czf", str(archive), ".")

    # Restore into an empty database and an empty directory.
    target = empty_database
    _run(
        "pg_restore",
        *_command_args(target),
        "--no-owner",
        "--exit-on-error",
        "-d",
        target["dbname"],
        str(dump),
        password=target["password"],
    )
    restored_files = tmp_path / "restored-private"
    restored_files.mkdir()
    _run("tar", "-C", str(restored_files), "-xzf", str(archive))

    with psycopg.connect(**empty_database) as restored:
        rows = dict(restored.execute("SELECT reference, status FROM bookings_booking").fetchall())
        stored_path = restored.execute(
            "SELECT file FROM records_healthdocument WHERE id = %s", [document.pk]
        ).fetchone()[0]
        migrations = restored.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
    assert set(rows) == references
    assert rows[cancelled.reference] == "cancelled"
    assert (restored_files / stored_path).read_bytes() == document.file.open("rb").read()
    assert migrations > 0
    with tarfile.open(archive) as tar:
        assert any(member.name.endswith(stored_path) for member in tar.getmembers())
    assert dump.read_bytes()[:5] == b"PGDMP"
