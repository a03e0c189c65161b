"""Rate limits as atomic counters in the cache, so they hold across app servers sharing it.

A limit counts uses of a key (an address, a client, a user) in a window that starts with the
first use: `cache.add` starts the counter with its expiry (only one server's add wins) and
`cache.incr` counts atomically (Redis INCR; it keeps the expiry). Counting first and deciding on
the count each request got means that two requests at the boundary, on two servers at once,
cannot both pass: one gets the last use and the other the count past it. A count-then-insert on
database rows let both see the same count. With several servers the cache must be shared
(`CACHE_URL=redis://...`, see the README's deployment section).
"""

import contextlib
import hashlib

from django.core.cache import cache


def _key(name: str, value: str) -> str:
    return f"limit:{name}:" + hashlib.sha256(str(value).lower().encode()).hexdigest()


def limit_take(name: str, value: str, *, limit: int, window: int) -> bool:
    """Count one use of `value` under `name` in a window of `window` seconds; True when it is
    within `limit`, False when the limit was already reached (the use is counted all the same)."""
    key = _key(name, value)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between the add and the incr: this use starts a new one
        cache.add(key, 0, timeout=window)
        count = cache.incr(key)
    return count <= limit


def limit_give_back(name: str, value: str) -> None:
    """Undo one use counted by `limit_take` (a use that turned out not to count)."""
    with contextlib.suppress(ValueError):  # the window has ended: nothing left to give back
        cache.decr(_key(name, value))
