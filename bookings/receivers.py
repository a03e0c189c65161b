"""Receivers of the bookings app: thin functions, each one call."""

from django.db import transaction

from homecure.base.public_cache import forget_public_pages


def service_changed(**kwargs):
    """A service was saved or deleted: the kept public pages show the catalog, so they go.

    Again at commit: a page rendered by another request before the change is committed would
    otherwise keep the old catalog.
    """
    forget_public_pages()
    transaction.on_commit(forget_public_pages)
