"""Signing up and confirming the address, for both roles that sign themselves up."""

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts import services, signals
from accounts.models import User, UserRole
from accounts.tests.factories import AdminUserFactory, PatientFactory, TechnicianUserFactory
from homecure.models import AdminLog

pytestmark = pytest.mark.django_db

PASSWORD = "lantern-orchard-42"


@pytest.mark.parametrize(
    ("factory", "changes", "pending"),
    [
        (PatientFactory, {"is_active": False, "awaiting_confirmation": True}, True),
        (TechnicianUserFactory, {"is_active": False, "awaiting_confirmation": True}, True),
        (AdminUserFactory, {"is_active": False, "awaiting_confirmation": True}, False),
        (PatientFactory, {"is_active": True, "awaiting_confirmation": True}, False),
        # Switched off by an administrator before its first log-in: not a sign-up to confirm.
        (PatientFactory, {"is_active": False}, False),
        (TechnicianUserFactory, {"is_active": False, "last_login": timezone.now()}, False),
    ],
)
def test_pending_means_signed_up_for_and_never_confirmed(factory, changes, pending):
    assert services.is_pending(factory(**changes)) is pending


@pytest.mark.parametrize("role", [UserRole.PATIENT, UserRole.TECHNICIAN])
def test_sign_up_starts_an_inactive_account_of_the_role(role):
    user = services.user_sign_up(email="Sam@Example.com", password=PASSWORD, role=role, first_name="Sam")

    assert (user.email, user.role, user.first_name, user.is_active) == ("sam@example.com", role, "Sam", False)
    assert user.check_password(PASSWORD)


def test_sign_up_for_an_address_in_use_changes_nothing():
    owner = TechnicianUserFactory(email="sam@example.com", first_name="Samantha")
    before = User.objects.values().get(pk=owner.pk)

    assert (
        services.user_sign_up(email="SAM@example.com", password=PASSWORD, role=UserRole.PATIENT, first_name="Sam")
        is None
    )

    assert User.objects.values().get(pk=owner.pk) == before


@pytest.mark.parametrize("role", [UserRole.PATIENT, UserRole.TECHNICIAN])
def test_a_sign_up_never_changes_one_waiting_for_its_link(role):
    pending = services.user_sign_up(
        email="sam@example.com", password=PASSWORD, role=UserRole.PATIENT, first_name="Sam", phone="+44 20 7946 0991"
    )
    before = User.objects.values().get(pk=pending.pk)

    again = services.user_sign_up(
        email="SAM@example.com", password="someone-elses-42", role=role, first_name="Mallory", phone="+44 0"
    )

    assert again is None
    assert list(User.objects.values()) == [before]


def test_confirming_activates_once_and_tells_the_other_apps_once():
    user = services.user_sign_up(email="sam@example.com", password=PASSWORD, role=UserRole.TECHNICIAN)
    heard = []
    signals.email_confirmed.connect(lambda **kw: heard.append(kw["user"]), weak=False, dispatch_uid="heard")
    try:
        services.user_confirm_email(user=user)
        services.user_confirm_email(user=user)
    finally:
        signals.email_confirmed.disconnect(dispatch_uid="heard")

    user.refresh_from_db()
    assert (user.is_active, user.awaiting_confirmation) == (True, False)
    assert heard == [user]


def test_confirming_does_not_reactivate_an_account_that_is_not_pending():
    admin = AdminUserFactory(is_active=False)

    services.user_confirm_email(user=admin)

    admin.refresh_from_db()
    assert not admin.is_active


def test_a_sign_up_cannot_reopen_an_account_an_administrator_switched_off():
    switched_off = PatientFactory(email="sam@example.com", first_name="Samantha", is_active=False)

    assert (
        services.user_sign_up(email="sam@example.com", password=PASSWORD, role=UserRole.PATIENT, first_name="Eve")
        is None
    )

    services.user_confirm_email(user=switched_off)
    switched_off.refresh_from_db()
    assert (switched_off.is_active, switched_off.first_name) == (False, "Samantha")
    assert not switched_off.check_password(PASSWORD)


# --- Unlocking a log-in -----------------------------------------------------------------------------------


def _failed_attempts(email, ip_address):
    return AccessAttempt.objects.create(
        username=email,
        ip_address=ip_address,
        user_agent="Mozilla/5.0",
        http_accept="text/html",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )


def test_unlocking_outside_a_request_clears_the_attempts_and_writes_the_entry_with_the_actor(patient, admin_user):
    _failed_attempts(patient.email, "198.51.100.7")
    _failed_attempts(patient.email, "198.51.100.8")
    other = _failed_attempts("someone.else@example.com", "198.51.100.7")

    cleared = services.user_unlock_login(user=patient, actor=admin_user)

    assert cleared == 2
    assert list(AccessAttempt.objects.all()) == [other]
    entry = AdminLog.objects.get()
    assert (entry.action, entry.admin_user, entry.ip_address) == ("login_unlocked", admin_user, None)
    assert (entry.entity_type, entry.entity_id) == ("accounts.user", str(patient.pk))
    assert entry.description == f"Unlocked the log-in of {patient.email} (2 failed attempt records cleared)."


def test_only_an_administrator_unlocks_a_log_in(patient, technician):
    _failed_attempts(patient.email, "198.51.100.7")

    with pytest.raises(PermissionDenied):
        services.user_unlock_login(user=patient, actor=technician.user)

    assert AccessAttempt.objects.count() == 1
    assert not AdminLog.objects.exists()


def test_updating_the_profile_saves_the_personal_details_and_nothing_else(patient, other_area):
    services.user_update_profile(
        user=patient, first_name="Pia", last_name="Paz", phone="+44 20 7946 0000", address="2 Elm Row", area=other_area
    )

    stored = User.objects.get(pk=patient.pk)
    assert (stored.first_name, stored.last_name, stored.phone, stored.address, stored.area) == (
        "Pia",
        "Paz",
        "+44 20 7946 0000",
        "2 Elm Row",
        other_area,
    )
    assert (stored.email, stored.role) == ("patient@example.com", UserRole.PATIENT)


def test_a_password_chosen_through_the_emailed_link_lifts_the_log_in_pause(patient):
    AccessAttempt.objects.create(username=patient.email, ip_address="203.0.113.9", failures_since_start=5)

    services.user_password_reset_done(user=patient)

    assert not AccessAttempt.objects.filter(username=patient.email).exists()
