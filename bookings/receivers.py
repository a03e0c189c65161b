"""Receivers of the bookings app: thin functions, each one call.

The technicians app asks its questions about visits through signals rather than calling this app,
so that it never imports the apps built on top of it.
"""

from django.db import transaction

from bookings import selectors
from homecure.base.public_cache import forget_public_pages


def service_changed(**kwargs):
    """A service was saved or deleted: the kept public pages show the catalog, so they go.

    Again at commit: a page rendered by another request before the change is committed would
    otherwise keep the old catalog.
    """
    forget_public_pages()
    transaction.on_commit(forget_public_pages)


def patient_has_visit_with(sender, technician, user, **kwargs):
    """A patient may see the photo of a technician they have a visit with."""
    return selectors.has_visit_with(user, technician)


def visits_on_days(sender, technician, start_date, end_date, **kwargs):
    return (
        selectors.active_jobs(technician).filter(scheduled_date__gte=start_date, scheduled_date__lte=end_date).count()
    )
