"""Reads of credit, scoped to who asks: a buyer sees their own; staff see through the admin."""
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from core.money import ZERO
from credit.models import (
    CreditEvent,
    CreditLine,
    CreditTerms,
    Installment,
    InstallmentPlan,
    InstallmentProduct,
    Statement,
)
from credit.models.plans import UNPAID

# Every listing card asks for the "from ¥X / month" teaser, which needs the active products: cache them.
# Saving or deleting a product clears the entry (at once with the shared Redis cache; the TTL bounds how
# long another process's local-memory cache can lag behind).
PRODUCTS_CACHE_KEY = "credit:products_active:v1"
PRODUCTS_CACHE_SECONDS = 60


def products_active() -> list[InstallmentProduct]:
    """Active instalment products by count, from the cache when it holds them."""
    rows = cache.get(PRODUCTS_CACHE_KEY)
    if rows is None:
        rows = [{f.attname: getattr(p, f.attname) for f in InstallmentProduct._meta.concrete_fields}
                for p in InstallmentProduct.objects.filter(active=True).order_by("count")]
        cache.set(PRODUCTS_CACHE_KEY, rows, PRODUCTS_CACHE_SECONDS)
    return [InstallmentProduct(**row) for row in rows]


@receiver(post_save, sender=InstallmentProduct, dispatch_uid="credit.products_active.saved")
@receiver(post_delete, sender=InstallmentProduct, dispatch_uid="credit.products_active.deleted")
def _forget_products(**kwargs) -> None:
    cache.delete(PRODUCTS_CACHE_KEY)


# Every credit checkout records the versions of the terms in force; they change a few times a year. The cache
# holds every version's (kind, version, published) — no text — so which one is current is decided at each
# call with the current time (a version published for later takes effect on time), and saving or deleting
# a version clears it.
TERMS_CACHE_KEY = "credit:terms_versions:v1"
TERMS_CACHE_SECONDS = 300


def current_terms_versions(now=None) -> dict[str, str]:
    """The version of each kind of terms in force at ``now``: ``{"terms": "2026-01", "privacy": ...}``."""
    rows = cache.get(TERMS_CACHE_KEY)
    if rows is None:
        rows = list(CreditTerms.objects.order_by("kind", "-published", "-pk").values_list("kind", "version",
                                                                                          "published"))
        cache.set(TERMS_CACHE_KEY, rows, TERMS_CACHE_SECONDS)
    now = now or timezone.now()
    current: dict[str, str] = {}
    for kind, version, published in rows:  # newest first within each kind
        if published <= now and kind not in current:
            current[kind] = version
    return current


@receiver(post_save, sender=CreditTerms, dispatch_uid="credit.terms_versions.saved")
@receiver(post_delete, sender=CreditTerms, dispatch_uid="credit.terms_versions.deleted")
def _forget_terms(**kwargs) -> None:
    cache.delete(TERMS_CACHE_KEY)


def line_for(user) -> CreditLine | None:
    return CreditLine.objects.filter(user=user).first()


def overdue_amount(user) -> Decimal:
    rows = Installment.objects.filter(plan__buyer=user, status="overdue").only(
        "principal_amount", "fee_amount", "penalty_amount", "paid_principal_amount", "paid_fee_amount",
        "paid_penalty_amount")
    return sum((row.owed_amount for row in rows), ZERO)


def line_summary(user) -> dict | None:
    line = line_for(user)
    if line is None:
        return None
    return {"id": line.pk, "limit": line.limit_amount, "available": line.available_amount, "used": line.used_amount,
            "status": line.status, "frozen_reason": line.frozen_reason, "overdue_amount": overdue_amount(user)}


def plans_for_buyer(user) -> QuerySet[InstallmentPlan]:
    return (InstallmentPlan.objects.filter(buyer=user).order_by("-created", "-pk")
            .prefetch_related(Prefetch("installments", queryset=Installment.objects.order_by("number"))))


def plan_get_for_buyer(user, plan_id) -> InstallmentPlan | None:
    try:
        plan_id = int(plan_id)
    except (TypeError, ValueError):
        return None
    return plans_for_buyer(user).filter(pk=plan_id).first()


def statements_for_buyer(user) -> QuerySet[Statement]:
    return Statement.objects.filter(line__user=user).order_by("-period", "-pk")


def credit_history(user) -> QuerySet[CreditEvent]:
    return CreditEvent.objects.filter(user=user).select_related("plan").order_by("-created", "-pk")


def installments_due_between(start: date, end: date) -> QuerySet[Installment]:
    """Unpaid, unpaused instalments falling due in [start, end]: the seam for repayment reminders."""
    return (Installment.objects.filter(status__in=UNPAID, paused=False, due_date__gte=start, due_date__lte=end)
            .select_related("plan", "plan__buyer"))


def installments_overdue_by(days: int, today: date | None = None) -> QuerySet[Installment]:
    """Unpaid, unpaused instalments exactly ``days`` overdue: the seam for after-due reminders."""
    today = today or timezone.localdate()
    return (Installment.objects.filter(status__in=UNPAID, paused=False,
                                       clock_date=today - timezone.timedelta(days=days))
            .select_related("plan", "plan__buyer"))
