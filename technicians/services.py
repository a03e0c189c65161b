"""Verification and suspension of technicians, done by administrators."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from technicians import signals
from technicians.models import Technician


def _require_admin(actor: User) -> None:
    if not (actor and actor.is_active and actor.is_platform_admin):
        raise PermissionDenied


@transaction.atomic
def technician_verify(*, technician: Technician, actor: User, now: datetime | None = None) -> Technician:
    """Mark the technician's credentials as checked; they can be offered work from now on."""
    _require_admin(actor)
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    if technician.is_verified:
        return technician
    technician.is_verified = True
    technician.verified_at = now or timezone.now()
    technician.save(update_fields=["is_verified", "verified_at", "updated_at"])
    signals.technician_verified.send(sender=Technician, technician=technician, actor=actor)
    return technician


@transaction.atomic
def technician_unverify(*, technician: Technician, actor: User) -> Technician:
    """Withdraw verification (credentials expired or in doubt): no new work until verified again."""
    _require_admin(actor)
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    if not technician.is_verified:
        return technician
    technician.is_verified = False
    technician.verified_at = None
    technician.save(update_fields=["is_verified", "verified_at", "updated_at"])
    return technician


@transaction.atomic
def technician_set_active(*, technician: Technician, actor: User, active: bool) -> Technician:
    """Suspend (`active=False`) or reinstate a technician."""
    _require_admin(actor)
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    if technician.is_active == active:
        return technician
    technician.is_active = active
    technician.save(update_fields=["is_active", "updated_at"])
    if not active:
        signals.technician_suspended.send(sender=Technician, technician=technician, actor=actor)
    return technician
