"""Which Redis database an integration test flushes: its xdist worker's, never another worker's."""
from tests.integration.conftest import integration_redis_db


def test_each_worker_has_its_own_database_after_redis_urls():
    env = {"REDIS_URL": "redis://127.0.0.1:6379/4"}
    # never 4 itself: the test process's on-commit tasks go there, and a worker would consume them
    assert [integration_redis_db(w, env) for w in ("master", "gw0", "gw1", "gw2")] == [5, 5, 6, 7]
    assert integration_redis_db("gw0", {"REDIS_URL": "redis://127.0.0.1:6379/15"}) == 0  # wraps at 16
    assert integration_redis_db("gw0", {}) == 1 and integration_redis_db("gw1", {"REDIS_URL": "redis://h:1"}) == 2


def test_a_run_can_be_given_its_databases():
    env = {"REDIS_URL": "redis://127.0.0.1:6379/4", "IT_REDIS_DBS": "6, 7"}
    assert [integration_redis_db(w, env) for w in ("master", "gw0", "gw1", "gw2")] == [6, 6, 7, 6]
