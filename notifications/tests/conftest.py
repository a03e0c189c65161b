from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.models import UserRole
from accounts.tests.factories import AdminUserFactory, UserFactory
from bookings.tests.factories import BookingFactory


@pytest.fixture
def second_admin(db):
    # Another platform administrator: admin alerts go to every one of them.
    return AdminUserFactory(email="second.admin@example.com", first_name="Sam", last_name="Second")


@pytest.fixture
def not_quite_admins(db):
    # Neither of these runs the platform: an administrator who left, and an admin-role account
    # without back-office access. Admin alerts must reach neither.
    return [
        AdminUserFactory(email="former.admin@example.com", is_active=False),
        UserFactory(email="no.staff@example.com", role=UserRole.ADMIN, is_staff=False),
    ]


def visit_start(days=3, hour=10):
    """A visit start inside every persona technician's working day (08:00-18:00 local)."""
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def make_booking(patient, technician, service, area):
    """`make_booking(confirmed=True, start=...)`: a visit of `patient` with `technician` (BookingFactory traits)."""

    def make(**kwargs):
        kwargs.setdefault("user", patient)
        kwargs.setdefault("technician", technician)
        kwargs.setdefault("start", visit_start())
        return BookingFactory(service=service, service_area=area, **kwargs)

    return make
