import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

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
