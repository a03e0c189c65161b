"""Sign-ups whose e-mailed link was never opened are deleted after a week, and nothing else is."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts import services
from accounts.models import User, UserRole
from accounts.tests.factories import PatientFactory
from bookings.tests.factories import BookingFactory
from homecure.models import AdminLog
from technicians.models import Technician
from technicians.services import technician_sign_up

pytestmark = pytest.mark.django_db

PASSWORD = "lantern-orchard-42"


def _days_ago(days):
    return timezone.now() - timedelta(days=days)


def _sign_up(email, *, role=UserRole.PATIENT, days_ago=0):
    user = services.user_sign_up(email=email, password=PASSWORD, role=role, first_name="Sam")
    User.objects.filter(pk=user.pk).update(date_joined=_days_ago(days_ago))
    return user


def test_only_sign_ups_left_unconfirmed_for_a_week_are_deleted():
    stale = _sign_up("stale@example.com", days_ago=8)
    recent = _sign_up("recent@example.com", days_ago=6)
    confirmed = services.user_confirm_email(user=_sign_up("confirmed@example.com", days_ago=30))
    switched_off = PatientFactory(email="off@example.com", is_active=False)
    User.objects.filter(pk=switched_off.pk).update(date_joined=_days_ago(30))

    assert services.delete_unconfirmed_sign_ups() == 1

    assert not User.objects.filter(pk=stale.pk).exists()
    assert set(User.objects.values_list("email", flat=True)) == {recent.email, confirmed.email, switched_off.email}


def test_a_technician_sign_up_goes_with_its_profile():
    technician = technician_sign_up(
        email="jana@example.com",
        password=PASSWORD,
        first_name="Jana",
        last_name="Joiner",
        phone="+441234567890",
        specialization="nurse",
        license_number="RN-000123",
    )
    User.objects.filter(pk=technician.user_id).update(date_joined=_days_ago(8))

    assert services.delete_unconfirmed_sign_ups() == 1

    assert not Technician.objects.exists()
    assert not User.objects.exists()


def test_a_sign_up_the_office_booked_for_is_kept(service, area):
    pending = _sign_up("booked@example.com", days_ago=8)
    BookingFactory(user=pending, service=service, service_area=area)

    assert services.delete_unconfirmed_sign_ups() == 0

    assert User.objects.filter(pk=pending.pk).exists()


def test_signing_up_again_does_not_start_the_week_again():
    first = _sign_up("again@example.com", days_ago=8)

    again = services.user_sign_up(email="again@example.com", password=PASSWORD, role=UserRole.PATIENT, first_name="Eve")

    assert again is None
    assert services.delete_unconfirmed_sign_ups() == 1
    assert not User.objects.filter(pk=first.pk).exists()


def test_the_command_reports_and_audits_what_it_deleted():
    _sign_up("one@example.com", days_ago=3)
    _sign_up("two@example.com", days_ago=10)

    out = StringIO()
    call_command("delete_unconfirmed_sign_ups", "--days", "2", stdout=out)

    assert out.getvalue() == "2 unconfirmed sign-up(s) deleted.\n"
    entry = AdminLog.objects.get(action="unconfirmed_sign_ups_deleted")
    assert entry.admin_user is None
    assert "2 sign-up(s)" in entry.description


def test_the_command_refuses_a_period_shorter_than_the_link():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("delete_unconfirmed_sign_ups", "--days", "0")
