"""Fixtures shared by the cross-cutting test packages (security, browser)."""

import pytest

from tests.security.world import build_world


@pytest.fixture
def world(patient, other_patient, technician, other_technician, unverified_technician, admin_user, service, area):
    """The matrix world: the policy's people and objects, each with planted marker strings."""
    return build_world(
        patient=patient,
        other_patient=other_patient,
        technician=technician,
        other_technician=other_technician,
        unverified_technician=unverified_technician,
        admin_user=admin_user,
        service=service,
        area=area,
    )
