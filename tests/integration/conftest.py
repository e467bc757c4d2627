"""Integration fixtures: a real Celery worker subprocess on the real Redis, against the test database.

Skipped cleanly without PostgreSQL (a worker cannot share pytest's SQLite test
database) or without Redis at REDIS_URL / 127.0.0.1:6379. Tests on the shared Redis
use the database of their pytest-xdist worker (``integration_redis_db``: the one after
REDIS_URL's plus the worker's number, or one from ``IT_REDIS_DBS``), flushed before and after, so
parallel workers never flush each other's queues, and the test process's own broker (REDIS_URL,
where its on-commit tasks go) is never the worker's; every process started here is
stopped by pid (process group) in ``finally``.

Fault tests (``own_redis``) start a ``redis-server`` of their own on a free port
(``--save "" --appendonly no``) and may stop and restart it; the machine's shared
Redis and PostgreSQL are never stopped (PITFALLS: fault tests). ``start_web`` runs
the site under gunicorn against the test database.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.db import connection

from tests.credit.conftest import *  # noqa: F403 - credit's fixtures: users, lines, listings, orders via services
from tests.credit.conftest import _fast_passwords, _reference_data  # noqa: F401 - and its autouse ones

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
WAIT_SECONDS = 120


def wait_for(condition, *, timeout=WAIT_SECONDS, interval=0.2, what="condition", state=None):
    """Poll ``condition`` until it is true or ``timeout`` passes (then fail, showing ``state()``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}" + (f"; state: {state()}" if state else ""))


def redis_base_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _redis_reachable(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping())
    except Exception:  # noqa: BLE001 - any failure means "no Redis here": skip
        return False


def database_url() -> str:
    """The URL of pytest's test database (test_<name>), for processes outside pytest."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{s['NAME']}"


def integration_redis_db(worker_id: str, environ=os.environ) -> int:
    """The Redis database number of this pytest-xdist worker's integration tests ("master" without xdist).

    ``IT_REDIS_DBS`` ("6,7,8,9") lists the numbers a run may use, one per worker; without it,
    worker n uses REDIS_URL's database plus 1 + n (modulo 16). Never REDIS_URL's own database:
    the test process publishes its on-commit tasks there (e.g. notification e-mails of the
    fixtures), and a test's Celery worker consuming them would count e-mails nobody asked for.
    Two runs sharing one Redis stay apart when their REDIS_URLs are more databases apart than
    they have workers, or when each is given its own IT_REDIS_DBS.
    """
    n = int(worker_id[2:]) if worker_id.startswith("gw") and worker_id[2:].isdigit() else 0
    pool = [int(part) for part in environ.get("IT_REDIS_DBS", "").split(",") if part.strip()]
    if pool:
        return pool[n % len(pool)]
    base = urlsplit(environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0").path.strip("/") or "0"
    return (int(base) + 1 + n) % 16


@pytest.fixture
def redis_url():
    """This worker's Redis database (``integration_redis_db``), flushed before and after the test."""
    if connection.vendor != "postgresql":
        pytest.skip("integration tests need PostgreSQL (set DATABASE_URL)")
    url = f"{redis_base_url()}/{integration_redis_db(os.environ.get('PYTEST_XDIST_WORKER', 'master'))}"
    if not _redis_reachable(url):
        pytest.skip(f"no Redis at {url}")
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def _process_env(redis_url: str, tmp_path: Path) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.integration.settings", "DATABASE_URL": database_url(),
           "REDIS_URL": redis_url, "CELERY_TASK_ALWAYS_EAGER": "0", "PYTHONPATH": str(ROOT),
           "SMS_BACKEND": "tests.integration.providers.FileSmsBackend", "IT_SMS_FILE": str(tmp_path / "sms.jsonl"),
           "IT_MAIL_DIR": str(tmp_path / "mail"), "IT_SMS_STALL_MARKER": str(tmp_path / "stalled"),
           "LOG_LEVEL": "INFO"}
    (tmp_path / "mail").mkdir(exist_ok=True)
    return env


@pytest.fixture
def process_env(redis_url, tmp_path):
    """Environment of the worker and command subprocesses; tests add their knobs."""
    return _process_env(redis_url, tmp_path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A ``redis-server`` of the test's own on a fixed free port, without persistence: stop() loses its data."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.folder = folder
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.folder.mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=(self.folder / "redis.log").open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: _redis_reachable(self.url), timeout=30, what="the test's own redis-server")
        return self

    def stop(self):
        """Stop it the hard way (SIGKILL, by pid): whatever it held is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        wait_for(lambda: not _redis_reachable(self.url), timeout=30, what="the redis-server to stop")


@pytest.fixture
def own_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def own_env(own_redis, tmp_path):
    """Like ``process_env``, but broker and cache are the test's own redis-server."""
    return _process_env(own_redis.url, tmp_path)


def publish(broker_url: str, task_name: str, *args) -> None:
    """Send a task to ``broker_url`` (the test's own Redis) as beat would, from the test process."""
    from config.celery import app

    with app.connection_for_write(broker_url) as conn:
        app.send_task(task_name, args=args, connection=conn)


class Web:
    """The site under gunicorn (``config.wsgi``, the project's start-up checks included) on a free port."""

    def __init__(self, env: dict, log: Path, *, workers: int = 1, threads: int = 4):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**env, "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_SSL_REDIRECT": "0", "DEBUG": "0"}
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", str(workers),
             "--threads", str(threads), "--timeout", "60", "--access-logfile", "-"],
            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self):
        import requests

        def up():
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-4000:]
            try:
                return requests.get(self.url + "/healthz", timeout=5).status_code in (200, 503)
            except requests.ConnectionError:
                return False

        wait_for(up, timeout=90, what="gunicorn to answer")
        return self

    def stop(self):
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture
def start_web(tmp_path):
    servers = []

    def start(env: dict, **options) -> Web:
        web = Web(env, tmp_path / f"web-{len(servers)}.log", **options)
        servers.append(web)
        return web.wait_ready()

    yield start
    for web in servers:
        web.stop()


class Worker:
    """``celery -A config worker`` in its own process group, logging to a file."""

    def __init__(self, env: dict, log: Path, *, concurrency: int):
        self.log = log
        self.name = f"it-{uuid.uuid4().hex[:8]}@%h"
        self.process = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO", f"--concurrency={concurrency}",
             "--pool=prefork", "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", self.name],
            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self):
        wait_for(lambda: self.process.poll() is not None or " ready." in self.log.read_text(errors="replace"),
                 timeout=90, what="the worker to be ready")
        assert self.process.poll() is None, self.log.read_text(errors="replace")[-4000:]
        return self

    def kill(self):
        """SIGKILL the whole worker (main process and pool children) at once."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # warm shutdown: finish and ack the current tasks
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture
def start_worker(tmp_path):
    workers = []

    def start(env: dict, *, concurrency: int = 2) -> Worker:
        worker = Worker(env, tmp_path / f"worker-{len(workers)}.log", concurrency=concurrency)
        workers.append(worker)
        return worker.wait_ready()

    yield start
    for worker in workers:
        worker.stop()


def start_command(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, "manage.py", "send_due_reminders", "--no-progress", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def finish(process: subprocess.Popen, timeout=WAIT_SECONDS) -> str:
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate(timeout=30)
        raise AssertionError(f"command timed out:\n{output}") from None
    assert process.returncode == 0, output
    return output


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Skip before any fixture runs: set-up itself would fail without the services (the cache is Redis too)."""
    from django.conf import settings

    names = set(getattr(item, "fixturenames", ()))
    if not names & {"redis_url", "own_redis"}:
        return
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("integration tests need PostgreSQL (set DATABASE_URL)")
    if "own_redis" in names:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        return
    url = f"{redis_base_url()}/0"
    if not _redis_reachable(url):
        pytest.skip(f"no Redis at {redis_base_url()}")


@pytest.fixture(autouse=True)
def _publish_to_the_real_broker(monkeypatch):
    """The suite runs tasks inline by default; here the test process must publish them for the worker."""
    from config.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", False)
