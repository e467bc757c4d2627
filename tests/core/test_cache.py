"""The Redis cache degrades to misses while Redis is unreachable: the site answers from the database."""
import socket

import pytest

from core import cache as resilient


@pytest.fixture
def unreachable_cache():
    with socket.socket() as probe:  # a port nobody listens on: every connection is refused, as with Redis down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    resilient._paused_until = 0.0
    yield resilient.ResilientRedisCache(f"redis://127.0.0.1:{port}/0", {})
    resilient._paused_until = 0.0


def test_reads_miss_and_writes_are_dropped_without_an_error(unreachable_cache):
    cache = unreachable_cache
    assert cache.get("rows") is None
    assert cache.get("rows", "default") == "default"
    assert cache.set("rows", [1, 2]) is None
    assert cache.add("rows", [1, 2]) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("rows") is False
    assert cache.delete("rows") is False
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.get_or_set("rows", lambda: "computed") == "computed"
    assert not cache.available()  # paused: the next calls do not even try


def test_after_the_pause_it_tries_again(unreachable_cache):
    assert unreachable_cache.get("x") is None
    resilient._paused_until = 0.0
    assert unreachable_cache.available()
    assert unreachable_cache.get("x", 1) == 1


def test_counters_still_fail_loudly(unreachable_cache):
    from redis.exceptions import ConnectionError

    with pytest.raises(ConnectionError):
        unreachable_cache.incr("hits")


def test_it_is_the_cache_whenever_redis_is_configured():
    from django.conf import settings

    from config.settings import CACHES  # the module's own value; tests swap in a private local cache

    if settings.CELERY_BROKER_URL.startswith("redis"):
        assert CACHES["default"]["BACKEND"] == "core.cache.ResilientRedisCache"
    else:
        assert CACHES["default"]["BACKEND"].endswith("LocMemCache")
