"""Cash-out risk scoring benchmark: the latency scoring adds to a credit checkout, on demo-like data.

Run through run.sh (a fresh database per run). Sub-commands:

    bench.py run [--checkouts N] [--seed S]    generate the data, then measure; one JSON line on stdout
    bench.py report results.jsonl              rewrite the "## Cash-out risk scoring" section of RESULTS.md

The data: 30 verified shops (one selling virtual goods, three colluding with some of their
buyers: shared devices, a shared drop address), 600 buyers approved for credit, and
6,000 orders over the last 60 days (a third on credit), with device sightings of every
user (public and private addresses). Then N credit checkouts are placed through the real
``order_place`` — 90 % by ordinary buyers, 10 % by colluding ones — alternating between
scoring on and scoring replaced by a constant "accept" (the baseline), so both see the
same data and the same machine state. Every checkout commits.

Measured, per checkout: ``score_checkout`` alone (perf_counter around the call inside the
real placement) and the whole ``order_place`` with and without scoring.
"""
import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SHOPS, LISTINGS_PER_SHOP, BUYERS, HISTORY_ORDERS, HISTORY_DAYS = 30, 4, 600, 6000, 60
COLLUDING_SHOPS, COLLUDERS_PER_SHOP = 3, 6
PRICES = [Decimal(p) for p in ("19.90", "59.00", "88.80", "129.00", "199.00", "268.00", "399.00", "500.00",
                               "799.00", "1000.00", "1299.00", "2499.00")]
PUBLIC_IPS = [f"{a}.{b}.{c}.{d}" for a, b, c, d in [(114, 114, 1, 1), (61, 135, 169, 121), (123, 125, 80, 9),
                                                   (36, 110, 5, 77), (183, 60, 9, 14), (220, 181, 38, 148)]]
PRIVATE_IPS = ["127.0.0.1", "10.0.3.7", "192.168.1.20", "172.16.8.2"]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds):
    return round(seconds * 1000, 3)


def summary(values):
    return {"n": len(values), "median_ms": ms(statistics.median(values)), "p95_ms": ms(percentile(values, 0.95)),
            "mean_ms": ms(statistics.fmean(values)), "max_ms": ms(max(values))}


class Data:
    def __init__(self, rng):
        self.rng = rng
        self.listings, self.buyers, self.colluders = [], [], []  # colluders: (buyer, listing, device, address)


def _address(n):
    return {"name": "买家", "phone": f"136{n:08d}", "address": f"上海市浦东新区世纪大道 {n} 号 {n % 30 + 1} 室"}


def generate(rng) -> Data:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from credit.risk.identity import device_hash, ip_info
    from credit.risk.scoring import sighting_record
    from credit.services.applications import application_submit
    from credit.services.quotes import current_terms
    from marketplace.models import Category, Order
    from marketplace.services.accounts import user_register
    from marketplace.services.listings import listing_create
    from marketplace.services.orders import order_place
    from marketplace.services.shops import shop_open, shop_verify

    data = Data(rng)
    User = get_user_model()
    staff = User.objects.create_superuser("benchstaff", "staff@bench.example", "x" * 12)
    terms = current_terms()
    consent = {"terms_version": terms["terms"].version, "privacy_version": terms["privacy"].version}
    phones = iter(range(10_000_000, 99_999_999))

    def user(name):
        return user_register(username=name, password="bench-password-9", email=f"{name}@bench.example",
                             phone=f"139{next(phones)}")

    def seen(who, device, ip):
        address, public = ip_info(ip)
        sighting_record(user_id=who.pk, device_hash=device_hash(device), ip=address, ip_public=public)

    physical = Category.objects.get(slug="phones-audio")
    virtual = Category.objects.get(slug="virtual-topup")
    merchants = []
    with transaction.atomic():
        for s in range(SHOPS):
            owner = user(f"merchant{s}")
            shop = shop_open(actor=owner, name=f"Bench shop {s}", description="")
            shop_verify(actor=staff, shop=shop)
            merchants.append(owner)
            for n in range(LISTINGS_PER_SHOP):
                data.listings.append(listing_create(
                    actor=owner, shop=shop, title=f"Item {s}-{n}", description="", price=rng.choice(PRICES),
                    stock=100_000, category=virtual if s == SHOPS - 1 else physical, installments_available=True))
            seen(owner, f"merchant-device-{s}", rng.choice(PUBLIC_IPS + PRIVATE_IPS))

    for b in range(BUYERS):
        buyer = user(f"buyer{b}")
        application_submit(actor=buyer, real_name="张三", id_number=_id_number(b), phone=f"137{b:08d}",
                           income_band="15k_30k", emergency_contacts=[], consent=consent)
        data.buyers.append(buyer)
        for d in range(2):
            seen(buyer, f"buyer-device-{b}-{d}", rng.choice(PUBLIC_IPS + PRIVATE_IPS))

    # Colluding shops: some buyers use the merchant's phone and the merchant's drop address.
    for s in range(COLLUDING_SHOPS):
        owner, listing = merchants[s], data.listings[s * LISTINGS_PER_SHOP]
        drop = {"name": "收货人", "phone": f"135{s:08d}", "address": f"深圳市宝安区西乡街道 {s} 栋"}
        order_place(buyer=owner, lines=[{"listing": data.listings[-1].pk, "quantity": 1}], shipping_address=drop,
                    payment={"method": "full"})
        for buyer in data.buyers[s * COLLUDERS_PER_SHOP:(s + 1) * COLLUDERS_PER_SHOP]:
            data.colluders.append((buyer, listing, f"merchant-device-{s}", {**drop, "phone": "13512340000"}))

    # History: orders over the last 60 days, a third on credit, each buyer mostly at a few shops.
    created = []
    for _ in range(HISTORY_ORDERS):
        buyer = rng.choice(data.buyers)
        favourite = data.listings[(buyer.pk * 7 + rng.randrange(3)) % len(data.listings)]
        listing = favourite if rng.random() < 0.7 else rng.choice(data.listings)
        credit = rng.random() < 0.33 and listing.price_amount <= Decimal("300.00")
        payment = {"method": "installment", "installments": 6} if credit else {"method": "full"}
        try:
            order = order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 1}],
                                shipping_address=_address(buyer.pk), payment=payment,
                                context={"device_id": f"buyer-device-{buyer.pk}-0", "ip": rng.choice(PUBLIC_IPS)})
        except Exception:  # noqa: BLE001 - a history order refused (limit used up, risk): skip it
            continue
        created.append(order.pk)
    # Spread the history over the window (benchmark data only: the product never rewrites a timestamp).
    from credit.models import CheckoutFingerprint

    for pk in created:
        moment = _ago(rng.random() * HISTORY_DAYS)
        Order.objects.filter(pk=pk).update(created=moment)
        CheckoutFingerprint.objects.filter(order_id=pk).update(created=moment)
    return data


def _ago(days):
    from django.utils import timezone

    return timezone.now() - timedelta(days=days)


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number(n) -> str:
    body = f"110101{date(1985, 1, 1) + timedelta(days=n):%Y%m%d}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def measure(data: Data, checkouts: int) -> dict:
    import credit.risk as risk
    from core.errors import DomainError
    from marketplace.services.orders import order_place

    real = risk.score_checkout
    scoring_times, scoring_cpu, outcomes = [], [], {"accept": 0, "hold": 0, "reject": 0}

    def timed(order, context):
        started, cpu = time.perf_counter(), time.process_time()
        decision = real(order, context)
        scoring_times.append(time.perf_counter() - started)
        scoring_cpu.append(time.process_time() - cpu)
        outcomes[decision.outcome] += 1
        return decision

    def baseline(order, context):
        return risk.Decision(risk.ACCEPT)

    rng = data.rng
    totals = {"scored": [], "baseline": []}
    refused = {"scored": 0, "baseline": 0}
    for n in range(checkouts * 2 + 100):
        mode = "scored" if n % 2 == 0 else "baseline"
        if rng.random() < 0.1:
            buyer, listing, device, address = rng.choice(data.colluders)
            ip = rng.choice(PRIVATE_IPS)
        else:
            buyer, listing = rng.choice(data.buyers), rng.choice(data.listings)
            device, address, ip = f"buyer-device-{buyer.pk}-{n % 2}", _address(buyer.pk), rng.choice(PUBLIC_IPS)
        risk.score_checkout = timed if mode == "scored" else baseline
        started = time.perf_counter()
        try:
            order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 1}], shipping_address=address,
                        payment={"method": "installment", "installments": 3},
                        context={"device_id": device, "ip": ip})
            ok = True
        except DomainError:
            ok = False
        elapsed = time.perf_counter() - started
        if n < 100:  # warm-up: caches, connections, code paths
            scoring_times.clear()
            scoring_cpu.clear()
            outcomes.update({k: 0 for k in outcomes})
            continue
        if ok:
            totals[mode].append(elapsed)
        else:
            refused[mode] += 1
    risk.score_checkout = real
    scored, base = summary(totals["scored"]), summary(totals["baseline"])
    return {
        "scoring": summary(scoring_times), "scoring_cpu": summary(scoring_cpu),
        "checkout_scored": scored, "checkout_baseline": base,
        "added_median_ms": round(scored["median_ms"] - base["median_ms"], 3),
        "outcomes": outcomes, "refused": refused,
    }


def environment() -> dict:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            database = cursor.fetchone()[0].split(" on ")[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]}"
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count()
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"database": database, "vendor": connection.vendor, "python": platform.python_version(),
            "django": django.get_version(), "cpu": model, "cpus": cpus}


def counts() -> dict:
    from credit.models import CheckoutFingerprint, DeviceSighting, InstallmentPlan, RiskAssessment
    from marketplace.models import Order, Shop, User

    return {"users": User.objects.count(), "shops": Shop.objects.count(), "orders": Order.objects.count(),
            "credit_plans": InstallmentPlan.objects.count(), "assessments": RiskAssessment.objects.count(),
            "fingerprints": CheckoutFingerprint.objects.count(), "sightings": DeviceSighting.objects.count()}


def run(args) -> None:
    import django

    django.setup()
    rng = random.Random(args.seed)
    from unittest import mock

    started = time.perf_counter()
    # Generating: nobody needs the notifications of 6,000 history orders (measuring keeps them).
    with mock.patch("marketplace.services.orders.notify"), mock.patch("marketplace.services.shops.notify"):
        data = generate(rng)
    generated = round(time.perf_counter() - started, 1)
    from django.db import connection

    if connection.vendor == "postgresql":  # what autovacuum does on a live database: plans from real statistics
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    before = counts()
    result = measure(data, args.checkouts)
    print(json.dumps({"date": date.today().isoformat(), "environment": environment(), "data": before,
                      "generate_s": generated, "checkouts": args.checkouts, "load_average": os.getloadavg(),
                      **result}))


# --- report ------------------------------------------------------------------------------------------

SECTION = "## Cash-out risk scoring"


def report(args) -> None:
    rows = [json.loads(line) for line in Path(args.results).read_text().splitlines() if line.strip()]
    env = rows[0]["environment"]
    lines = [
        SECTION, "",
        f"Run on {rows[0]['date']} with `benchmarks/risk/run.sh` (data and measurement: `benchmarks/risk/bench.py`; "
        "raw figures: `benchmarks/risk/results.jsonl`).", "",
        f"- Machine: {env['cpu'] or platform.machine()}, {env['cpus']} CPUs; Python {env['python']}, "
        f"Django {env['django']}; database on the same machine; local-memory cache (no Redis)",
        "- Data (demo-like, generated): 30 verified shops × 4 listings (one shop sells virtual goods, three "
        "collude with 6 buyers each: the merchant's device, the merchant's drop address), 600 buyers approved "
        "for credit, ~6,000 orders over 60 days (a third on credit, each with its fingerprint), device sightings "
        "of every user from public and private addresses.",
        "- Each measured checkout is a real `order_place` with instalments (one line, 3 instalments), committed; "
        "90 % by ordinary buyers (public IP, own device and address), 10 % by colluding ones (private IP). "
        "Scored and baseline checkouts alternate in the same process: the baseline replaces `score_checkout` "
        "by a constant accept (no reads, no assessment, no fingerprint). 100 warm-up checkouts are not counted. "
        "On PostgreSQL the generated tables are ANALYZEd first (as autovacuum would have done).",
        "- **scoring** is `score_checkout` alone, timed inside the real placement (the signals' reads, the "
        "decision, the assessment and fingerprint inserts), wall clock and CPU time of the process (with "
        "SQLite the database work is in the process; with PostgreSQL it is not); **added** is the difference of "
        "the median checkout with and without scoring. Target: scoring under 5 ms median. The machine is shared "
        "with other work: its load average at the end of each run is given.",
        "",
        "| database | scorings | scoring median / p95 ms | scoring CPU median / p95 ms "
        "| checkout with scoring median / p95 ms | baseline checkout median / p95 ms | added (median) ms "
        "| accept / hold / reject | data rows (orders, fingerprints, sightings) | load average (1 min) |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    for row in rows:
        s, cpu, c, b = row["scoring"], row["scoring_cpu"], row["checkout_scored"], row["checkout_baseline"]
        o, d = row["outcomes"], row["data"]
        lines.append(f"| {row['environment']['database']} | {s['n']:,} | {s['median_ms']:.2f} / {s['p95_ms']:.2f} "
                     f"| {cpu['median_ms']:.2f} / {cpu['p95_ms']:.2f} "
                     f"| {c['median_ms']:.2f} / {c['p95_ms']:.2f} | {b['median_ms']:.2f} / {b['p95_ms']:.2f} "
                     f"| {row['added_median_ms']:.2f} | {o['accept']} / {o['hold']} / {o['reject']} "
                     f"| {d['orders']:,}, {d['fingerprints']:,}, {d['sightings']:,} | {row['load_average'][0]:.1f} |")
    lines.append("")
    lines.append("Scoring is one read — a SELECT of 15 columns joining the merchant's account and the buyer's line, "
                 "the rest scalar subqueries each on an index (the merchant's devices and IPs, other buyers of the "
                 "shop on this device or address, the line's approval, the shop's credit share, the buyer–shop "
                 "history, the buyer's recent credit orders, virtual goods, the merchant's latest own order) — and "
                 "two inserts (assessment, fingerprint). The merchant's own latest orders (phones and addresses, "
                 "decrypted) are read again only when the merchant has ordered since they were cached (as blind "
                 "indexes); the peers' credit share and the rule book are cached too. A rejected checkout's "
                 "placement is rolled back, so it appears in neither checkout column; the baseline refuses fewer "
                 "only because nothing is rejected (the rest: limits used up).")
    lines.append("")
    lines.append("Statistics matter on PostgreSQL: on freshly generated tables that were never analysed, the planner "
                 "scanned whole tables and scoring took 10.9 ms median (same data, same code, load 4.5). "
                 "Autovacuum analyses a live database; run `ANALYZE` after a bulk import.")
    section = "\n".join(lines) + "\n"
    path = ROOT / "benchmarks" / "RESULTS.md"
    text = path.read_text() if path.exists() else (
        "# Benchmark results\n\nEach section is written by its benchmark's script; see the script for how to "
        "rerun it.\n")
    if SECTION in text:
        start = text.index(SECTION)
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[end + 1:] if end != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("run")
    one.add_argument("--checkouts", type=int, default=1200)
    one.add_argument("--seed", type=int, default=7)
    two = sub.add_parser("report")
    two.add_argument("results")
    args = parser.parse_args()
    {"run": run, "report": report}[args.command](args)


if __name__ == "__main__":
    main()
