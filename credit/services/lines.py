"""Credit lines: opening, freezing, unfreezing, limit changes, closing — each audited — and the draw at checkout."""
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.money import quantize
from core.privacy import audit
from credit import errors
from credit.models import CreditEvent, CreditLine, CreditLineEvent, Installment, LineStatus
from credit.services import permissions
from credit.services.transitions import transition


def line_lock(line_id: int) -> CreditLine:
    return CreditLine.objects.select_for_update(of=("self",)).get(pk=line_id)


def _event(line, *, actor, reason, **fields):
    return line.events.create(actor=actor if getattr(actor, "pk", None) else None, reason=(reason or "")[:500],
                              **fields)


def credit_line_open(*, actor, user, limit: Decimal, application=None, reason: str = "") -> CreditLine:
    """Give ``user`` a line of ``limit`` (or reopen and re-limit their closed one). Caller holds a transaction."""
    limit = quantize(limit)
    line = CreditLine.objects.select_for_update().filter(user=user).first()
    if line is None:
        line = CreditLine.objects.create(user=user, limit_amount=limit, application=application)
        _event(line, actor=actor, reason=reason, kind=CreditLineEvent.Kind.OPENED, new_status=line.status,
               new_limit_amount=limit)
        return line
    if line.status == LineStatus.CLOSED:
        transition(line, to=LineStatus.ACTIVE, actor=actor, reason=reason,
                   history=lambda **h: _event(line, kind=CreditLineEvent.Kind.REOPENED, **h))
    if line.limit_amount != limit:
        _set_limit(line, limit, actor=actor, reason=reason)
    line.application = application
    line.save(update_fields=["application"])
    return line


def _set_limit(line: CreditLine, limit: Decimal, *, actor, reason: str) -> None:
    if limit < line.used_amount:
        raise DomainError(errors.LIMIT_BELOW_USED,
                          _("The limit cannot be lower than what is in use (%(used)s).") % {"used": line.used_amount},
                          fields={"limit": [_("At least %(used)s.") % {"used": line.used_amount}]})
    old = line.limit_amount
    line.limit_amount = limit
    line.save(update_fields=["limit_amount", "modified"])
    _event(line, actor=actor, reason=reason, kind=CreditLineEvent.Kind.LIMIT_CHANGED, old_limit_amount=old,
           new_limit_amount=limit)


@transaction.atomic
def credit_line_set_limit(*, actor, line: CreditLine, limit: Decimal, reason: str = "") -> CreditLine:
    permissions.require(actor, permissions.CHANGE_LIMIT)
    line = line_lock(line.pk)
    old = line.limit_amount
    _set_limit(line, quantize(limit), actor=actor, reason=reason)
    audit(actor=actor, action="credit_line_limit", target=line, reason=reason, old=str(old), new=str(limit))
    return line


def _freeze(line: CreditLine, *, actor, reason_code: str, reason: str) -> None:
    line.frozen_reason = reason_code
    transition(line, to=LineStatus.FROZEN, actor=actor, reason=reason, extra_fields=("frozen_reason", "modified"),
               history=lambda **h: _event(line, kind=CreditLineEvent.Kind.FROZEN, **h))
    CreditEvent.objects.create(user_id=line.user_id, kind=CreditEvent.Kind.FROZEN, detail={"reason": reason_code})


def _unfreeze(line: CreditLine, *, actor, reason: str) -> None:
    line.frozen_reason = ""
    transition(line, to=LineStatus.ACTIVE, actor=actor, reason=reason, extra_fields=("frozen_reason", "modified"),
               history=lambda **h: _event(line, kind=CreditLineEvent.Kind.UNFROZEN, **h))
    CreditEvent.objects.create(user_id=line.user_id, kind=CreditEvent.Kind.UNFROZEN, detail={})


@transaction.atomic
def credit_line_freeze(*, actor, line: CreditLine, reason: str = "") -> CreditLine:
    permissions.require(actor, permissions.FREEZE)
    line = line_lock(line.pk)
    if line.status == LineStatus.FROZEN and line.frozen_reason == CreditLine.FrozenReason.OVERDUE:
        # Already frozen for being overdue: staff take it over, so repaying no longer unfreezes it.
        line.frozen_reason = CreditLine.FrozenReason.STAFF
        line.save(update_fields=["frozen_reason", "modified"])
        _event(line, actor=actor, reason=reason, kind=CreditLineEvent.Kind.FROZEN, old_status=line.status,
               new_status=line.status)
    else:
        _freeze(line, actor=actor, reason_code=CreditLine.FrozenReason.STAFF, reason=reason)
    audit(actor=actor, action="credit_line_freeze", target=line, reason=reason)
    return line


@transaction.atomic
def credit_line_unfreeze(*, actor, line: CreditLine, reason: str = "") -> CreditLine:
    """Staff lift a freeze. A line with something overdue stays frozen for that reason."""
    permissions.require(actor, permissions.FREEZE)
    line = line_lock(line.pk)
    if overdue_exists(line.user_id):
        line.frozen_reason = CreditLine.FrozenReason.OVERDUE
        line.save(update_fields=["frozen_reason", "modified"])
        _event(line, actor=actor, reason=reason, kind=CreditLineEvent.Kind.UNFROZEN, old_status=line.status,
               new_status=line.status)
    else:
        _unfreeze(line, actor=actor, reason=reason)
    audit(actor=actor, action="credit_line_unfreeze", target=line, reason=reason)
    return line


@transaction.atomic
def credit_line_close(*, actor, user, reason: str) -> CreditLine | None:
    """Close ``user``'s line when they give up credit (consent withdrawn, account deleted); None if they have none.

    Refused (``credit_outstanding``, 409) while anything is owed, checked under the line's
    lock. Closing a closed line changes nothing. Reopened by a later approved application.
    """
    line = CreditLine.objects.select_for_update(of=("self",)).filter(user=user).first()
    if line is None or line.status == LineStatus.CLOSED:
        return line
    if line.used_amount > 0:
        raise DomainError(errors.CREDIT_OUTSTANDING,
                          _("Credit is still owed (%(used)s): the line closes once it is repaid.")
                          % {"used": line.used_amount}, reasons=["credit_outstanding"])
    transition(line, to=LineStatus.CLOSED, actor=actor, reason=reason,
               history=lambda **h: _event(line, kind=CreditLineEvent.Kind.CLOSED, **h))
    return line


def overdue_exists(user_id: int) -> bool:
    """Anything of the buyer's overdue and not paused by an open after-sales case."""
    return Installment.objects.filter(plan__buyer_id=user_id, status="overdue", paused=False).exists()


def line_unfreeze_if_clear(line: CreditLine, *, actor=None) -> bool:
    """Lift an automatic (overdue) freeze once nothing is overdue any more. Caller holds the line's lock."""
    if line.status != LineStatus.FROZEN or line.frozen_reason != CreditLine.FrozenReason.OVERDUE:
        return False
    if overdue_exists(line.user_id):
        return False
    _unfreeze(line, actor=actor, reason="nothing overdue any more")
    return True


def line_draw(line: CreditLine, amount: Decimal) -> None:
    """Take ``amount`` of a line the caller has locked; refuse a frozen or closed line or too little credit.

    The check runs on the locked row in Decimal, so concurrent checkouts take turns
    and never exceed the limit (PITFALLS: an unlocked read-modify-write loses updates).
    """
    if line.status == LineStatus.FROZEN:
        raise DomainError(errors.CREDIT_LINE_FROZEN, _("Your credit line is frozen."),
                          reasons=[line.frozen_reason or "frozen"], frozen_reason=line.frozen_reason)
    if line.status != LineStatus.ACTIVE:
        raise DomainError(errors.CREDIT_LINE_CLOSED, _("Your credit line is closed."), reasons=["closed"])
    if line.available_amount < amount:
        raise DomainError(errors.INSUFFICIENT_CREDIT,
                          _("Your available credit (%(available)s) does not cover this order.")
                          % {"available": line.available_amount},
                          reasons=["insufficient_credit"], available=str(line.available_amount))
    # Under the row lock a read-modify-write is safe, and exact: SQLite would do F() arithmetic in floats.
    line.used_amount += amount
    CreditLine.objects.filter(pk=line.pk).update(used_amount=line.used_amount)


def line_restore(line_id: int, amount: Decimal) -> None:
    """Give back ``amount`` of used credit (principal repaid or refunded). Caller holds the line's lock."""
    if amount:
        line = line_lock(line_id)
        CreditLine.objects.filter(pk=line_id).update(used_amount=line.used_amount - amount)
