"""Django's PostgreSQL backend with a health check that costs no round trip while it finds nothing.

With `CONN_HEALTH_CHECKS`, Django checks a connection kept from an earlier request before the new
request's first query, with a `SELECT 1`: a round trip on every request that queries at all. A
server that ends a connection (a restart, an idle timeout, an administrator's command) sends its
reason and closes the socket, and both wait there to be read; an idle connection the server still
holds has nothing to read. So the socket is looked at first, without waiting: nothing to read
means the connection is as good as the `SELECT 1` would have found it; anything there (the
server's farewell, the end of the stream, an error) gets Django's own check, which fails for a
closed connection, so the request reconnects instead of failing (`scripts/reliability.py`).

A peer that vanished without closing anything (a cable pulled, a host powered off) is found by
neither check in time: the `SELECT 1` would wait for it too.
"""

import select

from django.db.backends.postgresql import base


def _waiting_to_be_read(fileno: int) -> bool:
    """Whether anything waits on the socket (data, its end, an error), without waiting for it.
    `poll` where there is one: `select` cannot take a descriptor above 1,023."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fileno, select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    readable, _writable, _failed = select.select([fileno], [], [], 0)
    return bool(readable)


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is None:
            return False
        try:
            waiting = _waiting_to_be_read(self.connection.fileno())
        except (OSError, ValueError, base.Database.Error):
            return False
        return not waiting or super().is_usable()
