"""Write the "## Summary" section of benchmarks/RESULTS.md: every scenario of this run against its target.

Reads what the parts of one ``benchmarks/run`` wrote: the hot paths' verdicts (benchmarks/var/verdicts.json),
the reminder sweep's and the risk scoring's raw figures — the latter two only if written during this run
(``--since``, the run's start as a Unix time), so a ``--hot-only`` run never presents older figures as its own.
"""
import argparse
import json
import re
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
TITLE = "## Summary (benchmarks/run)"


def _fresh(path: Path, since: float) -> list[dict]:
    if not path.exists() or path.stat().st_mtime < since:
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def reminder_rows(runs: list[dict]) -> list[tuple]:
    rows = []
    by_size: dict = {}
    for run in runs:
        by_size.setdefault((run["instalments"], run["window"]), {})[run["what"]] = run["result"]
    swept = [(size, r) for size, r in sorted(by_size.items()) if "sweep" in r and "reference" in r]
    if swept:
        (instalments, window), r = swept[-1]
        ratio = r["sweep"]["seconds"] / r["reference"]["seconds"]
        rows.append(("6 Reminder sweep", f"sweep ÷ bare bulk_create of its rows ({instalments:,} instalments, "
                     f"{window:,} due)", f"{ratio:.2f}×", "≤ 3×", ratio <= 3))
        if "memory" in r:
            rows.append(("6 Reminder sweep", "tracemalloc peak", f"{r['memory']['tracemalloc_peak_mb']} MB",
                         "flat (chunked)", r["memory"]["tracemalloc_peak_mb"] < 64))
    for _size, r in sorted(by_size.items()):
        if "e2e" in r:
            e2e = r["e2e"]
            ok = e2e["left_open"] == 0 and e2e["seconds"] <= 20 and e2e["reminders"] >= 10_000
            rows.append(("6 Reminder sweep", f"{e2e['reminders']:,} reminders ({e2e['deliveries']:,} e-mails and "
                         "SMS) end to end through a real worker and Redis",
                         f"{e2e['seconds']:.1f} s ({e2e['left_open']} left unsent)", "≤ 20 s for 10,000", ok))
    return rows


def risk_rows(runs: list[dict]) -> list[tuple]:
    return [("Risk scoring (Trust issue)", f"scoring median per checkout, {run['environment']['database']}",
             f"{run['scoring']['median_ms']:.2f} ms (checkout +{run['added_median_ms']:.2f} ms)", "< 5 ms",
             run["scoring"]["median_ms"] < 5) for run in runs]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--since", type=float, required=True)
    parser.add_argument("--command", default="benchmarks/run")
    args = parser.parse_args()
    hot = [tuple(row) for row in json.loads((HERE / "var" / "verdicts.json").read_text())]
    reminders = reminder_rows(_fresh(HERE / "reminders" / "results.jsonl", args.since))
    risk = risk_rows(_fresh(HERE / "risk" / "results.jsonl", args.since))
    # Scenario order (1-7); the hot paths' rows come first in their part, scenario 6 is another part.
    hot6 = [row for row in hot if not row[0].startswith("7 ")]
    hot7 = [row for row in hot if row[0].startswith("7 ")]
    lines = [TITLE, "",
             f"Every scenario of issue 9 against its target, from one run of `{args.command}` on {date.today()} "
             "(PostgreSQL). Details, the machine, versions, data sizes, load averages and how each figure is "
             "taken: the sections below.", "",
             "| Scenario | Measure | Figure | Target | |", "|---|---|---:|---|---|",
             *[f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in hot6]]
    lines += [f"| {a} | {b} | {c} | {d} | {'met' if ok else '**missed**'} |" for a, b, c, d, ok in reminders]
    if not reminders:
        lines.append("| 6 Reminder sweep | — | not run in this run (`--hot-only`) | | |")
    lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in hot7]
    lines += [f"| {a} | {b} | {c} | {d} | {'met' if ok else '**missed**'} |" for a, b, c, d, ok in risk]
    if not risk:
        lines.append("| Risk scoring (Trust issue) | — | not run in this run (`--hot-only`) | | |")
    missed = [f"{a}: {b}" for a, b, _c, _d, e in hot if e == "**missed**"]  # "—": shown, no target
    missed += [f"{a}: {b}" for a, b, _c, _d, ok in reminders + risk if not ok]
    lines += ["", "Missed in this run: " + ("; ".join(missed) if missed else "none") + "."]
    section = "\n".join(lines) + "\n"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(TITLE) + r".*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text)
    else:
        first = re.search(r"^## ", text, re.M)
        text = (text[:first.start()] + section + "\n" + text[first.start():]) if first else text + "\n" + section
    RESULTS.write_text(text)
    print(section)


if __name__ == "__main__":
    main()
