"""Order services: placing, paying, shipping, receipt, auto-confirm, cancelling — and what each refuses."""
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from core.errors import DomainError
from core.models import Notification
from ledger import accounts
from ledger.models import Transaction
from ledger.selectors import books_balanced, normal_balance
from marketplace import hooks
from marketplace.models import (
    Listing,
    ListingStatus,
    Order,
    OrderStatus,
    OrderStatusChange,
    Payment,
    Refund,
    Settlement,
)
from marketplace.services.orders import (
    order_cancel,
    order_confirm_receipt,
    order_place,
    order_ship,
    order_transition,
    orders_auto_confirm,
)
from marketplace.services.payments import order_pay
from marketplace.services.shops import shop_suspend

from .conftest import next_key

pytestmark = pytest.mark.django_db
D = Decimal


def _stock(listing):
    return Listing.objects.values_list("stock", flat=True).get(pk=listing.pk)


def _timeline(order):
    return list(OrderStatusChange.objects.filter(order=order).values_list("old_status", "new_status"))


# --- placing -------------------------------------------------------------------------------------


def test_place_reserves_stock_snapshots_prices_and_waits_for_payment(buyer, listing, make_listing, address):
    second = make_listing(title="Cups", price="12.50", stock=5, return_days=20)

    order = order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 2}, {"listing": second, "quantity": 3}],
                        shipping_address=address, payment={"method": "full"})

    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.total_amount == D("237.50")
    assert order.payment_method == "full"
    lines = list(order.lines.values_list("listing_id", "title", "unit_price_amount", "quantity", "line_amount",
                                         "return_days"))
    assert lines == [(listing.pk, "Wireless earphones", D("100.00"), 2, D("200.00"), 15),
                     (second.pk, "Cups", D("12.50"), 3, D("37.50"), 20)]
    assert (_stock(listing), _stock(second)) == (8, 2)
    assert _timeline(order) == [("", OrderStatus.PENDING_PAYMENT)]
    # Personal data is stored encrypted, the phone normalised.
    order = Order.objects.get(pk=order.pk)
    assert (order.shipping_name, order.shipping_phone) == ("张三", "+8613912345678")
    assert order.shipping_phone_masked == "139****5678"
    assert not Transaction.objects.exists()


def test_a_price_change_after_placing_does_not_change_the_order(place, listing, merchant):
    order = place(quantity=1)
    Listing.objects.filter(pk=listing.pk).update(price_amount=D("999.00"))

    assert Order.objects.get(pk=order.pk).total_amount == D("100.00")


def test_the_same_listing_twice_is_one_line(buyer, listing, address):
    order = order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 2}, {"listing": listing.pk,
                                                                                     "quantity": 1}],
                        shipping_address=address, payment={"method": "full"})

    assert list(order.lines.values_list("quantity", flat=True)) == [3]
    assert _stock(listing) == 7


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "1", True, None, 1000], ids=repr)
def test_place_refuses_a_quantity_that_is_not_a_whole_number_from_1_to_999(buyer, listing, address, quantity):
    with pytest.raises(DomainError) as caught:
        order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": quantity}], shipping_address=address,
                    payment={"method": "full"})

    assert caught.value.code == "validation_error"
    assert "quantity" in caught.value.extra["fields"]["lines"][0]
    assert not Order.objects.exists() and _stock(listing) == 10


@pytest.mark.parametrize("lines", [[], None, "x", [{"listing": "1", "quantity": 1}], [7]], ids=repr)
def test_place_refuses_malformed_lines(buyer, listing, address, lines):
    with pytest.raises(DomainError) as caught:
        order_place(buyer=buyer, lines=lines, shipping_address=address, payment={"method": "full"})

    assert caught.value.code == "validation_error"
    assert "lines" in caught.value.extra["fields"]


def test_place_refuses_an_unknown_listing(buyer, listing, address):
    with pytest.raises(DomainError) as caught:
        order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 1}, {"listing": 99999, "quantity": 1}],
                    shipping_address=address, payment={"method": "full"})

    assert (caught.value.code, caught.value.status, caught.value.extra["listing"]) == (
        "listing_unavailable", 400, 99999)
    assert _stock(listing) == 10


def test_place_refuses_two_shops_in_one_order(buyer, listing, other_shop, make_listing, address):
    foreign = make_listing(shop=other_shop)

    with pytest.raises(DomainError) as caught:
        order_place(buyer=buyer, lines=[{"listing": listing, "quantity": 1}, {"listing": foreign, "quantity": 1}],
                    shipping_address=address, payment={"method": "full"})

    assert (caught.value.code, caught.value.status) == ("mixed_shops", 400)
    assert (_stock(listing), _stock(foreign)) == (10, 10)


@pytest.mark.parametrize("state", ["draft", "paused", "removed", "shop_suspended"])
def test_place_refuses_a_listing_that_is_not_for_sale(buyer, listing, superuser, address, state):
    if state == "shop_suspended":
        shop_suspend(actor=superuser, shop=listing.shop, reason="fraud")
    else:
        Listing.objects.filter(pk=listing.pk).update(status=state)

    with pytest.raises(DomainError) as caught:
        order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 1}], shipping_address=address,
                    payment={"method": "full"})

    assert caught.value.code == "listing_unavailable"
    assert _stock(listing) == 10 and not Order.objects.exists()


def test_a_merchant_cannot_buy_from_their_own_shop(merchant, listing, address):
    with pytest.raises(DomainError) as caught:
        order_place(buyer=merchant, lines=[{"listing": listing.pk, "quantity": 1}], shipping_address=address,
                    payment={"method": "full"})

    assert caught.value.code == "own_shop"
    assert _stock(listing) == 10


def test_place_refuses_more_than_the_stock(buyer, make_listing, address):
    scarce = make_listing(stock=2)

    with pytest.raises(DomainError) as caught:
        order_place(buyer=buyer, lines=[{"listing": scarce.pk, "quantity": 3}], shipping_address=address,
                    payment={"method": "full"})

    assert (caught.value.code, caught.value.status, caught.value.extra["available"]) == ("out_of_stock", 409, 2)
    assert _stock(scarce) == 2


def test_when_one_line_is_out_of_stock_no_stock_is_taken_from_the_others(buyer, listing, make_listing, address):
    scarce = make_listing(stock=1, title="Rare")

    with pytest.raises(DomainError):
        order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 4}, {"listing": scarce.pk, "quantity": 2}],
                    shipping_address=address, payment={"method": "full"})

    assert (_stock(listing), _stock(scarce)) == (10, 1)


@pytest.mark.parametrize("shipping_address, field", [
    (None, None),
    ({}, "name"),
    ({"name": "", "phone": "13912345678", "address": "x"}, "name"),
    ({"name": "A", "phone": "12345", "address": "x"}, "phone"),
    ({"name": "A", "phone": 13912345678, "address": "x"}, "phone"),
    ({"name": "A", "phone": "13912345678", "address": "  "}, "address"),
    ({"name": "A" * 101, "phone": "13912345678", "address": "x"}, "name"),
    ({"name": "A", "phone": "13912345678", "address": "x" * 501}, "address"),
], ids=["missing", "empty", "blank-name", "bad-phone", "number-phone", "blank-address", "long-name", "long-address"])
def test_place_validates_the_shipping_address(buyer, listing, shipping_address, field):
    with pytest.raises(DomainError) as caught:
        order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 1}], shipping_address=shipping_address,
                    payment={"method": "full"})

    assert caught.value.code == "validation_error"
    fields = caught.value.extra["fields"]["shipping_address"]
    assert field is None or field in fields
    assert _stock(listing) == 10


@pytest.mark.parametrize("payment, code", [
    (None, "validation_error"), ({}, "validation_error"), ({"method": "bitcoin"}, "unknown_payment_method"),
])
def test_place_needs_a_known_payment_method(buyer, listing, address, payment, code):
    with pytest.raises(DomainError) as caught:
        order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 1}], shipping_address=address,
                    payment=payment)

    assert caught.value.code == code
    assert _stock(listing) == 10


class _Refusing(hooks.PaymentMethod):
    key = "refusing"
    label = "Refuses"

    def checkout(self, *, order, buyer, options, context):
        assert context == {"ip": "203.0.113.9"}
        assert Order.objects.filter(pk=order.pk).exists()
        raise DomainError("credit_declined", "no", status=422, reasons=["too new"])


class _Instant(hooks.PaymentMethod):
    key = "instant"
    label = "Pays at once"

    def validate_options(self, options):
        if options.get("installments") not in (3, 6, 12):
            raise DomainError("validation_error", "installments", fields={"payment": ["installments"]})
        return {"installments": options["installments"]}

    def checkout(self, *, order, buyer, options, context):
        order_transition(order=order, to=OrderStatus.PAID, actor=buyer)


@pytest.fixture
def extra_methods():
    hooks.register_payment_method(_Refusing())
    hooks.register_payment_method(_Instant())
    yield
    hooks._methods.pop("refusing")
    hooks._methods.pop("instant")


def test_a_method_refusing_at_checkout_undoes_the_whole_placement(buyer, listing, address, extra_methods):
    with pytest.raises(DomainError) as caught:
        order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 3}], shipping_address=address,
                    payment={"method": "refusing"}, context={"ip": "203.0.113.9"})

    assert (caught.value.code, caught.value.status, caught.value.extra["reasons"]) == (
        "credit_declined", 422, ["too new"])
    assert not Order.objects.exists() and not OrderStatusChange.objects.exists()
    assert _stock(listing) == 10


def test_a_method_may_move_the_order_on_at_checkout(buyer, listing, address, extra_methods):
    order = order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 1}], shipping_address=address,
                        payment={"method": "instant", "installments": 6})

    assert (order.status, order.payment_method, order.installments) == (OrderStatus.PAID, "instant", 6)
    assert order.paid_at is not None
    assert _timeline(order) == [("", "pending_payment"), ("pending_payment", "paid")]


# --- the transition service ----------------------------------------------------------------------


def test_transition_refuses_a_move_not_in_transitions_and_changes_nothing(pending_order):
    with pytest.raises(DomainError) as caught:
        order_transition(order=pending_order, to=OrderStatus.SHIPPED)

    assert (caught.value.code, caught.value.status) == ("invalid_transition", 409)
    assert caught.value.extra == {"current_status": "pending_payment", "requested_status": "shipped"}
    assert Order.objects.get(pk=pending_order.pk).status == OrderStatus.PENDING_PAYMENT
    assert len(_timeline(pending_order)) == 1


def test_transition_records_who_and_why_and_tells_buyer_and_merchant(paid_order, merchant, buyer):
    Notification.objects.all().delete()

    order_transition(order=paid_order, to=OrderStatus.CANCELLED, actor=None, reason="stock lost")

    change = OrderStatusChange.objects.filter(order=paid_order).last()
    assert (change.old_status, change.new_status, change.actor, change.reason) == ("paid", "cancelled", None,
                                                                                   "stock lost")
    assert paid_order.status == OrderStatus.CANCELLED and paid_order.cancelled_at is not None
    assert set(Notification.objects.values_list("user__username", "kind")) == {
        ("buyer", "order_event"), ("merchant", "order_event")}


def test_notifications_are_written_in_the_recipients_language(paid_order, buyer, merchant):
    from core.notifications import preferences_for

    prefs = preferences_for(buyer)
    prefs.language = "en"
    prefs.save()
    Notification.objects.all().delete()

    order_ship(actor=merchant, order=paid_order, carrier="SF", tracking_number="SF1")

    note = Notification.objects.get(user=buyer)
    assert note.title == f"Order #{paid_order.pk} has shipped"
    assert "SF1" in note.body
    assert note.link == f"/orders/{paid_order.pk}/"


# --- paying --------------------------------------------------------------------------------------


def test_pay_charges_books_escrow_and_sets_a_ship_by_deadline(pending_order, buyer):
    order = order_pay(actor=buyer, order=pending_order, idempotency_key="k1")

    assert order.status == OrderStatus.PAID
    assert pending_order.status == OrderStatus.PAID  # the caller's instance follows
    assert order.ship_by == order.paid_at + timedelta(hours=48)
    payment = Payment.objects.get()
    assert (payment.order, payment.payer, payment.amount, payment.status, payment.purpose) == (
        order, buyer, D("200.00"), "succeeded", "order")
    assert normal_balance(accounts.escrow()) == D("200.00")
    assert normal_balance(accounts.provider_clearing()) == D("200.00")
    txn = Transaction.objects.get()
    assert (txn.kind, txn.reference) == ("order_payment", ("order", order.pk))
    assert books_balanced()


def test_ship_by_is_configurable(pending_order, buyer, settings):
    settings.FANGXIN = {**settings.FANGXIN, "SHIP_WITHIN_HOURS": 24}

    order = order_pay(actor=buyer, order=pending_order, idempotency_key="k1")

    assert order.ship_by == order.paid_at + timedelta(hours=24)


def test_the_migration_gives_paid_orders_without_a_deadline_one(place, buyer, settings):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("marketplace.migrations.0007_backfill_ship_by").backfill_ship_by
    lacking = order_pay(actor=buyer, order=place(), idempotency_key="k0")
    Order.objects.filter(pk=lacking.pk).update(ship_by=None)  # as credit checkouts used to leave it
    kept = order_pay(actor=buyer, order=place(), idempotency_key="k1")  # 48 h, set when paid
    unpaid = place()
    settings.FANGXIN = {**settings.FANGXIN, "SHIP_WITHIN_HOURS": 24}

    backfill(apps, None)

    lacking.refresh_from_db()
    assert lacking.ship_by == lacking.paid_at + timedelta(hours=24)
    assert Order.objects.get(pk=kept.pk).ship_by == kept.paid_at + timedelta(hours=48)
    assert Order.objects.get(pk=unpaid.pk).ship_by is None


def test_a_declined_payment_changes_nothing(pending_order, buyer):
    with pytest.raises(DomainError) as caught:
        order_pay(actor=buyer, order=pending_order, outcome="decline", idempotency_key="k1")

    assert (caught.value.code, caught.value.status) == ("payment_declined", 402)
    assert Order.objects.get(pk=pending_order.pk).status == OrderStatus.PENDING_PAYMENT
    assert not Payment.objects.exists() and not Transaction.objects.exists()


@pytest.mark.parametrize("who", ["other_buyer", "merchant"])
def test_only_the_buyer_pays(pending_order, request, who):
    with pytest.raises(DomainError) as caught:
        order_pay(actor=request.getfixturevalue(who), order=pending_order, idempotency_key="k1")

    assert caught.value.code == "permission_denied"
    assert not Payment.objects.exists()


def test_an_order_is_paid_once(paid_order, buyer):
    with pytest.raises(DomainError) as caught:
        order_pay(actor=buyer, order=paid_order, idempotency_key="another")

    assert caught.value.code == "invalid_transition"
    assert Payment.objects.count() == 1 and Transaction.objects.count() == 1


def test_pay_refuses_an_unknown_outcome(pending_order, buyer):
    with pytest.raises(DomainError) as caught:
        order_pay(actor=buyer, order=pending_order, outcome="maybe", idempotency_key="k")

    assert caught.value.code == "validation_error"


# --- shipping and receipt ------------------------------------------------------------------------


def test_ship_records_tracking_and_the_auto_confirm_moment(paid_order, merchant, settings):
    settings.FANGXIN = {**settings.FANGXIN, "AUTO_CONFIRM_DAYS": 7}

    order = order_ship(actor=merchant, order=paid_order, carrier=" SF Express ", tracking_number="SF1")

    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "SF Express", "SF1")
    assert order.auto_confirm_at == order.shipped_at + timedelta(days=7)


@pytest.mark.parametrize("who", ["buyer", "other_merchant", "cs_staff"])
def test_only_the_shop_ships(paid_order, request, who):
    with pytest.raises(DomainError) as caught:
        order_ship(actor=request.getfixturevalue(who), order=paid_order, carrier="SF", tracking_number="1")

    assert caught.value.code == "permission_denied"
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.PAID


@pytest.mark.parametrize("carrier, tracking", [("", "1"), ("SF", ""), ("SF", None), ("S" * 61, "1"), (5, "1")])
def test_ship_needs_carrier_and_tracking_number(paid_order, merchant, carrier, tracking):
    with pytest.raises(DomainError) as caught:
        order_ship(actor=merchant, order=paid_order, carrier=carrier, tracking_number=tracking)

    assert caught.value.code == "validation_error"
    assert Order.objects.get(pk=paid_order.pk).shipped_at is None


def test_an_unpaid_order_cannot_ship(pending_order, merchant):
    with pytest.raises(DomainError) as caught:
        order_ship(actor=merchant, order=pending_order, carrier="SF", tracking_number="1")

    assert caught.value.code == "invalid_transition"


def test_confirm_receipt_completes_and_settles_at_once(shipped_order, buyer, merchant, shop):
    order = order_confirm_receipt(actor=buyer, order=shipped_order)

    assert order.status == OrderStatus.COMPLETED
    assert order.received_at == order.completed_at
    assert order.settled_at is not None
    settlement = Settlement.objects.get(order=order)
    assert (settlement.gross_amount, settlement.commission_amount, settlement.fee_amount, settlement.net_amount) == (
        D("200.00"), D("4.00"), D("0.00"), D("196.00"))
    assert normal_balance(accounts.merchant_balance(shop.pk)) == D("196.00")
    assert normal_balance(accounts.escrow()) == D("0.00")
    assert books_balanced()


@pytest.mark.parametrize("who", ["merchant", "other_buyer"])
def test_only_the_buyer_confirms_receipt(shipped_order, request, who):
    with pytest.raises(DomainError) as caught:
        order_confirm_receipt(actor=request.getfixturevalue(who), order=shipped_order)

    assert caught.value.code == "permission_denied"
    assert Order.objects.get(pk=shipped_order.pk).status == OrderStatus.SHIPPED


def test_receipt_of_an_unshipped_order_is_refused(paid_order, buyer):
    with pytest.raises(DomainError) as caught:
        order_confirm_receipt(actor=buyer, order=paid_order)

    assert caught.value.code == "invalid_transition"


def test_a_held_order_completes_but_stays_in_escrow(shipped_order, buyer):
    hooks.register_settlement_hold("test-hold", lambda orders: orders.none())
    try:
        order = order_confirm_receipt(actor=buyer, order=shipped_order)
    finally:
        hooks._settlement_holds.pop("test-hold")

    assert order.status == OrderStatus.COMPLETED and order.settled_at is None
    assert normal_balance(accounts.escrow()) == D("200.00")


# --- auto-confirm --------------------------------------------------------------------------------


def test_auto_confirm_completes_what_is_due_and_nothing_else(shipped_order, place, buyer, merchant):
    later = order_pay(actor=buyer, order=place(), idempotency_key="k2")
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        later = order_ship(actor=merchant, order=later, carrier="SF", tracking_number="2")

    with time_machine.travel(shipped_order.auto_confirm_at + timedelta(seconds=1)):
        assert orders_auto_confirm() == 1
        assert orders_auto_confirm() == 0

    shipped_order.refresh_from_db()
    later.refresh_from_db()
    assert (shipped_order.status, later.status) == ("completed", "shipped")
    assert shipped_order.received_at is not None and shipped_order.settled_at is not None
    change = OrderStatusChange.objects.filter(order=shipped_order).last()
    assert (change.actor, change.reason) == (None, "auto_confirmed")


def test_auto_confirm_waits_for_the_configured_days(shipped_order):
    assert orders_auto_confirm(now=shipped_order.auto_confirm_at - timedelta(seconds=1)) == 0
    assert orders_auto_confirm(now=shipped_order.auto_confirm_at) == 1
    shipped_order.refresh_from_db()
    assert shipped_order.received_at == shipped_order.auto_confirm_at


def test_the_auto_confirm_task_is_a_thin_wrapper(shipped_order):
    from marketplace.tasks import orders_auto_confirm_task

    assert orders_auto_confirm_task.run(now=(shipped_order.auto_confirm_at + timedelta(minutes=1)).isoformat()) == 1
    assert orders_auto_confirm_task.run() == 0


def test_the_beat_schedule_runs_both_sweeps_every_ten_minutes():
    from config.celery import app

    schedule = app.conf.beat_schedule
    assert schedule["marketplace-orders-auto-confirm"] == {
        "task": "marketplace.tasks.orders_auto_confirm_task", "schedule": 600.0}
    assert schedule["marketplace-orders-settle-due"]["task"] == "marketplace.tasks.orders_settle_due_task"


# --- cancelling ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["buyer", "merchant"])
def test_cancel_an_unpaid_order_returns_the_stock(pending_order, listing, request, who):
    order = order_cancel(actor=request.getfixturevalue(who), order=pending_order, reason="changed my mind")

    assert order.status == OrderStatus.CANCELLED and order.cancelled_at is not None
    assert _stock(listing) == 10
    assert not Refund.objects.exists() and not Transaction.objects.exists()


def test_cancel_a_paid_order_refunds_it_in_full(paid_order, buyer, listing):
    order = order_cancel(actor=buyer, order=paid_order)

    assert (order.status, order.refunded_amount) == ("cancelled", D("200.00"))
    refund = Refund.objects.get()
    assert (refund.amount, refund.method, refund.payment.refunded_amount) == (D("200.00"), "full", D("200.00"))
    assert refund.provider_ref.startswith("sbx_re_")
    assert normal_balance(accounts.escrow()) == D("0.00")
    assert normal_balance(accounts.provider_clearing()) == D("0.00")
    assert _stock(listing) == 10
    assert books_balanced()
    assert [s for _, s in _timeline(order)] == ["pending_payment", "paid", "cancelled"]


def test_customer_service_may_cancel(paid_order, cs_staff):
    assert order_cancel(actor=cs_staff, order=paid_order).status == OrderStatus.CANCELLED


@pytest.mark.parametrize("who", ["other_buyer", "other_merchant", "staff_no_perms"])
def test_strangers_cannot_cancel(paid_order, request, who, listing):
    with pytest.raises(DomainError) as caught:
        order_cancel(actor=request.getfixturevalue(who), order=paid_order)

    assert caught.value.code == "permission_denied"
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.PAID
    assert _stock(listing) == 8 and not Refund.objects.exists()


def test_a_shipped_order_cannot_be_cancelled(shipped_order, buyer, listing):
    with pytest.raises(DomainError) as caught:
        order_cancel(actor=buyer, order=shipped_order)

    assert caught.value.code == "invalid_transition"
    assert _stock(listing) == 8


def test_a_cancelled_order_cannot_be_cancelled_again(pending_order, buyer, listing):
    order_cancel(actor=buyer, order=pending_order)

    with pytest.raises(DomainError):
        order_cancel(actor=buyer, order=pending_order)
    assert _stock(listing) == 10


def test_removed_listing_stock_still_comes_back(pending_order, buyer, listing):
    Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.PAUSED)

    order_cancel(actor=buyer, order=pending_order)

    assert _stock(listing) == 10


def test_next_key_helper_is_unique():
    assert next_key() != next_key()
