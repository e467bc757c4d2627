"""The deadlines of the flow, each with its automatic outcome; run by beat jobs (protection/tasks.py).

| status               | deadline            | when it passes                                  |
| -------------------- | ------------------- | ----------------------------------------------- |
| requested            | respond_by (48 h)   | approved: refunds pay out, returns await goods  |
| awaiting_return      | return_ship_by (7 d)| closed: the buyer did not send the goods        |
| return_shipped       | return_confirm_by   | refunded: the merchant did not confirm in time  |
| awaiting_replacement | replacement_ship_by | refunded: the exchange failed                   |
| rejected             | escalate_by (7 d)   | closed: the buyer did not escalate              |

``return_confirm_by`` is the return's shipping time plus a delivery allowance (3 days)
plus the merchant's 7 days from delivery (see protection/policy.py).

Every sweep is idempotent and safe to run concurrently: each case is taken with
``select_for_update(skip_locked=True)`` and its status and deadline are checked again
under the lock, so each outcome (one refund, one message) happens exactly once.
"""
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from protection.models import AfterSalesCase, CaseStatus, Party
from protection.services.cases import case_accept
from protection.services.returns import return_received
from protection.services.transitions import case_transition

logger = logging.getLogger(__name__)
BATCH = 500


def _auto_approve(case):
    return case_accept(actor=None, case=case, party=Party.SYSTEM,
                       note=_("Approved automatically: the merchant did not respond in time."))


def _close_unshipped_return(case):
    return case_transition(actor=None, case=case, to=CaseStatus.CLOSED, party=Party.SYSTEM,
                           note=_("Closed: the return was not shipped in time."))


def _refund_unconfirmed_return(case):
    return return_received(actor=None, case=case, party=Party.SYSTEM,
                           note=_("Refunded automatically: the merchant did not confirm the return in time."))


def _refund_failed_exchange(case):
    from protection.services.refunds import case_pay_out

    return case_pay_out(actor=None, case=case, party=Party.SYSTEM,
                        note=_("Refunded automatically: the replacement was not shipped in time."))


def _close_unescalated(case):
    return case_transition(actor=None, case=case, to=CaseStatus.CLOSED, party=Party.SYSTEM,
                           note=_("Closed: nobody asked the platform to step in."))


SWEEPS = {
    "merchant_response": (CaseStatus.REQUESTED, "respond_by", _auto_approve),
    "return_shipping": (CaseStatus.AWAITING_RETURN, "return_ship_by", _close_unshipped_return),
    "return_confirmation": (CaseStatus.RETURN_SHIPPED, "return_confirm_by", _refund_unconfirmed_return),
    "replacement_shipping": (CaseStatus.AWAITING_REPLACEMENT, "replacement_ship_by", _refund_failed_exchange),
    "escalation_window": (CaseStatus.REJECTED, "escalate_by", _close_unescalated),
}


def sweep(name: str, *, now=None, progress=None) -> int:
    """Apply the automatic outcome to every case whose deadline ``name`` has passed; return how many.

    ``progress(name, cases looked at, cases due)`` is called as it goes (core.progress).
    """
    status, field, outcome = SWEEPS[name]
    now = now or timezone.now()
    due = {"status": status, f"{field}__lte": now}
    ids = list(AfterSalesCase.objects.filter(**due).order_by(field, "pk").values_list("pk", flat=True)[:BATCH])
    done = 0
    for number, pk in enumerate(ids):
        if progress:
            progress(name, number, len(ids))
        try:
            with transaction.atomic():
                # Another worker holding the row is already doing this case: skip it, don't wait.
                case = AfterSalesCase.objects.select_for_update(skip_locked=True).filter(pk=pk, **due).first()
                if case is None:
                    continue
                outcome(case)
                done += 1
        except DomainError as exc:
            # One case that cannot move (e.g. nothing left to refund) must not hold up the others.
            logger.error("after-sales deadline %s on case %s failed: %s (%s)", name, pk, exc, exc.code)
    if progress:
        progress(name, len(ids), len(ids))
    return done


def sweep_all(*, now=None, progress=None) -> dict:
    return {name: sweep(name, now=now, progress=progress) for name in SWEEPS}
