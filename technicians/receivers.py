"""Thin receivers of other apps' signals that concern technicians: each one calls a technicians service.

The accounts app sends them rather than calling this app, so that it never imports the apps built
on top of it.
"""

from accounts.personal_data import PersonalData
from technicians import services


def email_confirmed(sender, user, **kwargs):
    services.technician_claim_license(user=user)
    services.technician_request_verification(user=user)


def personal_data_requested(sender, user, **kwargs) -> PersonalData:
    """Technicians hold nothing about patients: their model is about the technician."""
    return PersonalData(
        left_out={
            "technicians.technician": "A technician's professional profile; patients have none.",
        }
    )
