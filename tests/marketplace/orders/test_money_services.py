"""Refunds, settlement and merchant money: where each yuan comes from and goes to, and that the books balance."""
from datetime import timedelta
from decimal import Decimal

import pytest

from core.errors import DomainError
from core.models import Notification
from ledger import accounts
from ledger.models import Transaction
from ledger.selectors import books_balanced, normal_balance
from marketplace import hooks
from marketplace.models import Order, OrderStatus, Payment, Refund, Settlement, Shop, Withdrawal
from marketplace.services.orders import order_confirm_receipt, order_ship, orders_auto_confirm
from marketplace.services.payments import order_pay
from marketplace.services.refunds import refund_issue
from marketplace.services.settlement import order_settle, orders_settle_due
from marketplace.services.shops import deposit_post
from marketplace.services.withdrawals import merchant_balance, shop_money, withdrawal_request

from .conftest import next_key

pytestmark = pytest.mark.django_db
D = Decimal


def _balances(shop):
    return (normal_balance(accounts.merchant_balance(shop.pk)), normal_balance(accounts.merchant_deposit(shop.pk)),
            normal_balance(accounts.merchant_receivable(shop.pk)))


@pytest.fixture
def held():
    """Keep every order in escrow, as an open after-sales case would."""
    hooks.register_settlement_hold("test-hold", lambda orders: orders.none())
    yield
    hooks._settlement_holds.pop("test-hold", None)


# --- refunds before settlement -------------------------------------------------------------------


def test_a_partial_refund_before_settlement_comes_out_of_escrow(paid_order, buyer):
    Notification.objects.all().delete()

    refund = refund_issue(order=paid_order, amount="30.00", reason="scratched", idempotency_key="r1")

    paid_order.refresh_from_db()
    assert (refund.amount, refund.method, refund.reason) == (D("30.00"), "full", "scratched")
    assert (paid_order.status, paid_order.refunded_amount) == (OrderStatus.PARTIALLY_REFUNDED, D("30.00"))
    assert normal_balance(accounts.escrow()) == D("170.00")
    assert normal_balance(accounts.provider_clearing()) == D("170.00")
    assert Payment.objects.get().refunded_amount == D("30.00")
    txn = Transaction.objects.get(kind="refund")
    assert txn.reference == ("order", paid_order.pk)
    assert Notification.objects.filter(user=buyer, title__contains="30.00").exists()
    assert books_balanced()


def test_a_partially_refunded_paid_order_can_still_ship_and_complete(paid_order, buyer, merchant, shop):
    refund_issue(order=paid_order, amount=D("50.00"), idempotency_key="r1")

    order_ship(actor=merchant, order=paid_order, carrier="SF", tracking_number="1")
    order = order_confirm_receipt(actor=buyer, order=paid_order)

    assert order.status == OrderStatus.COMPLETED
    settlement = Settlement.objects.get()
    assert (settlement.gross_amount, settlement.commission_amount, settlement.net_amount) == (
        D("150.00"), D("3.00"), D("147.00"))
    assert normal_balance(accounts.escrow()) == D("0.00")
    assert books_balanced()


def test_refunding_everything_marks_the_order_refunded(shipped_order):
    refund_issue(order=shipped_order, amount="120.00", idempotency_key="r1")
    refund_issue(order=shipped_order, amount="80.00", idempotency_key="r2")

    shipped_order.refresh_from_db()
    assert (shipped_order.status, shipped_order.refunded_amount) == (OrderStatus.REFUNDED, D("200.00"))
    assert normal_balance(accounts.escrow()) == D("0.00")


def test_a_repeated_key_returns_the_first_refund_and_moves_nothing(paid_order):
    first = refund_issue(order=paid_order, amount="30.00", idempotency_key="same")

    again = refund_issue(order=paid_order, amount="30.00", idempotency_key="same")

    assert again == first
    assert Refund.objects.count() == 1 and Transaction.objects.filter(kind="refund").count() == 1
    assert Order.objects.get(pk=paid_order.pk).refunded_amount == D("30.00")


def test_the_same_key_with_another_amount_is_refused(paid_order):
    refund_issue(order=paid_order, amount="30.00", idempotency_key="same")

    with pytest.raises(DomainError) as caught:
        refund_issue(order=paid_order, amount="31.00", idempotency_key="same")

    assert caught.value.code == "idempotency_key_reused"


@pytest.mark.parametrize("amount", ["200.01", "1000"])
def test_a_refund_cannot_exceed_what_is_left(paid_order, amount):
    with pytest.raises(DomainError) as caught:
        refund_issue(order=paid_order, amount=amount, idempotency_key="r")

    assert (caught.value.code, caught.value.extra["refundable"]) == ("refund_exceeds_paid", "200.00")
    assert not Refund.objects.exists()


def test_a_line_refund_is_bounded_by_the_line(buyer, listing, make_listing, address):
    from marketplace.services.orders import order_place

    cheap = make_listing(price="10.00", title="Spoon")
    order = order_place(buyer=buyer, lines=[{"listing": listing, "quantity": 1}, {"listing": cheap, "quantity": 2}],
                        shipping_address=address, payment={"method": "full"})
    order_pay(actor=buyer, order=order, idempotency_key="p")
    spoon_line = order.lines.get(listing=cheap)

    refund_issue(order=order, line=spoon_line, amount="15.00", idempotency_key="r1")
    with pytest.raises(DomainError) as caught:
        refund_issue(order=order, line=spoon_line, amount="5.01", idempotency_key="r2")

    assert (caught.value.code, caught.value.extra["refundable"]) == ("refund_exceeds_paid", "5.00")
    spoon_line.refresh_from_db()
    assert spoon_line.refunded_amount == D("15.00")


def test_a_line_of_another_order_is_refused(paid_order, place, buyer):
    other = place()

    with pytest.raises(DomainError) as caught:
        refund_issue(order=paid_order, line=other.lines.get(), amount="1.00", idempotency_key="r")

    assert caught.value.code == "validation_error"


@pytest.mark.parametrize("amount", ["0", "-5", "1.005", "abc", 1.5, None])
def test_refund_amounts_are_positive_cents(paid_order, amount):
    with pytest.raises(DomainError) as caught:
        refund_issue(order=paid_order, amount=amount, idempotency_key="r")

    assert caught.value.code == "validation_error"


def test_an_unpaid_order_has_nothing_to_refund(pending_order):
    with pytest.raises(DomainError) as caught:
        refund_issue(order=pending_order, amount="1.00", idempotency_key="r")

    assert caught.value.code == "refund_exceeds_paid"


def test_a_failing_provider_refund_changes_nothing(paid_order, settings):
    settings.PAYMENT_PROVIDER = "tests.marketplace.orders.test_money_services.RefusingProvider"

    with pytest.raises(DomainError) as caught:
        refund_issue(order=paid_order, amount="10.00", idempotency_key="r")

    assert (caught.value.code, caught.value.status) == ("refund_failed", 502)
    assert not Refund.objects.exists()
    assert Order.objects.get(pk=paid_order.pk).refunded_amount == D("0.00")


class RefusingProvider:
    name = "refusing"

    def refund(self, **kwargs):
        from marketplace.providers import ProviderResult

        return ProviderResult(False, "", "gateway down")

    def payout(self, **kwargs):
        from marketplace.providers import ProviderResult

        return ProviderResult(False, "", "gateway down")


# --- refunds after settlement: balance, deposit, 先行赔付 -----------------------------------------


def test_after_settlement_a_refund_comes_from_the_merchant_balance(completed_order, shop):
    assert _balances(shop) == (D("196.00"), D("0.00"), D("0.00"))

    refund_issue(order=completed_order, amount="50.00", idempotency_key="r")

    assert _balances(shop) == (D("146.00"), D("0.00"), D("0.00"))
    assert normal_balance(accounts.escrow()) == D("0.00")
    assert Order.objects.get(pk=completed_order.pk).status == OrderStatus.PARTIALLY_REFUNDED
    assert books_balanced()


def test_then_from_the_deposit_and_then_the_platform_pays_first(completed_order, shop, merchant):
    deposit_post(actor=merchant, shop=shop, amount="30.00", idempotency_key="dep")
    withdrawal_request(actor=merchant, shop=shop, amount="186.00", bank_name="ICBC", bank_account="6222020200112233",
                       idempotency_key="w")
    assert _balances(shop) == (D("10.00"), D("30.00"), D("0.00"))

    refund_issue(order=completed_order, amount="70.00", idempotency_key="r")

    # 10 from the balance, 30 from the deposit, 30 paid by the platform and owed by the merchant.
    assert _balances(shop) == (D("0.00"), D("0.00"), D("30.00"))
    assert Shop.objects.get(pk=shop.pk).deposit_amount == D("0.00")
    assert shop_money(shop) == {"balance": D("0.00"), "deposit": D("0.00"), "owed": D("30.00")}
    txn = Transaction.objects.get(kind="refund")
    legs = sorted((entry.account.code, entry.amount) for entry in txn.entries.select_related("account"))
    assert legs == [("platform:provider_clearing", D("-70.00")), (f"shop:{shop.pk}:balance", D("10.00")),
                    (f"shop:{shop.pk}:deposit", D("30.00")), (f"shop:{shop.pk}:receivable", D("30.00"))]
    assert books_balanced()


def test_what_the_merchant_owes_is_recovered_from_the_next_settlement(completed_order, shop, merchant, place, buyer):
    withdrawal_request(actor=merchant, shop=shop, amount="196.00", bank_name="ICBC", bank_account="6222020200112233",
                       idempotency_key="w")
    refund_issue(order=completed_order, amount="40.00", idempotency_key="r")
    assert _balances(shop) == (D("0.00"), D("0.00"), D("40.00"))

    order = order_pay(actor=buyer, order=place(quantity=1), idempotency_key="p2")
    order_ship(actor=merchant, order=order, carrier="SF", tracking_number="2")
    order_confirm_receipt(actor=buyer, order=order)

    # Net 98.00: 40.00 repays the platform, 58.00 reaches the balance.
    assert _balances(shop) == (D("58.00"), D("0.00"), D("0.00"))
    assert Settlement.objects.get(order=order).net_amount == D("98.00")
    assert books_balanced()


# --- settlement ----------------------------------------------------------------------------------


def test_settle_is_idempotent(completed_order):
    first = Settlement.objects.get()

    assert order_settle(order=completed_order) == first
    assert Transaction.objects.filter(kind="settlement").count() == 1


def test_an_order_that_is_not_completed_cannot_be_settled(shipped_order):
    with pytest.raises(DomainError) as caught:
        order_settle(order=shipped_order)

    assert (caught.value.code, caught.value.status) == ("not_settleable", 409)


def test_commission_is_rounded_half_up_to_the_cent(buyer, make_listing, merchant, address, settings, shop):
    from marketplace.services.orders import order_place

    settings.FANGXIN = {**settings.FANGXIN, "COMMISSION_RATE": "0.025"}
    item = make_listing(price="10.10")
    order = order_place(buyer=buyer, lines=[{"listing": item, "quantity": 1}], shipping_address=address,
                        payment={"method": "full"})
    order_pay(actor=buyer, order=order, idempotency_key="p")
    order_ship(actor=merchant, order=order, carrier="SF", tracking_number="1")
    order_confirm_receipt(actor=buyer, order=order)

    settlement = Settlement.objects.get()
    # 10.10 × 2.5 % = 0.2525 → 0.25
    assert (settlement.commission_amount, settlement.net_amount) == (D("0.25"), D("9.85"))
    assert normal_balance(accounts.commission_income()) == D("0.25")


class _FeeMethod(hooks.PaymentMethod):
    key = "feeful"
    label = "Fee"

    def checkout(self, *, order, buyer, options, context):
        from ledger.services import post
        from marketplace.services.orders import order_transition

        post(kind="test_payment", legs=[(accounts.provider_clearing(), order.total_amount),
                                        (accounts.escrow(), -order.total_amount)],
             idempotency_key=f"test:{order.pk}", reference=("order", order.pk))
        order_transition(order=order, to=OrderStatus.PAID, actor=buyer)

    def settlement_fee(self, order):
        return D("4.50")


def test_a_method_fee_goes_to_instalment_fee_income(buyer, listing, merchant, address, shop):
    from marketplace.services.orders import order_place

    hooks.register_payment_method(_FeeMethod())
    try:
        order = order_place(buyer=buyer, lines=[{"listing": listing, "quantity": 1}], shipping_address=address,
                            payment={"method": "feeful"})
        order_ship(actor=merchant, order=order, carrier="SF", tracking_number="1")
        order_confirm_receipt(actor=buyer, order=order)
    finally:
        hooks._methods.pop("feeful")

    settlement = Settlement.objects.get()
    assert (settlement.gross_amount, settlement.commission_amount, settlement.fee_amount, settlement.net_amount) == (
        D("100.00"), D("2.00"), D("4.50"), D("93.50"))
    assert normal_balance(accounts.installment_fee_income()) == D("4.50")
    assert merchant_balance(shop) == D("93.50")
    assert books_balanced()


def test_the_sweep_settles_what_no_hold_keeps(shipped_order, buyer, held):
    order_confirm_receipt(actor=buyer, order=shipped_order)
    assert orders_settle_due() == 0

    hooks._settlement_holds.pop("test-hold")
    assert orders_settle_due() == 1
    assert orders_settle_due() == 0

    shipped_order.refresh_from_db()
    assert shipped_order.settled_at is not None
    assert Settlement.objects.count() == 1


def test_the_sweep_honours_a_hold_on_one_order(shipped_order, buyer, held, place, merchant):
    second = order_pay(actor=buyer, order=place(), idempotency_key="p2")
    order_ship(actor=merchant, order=second, carrier="SF", tracking_number="2")
    order_confirm_receipt(actor=buyer, order=shipped_order)
    order_confirm_receipt(actor=buyer, order=second)
    hooks.register_settlement_hold("test-hold", lambda orders: orders.exclude(pk=second.pk))

    assert orders_settle_due() == 1
    assert hooks.settlement_hold_reasons(second) == ["test-hold"]
    assert list(Settlement.objects.values_list("order_id", flat=True)) == [shipped_order.pk]


def test_the_settle_task_wraps_the_sweep(shipped_order, buyer, held):
    from marketplace.tasks import orders_settle_due_task

    order_confirm_receipt(actor=buyer, order=shipped_order)
    hooks._settlement_holds.pop("test-hold")

    assert orders_settle_due_task.run() == 1


def test_a_partially_refunded_completed_order_settles_the_rest(shipped_order, buyer, held):
    order_confirm_receipt(actor=buyer, order=shipped_order)
    refund_issue(order=shipped_order, amount="25.00", idempotency_key="r")
    hooks._settlement_holds.pop("test-hold")

    assert orders_settle_due() == 1
    assert Settlement.objects.get().gross_amount == D("175.00")
    assert normal_balance(accounts.escrow()) == D("0.00")
    assert books_balanced()


def test_auto_confirm_and_settle_sweeps_leave_the_books_balanced(shipped_order, shop):
    orders_auto_confirm(now=shipped_order.auto_confirm_at + timedelta(seconds=1))

    assert merchant_balance(shop) == D("196.00")
    assert books_balanced()


# --- withdrawals ---------------------------------------------------------------------------------


def test_a_withdrawal_pays_out_from_the_balance(completed_order, shop, merchant):
    withdrawal = withdrawal_request(actor=merchant, shop=shop, amount="100.00", bank_name="ICBC",
                                    bank_account="6222 0202 0011 2233", idempotency_key="w1")

    assert (withdrawal.amount, withdrawal.status, withdrawal.bank_account) == (D("100.00"), "paid", "6222020200112233")
    assert withdrawal.provider_ref.startswith("sbx_po_")
    assert merchant_balance(shop) == D("96.00")
    assert normal_balance(accounts.provider_clearing()) == D("100.00")
    assert books_balanced()


def test_a_repeated_withdrawal_key_pays_once(completed_order, shop, merchant):
    first = withdrawal_request(actor=merchant, shop=shop, amount="100.00", bank_name="ICBC",
                               bank_account="6222020200112233", idempotency_key="w1")
    again = withdrawal_request(actor=merchant, shop=shop, amount="100.00", bank_name="ICBC",
                               bank_account="6222020200112233", idempotency_key="w1")

    assert again == first and Withdrawal.objects.count() == 1
    assert merchant_balance(shop) == D("96.00")


def test_no_withdrawal_beyond_the_balance(completed_order, shop, merchant):
    with pytest.raises(DomainError) as caught:
        withdrawal_request(actor=merchant, shop=shop, amount="196.01", bank_name="ICBC",
                           bank_account="6222020200112233", idempotency_key="w1")

    assert (caught.value.code, caught.value.extra["available"]) == ("insufficient_balance", "196.00")
    assert not Withdrawal.objects.exists()


@pytest.mark.parametrize("who", ["buyer", "other_merchant", "cs_staff"])
def test_only_the_owner_withdraws(completed_order, shop, request, who):
    with pytest.raises(DomainError) as caught:
        withdrawal_request(actor=request.getfixturevalue(who), shop=shop, amount="1.00", bank_name="ICBC",
                           bank_account="6222020200112233", idempotency_key="w1")

    assert caught.value.code == "permission_denied"
    assert merchant_balance(shop) == D("196.00")


@pytest.mark.parametrize("field, value", [("amount", "0"), ("amount", "1.001"), ("amount", 5.5),
                                          ("bank_account", "12ab"), ("bank_account", "123"), ("bank_name", "")])
def test_withdrawal_input_is_checked(completed_order, shop, merchant, field, value):
    data = {"amount": "10.00", "bank_name": "ICBC", "bank_account": "6222020200112233", field: value}

    with pytest.raises(DomainError) as caught:
        withdrawal_request(actor=merchant, shop=shop, idempotency_key="w1", **data)

    assert (caught.value.code, list(caught.value.extra["fields"])) == ("validation_error", [field])


def test_a_failed_payout_deducts_nothing(completed_order, shop, merchant, settings):
    settings.PAYMENT_PROVIDER = "tests.marketplace.orders.test_money_services.RefusingProvider"

    with pytest.raises(DomainError) as caught:
        withdrawal_request(actor=merchant, shop=shop, amount="10.00", bank_name="ICBC",
                           bank_account="6222020200112233", idempotency_key="w1")

    assert caught.value.code == "payout_failed"
    assert merchant_balance(shop) == D("196.00") and not Withdrawal.objects.exists()


def test_merchant_balance_of_a_new_shop_is_zero_and_creates_no_account(shop):
    from ledger.models import Account

    assert merchant_balance(shop) == D("0.00")
    assert not Account.objects.filter(holder_id=shop.pk).exists()


# --- the whole story -----------------------------------------------------------------------------


def test_full_scenario_books_balance_and_each_balance_equals_its_entries(
        buyer, other_buyer, merchant, shop, other_shop, other_merchant, make_listing, address):
    from ledger.models import Entry
    from marketplace.services.orders import order_place

    item = make_listing(price="300.00", stock=5)
    foreign = make_listing(shop=other_shop, price="80.00", stock=5)
    deposit_post(actor=merchant, shop=shop, amount="50.00", idempotency_key="dep")

    def buy(who, listing, quantity=1):
        order = order_place(buyer=who, lines=[{"listing": listing, "quantity": quantity}], shipping_address=address,
                            payment={"method": "full"})
        order_pay(actor=who, order=order, idempotency_key=next_key())
        order_ship(actor=listing.shop.owner, order=order, carrier="SF", tracking_number=next_key("SF"))
        return order_confirm_receipt(actor=who, order=order)

    first = buy(buyer, item)  # 300: commission 6, net 294
    buy(other_buyer, foreign, 2)  # 160 in the other shop: net 156.80
    withdrawal_request(actor=merchant, shop=shop, amount="280.00", bank_name="ICBC",
                       bank_account="6222020200112233", idempotency_key="w")
    refund_issue(order=first, amount="100.00", reason="quality", idempotency_key="after-sales-1")

    # 14 from the balance, 50 from the deposit, 36 paid first by the platform.
    assert shop_money(shop) == {"balance": D("0.00"), "deposit": D("0.00"), "owed": D("36.00")}
    assert shop_money(other_shop) == {"balance": D("156.80"), "deposit": D("0.00"), "owed": D("0.00")}
    assert normal_balance(accounts.escrow()) == D("0.00")
    assert normal_balance(accounts.commission_income()) == D("9.20")
    # In at the provider: 50 + 300 + 160; out: 280 + 100.
    assert normal_balance(accounts.provider_clearing()) == D("130.00")
    assert books_balanced()
    for account in (accounts.merchant_balance(shop.pk), accounts.merchant_balance(other_shop.pk)):
        total = sum(Entry.objects.filter(account=account).values_list("amount", flat=True), D("0"))
        assert normal_balance(account) == -total
    assert Shop.objects.get(pk=shop.pk).deposit_amount == D("0.00")
