"""The one way a case changes status: lock, check the move, save, write history, tell people."""
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import errors as core_errors
from core.errors import DomainError
from marketplace import hooks
from protection.models import OPEN_STATUSES, AfterSalesCase, CaseEvent, Party


def case_lock(case_or_pk) -> AfterSalesCase:
    """The case row, locked for the rest of the transaction (and re-read: what we hold is current)."""
    pk = getattr(case_or_pk, "pk", case_or_pk)
    return AfterSalesCase.objects.select_for_update().get(pk=pk)


def case_link(case) -> str:
    try:
        return reverse("protection:case-detail", args=[case.pk])
    except NoReverseMatch:  # the site's URLs are not mounted (some tests, the worker's shell)
        return f"/after-sales/{case.pk}/"


def party_of(user, case) -> str | None:
    """Which side ``user`` is on in ``case``: buyer, merchant, staff (with the permission) or none."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.pk == case.buyer_id:
        return Party.BUYER
    if case.shop.owner_id == user.pk:
        return Party.MERCHANT
    if user.is_staff and user.has_perm("protection.view_aftersalescase"):
        return Party.STAFF
    return None


def require_party(user, case, *allowed: str) -> str:
    """The actor's side, if it may do this; 404 for outsiders, 403 for a party that may see but not act."""
    party = party_of(user, case)
    if party is None:
        raise DomainError(core_errors.NOT_FOUND, _("Not found."))
    if party not in allowed:
        raise DomainError(core_errors.PERMISSION_DENIED, _("This is not yours to do on this case."))
    return party


def record_event(*, case, party, actor=None, old_status="", new_status="", note="",
                 kind=CaseEvent.Kind.STATUS) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, party=party,
                                    actor=actor if getattr(actor, "pk", None) else None, old_status=old_status,
                                    new_status=new_status, note=str(note)[:1000])


def announce(*, case, actor=None) -> None:
    """Tell listeners (credit pauses instalments) whether the order still has an open case."""
    is_open = AfterSalesCase.objects.filter(order_id=case.order_id, status__in=OPEN_STATUSES).exists()
    hooks.announce_case_state(order=case.order, is_open=is_open, actor=actor)


def case_transition(*, actor, case, to, party, note="", changes=None) -> AfterSalesCase:
    """Move ``case`` to ``to`` and return the saved, locked case.

    ``changes`` are other fields saved with the move (deadlines, tracking numbers).
    Runs inside the caller's transaction; the in-site messages are written in it
    (they exist exactly when the change does) and their e-mails go out on commit.
    """
    from protection.services import messages, standing

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("case_transition must run inside a transaction")
    locked = case_lock(case)
    old = locked.status
    if to not in AfterSalesCase.TRANSITIONS.get(old, set()):
        raise DomainError(core_errors.INVALID_TRANSITION,
                          _("This case is %(status)s; that cannot be done now.") % {
                              "status": locked.get_status_display()},
                          status=409, current_status=old)
    fields = {"status", "updated"}
    for name, value in (changes or {}).items():
        setattr(locked, name, value)
        fields.add(name)
    locked.status = to
    if to not in OPEN_STATUSES:
        locked.ended_at = timezone.now()
        fields.add("ended_at")
    locked.save(update_fields=sorted(fields))
    record_event(case=locked, party=party, actor=actor, old_status=old, new_status=to, note=note)
    if to not in OPEN_STATUSES:
        announce(case=locked, actor=actor)
        standing.standing_refresh(buyer=locked.buyer)
    messages.status_changed(case=locked, old=old, party=party, note=note)
    return locked
