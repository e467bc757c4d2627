"""Scoring one credit checkout: gather the signals, add up their weights, decide, and keep the reasons.

A decision other than accept needs both the score and a number of distinct signals
(at least two to hold), so no single signal ever holds an order, however it is tuned.

An accepted or held checkout is recorded in the placement's transaction: its assessment
and its fingerprint (which also stands as the buyer's device sighting). A rejected one
undoes the placement, so its assessment is kept aside and written once the transaction
is over: by the risk middleware after the response, or by whoever calls
``rejections_flush()`` outside a transaction.
"""
import logging
import threading
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from credit.models import CheckoutFingerprint, DeviceSighting, RiskAssessment
from credit.risk import identity, rules, signals

logger = logging.getLogger("credit.risk")

ACCEPT, HOLD, REJECT = "accept", "hold", "reject"
MAX_SCORE = 999
MAX_PENDING = 100


@dataclass(frozen=True)
class Decision:
    outcome: str = ACCEPT
    score: int = 0
    reasons: list[str] = field(default_factory=list)


def decide(fired: list[signals.Signal], cfg: rules.Config) -> Decision:
    score = min(MAX_SCORE, sum(s.weight for s in fired))
    reasons = [s.code for s in fired]
    if score >= cfg.reject_score and len(fired) >= cfg.min_signals_to_reject:
        return Decision(REJECT, score, reasons)
    if score >= cfg.hold_score and len(fired) >= cfg.min_signals_to_hold:
        return Decision(HOLD, score, reasons)
    return Decision(ACCEPT, score, reasons)


def score_checkout(order, context: dict | None) -> Decision:
    """Score ``order`` (placed, lines created, credit drawn) with the request ``context`` (ip, device_id)."""
    cfg = rules.config()
    now = timezone.now()
    facts = signals.gather(order, context or {}, cfg, now)
    fired = signals.evaluate(facts, cfg)
    decision = decide(fired, cfg)
    assessment = {
        "buyer_id": order.buyer_id, "shop_id": order.shop_id, "amount": order.total_amount,
        "score": decision.score, "outcome": decision.outcome, "reasons": decision.reasons,
        "signals": [{"code": s.code, "weight": s.weight, "facts": s.facts} for s in fired],
        "hold_score": cfg.hold_score, "reject_score": cfg.reject_score,
    }
    if decision.outcome == REJECT:
        _pending_add(assessment)
        logger.info("credit checkout rejected for cash-out risk: buyer %s shop %s score %s reasons %s",
                    order.buyer_id, order.shop_id, decision.score, decision.reasons)
        return decision
    RiskAssessment.objects.create(order=order, **assessment)
    CheckoutFingerprint.objects.create(order=order, buyer_id=order.buyer_id, shop_id=order.shop_id,
                                       device_hash=facts.device_hash, ip=facts.ip or "",
                                       ip_index=identity.ip_index(facts.ip), ip_public=facts.ip_public,
                                       phone_index=facts.phone_index, address_index=facts.address_index)
    return decision


def sighting_record(*, user_id, device_hash: str, ip: str | None, ip_public: bool, now=None) -> None:
    """Note that ``user_id`` used this device from this IP (one row per combination, last_seen moved on).

    Idempotent: recording the same sighting again, or an older one late, changes nothing.
    """
    if not device_hash and not ip:
        return
    now = now or timezone.now()
    ip = ip or ""
    ip_index = identity.ip_index(ip)  # the address is stored encrypted: rows are found by its blind index
    rows = DeviceSighting.objects.filter(user_id=user_id, device_hash=device_hash, ip_index=ip_index)
    if rows.filter(last_seen__lt=now).update(last_seen=now) or rows.exists():
        return
    try:
        with transaction.atomic():
            DeviceSighting.objects.create(user_id=user_id, device_hash=device_hash, ip=ip, ip_index=ip_index,
                                          ip_public=ip_public, last_seen=now)
    except IntegrityError:  # a concurrent task recorded it first (or the account is gone)
        rows.filter(last_seen__lt=now).update(last_seen=now)


# --- rejected checkouts, written after their transaction is undone ---------------------------------

_local = threading.local()


def _pending() -> list:
    if not hasattr(_local, "rejections"):
        _local.rejections = []
    return _local.rejections


def _pending_add(assessment: dict) -> None:
    pending = _pending()
    if len(pending) >= MAX_PENDING:  # nobody flushes in this thread: keep the newest
        del pending[0]
    pending.append(assessment)


def _inside_transaction() -> bool:
    """In an atomic block of the application (a test case's own wrapping block does not count)."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def rejections_flush() -> int:
    """Write the rejected checkouts' assessments kept aside; returns how many. Does nothing inside a transaction."""
    pending = _pending()
    if not pending or _inside_transaction():
        return 0
    rows, pending[:] = list(pending), []
    written = 0
    for row in rows:
        try:
            with transaction.atomic():
                RiskAssessment.objects.create(order=None, **row)
            written += 1
        except IntegrityError:  # e.g. the buyer was created in the undone transaction
            logger.warning("could not record a rejected checkout of buyer %s", row.get("buyer_id"))
    return written


def rejections_discard() -> None:
    _pending().clear()
