"""Django's Redis cache, but a Redis outage degrades the site instead of failing it.

Everything Fangxin keeps in the cache can be recomputed (category rows, active products,
risk signals, API throttle counters), so while Redis is unreachable a read is a miss and
a write is dropped: pages, checkout and the API keep answering from the database. The
throttles let requests through meanwhile (their counters are gone); login brute force is
still refused by django-axes, which keeps its records in the database.

After a failure the cache is not tried again for ``PAUSE_SECONDS`` (one connection
timeout per process and pause, not one per cache call); each outage is logged once.
``incr``/``decr``/``clear`` still raise: a counter that silently fails would be wrong.
"""
import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

PAUSE_SECONDS = 5.0
_paused_until = 0.0  # per process: Django makes a cache object per thread


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = params.setdefault("OPTIONS", {})
        # A hung Redis must not hang requests: bounded connect and command times, no retry loop.
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 1)
        super().__init__(server, params)

    @staticmethod
    def available() -> bool:
        return time.monotonic() >= _paused_until

    def _degrade(self, call, fallback):
        global _paused_until
        if not self.available():
            return fallback
        from redis.exceptions import ConnectionError, TimeoutError

        try:
            return call()
        except (ConnectionError, TimeoutError, OSError) as exc:
            if self.available():
                logger.warning("cache unavailable, serving without it for %ss: %s", PAUSE_SECONDS, exc)
            _paused_until = time.monotonic() + PAUSE_SECONDS
            return fallback

    def get(self, key, default=None, version=None):
        return self._degrade(lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def get_many(self, keys, version=None):
        return self._degrade(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._degrade(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade(lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), list(data))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade(lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None):
        return self._degrade(lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def delete_many(self, keys, version=None):
        return self._degrade(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)
