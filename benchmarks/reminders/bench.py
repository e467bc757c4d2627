"""Reminder-sweep benchmark: the sweep's reminders/s and peak memory next to a bare bulk_create of as many rows.

Run through run.sh (it makes a dedicated database). Sub-commands:

    bench.py generate --instalments N --window W --as-of DATE   fill the database (COPY)
    bench.py measure reference|sweep|noop|memory --as-of DATE    one measurement, JSON on stdout
    bench.py reset                                               empty the reminder tables

Each measurement runs in a process of its own, so its peak RSS is its own.
"""
import argparse
import json
import os
import resource
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from generate import OFFSETS, as_of_moment, generate  # noqa: E402

from credit.models.reminders import Reminder, kind_for  # noqa: E402

BATCH = 5000


def maxrss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: kB


def due_pairs(as_of: date):
    """(instalment id, buyer id, offset) of every reminder due at as_of — the rows the sweep will write."""
    from credit.reminders.sweep import due_candidates

    for offset in OFFSETS:
        for pk, buyer in (due_candidates(kind=kind_for(offset), offset=offset, day=as_of)
                          .values_list("pk", "plan__buyer_id").order_by("pk").iterator(chunk_size=BATCH)):
            yield pk, buyer, offset


def measure_reference(as_of: date) -> dict:
    """The physical reference: Reminder.objects.bulk_create of the same rows, in batches, nothing else."""
    from django.utils import timezone

    pairs = list(due_pairs(as_of))  # read first: not part of the timing
    rss_before = maxrss_mb()
    now = timezone.now()
    started = time.perf_counter()
    for start in range(0, len(pairs), BATCH):
        Reminder.objects.bulk_create([
            Reminder(installment_id=pk, user_id=buyer, kind=kind_for(offset), offset_days=offset, day=as_of,
                     created=now) for pk, buyer, offset in pairs[start:start + BATCH]])
    seconds = time.perf_counter() - started
    return {"rows": len(pairs), "seconds": round(seconds, 3), "rows_per_second": round(len(pairs) / seconds),
            "maxrss_mb": maxrss_mb(), "maxrss_before_mb": rss_before}


def _quiet_hours_off() -> None:
    """The sweep publishes the send tasks only outside quiet hours, judged by the wall clock: a run at night in
    Beijing would hold every delivery instead and do less work. Measured runs switch quiet hours off."""
    from credit.models.reminders import ReminderPolicy

    ReminderPolicy.objects.filter(pk=ReminderPolicy.SINGLETON_PK).update(quiet_start="08:00", quiet_end="08:00")


def measure_sweep(as_of: date, *, trace: bool = False) -> dict:
    from config.celery import app
    from core.models import Notification
    from credit.models.reminders import ReminderDelivery
    from credit.reminders import render
    from credit.reminders.sweep import reminders_sweep

    _quiet_hours_off()
    # Warm, as a beat worker is: imports done, URLs resolved, broker connection open; nothing is due 400 days
    # earlier, so this sweep writes nothing.
    with app.producer_or_acquire() as producer:
        producer.connection.ensure_connection()
    render.plan_link(1, absolute=False)
    reminders_sweep(as_of=as_of_moment(as_of - timedelta(days=400)))
    rss_before = maxrss_mb()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result = reminders_sweep(as_of=as_of_moment(as_of))
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    out = {"reminders": result.reminders, "seconds": round(seconds, 3),
           "reminders_per_second": round(result.reminders / seconds) if seconds else None,
           "deliveries": result.deliveries, "queued": result.queued, "held": result.held,
           "notifications": Notification.objects.filter(kind="repayment_reminder").count(),
           "delivery_rows": ReminderDelivery.objects.count(), "maxrss_mb": maxrss_mb(),
           "maxrss_before_mb": rss_before, "by_kind": result.created}
    if peak is not None:
        out["tracemalloc_peak_mb"] = round(peak / 2**20, 1)
    return out


def measure_end_to_end(as_of: date, *, timeout: float = 300.0) -> dict:
    """The sweep, then every e-mail and SMS it queued sent by a real Celery worker through Redis: wall clock
    from the sweep's start until no delivery is left pending or in flight.

    The worker (2 processes, prefork, like ``scripts/run``) is started and found answering before the clock
    starts. Quiet hours are switched off in the reminder policy for this run — the worker sends at the wall
    clock's time, and a run at night in Beijing would otherwise hold everything until 08:00. Providers are the
    in-memory e-mail and SMS backends (no network): what is measured is our machinery, not an SMS gateway.
    """
    import signal
    import subprocess

    from config.celery import app
    from credit.models.reminders import DeliveryStatus, ReminderDelivery
    from credit.reminders import render
    from credit.reminders.sweep import reminders_sweep

    _quiet_hours_off()
    env = {**os.environ, "EMAIL_URL": "memorymail://", "SMS_BACKEND": "core.sms.MemorySmsBackend"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=WARNING", "--concurrency=2",
         "--pool=prefork", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=1.0):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the Celery worker did not start: {worker.stderr.read()[-2000:]}")
        with app.producer_or_acquire() as producer:  # warm, as a beat worker is
            producer.connection.ensure_connection()
        render.plan_link(1, absolute=False)
        reminders_sweep(as_of=as_of_moment(as_of - timedelta(days=400)))
        load = os.getloadavg()[0]
        started = time.perf_counter()
        result = reminders_sweep(as_of=as_of_moment(as_of))
        swept = time.perf_counter() - started
        open_statuses = [DeliveryStatus.PENDING, DeliveryStatus.SENDING]
        while ReminderDelivery.objects.filter(status__in=open_statuses).exists():
            if time.perf_counter() - started > timeout:
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    by_status = dict(ReminderDelivery.objects.values_list("status").annotate(n=Count("pk")))
    return {"reminders": result.reminders, "deliveries": result.deliveries, "sweep_seconds": round(swept, 3),
            "seconds": round(seconds, 3), "deliveries_by_status": by_status,
            "left_open": sum(by_status.get(s, 0) for s in open_statuses), "worker_processes": 2,
            "load_before": round(load, 1)}


def reset() -> None:
    from core.models import Notification
    from credit.models.reminders import ReminderDelivery

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {ReminderDelivery._meta.db_table}, {Reminder._meta.db_table}")
        cursor.execute(f"DELETE FROM {Notification._meta.db_table} WHERE kind = 'repayment_reminder'")
        cursor.execute("VACUUM ANALYZE")  # psycopg autocommit outside a transaction: allowed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["generate", "measure", "reset"])
    parser.add_argument("what", nargs="?", choices=["reference", "sweep", "noop", "memory", "e2e"])
    parser.add_argument("--instalments", type=int, default=1_000_000)
    parser.add_argument("--window", type=int, default=100_000)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 3, 16))
    args = parser.parse_args()
    if args.command == "generate":
        print(json.dumps(generate(instalments=args.instalments, window=args.window, as_of=args.as_of)))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    elif args.command == "reset":
        reset()
    else:
        load = os.getloadavg()[0]  # the machine may be shared: say how busy it was
        if args.what == "reference":
            out = measure_reference(args.as_of)
        elif args.what == "e2e":
            out = measure_end_to_end(args.as_of)
        else:
            out = measure_sweep(args.as_of, trace=args.what == "memory")
        print(json.dumps({**out, "load_before": round(load, 1), "load_after": round(os.getloadavg()[0], 1)}))


if __name__ == "__main__":
    main()
