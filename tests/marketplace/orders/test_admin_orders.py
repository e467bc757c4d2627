"""The staff admin of orders and money: who sees what, masked personal data, ledger view, confirmed actions."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from marketplace.models import Complaint, Order, OrderStatus, Shop
from marketplace.services.complaints import complaint_file
from marketplace.services.shops import deposit_post
from marketplace.services.withdrawals import withdrawal_request

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def admin_as(request):
    def make(who):
        browser = Client()
        browser.force_login(request.getfixturevalue(who))
        return browser

    return make


@pytest.mark.parametrize("who, status", [("superuser", 200), ("cs_staff", 200), ("finance_user", 200),
                                         ("staff_no_perms", 403)])
@pytest.mark.parametrize("model", ["order", "payment", "refund", "settlement", "review", "complaint"])
def test_who_may_open_the_lists(admin_as, completed_order, who, status, model):
    if model == "review" and who == "finance_user":
        status = 403  # reviews are customer service's business
    response = admin_as(who).get(f"/admin/marketplace/{model}/")

    assert response.status_code == status


@pytest.mark.parametrize("who, status", [("finance_user", 200), ("cs_staff", 403), ("staff_no_perms", 403)])
def test_withdrawals_are_for_finance(admin_as, who, status):
    assert admin_as(who).get("/admin/marketplace/withdrawal/").status_code == status


def test_the_order_page_shows_masked_data_timeline_and_books(admin_as, completed_order):
    page = admin_as("cs_staff").get(f"/admin/marketplace/order/{completed_order.pk}/change/")

    body = page.content.decode()
    assert page.status_code == 200
    assert "139****5678" in body and "13912345678" not in body
    assert "张*" in body and "世纪大道" not in body
    for kind in ("order_payment", "settlement"):
        assert kind in body
    assert "platform:escrow" in body and "Dr" in body and "Cr" in body
    # The timeline: each change by the statuses' names in the staff's language, the system's reasons too.
    assert "∅ → 待付款" in body and "pending_payment" not in body
    assert "已下单" in body and ">placed<" not in body
    # Money and status are read-only: no input for them.
    assert 'name="total_amount"' not in body and 'name="status"' not in body


def test_the_order_list_query_count_does_not_grow(admin_as, make_listing, buyer, address):
    from marketplace.services.orders import order_place

    many = make_listing(stock=500)
    browser = admin_as("superuser")
    counts = []
    for n in (1, 12):
        for _ in range(n):
            order_place(buyer=buyer, lines=[{"listing": many, "quantity": 1}], shipping_address=address,
                        payment={"method": "full"})
        with CaptureQueriesContext(connection) as queries:
            assert browser.get("/admin/marketplace/order/").status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_cancel_action_asks_for_confirmation_and_a_note(admin_as, paid_order):
    browser = admin_as("cs_staff")
    url = "/admin/marketplace/order/"
    selected = {"action": "cancel_orders", "_selected_action": [paid_order.pk]}

    confirm_page = browser.post(url, selected)
    without_note = browser.post(url, {**selected, "confirm": "yes"})
    assert confirm_page.status_code == 200 and confirm_page.context["objects"] == [paid_order]
    assert without_note.status_code == 200 and without_note.context["form"].errors  # asked again
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.PAID  # nothing before confirmation

    done = browser.post(url, {**selected, "confirm": "yes", "note": "Buyer asked by phone"})

    assert done.status_code == 302
    order = Order.objects.get(pk=paid_order.pk)
    assert (order.status, order.refunded_amount) == (OrderStatus.CANCELLED, D("200.00"))
    assert order.status_changes.last().reason == "Buyer asked by phone"


def test_finance_cannot_cancel_orders(admin_as, paid_order):
    response = admin_as("finance_user").post("/admin/marketplace/order/", {
        "action": "cancel_orders", "_selected_action": [paid_order.pk], "confirm": "yes", "note": "x"})

    assert response.status_code in (200, 302, 403)
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.PAID


def test_settle_action_settles_what_no_hold_keeps(admin_as, shipped_order, buyer):
    from marketplace import hooks
    from marketplace.services.orders import order_confirm_receipt

    hooks.register_settlement_hold("test-hold", lambda orders: orders.none())
    try:
        order_confirm_receipt(actor=buyer, order=shipped_order)
    finally:
        hooks._settlement_holds.pop("test-hold")

    admin_as("superuser").post("/admin/marketplace/order/", {
        "action": "settle_orders", "_selected_action": [shipped_order.pk], "confirm": "yes"})

    assert Order.objects.get(pk=shipped_order.pk).settled_at is not None


@pytest.fixture
def complaint(buyer, shop, listing):
    return complaint_file(actor=buyer, shop=shop, kind="counterfeit", description="Fake", listing=listing)


def test_resolve_a_complaint_with_a_deduction(admin_as, complaint, merchant, shop):
    deposit_post(actor=merchant, shop=shop, amount="100.00", idempotency_key="dep")

    response = admin_as("cs_staff").post("/admin/marketplace/complaint/", {
        "action": "resolve_deposit_deducted", "_selected_action": [complaint.pk], "confirm": "yes",
        "note": "Counterfeit seal", "deduction_amount": "40.00"})

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.outcome, complaint.deduction_amount) == ("resolved", "deposit_deducted",
                                                                                  D("40.00"))
    assert Shop.objects.get(pk=shop.pk).deposit_amount == D("60.00")


def test_dismiss_a_complaint(admin_as, complaint):
    admin_as("cs_staff").post("/admin/marketplace/complaint/", {
        "action": "resolve_dismissed", "_selected_action": [complaint.pk], "confirm": "yes", "note": "No proof"})

    assert Complaint.objects.get().outcome == "dismissed"


def test_a_failed_resolution_is_reported_and_changes_nothing(admin_as, complaint):
    response = admin_as("cs_staff").post("/admin/marketplace/complaint/", {
        "action": "resolve_deposit_deducted", "_selected_action": [complaint.pk], "confirm": "yes",
        "note": "x", "deduction_amount": "40.00"}, follow=True)

    assert Complaint.objects.get().status == "open"
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_withdrawals_show_only_the_last_four_digits(admin_as, completed_order, merchant, shop):
    withdrawal = withdrawal_request(actor=merchant, shop=shop, amount="10.00", bank_name="ICBC",
                                    bank_account="6222020200112233", idempotency_key="w")

    body = admin_as("finance_user").get(f"/admin/marketplace/withdrawal/{withdrawal.pk}/change/").content.decode()

    assert "****2233" in body and "6222020200112233" not in body
