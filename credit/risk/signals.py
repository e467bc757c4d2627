"""The signals of SPEC §3, computed for one credit checkout in one indexed statement.

``gather`` reads what the rules need in one statement of scalar subqueries, each on an
index (plus, when the cache does not have them, the merchant's own latest orders); each
``signal_*`` function is pure: facts and its rule in, a fired Signal (with the counts
that made it fire, never personal data) or None out.
"""
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.db import prepared_cursor
from core.fields import decrypt
from credit.models import CheckoutFingerprint, CreditLine, CreditLineEvent, DeviceSighting
from credit.risk import identity
from credit.risk.rules import Config, Rule
from marketplace.models import Category, Listing, Order, OrderLine, User

CREDIT_METHOD = "installment"
PEER_SHARE_CACHE_SECONDS = 600
OWNER_CACHE_SECONDS = 3600
_APPROVAL_EVENTS = (CreditLineEvent.Kind.OPENED, CreditLineEvent.Kind.LIMIT_CHANGED, CreditLineEvent.Kind.REOPENED)


@dataclass(frozen=True)
class Signal:
    code: str
    weight: int
    facts: dict = field(default_factory=dict)


@dataclass
class Facts:
    """Everything the signals look at, gathered once per checkout."""

    now: datetime
    amount: Decimal
    device_hash: str = ""
    ip: str | None = None
    ip_public: bool = False
    phone_index: str = ""
    address_index: str = ""
    # buyer and merchant
    owner_phone_index: str = ""
    owner_last_order: int | None = None
    owner_device: bool = False
    owner_ip: bool = False
    owner_phone: bool = False
    owner_address: bool = False
    # other buyers of the shop
    ring_device_buyers: int = 0
    ring_address_buyers: int = 0
    # the buyer's line
    limit_amount: Decimal | None = None
    used_amount: Decimal | None = None
    approved_at: datetime | None = None
    # the shop and its peers
    shop_orders: int = 0
    shop_credit_orders: int = 0
    peer_share: Decimal | None = None
    # the buyer's history
    pair_credit_orders: int = 0
    pair_without_delivery: int = 0
    recent_credit_orders: int = 0
    virtual: bool = False


def _int_param(cfg: Config, code: str, name: str, default: int) -> int:
    rule = cfg.rules.get(code)
    return rule.param(name, int) if rule else default


def gather(order, context: dict, cfg: Config, now: datetime) -> Facts:
    """Everything the rules look at: one statement, and the cache (the peers' share, the merchant's own orders)."""
    context = context or {}
    ip, ip_public = identity.ip_info(context.get("ip"))
    facts = Facts(now=now, amount=order.total_amount, device_hash=identity.device_hash(context.get("device_id")),
                  ip=ip, ip_public=ip_public, phone_index=identity.phone_index(order.shipping_phone),
                  address_index=identity.address_index(order.shipping_address))
    _read_counts(facts, order, cfg)
    if "shared_phone" in cfg.rules or "shared_address" in cfg.rules:
        _read_owner_orders(facts, order, cfg)
    share = cfg.rules.get("merchant_credit_share")
    if share and facts.shop_orders >= share.param("min_orders", int):
        facts.peer_share = peer_credit_share(share.param("window_days", int))
    return facts


def _tables() -> dict:
    quote = connection.ops.quote_name
    models = {"user": User, "sighting": DeviceSighting, "fingerprint": CheckoutFingerprint, "line": CreditLine,
              "line_event": CreditLineEvent, "order": Order, "order_line": OrderLine, "listing": Listing,
              "category": Category}
    return {name: quote(model._meta.db_table) for name, model in models.items()}


def _read_counts(facts: Facts, order, cfg: Config) -> None:
    """One SELECT of scalar subqueries, each on an index: what the merchant, the shop's other buyers, the buyer's
    line and history say. Raw SQL because building fifteen ORM queries costs more than running them."""
    t = _tables()
    adapt = connection.ops.adapt_datetimefield_value
    now = facts.now

    def since(**delta):
        return adapt(now - timedelta(**delta))

    owner, buyer, shop = order.shop.owner_id, order.buyer_id, order.shop_id
    device = facts.device_hash or None  # NULL never equals anything: no device, no match
    # Loopback and private addresses are no signal; IPs are stored encrypted and compared by blind index.
    public_ip = (identity.ip_index(facts.ip) or None) if facts.ip_public else None
    device_days = _int_param(cfg, "shared_device", "lookback_days", 180)
    address_days = _int_param(cfg, "shared_address", "lookback_days", 180)
    quick_hours = cfg.rules["completed_without_tracking"].param("max_hours_to_receipt", float) \
        if "completed_without_tracking" in cfg.rules else 0.0
    if connection.vendor == "sqlite":
        quick, quick_param = "julianday(o.received_at) - julianday(o.shipped_at) <= %s", quick_hours / 24
    else:
        quick, quick_param = "o.received_at - o.shipped_at <= %s", timedelta(hours=quick_hours)
    parts = [
        ("u.phone_index", []),
        ("(SELECT MAX(o.id) FROM {order} o WHERE o.buyer_id = %s)", [owner]),
        # The merchant on this device or public IP: seen by the middleware, or checking out as a buyer.
        ("(EXISTS (SELECT 1 FROM {sighting} s WHERE s.user_id = %s AND s.device_hash = %s AND s.last_seen >= %s) "
         "OR EXISTS (SELECT 1 FROM {fingerprint} f WHERE f.buyer_id = %s AND f.device_hash = %s "
         "AND f.created >= %s))", [owner, device, since(days=device_days)] * 2),
        ("(EXISTS (SELECT 1 FROM {sighting} s WHERE s.user_id = %s AND s.ip_index = %s AND s.ip_public = %s "
         "AND s.last_seen >= %s) OR EXISTS (SELECT 1 FROM {fingerprint} f WHERE f.buyer_id = %s AND f.ip_index = %s "
         "AND f.ip_public = %s AND f.created >= %s))",
         [owner, public_ip, True, since(days=_int_param(cfg, "shared_ip", "lookback_days", 30))] * 2),
        ("(SELECT COUNT(DISTINCT f.buyer_id) FROM {fingerprint} f WHERE f.shop_id = %s AND f.device_hash = %s "
         "AND f.created >= %s AND f.buyer_id <> %s)", [shop, device, since(days=device_days), buyer]),
        ("(SELECT COUNT(DISTINCT f.buyer_id) FROM {fingerprint} f WHERE f.shop_id = %s "
         "AND f.address_index = %s AND f.created >= %s AND f.buyer_id <> %s)",
         [shop, facts.address_index or None, since(days=address_days), buyer]),
        ("l.limit_amount", []),
        ("l.used_amount", []),
        ("l.created", []),
        ("(SELECT MAX(e.created) FROM {line_event} e WHERE e.line_id = l.id AND e.kind IN (%s, %s, %s))",
         list(_APPROVAL_EVENTS)),
        ("(SELECT COUNT(*) FROM {order} o WHERE o.shop_id = %s AND o.created >= %s)",
         [shop, since(days=_int_param(cfg, "merchant_credit_share", "window_days", 30))]),
        ("(SELECT COUNT(*) FROM {order} o WHERE o.shop_id = %s AND o.created >= %s AND o.payment_method = %s)",
         [shop, since(days=_int_param(cfg, "merchant_credit_share", "window_days", 30)), CREDIT_METHOD]),
        ("(SELECT COUNT(*) FROM {order} o WHERE o.buyer_id = %s AND o.shop_id = %s AND o.id <> %s "
         "AND o.payment_method = %s AND o.created >= %s)",
         [buyer, shop, order.pk, CREDIT_METHOD, since(days=_int_param(cfg, "repeated_pair", "window_days", 30))]),
        ("(SELECT COUNT(*) FROM {order} o WHERE o.buyer_id = %s AND o.shop_id = %s AND o.id <> %s "
         "AND o.created >= %s AND o.received_at IS NOT NULL "
         "AND (TRIM(o.tracking_number) = '' OR o.shipped_at IS NULL OR {quick}))",
         [buyer, shop, order.pk, since(days=_int_param(cfg, "completed_without_tracking", "window_days", 180)),
          quick_param]),
        ("(SELECT COUNT(*) FROM {order} o WHERE o.buyer_id = %s AND o.payment_method = %s "
         "AND o.created >= %s)",
         [buyer, CREDIT_METHOD, since(minutes=_int_param(cfg, "late_night_burst", "window_minutes", 60))]),
        ("EXISTS (SELECT 1 FROM {order_line} ol JOIN {listing} li ON li.id = ol.listing_id "
         "JOIN {category} c ON c.id = li.category_id WHERE ol.order_id = %s AND c.is_virtual = %s)",
         [order.pk, True]),
    ]
    # The merchant's account row and the buyer's line row are joined once; everything else is a subquery.
    # Table names come from the models' _meta; every value is a parameter.
    columns = ", ".join(fragment for fragment, _params in parts)
    joins = " FROM (SELECT 1 AS one) base LEFT JOIN {user} u ON u.id = %s LEFT JOIN {line} l ON l.user_id = %s"
    sql = "SELECT " + (columns + joins).format(**t, quick=quick)
    with prepared_cursor() as cursor:  # planned once per connection: planning cost five times the execution
        cursor.execute(sql, [param for _fragment, params in parts for param in params] + [owner, buyer])
        row = cursor.fetchone()
    (owner_phone_index, owner_last_order, owner_device, owner_ip, ring_devices, ring_addresses, limit, used,
     line_created, approved, shop_orders, shop_credit, pair_credit, pair_quick, recent_credit, virtual) = row
    facts.owner_phone_index, facts.owner_last_order = owner_phone_index or "", owner_last_order
    facts.owner_device, facts.owner_ip = bool(device and owner_device), bool(public_ip and owner_ip)
    facts.ring_device_buyers, facts.ring_address_buyers = ring_devices or 0, ring_addresses or 0
    if limit is not None:
        facts.limit_amount, facts.used_amount = _decimal(limit), _decimal(used)
        facts.approved_at = max(x for x in (_datetime(line_created), _datetime(approved)) if x is not None)
    facts.shop_orders, facts.shop_credit_orders = shop_orders, shop_credit
    facts.pair_credit_orders, facts.pair_without_delivery = pair_credit, pair_quick
    facts.recent_credit_orders, facts.virtual = recent_credit, bool(virtual)


def _owner_identities(owner_id, last_order_id, limit: int) -> tuple[frozenset, frozenset]:
    """Blind indexes of the phones and addresses of the merchant's own latest orders.

    Decrypting them costs more than everything else together, so they are cached (as
    blind indexes, never in clear) under the merchant's latest order: a new order of
    theirs is a new key, so the cache is never stale.
    """
    key = f"credit:risk:owner:{owner_id}:{last_order_id}:{limit}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    template = "SELECT o.shipping_phone, o.shipping_address FROM {order} o WHERE o.buyer_id = %s " \
               "ORDER BY o.created DESC LIMIT %s"
    sql = template.format(**_tables())  # the table name from _meta; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [owner_id, limit])
        rows = list(cursor)
    phones = frozenset(identity.phone_index(decrypt(phone)) for phone, _address in rows if phone) - {""}
    addresses = frozenset(identity.address_index(decrypt(address)) for _phone, address in rows if address) - {""}
    cache.set(key, (phones, addresses), OWNER_CACHE_SECONDS)
    return phones, addresses


def _read_owner_orders(facts: Facts, order, cfg: Config) -> None:
    """Does the buyer use the merchant's phone, or a phone or address the merchant ships their own orders to?"""
    from marketplace.models import phone_index as account_phone_index

    phones, addresses = frozenset(), frozenset()
    if facts.owner_last_order is not None:
        phones, addresses = _owner_identities(order.shop.owner_id, facts.owner_last_order,
                                              _int_param(cfg, "shared_address", "owner_orders", 10))
    if "shared_phone" in cfg.rules:
        mine = {identity.e164(order.shipping_phone), identity.e164(getattr(order.buyer, "phone", ""))} - {""}
        facts.owner_phone = bool({identity.phone_index(p) for p in mine} & phones) or bool(
            facts.owner_phone_index and any(account_phone_index(p) == facts.owner_phone_index for p in mine))
    if "shared_address" in cfg.rules:
        facts.owner_address = bool(facts.address_index) and facts.address_index in addresses


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _datetime(value):
    if value is None or isinstance(value, datetime):
        return value if value is None or timezone.is_aware(value) else timezone.make_aware(value, UTC)
    parsed = parse_datetime(str(value))  # SQLite hands back text
    return timezone.make_aware(parsed, UTC) if timezone.is_naive(parsed) else parsed


def peer_credit_share(window_days: int) -> Decimal | None:
    """The platform-wide share of orders paid with credit (cached: it moves slowly)."""
    key = f"credit:risk:peer_share:{window_days}"
    share = cache.get(key)
    if share is None:
        since = timezone.now() - timedelta(days=window_days)
        totals = Order.objects.filter(created__gte=since).aggregate(
            total=Count("pk"), credit=Count("pk", filter=Q(payment_method=CREDIT_METHOD)))
        share = Decimal(totals["credit"]) / totals["total"] if totals["total"] else Decimal(0)
        cache.set(key, share, PEER_SHARE_CACHE_SECONDS)
    return share


def _is_night(now: datetime, rule: Rule) -> bool:
    hour = timezone.localtime(now).hour
    start, end = rule.param("start_hour", int), rule.param("end_hour", int)
    return start <= hour < end if start <= end else (hour >= start or hour < end)


# --- the signals -----------------------------------------------------------------------------------


def signal_shared_device(f: Facts, rule: Rule) -> Signal | None:
    if f.owner_device or f.ring_device_buyers:
        return Signal(rule.code, rule.weight, {"merchant": f.owner_device, "other_buyers": f.ring_device_buyers})
    return None


def signal_shared_ip(f: Facts, rule: Rule) -> Signal | None:
    if f.ip_public and f.owner_ip:  # an address that is not public is never a signal
        return Signal(rule.code, rule.weight, {"merchant": True})
    return None


def signal_shared_phone(f: Facts, rule: Rule) -> Signal | None:
    return Signal(rule.code, rule.weight, {"merchant": True}) if f.owner_phone else None


def signal_shared_address(f: Facts, rule: Rule) -> Signal | None:
    if f.owner_address or f.ring_address_buyers:
        return Signal(rule.code, rule.weight, {"merchant": f.owner_address, "other_buyers": f.ring_address_buyers})
    return None


def signal_limit_after_approval(f: Facts, rule: Rule) -> Signal | None:
    if not f.limit_amount or f.approved_at is None:
        return None
    hours = (f.now - f.approved_at).total_seconds() / 3600
    utilisation = f.used_amount / f.limit_amount
    if hours <= rule.param("within_hours", float) and utilisation >= rule.param("min_utilisation", Decimal):
        return Signal(rule.code, rule.weight, {"hours_since_approval": round(hours, 1),
                                               "utilisation": str(utilisation.quantize(Decimal("0.01")))})
    return None


def signal_merchant_credit_share(f: Facts, rule: Rule) -> Signal | None:
    if f.peer_share is None or f.shop_orders < rule.param("min_orders", int):
        return None
    share = Decimal(f.shop_credit_orders) / f.shop_orders
    if share >= rule.param("min_share", Decimal) and share >= f.peer_share * rule.param("peer_multiple", Decimal):
        return Signal(rule.code, rule.weight, {"shop_share": str(share.quantize(Decimal("0.01"))),
                                               "peer_share": str(f.peer_share.quantize(Decimal("0.01"))),
                                               "shop_orders": f.shop_orders})
    return None


def signal_round_amount(f: Facts, rule: Rule) -> Signal | None:
    multiple = rule.param("multiple_of", Decimal)
    if f.amount >= rule.param("min_amount", Decimal) and multiple > 0 and f.amount % multiple == 0:
        return Signal(rule.code, rule.weight, {"amount": str(f.amount)})
    return None


def signal_late_night_burst(f: Facts, rule: Rule) -> Signal | None:
    if _is_night(f.now, rule) and f.recent_credit_orders >= rule.param("min_orders", int):
        return Signal(rule.code, rule.weight, {"orders_in_window": f.recent_credit_orders,
                                               "local_hour": timezone.localtime(f.now).hour})
    return None


def signal_repeated_pair(f: Facts, rule: Rule) -> Signal | None:
    total = f.pair_credit_orders + 1  # this one included
    if total >= rule.param("min_orders", int):
        return Signal(rule.code, rule.weight, {"credit_orders": total, "window_days": rule.param("window_days", int)})
    return None


def signal_virtual_goods(f: Facts, rule: Rule) -> Signal | None:
    return Signal(rule.code, rule.weight) if f.virtual else None


def signal_completed_without_tracking(f: Facts, rule: Rule) -> Signal | None:
    if f.pair_without_delivery:
        return Signal(rule.code, rule.weight, {"orders": f.pair_without_delivery})
    return None


SIGNALS = {
    "shared_device": signal_shared_device,
    "shared_ip": signal_shared_ip,
    "shared_phone": signal_shared_phone,
    "shared_address": signal_shared_address,
    "limit_after_approval": signal_limit_after_approval,
    "merchant_credit_share": signal_merchant_credit_share,
    "round_amount": signal_round_amount,
    "late_night_burst": signal_late_night_burst,
    "repeated_pair": signal_repeated_pair,
    "virtual_goods": signal_virtual_goods,
    "completed_without_tracking": signal_completed_without_tracking,
}


def evaluate(facts: Facts, cfg: Config) -> list[Signal]:
    """The signals that fired, strongest first."""
    fired = [signal for code, rule in cfg.rules.items() if rule.weight > 0
             and (signal := SIGNALS[code](facts, rule)) is not None]
    return sorted(fired, key=lambda s: (-s.weight, s.code))
