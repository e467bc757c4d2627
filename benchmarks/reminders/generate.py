"""Data for the reminder-sweep benchmark, written with PostgreSQL COPY (not through the services: far too slow
for a million rows, and the sweep only reads the tables).

Shape, for ``instalments`` rows and ``window`` of them due a reminder at ``as_of``:

* plans of 6 instalments; 3 plans per buyer; one credit line per buyer; one shop;
* every 10th instalment (``window / instalments`` of them, 100,000 of 1,000,000) falls on one of the
  six reminder days of ``as_of`` — due in 3 days, in 1 day, today (scheduled), or 1, 3, 7 days
  overdue (overdue, clock = due date) — in equal shares;
* the others are spread evenly over the other days from 180 days before to 180 days after ``as_of``:
  before ``as_of`` paid, from ``as_of`` on scheduled;
* preferences: 10 % of buyers without e-mail reminders, 10 % without SMS, 20 % in English;
  the rest keep the defaults (no preference row at all for half of them, as in real life).

Rows not mentioned get the model's defaults, read from ``_meta`` so new columns need no change here.
"""
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

PLAN_SIZE = 6
PLANS_PER_BUYER = 3
OFFSETS = (-3, -1, 0, 1, 3, 7)
SPREAD_DAYS = 180


class Progress:
    """A plain-text progress bar on stderr."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.started = label, total, 0, time.monotonic()
        self.last = 0.0

    def add(self, count: int):
        self.done += count
        now = time.monotonic()
        if now - self.last > 0.5 or self.done >= self.total:
            self.last = now
            width = 30
            filled = int(width * self.done / max(1, self.total))
            rate = self.done / max(1e-9, now - self.started)
            sys.stderr.write(f"\r  {self.label:<14} [{'#' * filled}{'.' * (width - filled)}] "
                             f"{self.done:>10,}/{self.total:,} {rate:>10,.0f}/s")
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def _columns(model, given: list[str]) -> tuple[list[str], tuple]:
    """Columns to COPY: the ``given`` ones, then every other concrete column with its default."""
    now = timezone.now()
    rest, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in given:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.has_default():
            value = field.get_default()
        elif field.null:
            value = None
        else:
            raise ValueError(f"{model.__name__}.{field.name} has no default: give it")
        rest.append(field.column)
        values.append(field.get_db_prep_save(value, connection))
    return given + rest, tuple(values)


def copy(model, given: list[str], rows, *, total: int, label: str) -> None:
    columns, constant = _columns(model, given)
    table = connection.ops.quote_name(model._meta.db_table)
    progress = Progress(label, total)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as out:
            batch = 0
            for row in rows:
                out.write_row(row + constant)
                batch += 1
                if batch == 20_000:
                    progress.add(batch)
                    batch = 0
            progress.add(batch)


def _max_id(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def window_dates(as_of: date) -> list[date]:
    """The due date (before/on) or clock date (overdue) of each reminder kind on ``as_of``."""
    return [as_of - timedelta(days=offset) for offset in OFFSETS]


def generate(*, instalments: int, window: int, as_of: date) -> dict:
    from core.models import NotificationPreference
    from credit.models import CreditLine, Installment, InstallmentPlan
    from marketplace.models import Order, Shop, User

    every = instalments // window
    assert every * window == instalments, "window must divide instalments"
    plans = -(-instalments // PLAN_SIZE)  # the last plan may have fewer instalments
    buyers = -(-plans // PLANS_PER_BUYER)
    started = time.monotonic()
    token = User._meta.get_field("phone").get_db_prep_save("+8613900000000", connection)
    stamp = timezone.now()

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")

    # One merchant with one shop.
    copy(User, ["username", "password", "first_name", "last_name", "email"],
         [("bench-merchant", "!", "", "", "merchant@bench.example")], total=1, label="merchant")
    merchant_id = _max_id(User)
    copy(Shop, ["owner_id", "name", "description"], [(merchant_id, "Bench shop", "")], total=1, label="shop")
    shop_id = _max_id(Shop)

    first_user = _max_id(User) + 1
    copy(User, ["username", "password", "first_name", "last_name", "email", "phone", "phone_index", "date_joined"],
         ((f"bench{n}", "!", "", "", f"bench{n}@bench.example", token, f"bench-phone-{n:012d}", stamp)
          for n in range(buyers)), total=buyers, label="buyers")

    def preference(n):
        kind = n % 20
        if kind in (0, 1):
            return (first_user + n, False, True, "zh-hans")  # no e-mail
        if kind in (2, 3):
            return (first_user + n, True, False, "zh-hans")  # no SMS
        if kind in (4, 5, 6, 7):
            return (first_user + n, True, True, "en")
        if kind < 14:
            return (first_user + n, True, True, "zh-hans")  # an explicit row with the defaults
        return None  # no row: defaults

    prefs = [row for row in map(preference, range(buyers)) if row]
    copy(NotificationPreference, ["user_id", "email", "sms", "language"], iter(prefs), total=len(prefs),
         label="preferences")

    first_line = _max_id(CreditLine) + 1
    copy(CreditLine, ["user_id", "limit_amount", "used_amount"],
         ((first_user + n, Decimal("20000.00"), Decimal("3000.00")) for n in range(buyers)), total=buyers,
         label="credit lines")

    first_order = _max_id(Order) + 1
    shipping = Order._meta.get_field("shipping_name").get_db_prep_save("bench", connection)
    copy(Order, ["buyer_id", "shop_id", "status", "total_amount", "payment_method", "installments",
                 "shipping_name", "shipping_phone", "shipping_address", "carrier", "tracking_number"],
         ((first_user + p // PLANS_PER_BUYER, shop_id, "paid", Decimal("1000.00"), "installment", PLAN_SIZE,
           shipping, shipping, shipping, "", "") for p in range(plans)), total=plans, label="orders")

    first_plan = _max_id(InstallmentPlan) + 1
    copy(InstallmentPlan, ["order_id", "buyer_id", "line_id", "count", "fee_rate", "original_principal_amount",
                           "principal_amount", "fee_amount", "apr", "purchase_date"],
         ((first_order + p, first_user + p // PLANS_PER_BUYER, first_line + p // PLANS_PER_BUYER, PLAN_SIZE,
           Decimal("0.0450"), Decimal("1000.00"), Decimal("1000.00"), Decimal("45.00"), Decimal("16.12"),
           as_of - timedelta(days=SPREAD_DAYS)) for p in range(plans)), total=plans, label="plans")

    special = window_dates(as_of)
    ordinary = [as_of + timedelta(days=d) for d in range(-SPREAD_DAYS, SPREAD_DAYS + 1)
                if as_of + timedelta(days=d) not in special]

    def instalment(i: int):
        plan = first_plan + i // PLAN_SIZE
        number = i % PLAN_SIZE + 1
        if i % every == 0:
            k = (i // every) % len(OFFSETS)
            day = special[k]
            status = "scheduled" if OFFSETS[k] <= 0 else "overdue"
        else:
            day = ordinary[(i * 7919) % len(ordinary)]
            status = "paid" if day < as_of else "scheduled"
        paid = status == "paid"
        return (plan, number, day, day, Decimal("166.67"), Decimal("7.50"), status,
                Decimal("166.67") if paid else Decimal("0.00"), Decimal("7.50") if paid else Decimal("0.00"))

    copy(Installment, ["plan_id", "number", "due_date", "clock_date", "principal_amount", "fee_amount", "status",
                       "paid_principal_amount", "paid_fee_amount"],
         map(instalment, range(instalments)), total=instalments, label="instalments")

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO ON")
    return {"instalments": instalments, "window": window, "plans": plans, "buyers": buyers,
            "seconds": round(time.monotonic() - started, 1)}


def as_of_moment(day: date) -> datetime:
    from credit.reminders import conf

    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=conf.time_zone())
