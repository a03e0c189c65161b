from datetime import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import services as account_services
from accounts.models import User
from homecure.models import AdminLog
from technicians import services, signals
from technicians.models import Technician

pytestmark = pytest.mark.django_db


def test_admin_verifies_a_technician_once(unverified_technician, admin_user):
    sent = []
    signals.technician_verified.connect(lambda **kw: sent.append(kw["technician"].pk), weak=False, dispatch_uid="t")
    try:
        services.technician_verify(technician=unverified_technician, actor=admin_user)
        services.technician_verify(technician=unverified_technician, actor=admin_user)
    finally:
        signals.technician_verified.disconnect(dispatch_uid="t")
    unverified_technician.refresh_from_db()
    assert unverified_technician.is_verified
    assert unverified_technician.verified_at is not None
    assert sent == [unverified_technician.pk]


@pytest.mark.parametrize("actor", ["patient", "technician"])
def test_only_admins_verify(request, unverified_technician, actor):
    user = request.getfixturevalue(actor)
    user = getattr(user, "user", user)
    with pytest.raises(PermissionDenied):
        services.technician_verify(technician=unverified_technician, actor=user)
    unverified_technician.refresh_from_db()
    assert not unverified_technician.is_verified


def test_suspend_and_reinstate(technician, admin_user):
    services.technician_set_active(technician=technician, actor=admin_user, active=False)
    technician.refresh_from_db()
    assert not technician.is_active
    services.technician_set_active(technician=technician, actor=admin_user, active=True)
    technician.refresh_from_db()
    assert technician.is_active


def test_admin_actions_verify_and_suspend(admin_client, unverified_technician, technician):
    url = reverse("admin:technicians_technician_changelist")
    response = admin_client.post(url, {"action": "verify", "_selected_action": [unverified_technician.pk]}, follow=True)
    assert "1 technician verified." in response.content.decode()
    admin_client.post(url, {"action": "suspend", "_selected_action": [technician.pk]})
    assert Technician.objects.get(pk=unverified_technician.pk).is_verified
    assert not Technician.objects.get(pk=technician.pk).is_active


# --- Each administrator's change is audited by the service, from a shell as from the back office -------------


def _only_entry(technician):
    entry = AdminLog.objects.get(entity_type="technicians.technician")
    assert entry.entity_id == str(technician.pk)
    return entry


def test_verifying_outside_a_request_writes_the_entry_with_the_actor(unverified_technician, admin_user):
    services.technician_verify(technician=unverified_technician, actor=admin_user)
    services.technician_verify(technician=unverified_technician, actor=admin_user)

    entry = _only_entry(unverified_technician)
    assert (entry.action, entry.admin_user, entry.ip_address) == ("technician_verified", admin_user, None)
    assert (entry.previous_values, entry.new_values) == ({"is_verified": False}, {"is_verified": True})
    assert entry.description == "Verified technician Nora Newcomer (Nurse) (licence NMC-000003)."


def test_withdrawing_verification_outside_a_request_writes_the_entry_with_the_actor(technician, admin_user):
    services.technician_unverify(technician=technician, actor=admin_user)
    services.technician_unverify(technician=technician, actor=admin_user)

    entry = _only_entry(technician)
    assert (entry.action, entry.admin_user) == ("technician_unverified", admin_user)
    assert (entry.previous_values, entry.new_values) == ({"is_verified": True}, {"is_verified": False})
    assert entry.description == "Withdrew the verification of technician Nadia Nurse (Nurse)."


def test_suspending_outside_a_request_writes_the_entry_with_the_actor(technician, admin_user):
    services.technician_set_active(technician=technician, actor=admin_user, active=False)
    services.technician_set_active(technician=technician, actor=admin_user, active=False)

    entry = _only_entry(technician)
    assert (entry.action, entry.admin_user) == ("technician_suspended", admin_user)
    assert (entry.previous_values, entry.new_values) == ({"is_active": True}, {"is_active": False})
    assert entry.description == "Suspended technician Nadia Nurse (Nurse)."


def test_reinstating_outside_a_request_writes_the_entry_with_the_actor(technician, admin_user):
    Technician.objects.filter(pk=technician.pk).update(is_active=False)

    services.technician_set_active(technician=technician, actor=admin_user, active=True)
    services.technician_set_active(technician=technician, actor=admin_user, active=True)

    entry = _only_entry(technician)
    assert (entry.action, entry.admin_user) == ("technician_reinstated", admin_user)
    assert (entry.previous_values, entry.new_values) == ({"is_active": False}, {"is_active": True})
    assert entry.description == "Reinstated technician Nadia Nurse (Nurse)."


def test_a_refused_verification_writes_no_entry(unverified_technician, patient):
    with pytest.raises(PermissionDenied):
        services.technician_verify(technician=unverified_technician, actor=patient)

    assert not AdminLog.objects.exists()


# --- The technician's own changes -----------------------------------------------------------------------------


def test_schedule_service_refuses_overlaps_and_backwards_windows_and_keeps_the_old_week(technician):
    before = list(technician.availability_schedule.values_list("weekday", "start_time", "end_time"))
    bad_weeks = [
        [services.Window(0, time(8), time(12)), services.Window(0, time(11), time(13))],
        [services.Window(2, time(12), time(8))],
    ]
    for week in bad_weeks:
        with pytest.raises(ValidationError):
            services.technician_set_schedule(technician=technician, windows=week)
    assert list(technician.availability_schedule.values_list("weekday", "start_time", "end_time")) == before


def sign_up(**overrides):
    return services.technician_sign_up(
        **{
            "email": "new@example.com",
            "password": "Harbour-lantern-42",
            "first_name": "Nina",
            "last_name": "New",
            "phone": "+44 7700 900001",
            "specialization": "nurse",
            "license_number": "NMC-NEW-1",
            **overrides,
        }
    )


def test_a_licence_taken_before_confirmation_refuses_the_confirmation_and_confirms_nothing(technician):
    late = sign_up(email="late@example.com", license_number=technician.license_number)
    assert late.holds_license is False

    with pytest.raises(ValidationError) as caught:
        account_services.user_confirm_email(user=late.user)

    assert "Another technician has registered license number NMC-000001" in caught.value.messages[0]
    late.refresh_from_db()
    late.user.refresh_from_db()
    assert (late.user.is_active, late.user.awaiting_confirmation, late.holds_license) == (False, True, False)


def test_sign_up_with_an_address_in_use_changes_nothing_and_returns_none(technician):
    before = User.objects.values().get(pk=technician.user.pk)

    assert sign_up(email="NURSE@example.com") is None

    assert User.objects.values().get(pk=technician.user.pk) == before
    assert not Technician.objects.filter(license_number="NMC-NEW-1").exists()


def test_the_new_technician_is_announced_once_their_address_is_confirmed(db):
    sent = []
    signals.technician_registered.connect(lambda **kw: sent.append(kw), weak=False, dispatch_uid="registered")
    try:
        technician = sign_up()
        announced_at_sign_up = list(sent)
        account_services.user_confirm_email(user=technician.user)
        account_services.user_confirm_email(user=technician.user)
    finally:
        signals.technician_registered.disconnect(dispatch_uid="registered")
    assert announced_at_sign_up == []
    assert [(kw["technician"], kw["actor"]) for kw in sent] == [(technician, technician.user)]
    technician.refresh_from_db()
    assert technician.user.is_active
    assert not technician.is_verified


def test_confirming_a_patient_announces_no_technician(db):
    sent = []
    signals.technician_registered.connect(lambda **kw: sent.append(kw), weak=False, dispatch_uid="registered")
    try:
        patient = account_services.patient_sign_up(
            email="pat@example.com", password="Harbour-lantern-42", first_name="Pat", last_name="Lee"
        )
        account_services.user_confirm_email(user=patient)
    finally:
        signals.technician_registered.disconnect(dispatch_uid="registered")
    assert sent == []


def test_pausing_twice_leaves_the_technician_paused(technician):
    services.technician_set_available(technician=technician, available=False)
    services.technician_set_available(technician=technician, available=False)
    technician.refresh_from_db()
    assert technician.is_available is False
