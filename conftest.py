"""Test-wide settings and the named people every test can use.

Each persona fixture says what that person may reach, so a permission test reads as a sentence:
`patient` can see their own bookings, `other_patient` must get a 404 on them, and so on.
"""

from datetime import time
from decimal import Decimal

import factory.random
import pytest
from django.core.cache import cache
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.tests.factories import AdminUserFactory, PatientFactory, ServiceAreaFactory
from accounts.two_factor import authenticator_of
from bookings.models import ServiceCategory
from bookings.tests.factories import ServiceFactory
from homecure.base.page_cache import local_pages
from technicians.models import Specialization
from technicians.tests.factories import TechnicianFactory, give_weekly_schedule


@pytest.fixture(autouse=True)
def same_made_up_data():
    # Factories draw names and addresses from Faker. The same seed in every test gives each test the
    # same people on every run, so a search for "Paula" cannot meet a made-up "Paula Street" once in
    # a while.
    factory.random.reseed_random("homecure-tests")


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2 is slow on purpose; tests only need passwords that check.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def test_storages(settings, tmp_path):
    # Uploaded test files go to a throwaway directory, never into the project's private media.
    # Static URLs come unhashed: the manifest storage would need `collectstatic` before every run.
    settings.STORAGES = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private_media", "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def empty_cache():
    # Cached system settings and counters must not carry over from one test to the next.
    cache.clear()
    local_pages.clear()
    yield
    cache.clear()
    local_pages.clear()


@pytest.fixture(autouse=True)
def forced_logins_pass_the_second_factor(monkeypatch):
    """`client.force_login(user)` skips the password, and for a user with an authenticator app it
    skips the code too: the session counts as verified, as after django_otp.login, so tests of the
    back office start where an administrator who logged in fully would be.

    The rule itself is untouched: a log-in through the log-in page still owes the code, and a user
    without a device (`AdminUserFactory(second_factor=False)`) gets an unverified session here.
    """
    force_login = Client.force_login

    def force_login_with_second_factor(self, user, backend=None):
        force_login(self, user, backend)
        device = authenticator_of(user)
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login_with_second_factor)


@pytest.fixture
def area(db):
    # The district where `patient` lives and `technician` works.
    return ServiceAreaFactory(name="Camden", slug="camden")


@pytest.fixture
def other_area(db):
    # A district no persona technician serves.
    return ServiceAreaFactory(name="Hackney", slug="hackney")


@pytest.fixture
def service(db):
    # A nursing visit (60 minutes, 80.00): `technician` is qualified for it.
    return ServiceFactory(
        name="Nurse home visit", slug="nurse-home-visit", category=ServiceCategory.NURSING, price=Decimal("80.00")
    )


@pytest.fixture
def patient(db, area):
    # May reach the public pages and their own bookings, records, notifications and profile.
    return PatientFactory(
        email="patient@example.com", first_name="Paula", last_name="Patient", area=area, address="1 Camden Road"
    )


@pytest.fixture
def other_patient(db, area):
    # A second patient: must get 404 on everything that belongs to `patient`.
    return PatientFactory(
        email="other.patient@example.com", first_name="Oscar", last_name="Other", area=area, address="9 Camden Road"
    )


def _nurse(email, first_name, last_name, license_number, area, *, is_verified=True):
    technician = TechnicianFactory(
        user__email=email,
        user__first_name=first_name,
        user__last_name=last_name,
        specialization=Specialization.NURSE,
        license_number=license_number,
        is_verified=is_verified,
        areas=[area],
    )
    give_weekly_schedule(technician, start=time(8, 0), end=time(18, 0))
    return technician


@pytest.fixture
def technician(db, area):
    # Verified nurse serving `area`, Monday to Sunday 08:00-18:00: may reach the portal, the jobs
    # assigned to them, the records they wrote and their own earnings.
    return _nurse("nurse@example.com", "Nadia", "Nurse", "NMC-000001", area)


@pytest.fixture
def other_technician(db, area):
    # A second verified nurse serving `area` with the same schedule: must get 404 on `technician`'s jobs.
    return _nurse("other.nurse@example.com", "Otto", "Nurse", "NMC-000002", area)


@pytest.fixture
def unverified_technician(db, area):
    # A nurse serving `area` whom no admin has verified yet: is never offered or assigned work.
    return _nurse("new.nurse@example.com", "Nora", "Newcomer", "NMC-000003", area, is_verified=False)


@pytest.fixture
def admin_user(db):
    # A platform administrator (role admin, staff, superuser) with an authenticator app: reaches
    # everything through /admin/ once past the code. Replaces pytest-django's own `admin_user`, so
    # `admin_client` logs in as this person (force_login: verified, see above).
    return AdminUserFactory(email="admin@example.com", first_name="Ada", last_name="Admin")


@pytest.fixture
def patient_client(patient):
    # A browser session logged in as `patient`.
    client = Client()
    client.force_login(patient)
    return client


@pytest.fixture
def technician_client(technician):
    # A browser session logged in as `technician`'s user.
    client = Client()
    client.force_login(technician.user)
    return client


def _flushes_the_database(item) -> bool:
    marker = item.get_closest_marker("django_db")
    transactional = marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    names = getattr(item, "fixturenames", ())
    return bool(transactional or "live_server" in names or "transactional_db" in names)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    # Tests that commit (the browser journeys, the races) empty every table when they end, the rows
    # of data migrations included. pytest-django runs them last, but pytest's own grouping of tests
    # by their session fixtures may run after it and pull a test that shares a fixture name with
    # them (a parameter called `page`, say) to their side; so they go last once more, in order.
    items.sort(key=_flushes_the_database)
