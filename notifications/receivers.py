"""Thin receivers of the other apps' domain signals: each one calls a notifications service.

They run inside the sender's transaction, so the notifications commit or roll back with the change;
the e-mails are queued for after the commit by the services.
"""

from notifications import services


def booking_requested(sender, booking, **kwargs):
    services.notify_booking_requested(booking=booking)


def booking_accepted(sender, booking, actor=None, **kwargs):
    services.notify_booking_accepted(booking=booking, actor=actor)


def booking_declined(sender, booking, unassigned=False, previous_status=None, **kwargs):
    services.notify_booking_declined(booking=booking, unassigned=unassigned, previous_status=previous_status)


def booking_assigned(sender, booking, previous_technician=None, previous_status=None, **kwargs):
    services.notify_booking_assigned(
        booking=booking, previous_technician=previous_technician, previous_status=previous_status
    )


def booking_checked_in(sender, booking, **kwargs):
    services.notify_booking_checked_in(booking=booking)


def booking_completed(sender, booking, **kwargs):
    services.notify_booking_completed(booking=booking)


def booking_cancelled(sender, booking, actor=None, refunded=False, no_show=False, **kwargs):
    services.notify_booking_cancelled(booking=booking, actor=actor, refunded=refunded, no_show=no_show)


def booking_paid(sender, booking, **kwargs):
    services.notify_booking_paid(booking=booking)


def booking_reviewed(sender, booking, **kwargs):
    services.notify_booking_reviewed(booking=booking)


def technician_registered(sender, technician, **kwargs):
    services.notify_technician_registered(technician=technician)


def technician_verified(sender, technician, **kwargs):
    services.notify_technician_verified(technician=technician)


def technician_suspended(sender, technician, **kwargs):
    services.notify_technician_suspended(technician=technician)


def earnings_paid(sender, earning, **kwargs):
    services.notify_earnings_paid(earning=earning)


def health_record_added(sender, record, **kwargs):
    services.notify_record_added(record=record)


def vital_flagged(sender, record, **kwargs):
    services.notify_vital_flagged(record=record)
