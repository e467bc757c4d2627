"""Reads: cases scoped to who asks (buyer, merchant, staff), counts for holds and reputation."""
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core import errors as core_errors
from core.errors import DomainError
from protection.models import OPEN_STATUSES, AfterSalesCase, AtFault, CaseEvent, CaseReason, Decision, Evidence

STAFF_VIEW_PERMISSION = "protection.view_aftersalescase"


def is_case_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff and user.has_perm(STAFF_VIEW_PERMISSION))


def _with_relations(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("shop", "line", "buyer")


def case_list_for_buyer(buyer) -> QuerySet[AfterSalesCase]:
    return _with_relations(AfterSalesCase.objects.filter(buyer=buyer))


def case_list_for_merchant(owner) -> QuerySet[AfterSalesCase]:
    """The cases of the shop ``owner`` runs."""
    return _with_relations(AfterSalesCase.objects.filter(shop__owner=owner))


def case_list_for_user(user) -> QuerySet[AfterSalesCase]:
    """Every case ``user`` may see: as the buyer, as the shop's owner, or all of them as case staff."""
    if not user or not user.is_authenticated:
        return AfterSalesCase.objects.none()
    if is_case_staff(user):
        return _with_relations(AfterSalesCase.objects.all())
    return _with_relations(AfterSalesCase.objects.filter(Q(buyer=user) | Q(shop__owner=user)))


def case_get(*, user, pk) -> AfterSalesCase:
    """The case if ``user`` may see it; 404 otherwise (so outsiders cannot even learn it exists)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = None
    case = case_list_for_user(user).filter(pk=pk).first() if pk else None
    if case is None:
        raise DomainError(core_errors.NOT_FOUND, _("Not found."))
    return case


def case_timeline(case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("created", "pk")


def case_evidence(case) -> QuerySet[Evidence]:
    return case.evidence.order_by("created", "pk")


def open_cases_of_order(order) -> QuerySet[AfterSalesCase]:
    return AfterSalesCase.objects.filter(order=order, status__in=OPEN_STATUSES)


def orders_without_open_case(orders: QuerySet) -> QuerySet:
    """Settlement hold: an order with an open case stays in escrow (set-based, for the settlement sweep)."""
    open_case = AfterSalesCase.objects.filter(order=OuterRef("pk"), status__in=OPEN_STATUSES)
    return orders.filter(~Exists(open_case))


def orders_without_open_not_received_case(orders: QuerySet) -> QuerySet:
    """Auto-confirm hold: receipt is not confirmed for a buyer while their "not received" claim is open."""
    claim = AfterSalesCase.objects.filter(order=OuterRef("pk"), status__in=OPEN_STATUSES,
                                          reason=CaseReason.NOT_RECEIVED)
    return orders.filter(~Exists(claim))


def disputes_lost_by_shop(shop, *, since=None) -> int:
    """Rulings the shop lost: staff refunded the buyer and found the merchant at fault."""
    cases = AfterSalesCase.objects.filter(shop=shop, decision=Decision.REFUND, at_fault=AtFault.MERCHANT)
    if since is not None:
        cases = cases.filter(ruled_at__gte=since)
    return cases.count()


def overdue_cases(now=None) -> QuerySet[AfterSalesCase]:
    """Open cases whose running deadline has passed (the sweeps catch up; escalations wait for staff)."""
    now = now or timezone.now()
    query = Q()
    for status, (field, _party) in AfterSalesCase.DEADLINES.items():
        query |= Q(status=status, **{f"{field}__lte": now})
    return AfterSalesCase.objects.filter(query)


def allowed_actions(user, case) -> list[str]:
    """The API actions ``user`` can take on ``case`` now (for buttons and clients)."""
    from protection.models import CaseStatus, Party
    from protection.services.cases import WITHDRAWABLE
    from protection.services.evidence import ACCEPTING
    from protection.services.rulings import ESCALATABLE, can_rule
    from protection.services.transitions import party_of

    party, status = party_of(user, case), case.status
    actions = []
    if party == Party.BUYER:
        if status == CaseStatus.AWAITING_RETURN:
            actions.append("ship-return")
        if status in WITHDRAWABLE:
            actions.append("withdraw")
    if party == Party.MERCHANT:
        if status == CaseStatus.REQUESTED:
            actions += ["approve", "reject"]
        if status == CaseStatus.RETURN_SHIPPED:
            actions.append("confirm-return")
        if status == CaseStatus.AWAITING_REPLACEMENT:
            actions += ["ship-replacement", "refund-instead"]
    if party in (Party.BUYER, Party.MERCHANT) and status in ESCALATABLE:
        actions.append("escalate")
    if party is not None and status in ACCEPTING:
        actions.append("evidence")
    if party == Party.STAFF and case.is_open and can_rule(user):
        actions.append("rule")
    return actions
