"""What protection puts on the marketplace's shop dashboard: the shop's open cases with their deadlines."""
from django.db.models import Case, DateTimeField, F, IntegerField, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from marketplace.hooks import ShopCase, ShopCases
from protection.models import OPEN_STATUSES, AfterSalesCase, CaseStatus, Party

S = CaseStatus

# Each running deadline as the merchant reads it.
DEADLINE_LABELS = {
    S.REQUESTED: _("Respond by"),
    S.RETURN_SHIPPED: _("Confirm the return by"),
    S.AWAITING_REPLACEMENT: _("Ship the replacement by"),
    S.AWAITING_RETURN: _("Buyer returns by"),
    S.REJECTED: _("Buyer may escalate until"),
    S.ESCALATED: _("Fangxin rules by"),
}


def _deadline_expression():
    return Case(*(When(status=status, then=F(field)) for status, (field, _party) in AfterSalesCase.DEADLINES.items()),
                default=Value(None), output_field=DateTimeField())


def _merchants_move_expression():
    merchant = [status for status, (_field, party) in AfterSalesCase.DEADLINES.items() if party == Party.MERCHANT]
    return Case(When(status__in=merchant, then=Value(0)), default=Value(1), output_field=IntegerField())


def shop_open_cases(shop, *, limit: int) -> ShopCases:
    """Two queries: the count, then the first ``limit`` cases, the merchant's move first, soonest deadline first."""
    open_cases = AfterSalesCase.objects.filter(shop=shop, status__in=OPEN_STATUSES)
    total = open_cases.count()
    rows = []
    if total:
        first = (open_cases.select_related("line")
                 .annotate(deadline_at=_deadline_expression(), move_rank=_merchants_move_expression())
                 .order_by("move_rank", F("deadline_at").asc(nulls_last=True), "pk")[:limit])
        for case in first:
            rows.append(ShopCase(
                url=reverse("protection:case-detail", args=[case.pk]), reference=f"#{case.pk}",
                item=case.line.title, request=case.get_type_display(), status=case.get_status_display(),
                deadline_label=str(DEADLINE_LABELS.get(case.status, "")), deadline=case.deadline_at,
                merchants_move=case.move_rank == 0))
    return ShopCases(total=total, rows=rows, list_url=reverse("protection:merchant-inbox"))
