"""The full demo scenario (``manage.py demo_data``): every state it promises exists, and the books balance after it.

Runs on SQLite and on PostgreSQL alike (no ``postgres`` mark): the demo data is seeded
once per module, twice over (the second run must change nothing), inside a transaction
that is rolled back when the module is done; each test reads it in its own savepoint.
Few test functions on purpose: under pytest-xdist each worker that runs one seeds again.
"""
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings

from core.demo import seed_all
from credit.models import (
    ApplicationStatus,
    CreditApplication,
    CreditLine,
    Installment,
    InstallmentPlan,
    LineStatus,
    PlanStatus,
    Repayment,
    RiskAssessment,
    Statement,
)
from ledger import accounts
from ledger.models import Account
from ledger.selectors import account_entries, balance, books_balanced, normal_balance
from marketplace import demo as marketplace_demo
from marketplace.models import Complaint, Listing, ListingImage, Order, OrderStatus, Review, Shop, Withdrawal
from marketplace.services.withdrawals import shop_money
from protection.models import AfterSalesCase, CaseStatus

pytestmark = pytest.mark.django_db
ZERO = Decimal("0.00")


@dataclass
class DemoRuns:
    first: str
    second: str
    counts_after_first: dict
    counts_after_second: dict


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()
            if model._meta.managed and not model._meta.proxy}


def _demo_data() -> str:
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """``demo_data`` run twice on an empty database; everything it made is rolled back after the module."""
    media = tmp_path_factory.mktemp("demo-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # 19 logins: the real hasher is not under test
    with override_settings(DEBUG=True, MEDIA_ROOT=str(media), PASSWORD_HASHERS=fast), django_db_blocker.unblock():
        with transaction.atomic():
            cache.clear()  # risk rules cached by an earlier test must not decide the demo's checkouts
            first = _demo_data()
            counts = _row_counts()
            second = _demo_data()
            yield DemoRuns(first, second, counts, _row_counts())
            transaction.set_rollback(True)


def test_a_second_run_changes_nothing_and_every_printed_login_works(demo):
    assert "Traceback" not in demo.first
    assert demo.counts_after_second == demo.counts_after_first
    assert demo.second.count("nothing to do") == 4  # admin, marketplace, protection, credit

    report = seed_all(stdout=io.StringIO())  # the same logins whether created now or found
    usernames = [username for _role, username, _password in report.logins]
    assert len(usernames) == len(set(usernames))
    assert {"admin", "support", "merchant1", "buyer1", "creditofficer", "riskofficer"} <= set(usernames)
    User = get_user_model()
    for role, username, password in report.logins:
        assert User.objects.get(username=username).check_password(password), role
        assert username in demo.first


def test_the_books_balance_after_the_full_demo_scenario(demo):
    assert Account.objects.exists()
    assert books_balanced()

    # Each merchant's balance and deposit, as the shop sees them, are the sums of their entries.
    for shop in Shop.objects.all():
        money = shop_money(shop)
        for name, shown in (("merchant_balance", money["balance"]), ("merchant_deposit", money["deposit"])):
            account = accounts.account_get(name, shop.pk)
            from_entries = -sum((entry.amount for entry in account_entries(account)), ZERO)  # credit-normal
            assert shown == from_entries == normal_balance(account), (shop.name, name)
        assert money["balance"] >= ZERO, shop.name
        assert shop.deposit_amount == money["deposit"], shop.name  # the cached deposit follows the books

    # Escrow holds what was paid (or drawn on credit and held by risk control) and not yet settled or refunded.
    unsettled = Order.objects.filter(settled_at__isnull=True)
    in_escrow = sum((order.total_amount - order.refunded_amount for order in unsettled
                     if order.paid_at is not None or order.status == OrderStatus.UNDER_REVIEW), ZERO)
    assert in_escrow > ZERO
    assert normal_balance(accounts.escrow()) == in_escrow

    # Each credit line's used is the buyer's outstanding principal in the books.
    lines = list(CreditLine.objects.all())
    assert len(lines) >= 6
    for line in lines:
        assert line.used_amount == balance(accounts.buyer_credit_receivable(line.user_id)), line.user_id
    assert sum((line.used_amount for line in lines), ZERO) > ZERO


def test_every_state_the_demo_promises_exists(demo):
    assert set(Order.objects.values_list("status", flat=True)) == set(OrderStatus.values)
    _check_marketplace()
    _check_after_sales()
    _check_credit()


def _check_marketplace():
    shops = Shop.objects.filter(owner__username__startswith="merchant")
    assert shops.filter(verification_status="verified").count() == 6
    assert shops.filter(verification_status="pending").count() == 1
    assert shops.filter(deposit_amount__gt=0).count() >= 1
    listings = Listing.objects.filter(shop__in=shops)
    assert listings.count() >= 40
    assert set(listings.values_list("status", flat=True)) == {"active", "draft", "paused"}
    assert listings.filter(installments_available=True, merchant_pays_fee=True).exists()
    assert listings.filter(installments_available=True, merchant_pays_fee=False).exists()
    assert len(set(listings.values_list("return_days", "exchange_days", "quality_days"))) >= 3
    assert ListingImage.objects.filter(listing__in=listings).count() == listings.count()
    image = ListingImage.objects.filter(listing__in=listings).first()
    assert image.image.storage.exists(image.image.name) and image.thumbnail.storage.exists(image.thumbnail.name)
    assert Order.objects.filter(status="completed", settled_at__isnull=False).exists()
    assert Review.objects.count() >= 5
    assert set(Complaint.objects.values_list("status", flat=True)) == {"open", "resolved"}
    assert Withdrawal.objects.filter(status="paid").exists()
    staff = get_user_model().objects.get(username=marketplace_demo.SUPPORT)
    assert staff.is_staff and staff.groups.filter(name="Customer service").exists()


def _check_after_sales():
    statuses = set(AfterSalesCase.objects.values_list("status", flat=True))
    assert {CaseStatus.REQUESTED, CaseStatus.AWAITING_RETURN, CaseStatus.RETURN_SHIPPED, CaseStatus.REFUNDED,
            CaseStatus.REJECTED, CaseStatus.ESCALATED, CaseStatus.EXCHANGED} <= statuses
    ruled = AfterSalesCase.objects.exclude(decision="")
    assert set(ruled.values_list("decision", "status")) == {("refund", "refunded"), ("reject", "closed")}
    assert ruled.filter(escalated_at__isnull=False).count() == 2
    assert AfterSalesCase.objects.filter(status="escalated").get().evidence.count() == 2


def _check_credit():
    applications = CreditApplication.objects.all()
    assert {ApplicationStatus.APPROVED, ApplicationStatus.DECLINED, ApplicationStatus.UNDER_REVIEW} == set(
        applications.values_list("status", flat=True))
    assert applications.get(status=ApplicationStatus.DECLINED).reasons == ["underage"]
    assert applications.filter(decided_by__isnull=False, status=ApplicationStatus.APPROVED).exists()

    assert set(InstallmentPlan.objects.values_list("count", flat=True)) == {3, 6, 12}
    assert InstallmentPlan.objects.filter(fee_payer="merchant").exists()
    assert set(Repayment.objects.values_list("mode", flat=True)) == {"next", "payoff"}
    assert InstallmentPlan.objects.filter(status=PlanStatus.PAID_OFF).exists()

    overdue = Installment.objects.get(status="overdue")
    assert overdue.penalty_amount > ZERO and overdue.bucket == "1_30"
    frozen = CreditLine.objects.get(status=LineStatus.FROZEN)
    assert (frozen.user_id, frozen.frozen_reason) == (overdue.plan.buyer_id, "overdue")

    held = Order.objects.get(status=OrderStatus.UNDER_REVIEW)
    assessment = RiskAssessment.objects.get(order=held)
    assert assessment.outcome == "hold" and len(assessment.reasons) >= 2

    statement = Statement.objects.get()
    assert statement.closing_balance_amount == balance(accounts.buyer_credit_receivable(statement.line.user_id))
    paid = Repayment.objects.filter(buyer_id=statement.line.user_id).aggregate(total=Sum("amount"))["total"]
    assert statement.payments_amount == paid
