"""In-process measurements for the benchmark run: query counts, EXPLAIN plans, the overdue job, the books.

    python benchmarks/bench.py queries   # query counts per scenario and page size; EXPLAIN of the hot queries
    python benchmarks/bench.py overdue   # the overdue job vs a bare UPDATE of the same rows, and its memory
    python benchmarks/bench.py books     # after the checkout load: books balanced, lines equal receivables

Each prints one JSON object on stdout. Run with the benchmark's environment (see benchmarks/run).
"""
import json
import os
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

FIXTURE = json.loads((Path(__file__).resolve().parent / "var" / "fixture.json").read_text())
WRITES = ("INSERT", "UPDATE", "DELETE")
ADDRESS = {"name": "李四", "phone": "13912345678", "address": "上海市黄浦区南京东路 1 号"}


def _count(client, path, **extra) -> dict:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, HTTP_HOST="127.0.0.1", **extra)
    sql = [q["sql"] for q in ctx.captured_queries]
    return {"status": response.status_code, "queries": len(sql),
            "writes": sum(1 for s in sql if s.lstrip().upper().startswith(WRITES)), "sql": sql}


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def queries() -> dict:
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Token {FIXTURE['heavy_token']}"}
    q, category = FIXTURE["search"]["q"], FIXTURE["search"]["category"]
    search = f"q={q}&category={category}"
    listing = FIXTURE["detail_listing"]
    out: dict = {}
    # The first request of this search warms the caches (category rows, products, the search's count) like a
    # live server; it is recorded too, and its COUNT explained.
    out["search_api_first"] = _count(client, f"/api/v1/listings/?{search}")
    for size in (10, 20, 100):
        out[f"search_api_{size}"] = _count(client, f"/api/v1/listings/?{search}&page_size={size}")
    out["search_page"] = _count(client, f"/listings/?{search}")
    out["search_page_2"] = _count(client, f"/listings/?{search}&page=2")
    out["detail_api"] = _count(client, f"/api/v1/listings/{listing}/")
    out["detail_page"] = _count(client, f"/listings/{listing}/")
    out["baseline_plain_drf"] = _count(client, "/bench/plain-listings/")
    for size in (5, 20, 50):
        out[f"orders_api_{size}"] = _count(client, f"/api/v1/orders/?page_size={size}", **auth)
        out[f"plans_api_{size}"] = _count(client, f"/api/v1/credit/plans/?page_size={size}", **auth)
        out[f"cases_api_{size}"] = _count(client, f"/api/v1/after-sales/?page_size={size}", **auth)
    # Checkout: one order at each instalment count, by a checkout buyer the load test does not use.
    # Its first order opens the buyer's ledger account and notification preferences (once per buyer): counted
    # apart, then one order at each instalment count.
    token = FIXTURE["checkout_tokens"][-1]
    for count in ("first", 3, 6, 12):
        body = {"lines": [{"listing": FIXTURE["checkout_listings"][0], "quantity": 1}],
                "shipping_address": ADDRESS,
                "payment": {"method": "installment", "installments": 3 if count == "first" else count}}
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.post("/api/v1/orders/", data=json.dumps(body), content_type="application/json",
                                   HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
            elapsed = time.perf_counter() - started
        out[f"checkout_{count}"] = {"status": response.status_code, "queries": len(ctx.captured_queries),
                                    "ms": round(elapsed * 1000, 1),
                                    "sql": [x["sql"] for x in ctx.captured_queries]}
    # EXPLAIN ANALYZE of the biggest SELECT of the hot reads: the plans show which indexes are used.
    explains = {}
    counts_sql = [s for s in out["search_api_first"]["sql"] if "COUNT(" in s.upper()]
    if counts_sql:
        explains["search_api_count"] = {"sql": counts_sql[0], "plan": _explain(counts_sql[0])}
    for key in ("search_api_20", "orders_api_20", "plans_api_20"):
        selects = [s for s in out[key]["sql"] if s.lstrip().upper().startswith("SELECT") and "LIMIT" in s]
        if selects:
            explains[key] = {"sql": selects[0], "plan": _explain(selects[0])}
    counts = {key: {k: v for k, v in value.items() if k != "sql"} for key, value in out.items()}
    return {"counts": counts, "explain": explains,
            "sql": {key: value["sql"] for key, value in out.items()}}


# The floor each run is compared with: one bare UPDATE of exactly the rows the job writes, setting nothing but
# the status. The catch-up run turns every due, unpaid instalment overdue; the daily run (the job ran yesterday)
# writes the ones that became overdue today and every one past the grace period (a penalty day each).
BARE_CATCH_UP = ("UPDATE credit_installment SET status = 'overdue' "
                 "WHERE status = 'scheduled' AND NOT paused AND clock_date < %(today)s")
BARE_DAILY = ("UPDATE credit_installment SET status = 'overdue' "
              "WHERE status IN ('scheduled', 'overdue') AND NOT paused AND clock_date < %(today)s "
              "AND (status = 'scheduled' OR %(today)s - clock_date > %(grace)s)")


def _bare_update(sql: str, today) -> tuple[float, int]:
    """One bare UPDATE, rolled back."""
    from credit import conf

    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, {"today": today, "grace": conf.penalty_policy().grace_days})
            rows = cursor.rowcount
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed, rows


def _explain_chunk(today) -> str:
    """EXPLAIN ANALYZE of the job's first chunk statement, rolled back, with the FK checks made immediate so
    their cost shows (they are deferred to COMMIT otherwise)."""
    from django.utils import timezone

    from credit import conf
    from credit.services.overdue import _CHUNK_SQL

    policy = conf.penalty_policy()
    params = {"today": today, "grace": policy.grace_days, "rate": policy.daily_rate, "cap": policy.annual_cap,
              "chunk": int(conf.get("OVERDUE_SWEEP_CHUNK")), "after_date": date.min, "after_id": 0,
              "now": timezone.now()}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + _CHUNK_SQL, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def _overdue_run(today, bare_sql: str) -> dict:
    """The job as of ``today`` against its bare UPDATE, each measured warm, then the job for real.

    Both start from the same state: the job is first run once inside a transaction that is rolled back, and the
    bare UPDATE three times (rolled back, the median kept), so neither is charged for reading the table from
    disk the first time; then the job runs for real (committed).
    """
    from credit.services.overdue import installments_mark_overdue

    with transaction.atomic():
        started = time.perf_counter()
        installments_mark_overdue(today=today)
        warmup = time.perf_counter() - started
        transaction.set_rollback(True)
    bare_runs = [_bare_update(bare_sql, today) for _ in range(3)]
    bare = statistics.median(elapsed for elapsed, _ in bare_runs)
    plan = _explain_chunk(today)
    steps: dict = {}
    last = [time.perf_counter()]

    def progress(label, done, total):
        now = time.perf_counter()
        steps[label] = round(now - last[0], 3)
        last[0] = now

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    started = time.perf_counter()
    last[0] = started
    result = installments_mark_overdue(today=today, progress=progress)
    job = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # progress(label about to run, ...) fires at each step's start: shift labels onto the durations they end.
    labels = list(steps)
    durations = {labels[n - 1]: steps[labels[n]] for n in range(1, len(labels))}
    return {"today": str(today), "bare_sql": bare_sql, "bare_rows": bare_runs[0][1],
            "bare_update_s": round(bare, 3), "bare_runs_s": [round(e, 3) for e, _ in bare_runs],
            "job_s": round(job, 3), "job_warmup_s": round(warmup, 3), "job_steps_s": durations,
            "ratio": round(job / bare, 2), "result": vars(result), "tracemalloc_peak_mb": round(peak / 2**20, 1),
            "rss_before_mb": round(rss_before), "rss_after_mb": round(rss_after), "chunk_plan": plan,
            "load_average": os.getloadavg()}


def overdue() -> dict:
    """Two runs of the overdue job over the 1,000,000 instalments, each against its bare UPDATE.

    The generated data has never been swept: 60 days of a defaulting buyer's instalments are still
    "scheduled". The first run (as of yesterday) is the catch-up: every due row becomes overdue, late and
    reported at once, and every defaulting buyer's line is frozen. Then the tables are vacuumed and analysed
    (autovacuum's work overnight) and the job runs as of today, as it does every day: what it writes then is
    the day's newly overdue instalments and a penalty day on each one past the grace period. The daily run is
    the target's figure; the catch-up is shown beside it. Last, the job once more the same day (nothing new).
    """
    from datetime import timedelta

    from credit.models import Installment
    from credit.services.overdue import installments_mark_overdue

    today = date.fromisoformat(FIXTURE["today"])
    due = Installment.objects.filter(status="scheduled", paused=False, clock_date__lt=today).count()
    catch_up = _overdue_run(today - timedelta(days=1), BARE_CATCH_UP)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE credit_installment, credit_creditline, credit_creditevent, "
                       "credit_creditlineevent")
    daily = _overdue_run(today, BARE_DAILY)
    started = time.perf_counter()
    again = installments_mark_overdue(today=today)  # the same day again, nothing new: what it costs idle
    rerun = time.perf_counter() - started
    return {"instalments": Installment.objects.count(), "due_rows": due, "catch_up": catch_up, "daily": daily,
            "rerun_s": round(rerun, 3), "rerun_result": vars(again)}


def books() -> dict:
    from credit.models import CreditLine
    from ledger import accounts
    from ledger.selectors import balance, books_balanced
    from marketplace.models import Order

    mismatched = []
    lines = CreditLine.objects.filter(user__username__startswith="bench-checkout-")
    for line in lines:
        if line.used_amount != balance(accounts.buyer_credit_receivable(line.user_id)):
            mismatched.append(line.user_id)
    orders = Order.objects.filter(buyer__username__startswith="bench-checkout-")
    return {"books_balanced": books_balanced(), "lines_checked": lines.count(), "lines_mismatched": mismatched,
            "checkout_orders": orders.count(),
            "orders_by_status": dict(orders.values_list("status").annotate(n=django.db.models.Count("pk")))}


if __name__ == "__main__":
    print(json.dumps({"queries": queries, "overdue": overdue, "books": books}[sys.argv[1]](), default=str))
