"""The signals of SPEC §3, computed for one credit checkout with a handful of indexed queries.

``gather`` reads what the rules need (each query only when a rule that needs it is
enabled); each ``signal_*`` function is pure: facts and its rule in, a fired Signal
(with the counts that made it fire, never personal data) or None out.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.utils import timezone

from credit.models import CheckoutFingerprint, CreditLine, CreditLineEvent, DeviceSighting
from credit.risk import identity
from credit.risk.rules import Config, Rule
from marketplace.models import Order, OrderLine, User

CREDIT_METHOD = "installment"
PEER_SHARE_CACHE_SECONDS = 600
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


def _enabled(cfg: Config, *codes) -> bool:
    return any(code in cfg.rules for code in codes)


def _since(cfg: Config, code: str, now, name="lookback_days"):
    return now - timedelta(days=int(cfg.rules[code].param(name)))


def gather(order, context: dict, cfg: Config, now: datetime) -> Facts:
    context = context or {}
    shop, buyer = order.shop, order.buyer
    ip, ip_public = identity.ip_info(context.get("ip"))
    facts = Facts(now=now, amount=order.total_amount, device_hash=identity.device_hash(context.get("device_id")),
                  ip=ip, ip_public=ip_public, phone_index=identity.phone_index(order.shipping_phone),
                  address_index=identity.address_index(order.shipping_address))
    _gather_owner(facts, order, shop, buyer, cfg)
    _gather_ring(facts, shop, buyer, cfg)
    if _enabled(cfg, "limit_after_approval"):
        _gather_line(facts, buyer)
    if _enabled(cfg, "merchant_credit_share"):
        _gather_share(facts, shop, cfg)
    if _enabled(cfg, "repeated_pair", "completed_without_tracking"):
        _gather_pair(facts, order, cfg)
    if _enabled(cfg, "virtual_goods"):
        facts.virtual = OrderLine.objects.filter(order=order, listing__category__is_virtual=True).exists()
    if _enabled(cfg, "late_night_burst") and _is_night(now, cfg.rules["late_night_burst"]):
        rule = cfg.rules["late_night_burst"]
        facts.recent_credit_orders = Order.objects.filter(
            buyer_id=buyer.pk, payment_method=CREDIT_METHOD,
            created__gte=now - timedelta(minutes=int(rule.param("window_minutes")))).count()
    return facts


def _gather_owner(facts: Facts, order, shop, buyer, cfg: Config) -> None:
    """Does the buyer share a device, public IP, phone or address with the shop's owner?"""
    owner_id = shop.owner_id
    if _enabled(cfg, "shared_phone", "shared_address"):
        owner_phone_index = User.objects.filter(pk=owner_id).values_list("phone_index", flat=True).first()
        # The merchant's own purchases say where they live and which phone they use.
        limit = int(cfg.rules["shared_address"].param("owner_orders")) if "shared_address" in cfg.rules else 10
        owner_orders = list(Order.objects.filter(buyer_id=owner_id).order_by("-created")
                            .values_list("shipping_phone", "shipping_address")[:limit])
        if "shared_phone" in cfg.rules:
            from marketplace.models import phone_index as account_phone_index

            mine = {identity.e164(order.shipping_phone), identity.e164(getattr(buyer, "phone", ""))} - {""}
            theirs = {identity.e164(phone) for phone, _address in owner_orders} - {""}
            facts.owner_phone = bool(mine & theirs) or bool(
                owner_phone_index and any(account_phone_index(p) == owner_phone_index for p in mine))
        if "shared_address" in cfg.rules:
            mine = identity.normalize_address(order.shipping_address)
            facts.owner_address = bool(mine) and any(
                identity.normalize_address(address) == mine for _phone, address in owner_orders)
    wants_device = facts.device_hash and "shared_device" in cfg.rules
    wants_ip = facts.ip_public and "shared_ip" in cfg.rules
    if wants_device or wants_ip:
        seen = Q()
        if wants_device:
            seen |= Q(device_hash=facts.device_hash, last_seen__gte=_since(cfg, "shared_device", facts.now))
        if wants_ip:
            seen |= Q(ip=facts.ip, ip_public=True, last_seen__gte=_since(cfg, "shared_ip", facts.now))
        for device, ip in DeviceSighting.objects.filter(seen, user_id=owner_id).values_list("device_hash", "ip")[:20]:
            facts.owner_device |= bool(wants_device and device == facts.device_hash)
            facts.owner_ip |= bool(wants_ip and ip == facts.ip)


def _gather_ring(facts: Facts, shop, buyer, cfg: Config) -> None:
    """Other buyers of this shop who checked out on the same device or to the same address."""
    wanted = Q()
    if facts.device_hash and "shared_device" in cfg.rules:
        wanted |= Q(device_hash=facts.device_hash, created__gte=_since(cfg, "shared_device", facts.now))
    if facts.address_index and "shared_address" in cfg.rules:
        wanted |= Q(address_index=facts.address_index, created__gte=_since(cfg, "shared_address", facts.now))
    if not wanted:
        return
    rows = (CheckoutFingerprint.objects.filter(wanted, shop_id=shop.pk).exclude(buyer_id=buyer.pk)
            .values_list("buyer_id", "device_hash", "address_index")[:100])
    devices, addresses = set(), set()
    for buyer_id, device, address in rows:
        if facts.device_hash and device == facts.device_hash:
            devices.add(buyer_id)
        if facts.address_index and address == facts.address_index:
            addresses.add(buyer_id)
    facts.ring_device_buyers, facts.ring_address_buyers = len(devices), len(addresses)


def _gather_line(facts: Facts, buyer) -> None:
    row = (CreditLine.objects.filter(user_id=buyer.pk)
           .annotate(approved=Max("events__created", filter=Q(events__kind__in=_APPROVAL_EVENTS)))
           .values_list("limit_amount", "used_amount", "created", "approved").first())
    if row:
        facts.limit_amount, facts.used_amount = row[0], row[1]
        facts.approved_at = max(t for t in (row[2], row[3]) if t is not None)


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


def _gather_share(facts: Facts, shop, cfg: Config) -> None:
    window = int(cfg.rules["merchant_credit_share"].param("window_days"))
    totals = Order.objects.filter(shop_id=shop.pk, created__gte=facts.now - timedelta(days=window)).aggregate(
        total=Count("pk"), credit=Count("pk", filter=Q(payment_method=CREDIT_METHOD)))
    facts.shop_orders, facts.shop_credit_orders = totals["total"], totals["credit"]
    if facts.shop_orders >= int(cfg.rules["merchant_credit_share"].param("min_orders")):
        facts.peer_share = peer_credit_share(window)


def _gather_pair(facts: Facts, order, cfg: Config) -> None:
    days = max(int(cfg.rules[code].param("window_days")) for code in ("repeated_pair", "completed_without_tracking")
               if code in cfg.rules)
    rows = (Order.objects.filter(buyer_id=order.buyer_id, shop_id=order.shop_id,
                                 created__gte=facts.now - timedelta(days=days)).exclude(pk=order.pk)
            .order_by("-created")
            .values_list("payment_method", "created", "shipped_at", "received_at", "tracking_number")[:200])
    repeat = cfg.rules.get("repeated_pair")
    quick = cfg.rules.get("completed_without_tracking")
    for method, created, shipped_at, received_at, tracking in rows:
        if repeat and method == CREDIT_METHOD and created >= facts.now - timedelta(
                days=int(repeat.param("window_days"))):
            facts.pair_credit_orders += 1
        if quick and received_at is not None and created >= facts.now - timedelta(
                days=int(quick.param("window_days"))):
            fast = shipped_at is not None and received_at - shipped_at <= timedelta(
                hours=float(quick.param("max_hours_to_receipt")))
            if not (tracking or "").strip() or fast:
                facts.pair_without_delivery += 1


def _is_night(now: datetime, rule: Rule) -> bool:
    hour = timezone.localtime(now).hour
    start, end = int(rule.param("start_hour")), int(rule.param("end_hour"))
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
    if hours <= float(rule.param("within_hours")) and utilisation >= rule.param("min_utilisation", Decimal):
        return Signal(rule.code, rule.weight, {"hours_since_approval": round(hours, 1),
                                               "utilisation": str(utilisation.quantize(Decimal("0.01")))})
    return None


def signal_merchant_credit_share(f: Facts, rule: Rule) -> Signal | None:
    if f.peer_share is None or f.shop_orders < int(rule.param("min_orders")):
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
    if _is_night(f.now, rule) and f.recent_credit_orders >= int(rule.param("min_orders")):
        return Signal(rule.code, rule.weight, {"orders_in_window": f.recent_credit_orders,
                                               "local_hour": timezone.localtime(f.now).hour})
    return None


def signal_repeated_pair(f: Facts, rule: Rule) -> Signal | None:
    total = f.pair_credit_orders + 1  # this one included
    if total >= int(rule.param("min_orders")):
        return Signal(rule.code, rule.weight, {"credit_orders": total, "window_days": int(rule.param("window_days"))})
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
