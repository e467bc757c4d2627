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
    add("7 Overdue job", "job ÷ bare UPDATE of the same rows (both warm)",
        f"{overdue['ratio']:.2f}× ({overdue['job_s']:.2f} s vs {overdue['bare_update_s']:.2f} s, "
        f"{overdue['bare_rows']:,} rows)", "≤ 3×", overdue["ratio"] <= 3)
    add("7 Overdue job", "tracemalloc peak", f"{overdue['tracemalloc_peak_mb']} MB", "flat (chunked)",
        overdue["tracemalloc_peak_mb"] < 64)

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
        "- Overdue job: the job and the bare UPDATE are each measured warm — the job first runs once in a "
        "transaction rolled back, the bare UPDATE three times rolled back (median) — then the job runs for "
        "real; its steps' times and the EXPLAIN ANALYZE of its first chunk statement (FK checks made immediate "
        "so their cost shows) are below.",
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
        f"```\n{json.dumps({k: v for k, v in overdue.items() if k != 'chunk_plan'}, indent=1)}\n```", "",
        "EXPLAIN ANALYZE of the first chunk statement (rolled back):", "",
        f"```\n{overdue.get('chunk_plan', '')}\n```", "",
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
