"""Probes for load balancers and process managers.

`/healthz` says the process answers: no database, no template, no session, so a database outage
does not make a load balancer take every app server out at once. `/readyz` says the process can
serve pages: it runs one `SELECT 1` and answers 503 while the database does not.
"""

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _plain(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, content_type="text/plain; charset=utf-8", status=status)


@never_cache
@require_safe
def healthz(request):
    return _plain("ok\n")


@never_cache
@require_safe
def readyz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Readiness check: the database does not answer")
        return _plain("database unavailable\n", status=503)
    return _plain("ok\n")
