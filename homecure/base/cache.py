"""Django's Redis cache with one client per process.

Django's `RedisCache` builds a new `redis.Redis` object for every cache operation (its connection
pool is kept, the client around it is not), and each thread gets its own backend and so its own
pool. Here every backend instance with the same servers and options shares one client per server,
made once per process (a forked process makes its own: redis-py's pool notices the new process id).
"""

import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple, "SharedClientRedisCacheClient"] = {}
_clients_lock = threading.Lock()


class SharedClientRedisCacheClient(RedisCacheClient):
    """Keeps the `redis.Redis` client of each server instead of building one per operation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    """`django.core.cache.backends.redis.RedisCache` sharing one client per process (see above)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
        self._key = (tuple(self._servers), repr(sorted(self._options.items())))

    @cached_property
    def _cache(self):
        client = _clients.get(self._key)
        if client is None:
            with _clients_lock:
                client = _clients.get(self._key)
                if client is None:
                    client = _clients[self._key] = self._class(self._servers, **self._options)
        return client
