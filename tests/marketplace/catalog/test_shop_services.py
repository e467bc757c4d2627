"""Shop services: opening, editing, verification and suspension, and the guarantee deposit."""
from decimal import Decimal

import pytest

from core.errors import DomainError
from core.models import AuditEvent, Notification
from ledger import accounts
from ledger.models import Transaction
from ledger.selectors import books_balanced, normal_balance
from marketplace.models import Payment, Shop, ShopStatus, ShopStatusChange
from marketplace.services.shops import (
    deposit_deduct,
    deposit_post,
    shop_open,
    shop_risk_update,
    shop_suspend,
    shop_transition,
    shop_update,
    shop_verify,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _state(shop):
    shop = Shop.objects.get(pk=shop.pk)
    return (shop.verification_status, shop.verified_at, shop.deposit_amount, ShopStatusChange.objects.count())


# --- opening and editing ---------------------------------------------------------------------------
def test_open_shop_starts_pending(make_user):
    owner = make_user()

    shop = shop_open(actor=owner, name="  Moon Bakery ", description="Bread.")

    assert shop.name == "Moon Bakery"
    assert shop.verification_status == ShopStatus.PENDING
    assert shop.verified_at is None
    assert shop.owner == owner
    assert not shop.has_deposit


def test_one_shop_per_user(merchant):
    with pytest.raises(DomainError) as exc:
        shop_open(actor=merchant, name="Second shop")

    assert exc.value.code == "shop_exists"
    assert exc.value.status == 409
    assert Shop.objects.filter(owner=merchant).count() == 1


def test_shop_name_taken_case_insensitively(shop, make_user):
    with pytest.raises(DomainError) as exc:
        shop_open(actor=make_user(), name=shop.name.upper())

    assert exc.value.code == "shop_name_taken"
    assert exc.value.status == 400
    assert "name" in exc.value.extra["fields"]


@pytest.mark.parametrize("name", ["", " ", "x", "n" * 81, 42, None], ids=["empty", "blank", "short", "long",
                                                                      "number", "none"])
def test_shop_name_must_be_text_of_2_to_80(make_user, name):
    with pytest.raises(DomainError) as exc:
        shop_open(actor=make_user(), name=name)

    assert exc.value.code == "validation_error"
    assert Shop.objects.count() == 0


def test_owner_updates_profile(shop, merchant):
    shop_update(actor=merchant, shop=shop, name="Blue Sky Audio 2", description="New text")

    shop.refresh_from_db()
    assert (shop.name, shop.description) == ("Blue Sky Audio 2", "New text")


def test_others_cannot_update_profile(shop, other_merchant, staff_user):
    for actor in (other_merchant, staff_user):
        with pytest.raises(DomainError) as exc:
            shop_update(actor=actor, shop=shop, name="Hijacked")
        assert exc.value.code == "permission_denied"
    assert Shop.objects.get(pk=shop.pk).name == "Blue Sky Audio"


def test_update_to_a_taken_name_is_refused(shop, merchant, other_shop):
    with pytest.raises(DomainError) as exc:
        shop_update(actor=merchant, shop=shop, name=other_shop.name)

    assert exc.value.code == "shop_name_taken"


# --- verification and suspension -----------------------------------------------------------------
def test_verify_records_history_time_audit_and_tells_the_owner(make_user, staff_user):
    owner = make_user()
    shop = shop_open(actor=owner, name="Moon Bakery")

    shop_verify(actor=staff_user, shop=shop)

    shop.refresh_from_db()
    assert shop.verification_status == ShopStatus.VERIFIED
    assert shop.verified_at is not None
    change = ShopStatusChange.objects.get(shop=shop)
    assert (change.old_status, change.new_status, change.actor) == ("pending", "verified", staff_user)
    assert AuditEvent.objects.filter(action="shop_verified", target_id=str(shop.pk), actor=staff_user).exists()
    assert Notification.objects.filter(user=owner, kind="account").count() == 1


def test_suspend_then_verify_again(shop, staff_user):
    shop_suspend(actor=staff_user, shop=shop, reason="Counterfeit goods")
    assert Shop.objects.get(pk=shop.pk).verification_status == ShopStatus.SUSPENDED

    shop_verify(actor=staff_user, shop=shop)

    history = list(ShopStatusChange.objects.filter(shop=shop).values_list("old_status", "new_status", "reason"))
    assert history == [("pending", "verified", ""), ("verified", "suspended", "Counterfeit goods"),
                       ("suspended", "verified", "")]


@pytest.mark.parametrize("start, target", [
    ("verified", "verified"), ("verified", "pending"), ("suspended", "suspended"), ("suspended", "pending"),
    ("verified", "closed"),
], ids=["verified-again", "back-to-pending", "suspended-again", "suspended-to-pending", "unknown-status"])
def test_invalid_transitions_change_nothing(shop, staff_user, start, target):
    if start == "suspended":
        shop_suspend(actor=staff_user, shop=shop, reason="Checks")
    before = _state(shop)

    with pytest.raises(DomainError) as exc:
        shop_transition(actor=staff_user, shop=shop, to=target, reason="x")

    assert exc.value.code in ("invalid_transition", "validation_error")
    if target != "closed":
        assert exc.value.code == "invalid_transition"
        assert exc.value.status == 409
    assert _state(shop) == before


def test_transitions_need_the_change_shop_permission(shop, merchant, buyer, staff_no_perms):
    before = _state(shop)
    for actor in (merchant, buyer, staff_no_perms, None):
        with pytest.raises(DomainError) as exc:
            shop_suspend(actor=actor, shop=shop, reason="Because")
        assert exc.value.code == "permission_denied"
        assert exc.value.status == 403
    assert _state(shop) == before


def test_superuser_may_verify(make_user):
    root = make_user("root", is_staff=True, is_superuser=True)
    shop = shop_open(actor=make_user(), name="Moon Bakery")

    shop_verify(actor=root, shop=shop)

    assert Shop.objects.get(pk=shop.pk).is_verified


def test_suspension_needs_a_reason(shop, staff_user):
    with pytest.raises(DomainError) as exc:
        shop_suspend(actor=staff_user, shop=shop, reason="  ")

    assert exc.value.code == "validation_error"
    assert Shop.objects.get(pk=shop.pk).is_verified


# --- deposit -------------------------------------------------------------------------------------
def test_deposit_charges_books_and_updates_the_shop(shop, merchant):
    payment = deposit_post(actor=merchant, shop=shop, amount="5000.00", idempotency_key="dep-1")

    assert payment.purpose == Payment.Purpose.DEPOSIT
    assert payment.payer == merchant
    assert payment.amount == D("5000.00")
    assert payment.status == "succeeded"
    assert shop.deposit_amount == D("5000.00")
    assert Shop.objects.get(pk=shop.pk).deposit_amount == D("5000.00")
    assert Shop.objects.get(pk=shop.pk).has_deposit
    txn = Transaction.objects.get(kind="deposit")
    assert txn.reference == ("shop", shop.pk)
    legs = sorted((e.account.code, e.amount) for e in txn.entries.select_related("account"))
    assert legs == [("platform:provider_clearing", D("5000.00")), (f"shop:{shop.pk}:deposit", D("-5000.00"))]
    assert normal_balance(accounts.merchant_deposit(shop.pk)) == D("5000.00")
    assert books_balanced()


def test_deposits_add_up_to_the_cent(shop, merchant):
    deposit_post(actor=merchant, shop=shop, amount=D("0.01"), idempotency_key="a")
    deposit_post(actor=merchant, shop=shop, amount="1234.56", idempotency_key="b")

    assert Shop.objects.get(pk=shop.pk).deposit_amount == D("1234.57")
    assert normal_balance(accounts.merchant_deposit(shop.pk)) == D("1234.57")
    assert normal_balance(accounts.provider_clearing()) == D("1234.57")


def test_same_idempotency_key_moves_money_once(shop, merchant):
    first = deposit_post(actor=merchant, shop=shop, amount="100.00", idempotency_key="same")
    again = deposit_post(actor=merchant, shop=shop, amount="100.00", idempotency_key="same")

    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert Transaction.objects.filter(kind="deposit").count() == 1
    assert Shop.objects.get(pk=shop.pk).deposit_amount == D("100.00")


def test_same_key_other_amount_is_a_conflict(shop, merchant):
    deposit_post(actor=merchant, shop=shop, amount="100.00", idempotency_key="same")

    with pytest.raises(DomainError) as exc:
        deposit_post(actor=merchant, shop=shop, amount="200.00", idempotency_key="same")

    assert exc.value.code == "conflict"
    assert Shop.objects.get(pk=shop.pk).deposit_amount == D("100.00")


def test_declined_deposit_changes_nothing(shop, merchant):
    with pytest.raises(DomainError) as exc:
        deposit_post(actor=merchant, shop=shop, amount="100.00", outcome="decline", idempotency_key="k")

    assert exc.value.code == "payment_declined"
    assert exc.value.status == 402
    assert Payment.objects.count() == 0
    assert Transaction.objects.count() == 0
    assert Shop.objects.get(pk=shop.pk).deposit_amount == D("0.00")


@pytest.mark.parametrize("amount", ["0", "-5.00", "10.001", "abc", 10.5, True, "NaN", "Infinity",
                                    "1000000000000.00", None],
                         ids=["zero", "negative", "three-decimals", "text", "float", "bool", "nan", "inf",
                              "too-large", "none"])
def test_deposit_amount_validation(shop, merchant, amount):
    with pytest.raises(DomainError) as exc:
        deposit_post(actor=merchant, shop=shop, amount=amount, idempotency_key="k")

    assert exc.value.code == "validation_error"
    assert exc.value.extra["fields"].keys() == {"amount"}
    assert Payment.objects.count() == 0


def test_only_the_owner_posts_a_deposit(shop, other_merchant, staff_user):
    for actor in (other_merchant, staff_user):
        with pytest.raises(DomainError) as exc:
            deposit_post(actor=actor, shop=shop, amount="100.00", idempotency_key="k")
        assert exc.value.code == "permission_denied"
    assert Payment.objects.count() == 0


# --- cash-out risk fields and deposit penalties (decided by credit's risk staff, written here) ------


def test_risk_fields_change_under_an_audit_event(shop, staff_user):
    shop_risk_update(actor=staff_user, shop=shop, reason="investigation", action="shop_risk_elevated",
                     risk_level="elevated", installments_disabled=True)

    assert (shop.risk_level, shop.installments_disabled) == ("elevated", True)
    fresh = Shop.objects.get(pk=shop.pk)
    assert (fresh.risk_level, fresh.installments_disabled) == ("elevated", True)
    event = AuditEvent.objects.get(action="shop_risk_elevated")
    assert (event.actor, event.reason) == (staff_user, "investigation")
    assert event.detail == {"old_risk_level": "normal", "old_installments_disabled": False,
                            "risk_level": "elevated", "installments_disabled": True}


def test_the_system_may_change_risk_fields_and_the_same_values_again_write_nothing(shop):
    shop_risk_update(actor=None, shop=shop, reason="rule", action="shop_risk_elevated", risk_level="elevated")
    shop_risk_update(actor=None, shop=shop, reason="rule", action="shop_risk_elevated", risk_level="elevated")
    assert AuditEvent.objects.filter(action="shop_risk_elevated", actor=None).count() == 1


@pytest.mark.parametrize("changes, code", [
    ({"risk_level": "extreme"}, "validation_error"),
    ({"installments_disabled": "yes"}, "validation_error"),
], ids=["unknown-level", "not-a-bool"])
def test_bad_risk_values_change_nothing(shop, staff_user, changes, code):
    with pytest.raises(DomainError) as refused:
        shop_risk_update(actor=staff_user, shop=shop, reason="x", action="a", **changes)
    assert refused.value.code == code
    assert Shop.objects.filter(pk=shop.pk, risk_level="normal", installments_disabled=False).exists()


def test_deposit_deduction_books_a_penalty_once(shop, merchant, staff_user):
    deposit_post(actor=merchant, shop=shop, amount="500.00", idempotency_key="dep")

    for _ in range(2):
        deposit_deduct(actor=staff_user, shop=shop, amount="120.50", reason="penalty", idempotency_key="pen-1",
                       action="shop_deposit_deducted")

    assert shop.deposit_amount == D("379.50") == Shop.objects.get(pk=shop.pk).deposit_amount
    assert normal_balance(accounts.merchant_deposit(shop.pk)) == D("379.50")
    assert normal_balance(accounts.penalty_income()) == D("120.50")
    assert books_balanced()
    assert AuditEvent.objects.filter(action="shop_deposit_deducted").count() == 1


def test_deposit_deduction_cannot_exceed_the_deposit(shop, merchant, staff_user):
    deposit_post(actor=merchant, shop=shop, amount="50.00", idempotency_key="dep")
    with pytest.raises(DomainError) as refused:
        deposit_deduct(actor=staff_user, shop=shop, amount="50.01", reason="x", idempotency_key="k", action="a")
    assert refused.value.code == "insufficient_deposit"
    assert Shop.objects.get(pk=shop.pk).deposit_amount == D("50.00")


@pytest.mark.parametrize("service, kwargs", [
    (shop_risk_update, {"risk_level": "elevated"}),
    (deposit_deduct, {"amount": "1.00", "idempotency_key": "k"}),
], ids=["risk", "deduct"])
def test_only_staff_or_the_system_write_risk_penalties(shop, merchant, buyer, service, kwargs):
    deposit_post(actor=merchant, shop=shop, amount="10.00", idempotency_key="dep")
    before = Shop.objects.filter(pk=shop.pk).values().get()
    for actor in (buyer, merchant):
        with pytest.raises(DomainError) as refused:
            service(actor=actor, shop=shop, reason="x", action="a", **kwargs)
        assert refused.value.code == "permission_denied"
    assert Shop.objects.filter(pk=shop.pk).values().get() == before
