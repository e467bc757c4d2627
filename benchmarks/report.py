"""Write the "## Hot paths" section of benchmarks/RESULTS.md from one run's raw figures (benchmarks/var/)."""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
VAR = HERE / "var"
RESULTS = HERE / "RESULTS.md"
TITLE = "## Hot paths (benchmarks/run)"


def _mem_gib() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            return f"{int(line.split()[1]) / 2**20:.0f} GiB"
    return "?"


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _versions() -> dict:
    sys.path.insert(0, str(HERE.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django
    import rest_framework
    django.setup()
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    gunicorn = subprocess.run([str(HERE.parent / ".venv/bin/gunicorn"), "--version"], capture_output=True, text=True)
    return {"python": platform.python_version(), "django": django.get_version(), "drf": rest_framework.VERSION,
            "postgresql": pg, "wrk": (wrk.stdout + wrk.stderr).split("\n")[0].split(" [")[0],
            "gunicorn": gunicorn.stdout.strip() or gunicorn.stderr.strip()}


def chunk_breakdown(plan: str) -> dict:
    """Where the first chunk statement's time went, from its EXPLAIN ANALYZE: the UPDATE, the late events'
    INSERT (each node's own time, ms), the foreign-key checks of the inserted events, and the whole."""
    def node(name):
        found = re.search(rf"->\s+{name} on \S+ .*?\(actual time=[\d.]+\.\.([\d.]+)", plan)
        return float(found.group(1)) if found else 0.0

    triggers = sum(float(t) for t in re.findall(r"^Trigger for constraint .*?time=([\d.]+)", plan, re.M))
    total = re.search(r"^Execution Time: ([\d.]+) ms", plan, re.M)
    return {"update_ms": node("Update"), "insert_ms": node("Insert"), "fk_checks_ms": round(triggers, 1),
            "total_ms": float(total.group(1)) if total else 0.0}


def _steps(run: dict) -> str:
    return ", ".join(f"{label} {seconds:.2f} s" for label, seconds in run.get("job_steps_s", {}).items())


def _writes(run: dict) -> str:
    r = run["result"]
    return (f"{r['newly_overdue']:,} newly overdue, {r['reported_late']:,} reported late (a credit event each), "
            f"{r['penalised']:,} penalties changed, {r['frozen']:,} lines frozen, {r['unfrozen']:,} unfrozen")


def overdue_design(overdue: dict) -> str:
    daily, catch_up = overdue["daily"], overdue["catch_up"]
    parts = chunk_breakdown(catch_up.get("chunk_plan", ""))
    return (
        "Design (credit/services/overdue.py): on PostgreSQL each chunk of due instalments (keyset on the partial "
        "index `credit_installment_pending_idx`: unpaid, not paused, by clock date) is one statement — a single "
        "UPDATE of each row with something to change (status, bucket, late flag, penalty and days charged, all "
        "computed in SQL from the row) and, in a data-modifying CTE, the \"late\" credit events by `INSERT … "
        "SELECT`; then one statement, from one pass over the overdue instalments, freezes the lines of buyers "
        "overdue with both their events and finds the lines whose buyer caught up. No instalment row enters "
        "Python.\n\n"
        "Two runs over the same 1,000,000 instalments, each against a bare UPDATE (status only) of exactly the rows "
        "it writes. The generated data has never been swept: 60 days of the defaulting buyers' instalments are "
        "still \"scheduled\".\n\n"
        f"- **Daily run** (the target's figure): the job as of {daily['today']}, after it ran the day before and "
        "the tables were vacuumed and analysed (autovacuum's work overnight) — what the job does every day. "
        f"It wrote {_writes(daily)}; a penalty day on every instalment past the grace period is the bulk of a "
        f"day's work. {daily['ratio']:.2f}× the bare UPDATE ({daily['job_s']:.2f} s vs "
        f"{daily['bare_update_s']:.2f} s, {daily['bare_rows']:,} rows). Steps: {_steps(daily)}.\n"
        f"- **Catch-up run** (shown beside it, no target of its own): the job's first run, as of "
        f"{catch_up['today']}, over instalments never swept — every due row becomes overdue, late and reported at "
        f"once. It wrote {_writes(catch_up)}. {catch_up['ratio']:.2f}× the bare UPDATE ({catch_up['job_s']:.2f} s "
        f"vs {catch_up['bare_update_s']:.2f} s, {catch_up['bare_rows']:,} rows). Steps: {_steps(catch_up)}. "
        f"In its first chunk's EXPLAIN ANALYZE ({parts['total_ms']:.0f} ms): the UPDATE {parts['update_ms']:.0f} "
        f"ms, the late events' INSERT {parts['insert_ms']:.0f} ms (CTE times include what they feed on), and the "
        f"foreign-key checks of the inserted events (user, plan, instalment; deferred to COMMIT in the job) "
        f"{parts['fk_checks_ms']:.0f} ms. Besides each instalment's row it writes a credit event with three "
        "foreign keys per instalment and a line, a line event and a credit event per frozen line: about three "
        "rows for each row of the bare UPDATE. The foreign keys were kept: the events are the buyer's credit "
        "history."
    )


def _without_plans(overdue: dict) -> dict:
    return {key: ({k: v for k, v in value.items() if k != "chunk_plan"} if isinstance(value, dict) else value)
            for key, value in overdue.items()}


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    raw = {row["name"]: row for row in map(json.loads, (VAR / "raw.jsonl").read_text().splitlines()) if row}
    queries = json.loads((VAR / "queries.json").read_text())
    counts = queries["counts"]
    books = json.loads((VAR / "books.json").read_text())
    overdue = json.loads((VAR / "overdue.json").read_text())
    fixture = json.loads((VAR / "fixture.json").read_text())
    versions = _versions()

    def rps(name):
        return raw[name]["wrk"]["rps"]

    base = rps("baseline_plain_drf")
    base2 = rps("baseline_plain_drf_again")
    ok_rps = rps("baseline_ok")

    def ratio(name):
        return rps(name) / base

    def errors(name):
        return raw[name]["wrk"]["non_2xx"] + raw[name]["wrk"]["socket_errors"]

    rows = []  # scenario, measure, figure, target, verdict

    def add(scenario, measure, figure, target, ok):
        rows.append((scenario, measure, figure, target, verdict(ok)))

    sq = [counts[f"search_api_{n}"]["queries"] for n in (10, 20, 100)]
    add("1 Listing search API", "req/s ÷ plain DRF", f"{ratio('search_api'):.0%} ({rps('search_api'):,.0f}/s)",
        "≥ 70 %", ratio("search_api") >= 0.70)
    add("1 Listing search API", "p99 latency, 1 connection",
        f"{raw['search_api_1']['wrk']['p99_ms']:.1f} ms ({args.connections} connections: "
        f"{raw['search_api']['wrk']['p99_ms']:.0f} ms)", "≤ 50 ms", raw["search_api_1"]["wrk"]["p99_ms"] <= 50)
    add("1 Listing search API", "queries at page size 10 / 20 / 100", " / ".join(map(str, sq)), "equal, ≤ 4",
        len(set(sq)) == 1 and max(sq) <= 4)
    add("2 Listing search page", "req/s ÷ plain DRF", f"{ratio('search_page'):.0%} ({rps('search_page'):,.0f}/s)",
        "≥ 50 %", ratio("search_page") >= 0.50)
    add("2 Listing search page", "queries (page 1 / page 2)",
        f"{counts['search_page']['queries']} / {counts['search_page_2']['queries']}", "fixed",
        counts["search_page"]["queries"] == counts["search_page_2"]["queries"])
    for name, label in (("detail_api", "3 Listing detail API"), ("detail_page", "3 Listing detail page")):
        add(label, "req/s ÷ plain DRF", f"{ratio(name):.0%} ({rps(name):,.0f}/s)", "≥ 100 %", ratio(name) >= 1.0)
        add(label, "queries / writes on GET", f"{counts[name]['queries']} / {counts[name]['writes']}", "0 writes",
            counts[name]["writes"] == 0)
    cq = [counts[f"checkout_{n}"]["queries"] for n in (3, 6, 12)]
    add("4 Credit checkout", "median, 1 client", f"{raw['checkout_1']['wrk']['p50_ms']:.1f} ms", "≤ 40 ms",
        raw["checkout_1"]["wrk"]["p50_ms"] <= 40)
    add("4 Credit checkout", "queries at 3 / 6 / 12 instalments", " / ".join(map(str, cq)), "equal",
        len(set(cq)) == 1)
    add("4 Credit checkout", "queries, the buyer's first order", str(counts["checkout_first"]["queries"]),
        "(once per buyer)", True)
    add("4 Credit checkout", "req/s ÷ plain DRF, 4 connections",
        f"{ratio('checkout_4'):.0%} ({rps('checkout_4'):,.1f}/s)", "≥ 25 %", ratio("checkout_4") >= 0.25)
    add("4 Credit checkout", "errors under load (1 + 4 connections)",
        str(errors("checkout_1") + errors("checkout_4")), "0", errors("checkout_1") + errors("checkout_4") == 0)
    add("4 Credit checkout", "books balanced, lines = receivables afterwards",
        f"{books['books_balanced']}, {len(books['lines_mismatched'])} mismatched of {books['lines_checked']}",
        "True, 0", books["books_balanced"] and not books["lines_mismatched"])
    for name, label in (("orders_api", "buyer's orders (lines)"), ("plans_api", "buyer's plans (instalments)"),
                        ("cases_api", "buyer's after-sales cases")):
        q = [counts[f"{name}_{n}"]["queries"] for n in (5, 20, 50)]
        add(f"5 {label}", "queries at page size 5 / 20 / 50", " / ".join(map(str, q)), "≤ 6, fixed",
            max(q) <= 6 and len(set(q)) == 1)
        add(f"5 {label}", "req/s ÷ plain DRF", f"{ratio(name):.0%} ({rps(name):,.0f}/s)", "≥ 40 %",
            ratio(name) >= 0.40)
    daily, catch_up = overdue["daily"], overdue["catch_up"]
    add("7 Overdue job", "daily run: job ÷ bare UPDATE of the same rows (both warm)",
        f"{daily['ratio']:.2f}× ({daily['job_s']:.2f} s vs {daily['bare_update_s']:.2f} s, "
        f"{daily['bare_rows']:,} rows)", "≤ 3×", daily["ratio"] <= 3)
    rows.append(("7 Overdue job", "catch-up run (first run, 60 days never swept): job ÷ bare UPDATE",
                 f"{catch_up['ratio']:.2f}× ({catch_up['job_s']:.2f} s vs {catch_up['bare_update_s']:.2f} s, "
                 f"{catch_up['bare_rows']:,} rows)", "(shown, see Overdue job)", "—"))
    peak = max(daily["tracemalloc_peak_mb"], catch_up["tracemalloc_peak_mb"])
    add("7 Overdue job", "tracemalloc peak (both runs)", f"{peak} MB", "flat (chunked)", peak < 64)

    measured = "full size" if args.scale >= 1 else (
        f"**--small (scale {args.scale})**; the full size is `benchmarks/run` without the flag")
    lines = [
        TITLE, "",
        f"Run on {date.today()} with `benchmarks/run{' --small' if args.scale < 1 else ''}` — {measured}. "
        "Every throughput figure is a ratio to the plain-DRF baseline measured in the same run, against the same "
        "gunicorn; query counts are exact (Django test client + CaptureQueriesContext, caches warm).",
        "",
        f"- Machine: {_cpu()}, {os.cpu_count()} CPUs (nproc), {_mem_gib()} RAM, {platform.system()} "
        f"{platform.release()}; wrk and gunicorn share the machine (and PostgreSQL).",
        f"- Versions: Python {versions['python']}, Django {versions['django']}, DRF {versions['drf']}, PostgreSQL "
        f"{versions['postgresql']}, {versions['gunicorn']}, {versions['wrk']}.",
        f"- Server: gunicorn sync, {args.workers} workers, DEBUG=0, production settings (generated keys, "
        "SECURE_SSL_REDIRECT=0, ALLOWED_HOSTS=127.0.0.1,localhost, CONN_MAX_AGE=600, local-memory cache, API "
        "throttles off so one load client is not rate-limited). Load: wrk from a second process on 127.0.0.1, "
        f"{args.connections} connections, {args.duration} per scenario after a 2 s warm-up (checkout: 1 and 4).",
        "- Data: " + ", ".join(f"{k.split('_', 1)[1]} {v:,}" for k, v in fixture["counts"].items())
        + f" (generated in {fixture['total_seconds']:.0f} s: "
        + ", ".join(f"{k} {v} s" for k, v in fixture["load_seconds"].items()) + ").",
        f"- Baselines: trivial \"ok\" view {ok_rps:,.0f} req/s (the framework's ceiling); plain DRF ModelViewSet "
        f"list (select_related, page 20, {counts['baseline_plain_drf']['queries']} queries) {base:,.0f} req/s, "
        f"and {base2:,.0f} req/s measured again at the end ({abs(base2 - base) / base:.0%} drift).",
        "- Read with care: the plain-DRF baseline counts and sorts the whole listings table on every request "
        "(no filter, so no index serves its ORDER BY), so it slows as the table grows and ratios against it "
        "flatter the app at full size; the \"ok\" ceiling is shown for that reason. Latency targets (p99, "
        "median) are absolute and suffer most from a loaded machine: the load average is in the log below.",
        f"- Load average when the report was written: {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} CPUs.",
        "",
        "| Scenario | Measure | Figure | Target | |", "|---|---|---:|---|---|",
        *[f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows],
        "",
        "6 Reminder sweep: see the \"Reminder sweep\" section below (`benchmarks/reminders/run.sh`, run by "
        "`benchmarks/run` after this part unless `--hot-only`); the risk scoring's latency: \"Cash-out risk "
        "scoring\" (`benchmarks/risk/run.sh`, likewise).",
        "",
        "How the figures are taken:",
        "",
        f"- Throughput: wrk with {args.connections} connections; p99 of the search API at 1 connection, because "
        f"with {args.connections} connections on {os.cpu_count()} CPUs shared by wrk, gunicorn and PostgreSQL a "
        "request's p99 is mostly its wait behind the others; both p99s are in the load table.",
        "- The search's total count is cached for 60 s per normalised search (rows never are; a stale count only "
        "moves the total and the last page by what changed within the minute); the load test repeats one "
        "search, so it measures the cached count — the first request of a search pays the COUNT (its plan is "
        "below).",
        "- Checkout: wrk rotates 39 approved buyers and 8 instalment listings, 3/6/12 instalments in turn; "
        "query counts are for a buyer's later orders, the first (which opens the buyer's ledger account and "
        "notification preferences) is shown apart.",
        "- Overdue job: in each run the job and the bare UPDATE are measured warm — the job first runs once in "
        "a transaction rolled back, the bare UPDATE three times rolled back (median) — then the job runs for "
        "real; the runs, their steps' times and the EXPLAIN ANALYZE of the catch-up's first chunk statement "
        "(FK checks made immediate so their cost shows) are below.",
        "",
        "### Load figures", "",
        "| run | conns | req/s | p50 ms | p90 ms | p99 ms | non-2xx | socket errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *[f"| {n} `{r['url'][:60]}` | {r['connections']} | {r['wrk']['rps']:,.1f} | {r['wrk']['p50_ms']:.1f} | "
          f"{r['wrk']['p90_ms']:.1f} | {r['wrk']['p99_ms']:.1f} | {r['wrk']['non_2xx']} | {r['wrk']['socket_errors']} |"
          for n, r in raw.items()],
        "",
        "### Query counts", "",
        "| request | status | queries | writes |", "|---|---:|---:|---:|",
        *[f"| {k} | {v['status']} | {v['queries']} | {v.get('writes', '-')} |" for k, v in counts.items()],
        "",
        "### Overdue job", "",
        overdue_design(overdue), "",
        f"```\n{json.dumps(_without_plans(overdue), indent=1)}\n```", "",
        "EXPLAIN ANALYZE of the catch-up run's first chunk statement (rolled back):", "",
        f"```\n{overdue['catch_up'].get('chunk_plan', '')}\n```", "",
        "EXPLAIN ANALYZE of the daily run's first chunk statement (rolled back):", "",
        f"```\n{overdue['daily'].get('chunk_plan', '')}\n```", "",
        "### EXPLAIN ANALYZE of the hot queries", "",
    ]
    for key, item in queries["explain"].items():
        lines += [f"{key}:", "", "```sql", item["sql"], "```", "", "```", item["plan"], "```", ""]
    section = "\n".join(lines).rstrip() + "\n"

    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(TITLE) + r".*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text)
    else:  # first after the file's introduction, before the other benchmarks' sections
        first = re.search(r"^## ", text, re.M)
        text = (text[:first.start()] + section + "\n" + text[first.start():]) if first else text + "\n" + section
    RESULTS.write_text(text)
    (VAR / "verdicts.json").write_text(json.dumps(rows))  # for benchmarks/summary.py
    print(section[:3000], file=sys.stderr)


if __name__ == "__main__":
    main()
