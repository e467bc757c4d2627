"""The risk seam at checkout (accept / hold / reject), cancelling a held order, limit changes, query counts."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError
from core.models import Notification
from credit import risk
from credit.models import CreditApplication, CreditLine, InstallmentPlan
from credit.services.applications import application_decide
from credit.services.lines import credit_line_set_limit
from ledger.models import Transaction
from marketplace.models import Order, OrderStatus
from marketplace.services.orders import order_cancel
from tests.credit.conftest import assert_books

HOLD_SUPPORTED = OrderStatus.UNDER_REVIEW in Order.TRANSITIONS[OrderStatus.PENDING_PAYMENT]


@pytest.mark.skipif(not HOLD_SUPPORTED, reason="marketplace: Order.TRANSITIONS lacks pending_payment → under_review")
def test_hold_puts_the_order_under_review_and_cancel_gives_credit_back(buyer_with_line, listing,
                                                                          place_credit_order, monkeypatch):
    monkeypatch.setattr(risk, "score_checkout", lambda order, context: risk.Decision(risk.HOLD, 70, ["round_amount"]))
    order = place_credit_order(buyer_with_line, listing, installments=3)

    assert order.status == "under_review"
    assert CreditLine.objects.get(user=buyer_with_line).used_amount == Decimal("1000.00")

    order_cancel(actor=buyer_with_line, order=order, reason="held too long")
    assert InstallmentPlan.objects.get(order=order).status == "cancelled"
    assert CreditLine.objects.get(user=buyer_with_line).used_amount == 0
    assert_books(buyer_with_line)


def test_a_credit_order_gets_its_ship_by_deadline_when_paid(buyer_with_line, listing, place_credit_order):
    order = place_credit_order(buyer_with_line, listing, installments=3)

    assert order.status == "paid"
    assert order.ship_by == order.paid_at + timedelta(hours=48)
    from django.utils import formats, timezone, translation

    with translation.override("zh-hans"):  # the merchant's language
        deadline = formats.date_format(timezone.localtime(order.ship_by), "SHORT_DATETIME_FORMAT")
    to_ship = Notification.objects.get(user=listing.shop.owner, title__contains=f"#{order.pk}")
    assert to_ship.body == f"请在 {deadline} 前发货，订单金额 ¥1000.00。"  # used to read "请在  前发货"


def test_reject_changes_nothing(buyer_with_line, listing, place_credit_order, monkeypatch):
    rejected = risk.Decision(risk.REJECT, 95, ["shared_device"])
    monkeypatch.setattr(risk, "score_checkout", lambda order, context: rejected)
    before = Transaction.objects.count()

    with pytest.raises(DomainError) as refused:
        place_credit_order(buyer_with_line, listing, installments=3)

    assert refused.value.code == "risk_rejected" and refused.value.extra["reasons"] == ["shared_device"]
    assert CreditLine.objects.get(user=buyer_with_line).used_amount == 0
    assert Transaction.objects.count() == before
    listing.refresh_from_db()
    assert listing.stock == 50


def test_limit_cannot_go_below_used(buyer_with_line, credit_officer, listing, place_credit_order):
    place_credit_order(buyer_with_line, listing, installments=3)
    line = CreditLine.objects.get(user=buyer_with_line)
    with pytest.raises(DomainError) as refused:
        credit_line_set_limit(actor=credit_officer, line=line, limit=Decimal("999.99"), reason="review")
    assert refused.value.code == "limit_below_used"
    credit_line_set_limit(actor=credit_officer, line=line, limit=Decimal("1000.00"), reason="review")
    line.refresh_from_db()
    assert line.available_amount == 0


def test_declining_after_approval_freezes_a_line_in_use(buyer_with_line, credit_officer, listing,
                                                        place_credit_order):
    place_credit_order(buyer_with_line, listing, installments=3)
    application_decide(actor=credit_officer, application=CreditApplication.objects.get(user=buyer_with_line),
                       decision="decline", note="fraud found")
    line = CreditLine.objects.get(user=buyer_with_line)
    assert (line.status, line.frozen_reason) == ("frozen", "staff")


@pytest.mark.parametrize("url", ["/api/v1/credit/plans/", "/api/v1/credit/history/", "/credit/"])
def test_query_count_does_not_grow_with_plans(buyer_with_line, make_listing, place_credit_order, client_for, url):
    from django.test import Client

    listing = make_listing(price=Decimal("100.00"))
    if url.startswith("/api/"):
        client = client_for(buyer_with_line)
    else:
        client = Client()
        client.force_login(buyer_with_line)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    place_credit_order(buyer_with_line, listing, installments=3)
    one = count()
    for _ in range(3):
        place_credit_order(buyer_with_line, listing, installments=6)
    assert count() == one


def test_a_line_closes_only_when_nothing_is_owed_and_then_takes_no_orders(buyer_with_line, listing,
                                                                           place_credit_order):
    from credit.models import CreditLineEvent
    from credit.services.lines import credit_line_close

    order = place_credit_order(buyer_with_line, listing, installments=3)
    with pytest.raises(DomainError) as refused:
        credit_line_close(actor=buyer_with_line, user=buyer_with_line, reason="consent withdrawn")
    assert (refused.value.code, refused.value.status) == ("credit_outstanding", 409)
    assert CreditLine.objects.get(user=buyer_with_line).status == "active"

    order_cancel(actor=buyer_with_line, order=order, reason="changed my mind")
    line = credit_line_close(actor=buyer_with_line, user=buyer_with_line, reason="consent withdrawn")
    credit_line_close(actor=buyer_with_line, user=buyer_with_line, reason="again")  # closed already: no change

    assert line.status == "closed" == CreditLine.objects.get(user=buyer_with_line).status
    closed = line.events.filter(kind=CreditLineEvent.Kind.CLOSED).get()
    assert (closed.actor, closed.reason, closed.old_status, closed.new_status) == (
        buyer_with_line, "consent withdrawn", "active", "closed")
    with pytest.raises(DomainError) as no_credit:
        place_credit_order(buyer_with_line, listing, installments=3)
    assert no_credit.value.code == "credit_line_closed"
    assert_books(buyer_with_line)


def test_closing_without_a_line_does_nothing(buyer):
    from credit.services.lines import credit_line_close

    assert credit_line_close(actor=buyer, user=buyer, reason="consent withdrawn") is None
    assert not CreditLine.objects.filter(user=buyer).exists()
