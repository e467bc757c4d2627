"""Benchmark data: listings, shops, categories, buyers, orders, plans and instalments, loaded set-based.

Bulk rows are written by ``INSERT … SELECT generate_series`` (PostgreSQL builds them, nothing
crosses the wire per row), from a few hundred title/description/search-document templates
computed in Python by the same tokenizer the listing service uses, and encrypted personal
fields encrypted once and reused. The actors the scenarios log in as (checkout buyers with
a credit line, a "heavy" buyer with many orders, plans and cases) are made through the
services, the way users create them. Writes benchmarks/var/fixture.json for the runner.

    python benchmarks/generate.py [--scale 1.0]
"""
import argparse
import json
import os
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

FULL = {"categories": 50, "shops": 500, "listings": 100_000, "buyers": 50_000, "orders": 200_000,
        "instalments": 1_000_000}
OUT = Path(__file__).resolve().parent / "var"
TODAY = date(2026, 6, 15)  # the overdue job and purchase dates are relative to this day
EN = ["wireless", "earphones", "phone", "case", "charger", "laptop", "stand", "keyboard", "mouse", "camera",
      "lens", "watch", "strap", "speaker", "tablet", "cable", "lamp", "kettle", "rice", "cooker", "jacket",
      "shoes", "bag", "tea", "coffee", "mug", "desk", "chair", "pillow", "blanket", "bottle", "headphones"]
ZH = ["无线耳机", "手机壳", "充电器", "笔记本电脑", "键盘", "鼠标", "相机", "手表", "音箱", "平板电脑", "台灯",
      "电水壶", "电饭煲", "夹克", "运动鞋", "背包", "绿茶", "咖啡", "马克杯", "书桌"]
TEMPLATES = 997  # prime, so listing i and its template are spread evenly


def bar(label: str, done: int, total: int, started: float) -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    rate = done / max(time.monotonic() - started, 1e-9)
    sys.stderr.write(f"\r  {label:<12} [{'#' * filled}{'.' * (width - filled)}] {done:>9,}/{total:,} "
                     f"({rate:,.0f}/s)")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def batched_insert(label: str, total: int, sql: str, batch: int = 50_000) -> float:
    """Run ``sql`` with %(lo)s/%(hi)s bounds (1-based, inclusive) in batches, with a progress bar."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        for lo in range(1, total + 1, batch):
            hi = min(lo + batch - 1, total)
            cursor.execute(sql, {"lo": lo, "hi": hi})
            bar(label, hi, total, started)
    return time.monotonic() - started


def encrypted(model, field: str, value: str) -> str:
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def sizes_for(scale: float) -> dict:
    sizes = {key: max(1, int(value * scale)) for key, value in FULL.items()}
    sizes["categories"] = FULL["categories"]
    sizes["shops"] = max(20, sizes["shops"])
    return sizes


def load_catalogue(sizes: dict, timings: dict) -> None:
    from marketplace.models import Category, Listing, Shop
    from marketplace.services.listings import search_document_tokens

    with connection.cursor() as cursor:
        # Categories: the 21 of the data migration plus children up to the size asked for.
        parents = list(Category.objects.filter(parent=None).order_by("pk").values_list("pk", flat=True))
        have = Category.objects.count()
        for n in range(sizes["categories"] - have):
            Category.objects.create(slug=f"bench-{n}", name_zh=f"类目{n}", name_en=f"Bench {n}",
                                    parent_id=parents[n % len(parents)], position=n)
        categories = list(Category.objects.order_by("pk"))
        names = {c.pk: c for c in categories}

        def category_doc(category) -> str:
            seen, words, node = set(), [], category
            while node is not None and node.pk not in seen:
                seen.add(node.pk)
                words += [node.name_zh, node.name_en]
                node = names.get(node.parent_id)
            return " ".join(search_document_tokens(" ".join(words)))

        cursor.execute("CREATE TEMP TABLE bench_category (n int, id bigint, doc text)")
        cursor.executemany("INSERT INTO bench_category VALUES (%s, %s, %s)",
                           [(n, c.pk, category_doc(c)) for n, c in enumerate(categories)])
        templates = []
        for n in range(TEMPLATES):
            title = f"{ZH[n % len(ZH)]} {EN[n % len(EN)]} {EN[(n * 7 + 3) % len(EN)]} {n}"
            description = (f"{EN[(n * 3) % len(EN)]} {EN[(n * 5 + 1) % len(EN)]} {ZH[(n * 11) % len(ZH)]} "
                           "good quality, fast delivery.")
            templates.append((n, title, description, " ".join(search_document_tokens(f"{title} {description}"))))
        cursor.execute("CREATE TEMP TABLE bench_template (n int, title text, description text, doc text)")
        cursor.executemany("INSERT INTO bench_template VALUES (%s, %s, %s, %s)", templates)

    user_cols = ("password, last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active, "
                 "date_joined, phone, phone_index, real_name")
    from marketplace.models import User
    phone = encrypted(User, "phone", "")
    timings["merchants"] = batched_insert("merchants", sizes["shops"], f"""
        INSERT INTO marketplace_user ({user_cols})
        SELECT '!', NULL, false, 'bench-merchant-' || i, '', '', '', false, true, now(), '{phone}', NULL, '{phone}'
        FROM generate_series(%(lo)s, %(hi)s) i""")
    timings["shops"] = batched_insert("shops", sizes["shops"], """
        INSERT INTO marketplace_shop (name, description, verification_status, verified_at, deposit_amount, rating,
            review_count, dispute_rate, on_time_rate, reputation_updated, risk_level, installments_disabled, created,
            owner_id)
        SELECT 'Bench shop ' || i, 'A benchmark shop.', 'verified', now(), 0, 4.50, 10, 0.0100, 0.9800, now(),
            'normal', false, now(), u.id
        FROM generate_series(%(lo)s, %(hi)s) i JOIN marketplace_user u ON u.username = 'bench-merchant-' || i""")
    assert Shop.objects.filter(name__startswith="Bench shop").count() == sizes["shops"]
    ncat = len(categories)
    timings["listings"] = batched_insert("listings", sizes["listings"], f"""
        INSERT INTO marketplace_listing (title, description, price_amount, stock, status, return_days, exchange_days,
            quality_days, installments_available, merchant_pays_fee, search_document, created, modified, category_id,
            shop_id)
        SELECT t.title, t.description, 10 + (i * 37 %% 5000), 1000,
            CASE WHEN i %% 20 = 0 THEN 'paused' ELSE 'active' END, 7, 15, CASE WHEN i %% 3 = 0 THEN 90 ELSE 30 END,
            i %% 2 = 0, i %% 10 = 0, t.doc || ' ' || c.doc, now() - make_interval(mins => i), now(), c.id,
            s.id
        FROM generate_series(%(lo)s, %(hi)s) i
        JOIN bench_template t ON t.n = i %% {TEMPLATES}
        JOIN bench_category c ON c.n = i %% {ncat}
        JOIN marketplace_shop s ON s.name = 'Bench shop ' || (1 + i %% {sizes['shops']})""")
    assert Listing.objects.count() >= sizes["listings"]


def load_orders(sizes: dict, timings: dict) -> None:
    from marketplace.models import Order, User

    phone = encrypted(User, "phone", "")
    timings["buyers"] = batched_insert("buyers", sizes["buyers"], f"""
        INSERT INTO marketplace_user (password, last_login, is_superuser, username, first_name, last_name, email,
            is_staff, is_active, date_joined, phone, phone_index, real_name)
        SELECT '!', NULL, false, 'bench-buyer-' || i, '', '', '', false, true, now(), '{phone}', NULL, '{phone}'
        FROM generate_series(%(lo)s, %(hi)s) i""")
    timings["credit lines"] = batched_insert("credit lines", sizes["buyers"], """
        INSERT INTO credit_creditline (limit_amount, used_amount, status, frozen_reason, created, modified, user_id)
        SELECT 50000, 0, 'active', '', now(), now(), u.id
        FROM generate_series(%(lo)s, %(hi)s) i JOIN marketplace_user u ON u.username = 'bench-buyer-' || i""")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_buyer AS SELECT row_number() OVER (ORDER BY id) AS n, id "
                       "FROM marketplace_user WHERE username LIKE 'bench-buyer-%%'")
        cursor.execute("CREATE UNIQUE INDEX ON bench_buyer (n)")
        cursor.execute("CREATE TEMP TABLE bench_listing AS SELECT row_number() OVER (ORDER BY id) AS n, id, shop_id,"
                       " title, price_amount FROM marketplace_listing")
        cursor.execute("CREATE UNIQUE INDEX ON bench_listing (n)")
    name, phone_, address = (encrypted(Order, f, v) for f, v in
                             (("shipping_name", "李四"), ("shipping_phone", "+8613912345678"),
                              ("shipping_address", "上海市黄浦区南京东路 1 号")))
    nb, nl = sizes["buyers"], sizes["listings"]
    timings["orders"] = batched_insert("orders", sizes["orders"], f"""
        INSERT INTO marketplace_order (id, status, total_amount, refunded_amount, payment_method, installments,
            shipping_name, shipping_phone, shipping_address, carrier, tracking_number, created, paid_at, shipped_at,
            ship_by, auto_confirm_at, received_at, completed_at, cancelled_at, settled_at, buyer_id, shop_id)
        OVERRIDING SYSTEM VALUE
        SELECT i, 'completed', l.price_amount, 0, 'installment', (ARRAY[3, 6, 12])[1 + i %% 3],
            '{name}', '{phone_}', '{address}', 'SF', 'SF' || i,
            '{TODAY}'::timestamptz - make_interval(days => i %% 360), NULL, NULL, NULL, NULL, NULL,
            '{TODAY}'::timestamptz - make_interval(days => i %% 360) + interval '5 days', NULL, NULL, b.id, l.shop_id
        FROM generate_series(%(lo)s, %(hi)s) i
        JOIN bench_buyer b ON b.n = 1 + i %% {nb}
        JOIN bench_listing l ON l.n = 1 + (i * 7) %% {nl}""")
    timings["order lines"] = batched_insert("order lines", sizes["orders"], """
        INSERT INTO marketplace_orderline (title, unit_price_amount, quantity, line_amount, refunded_amount,
            return_days, exchange_days, quality_days, listing_id, order_id)
        SELECT l.title, l.price_amount, 1, l.price_amount, 0, 7, 15, 30, l.id, o.id
        FROM marketplace_order o JOIN bench_listing l ON l.n = 1 + (o.id * 7) %% """ + str(nl) + """
        WHERE o.id BETWEEN %(lo)s AND %(hi)s""")
    # Plans on the first orders until their instalments (3, 6, 12 in turn: 7 on average) reach the size asked.
    plans = sizes["instalments"] // 7
    timings["plans"] = batched_insert("plans", plans, """
        INSERT INTO credit_installmentplan (count, fee_rate, fee_payer, original_principal_amount, principal_amount,
            fee_amount, merchant_fee_amount, apr, status, agreement, paused, paused_since, purchase_date, created,
            buyer_id, line_id, order_id, product_id)
        SELECT o.installments, 0.0450, 'buyer', o.total_amount, o.total_amount, 0, 0, 0, 'active', '{}', false,
            NULL, o.created::date, o.created, o.buyer_id, cl.id, o.id, p.id
        FROM marketplace_order o JOIN credit_creditline cl ON cl.user_id = o.buyer_id
        JOIN credit_installmentproduct p ON p.count = o.installments
        WHERE o.id BETWEEN %(lo)s AND %(hi)s""")
    # Paid up to 60 days ago; one buyer in 19 stopped paying, so the overdue job has real work. (19, not 20: the
    # purchase day is the order number modulo 360, so a modulus dividing 360 would put every unpaid due date on
    # one day in 20, and most days' runs of the job would find no newly overdue instalment.)
    timings["instalments"] = batched_insert("instalments", plans, f"""
        INSERT INTO credit_installment (number, due_date, clock_date, principal_amount, fee_amount, penalty_amount,
            paid_principal_amount, paid_fee_amount, paid_penalty_amount, status, paused, bucket,
            penalty_accrued_days, reported_late, paid_at, plan_id)
        SELECT n, d, d, round(p.principal_amount / p.count, 2), 0, 0,
            CASE WHEN paid THEN round(p.principal_amount / p.count, 2) ELSE 0 END, 0, 0,
            CASE WHEN paid THEN 'paid' ELSE 'scheduled' END, false, '', 0, false,
            CASE WHEN paid THEN d::timestamptz END, p.id
        FROM credit_installmentplan p
        CROSS JOIN LATERAL generate_series(1, p.count) n
        CROSS JOIN LATERAL (SELECT (p.purchase_date + make_interval(months => n))::date AS d) due
        CROSS JOIN LATERAL (SELECT due.d < DATE '{TODAY}' - 60 OR (due.d < DATE '{TODAY}'
                                   AND p.buyer_id %% 19 <> 0) AS paid) state
        WHERE p.order_id BETWEEN %(lo)s AND %(hi)s""", batch=20_000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('marketplace_order', 'id'), "
                       "(SELECT max(id) FROM marketplace_order))")
        cursor.execute("ANALYZE")


def make_actors(sizes: dict, checkout_buyers: int) -> dict:
    """The accounts the scenarios use, made through the services."""
    from rest_framework.authtoken.models import Token

    from credit.services.applications import application_submit
    from credit.services.quotes import current_terms
    from marketplace.models import Category, Listing, Order, OrderLine
    from marketplace.services.accounts import user_register
    from marketplace.services.listings import listing_create
    from marketplace.services.orders import order_place
    from marketplace.services.shops import shop_open, shop_verify
    from tests.credit.conftest import make_id_number

    started = time.monotonic()
    staff = user_register(username="bench-staff", password="bench-pass-9", phone="+8613700000000")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    merchant = user_register(username="bench-merchant", password="bench-pass-9", phone="+8613700000001")
    shop = shop_open(actor=merchant, name="Bench checkout shop", description="Checkout benchmark.")
    shop_verify(actor=staff, shop=shop)
    category = Category.objects.get(slug="phones-audio")
    checkout_listings = [listing_create(actor=merchant, shop=shop, title=f"结账耳机 checkout {n}",
                                        description="For the checkout benchmark.", price=Decimal("60.00"),
                                        stock=1_000_000, category=category, installments_available=True)
                         for n in range(8)]
    terms = current_terms()
    consent = {"terms_version": terms["terms"].version, "privacy_version": terms["privacy"].version}
    tokens = []
    for n in range(checkout_buyers):
        user = user_register(username=f"bench-checkout-{n}", password="bench-pass-9", phone=f"+86136{n:08d}")
        application = application_submit(actor=user, real_name="张三", id_number=make_id_number(seq=n % 1000),
                                          phone=f"+86136{n:08d}", income_band="15k_30k", emergency_contacts=[],
                                          consent=consent)
        assert application.status == "approved", application.reasons
        tokens.append(Token.objects.create(user=user).key)
        bar("checkout", n + 1, checkout_buyers, started)
    # The heavy buyer: orders with lines, instalment plans (3, 6, 12) and after-sales cases.
    heavy = user_register(username="bench-heavy", password="bench-pass-9", phone="+8613700000002")
    application_submit(actor=heavy, real_name="王五", id_number=make_id_number(seq=999), phone="+8613700000002",
                       income_band="above_30k", emergency_contacts=[], consent=consent)
    for n in range(36):
        order_place(buyer=heavy, lines=[{"listing": checkout_listings[n % 8].pk, "quantity": 1}],
                    shipping_address={"name": "王五", "phone": "13912345678", "address": "北京市东城区 1 号"},
                    payment={"method": "installment", "installments": (3, 6, 12)[n % 3]}, context={})
    heavy_orders = list(Order.objects.filter(buyer=heavy).order_by("pk")[:24])
    with connection.cursor() as cursor:
        for order in heavy_orders:  # cases in many states, straight in the table (no workflow is benchmarked)
            line = OrderLine.objects.filter(order=order).first()
            cursor.execute("""
                INSERT INTO protection_aftersalescase (type, reason, description, claimed_amount, status,
                    rejection_reason, return_carrier, return_tracking_number, replacement_carrier,
                    replacement_tracking_number, escalated_by, escalated_from, escalation_reason, decision, at_fault,
                    ruling_note, deduction_amount, refunded_amount, created, updated, buyer_id, line_id, order_id,
                    shop_id, respond_by)
                VALUES ('refund_only', 'quality', 'Broken.', %s, 'requested', '', '', '', '', '', '', '', '', '', '',
                    '', 0, 0, now(), now(), %s, %s, %s, %s, now() + interval '2 days')""",
                           [line.line_amount, heavy.pk, line.pk, order.pk, order.shop_id])
    listing = Listing.objects.filter(status="active", shop__name__startswith="Bench shop").order_by("pk").first()
    return {
        "staff_token": Token.objects.create(user=staff).key,
        "heavy_token": Token.objects.create(user=heavy).key,
        "heavy_id": heavy.pk,
        "checkout_tokens": tokens,
        "checkout_listings": [item.pk for item in checkout_listings],
        "detail_listing": listing.pk,
        "search": {"q": "耳机", "category": "phones-audio"},
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--checkout-buyers", type=int, default=40)
    args = parser.parse_args()
    sizes = sizes_for(args.scale)
    timings: dict = {}
    started = time.monotonic()
    print(f"generating {json.dumps(sizes)}", file=sys.stderr)
    load_catalogue(sizes, timings)
    load_orders(sizes, timings)
    actors = make_actors(sizes, args.checkout_buyers)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE") if connection.get_autocommit() else cursor.execute("ANALYZE")
        counts = {}
        for table in ("marketplace_category", "marketplace_shop", "marketplace_listing", "marketplace_user",
                      "marketplace_order", "credit_installmentplan", "credit_installment",
                      "protection_aftersalescase"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    OUT.mkdir(exist_ok=True)
    fixture = {"scale": args.scale, "sizes": sizes, "counts": counts, "today": str(TODAY),
               "load_seconds": {k: round(v, 1) for k, v in timings.items()},
               "total_seconds": round(time.monotonic() - started, 1), **actors}
    (OUT / "fixture.json").write_text(json.dumps(fixture, indent=1))
    print(json.dumps({k: v for k, v in fixture.items() if k != "checkout_tokens"}, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
