"""Thin receivers of other apps' signals that concern bookings: each one calls a bookings selector.

The technicians app asks its questions about visits through signals rather than calling this app,
so that it never imports the apps built on top of it.
"""

from bookings import selectors


def patient_has_visit_with(sender, technician, user, **kwargs):
    """A patient may see the photo of a technician they have a visit with."""
    return selectors.has_visit_with(user, technician)


def visits_on_days(sender, technician, start_date, end_date, **kwargs):
    return (
        selectors.active_jobs(technician).filter(scheduled_date__gte=start_date, scheduled_date__lte=end_date).count()
    )
