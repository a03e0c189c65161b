"""Thin receivers of other apps' signals that concern technicians: each one calls a technicians service.

The accounts app sends them rather than calling this app, so that it never imports the apps built
on top of it.
"""

from technicians import services


def email_confirmed(sender, user, **kwargs):
    services.technician_request_verification(user=user)
