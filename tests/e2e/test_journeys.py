"""The journeys of the issue, in real Chromium: an instalment order returned and refunded (zh-Hans), and a
fully paid order returned and refunded (English), each step screenshotted to test-artifacts/e2e/."""
import re

import pytest
from playwright.sync_api import expect

from credit.models import InstallmentPlan
from marketplace.models import Order
from protection.models import AfterSalesCase
from tests.e2e import scenario

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _search_and_add_to_cart(page, shot, query, title):
    page.goto("/")
    expect(page.locator("h1")).to_be_visible()
    shot(page, "home")
    page.fill("#home-q", query)
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/listings/\?"))
    shot(page, "search")
    page.get_by_role("link", name=title).first.click()
    page.wait_for_url(re.compile(r"/listings/\d+/$"))
    shot(page, "listing")
    page.locator("form.buy-box button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    shot(page, "cart")
    page.locator("a[href*='/checkout/']").first.click()
    page.wait_for_url(re.compile(r"/checkout/\d+/$"))


def _fill_address(page):
    page.fill("#id_name", "张三")
    page.fill("#id_phone", "13912345678")
    page.fill("#id_address", "上海市浦东新区世纪大道100号 8楼")


def _order_of(page) -> Order:
    match = re.search(r"/orders/(\d+)/", page.url)
    assert match, page.url
    return Order.objects.get(pk=int(match.group(1)))


def _merchant_ships(merchant, order, shot):
    merchant.goto("/merchant/orders/")
    shot(merchant, "merchant-orders-to-ship")
    merchant.goto(f"/orders/{order.pk}/")
    merchant.fill("#id_ship-carrier", "SF Express")
    merchant.fill("#id_ship-tracking_number", "SF1002003004")
    merchant.locator(f"form[action='/orders/{order.pk}/ship/'] button[type=submit]").click()
    merchant.wait_for_load_state()
    shot(merchant, "merchant-shipped")
    order.refresh_from_db()
    assert order.status == "shipped"


def _return_flow(buyer, merchant, order, shot) -> AfterSalesCase:
    """Buyer confirms receipt and opens a no-reason return; merchant approves; buyer ships; merchant confirms."""
    buyer.goto(f"/orders/{order.pk}/")
    buyer.locator(f"form[action='/orders/{order.pk}/confirm-receipt/'] button").click()
    buyer.wait_for_load_state()
    shot(buyer, "buyer-confirmed-receipt")
    order.refresh_from_db()
    assert order.status == "completed"

    buyer.locator(f"a[href='/after-sales/new/{order.pk}/']").click()
    buyer.wait_for_url(re.compile(r"/after-sales/new/\d+/$"))
    buyer.select_option("#id_type", "return_refund")
    buyer.select_option("#id_reason", "no_reason")
    buyer.fill("#id_description", "尺寸不合适 / not the size I expected.")
    shot(buyer, "buyer-return-form")
    buyer.locator("main form button[type=submit]").click()
    buyer.wait_for_url(re.compile(r"/after-sales/\d+/$"))
    shot(buyer, "buyer-case-opened")
    case = AfterSalesCase.objects.get(order=order)

    merchant.goto("/merchant/after-sales/")
    shot(merchant, "merchant-case-inbox")
    merchant.locator(f"a[href='/after-sales/{case.pk}/']").first.click()
    merchant.wait_for_url(re.compile(rf"/after-sales/{case.pk}/$"))
    merchant.locator(f"form[action='/after-sales/{case.pk}/approve/'] button").click()
    merchant.wait_for_load_state()
    shot(merchant, "merchant-approved")
    case.refresh_from_db()
    assert case.status == "awaiting_return", case.status

    buyer.goto(f"/after-sales/{case.pk}/")
    form = buyer.locator(f"form[action='/after-sales/{case.pk}/ship-return/']")
    form.locator("[name=carrier]").fill("ZTO")
    form.locator("[name=tracking_number]").fill("ZT7788990011")
    form.locator("button").click()
    buyer.wait_for_load_state()
    shot(buyer, "buyer-return-shipped")
    case.refresh_from_db()
    assert case.status == "return_shipped", case.status

    merchant.goto(f"/after-sales/{case.pk}/")
    merchant.locator(f"form[action='/after-sales/{case.pk}/confirm-return/'] button").click()
    merchant.wait_for_load_state()
    shot(merchant, "merchant-confirmed-return")
    case.refresh_from_db()
    order.refresh_from_db()
    assert order.status == "refunded", (case.status, order.status)
    return case


def test_instalment_order_returned_and_refunded_to_the_credit_line(live_server, open_as, shot):
    world = scenario.build()
    buyer = open_as(world.buyer)
    merchant = open_as(world.merchant)

    # The buyer finds the teapot and sees its instalment teaser.
    _search_and_add_to_cart(buyer, shot, "紫砂壶", world.listing.title)
    # Checkout: choose instalments, 6 of them; the quote with its APR is on screen before confirming.
    _fill_address(buyer)
    buyer.check("input[name=payment_method][value=installment]")
    buyer.check("input[name=payment_installments][value='6']")
    quote = buyer.locator("#credit-quote-6")
    expect(quote).to_be_visible()
    apr = quote.locator(".apr")
    expect(apr).to_be_visible()
    shown_apr = apr.inner_text().strip()
    assert re.fullmatch(r"\d+\.\d{2} %", shown_apr), shown_apr
    expect(quote.locator("tbody tr")).to_have_count(6)
    apr_size = float(apr.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    rate_size = float(quote.locator(".help").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert apr_size > rate_size
    expect(buyer.locator("#credit-quote-3")).to_be_hidden()
    expect(buyer.locator("#credit-quote-12")).to_be_hidden()
    apr.scroll_into_view_if_needed()
    shot(buyer, "checkout-6-instalments-quote")
    buyer.locator("main form button[type=submit]").last.click()
    buyer.wait_for_url(re.compile(r"/orders/\d+/$"))
    shot(buyer, "order-placed")
    order = _order_of(buyer)
    assert order.status == "paid" and order.installments == 6
    plan = InstallmentPlan.objects.get(order=order)
    assert shown_apr == f"{plan.apr} %"  # the rate recorded in the agreement is the one shown

    buyer.goto("/credit/")
    expect(buyer.locator(".gauge")).to_be_visible()
    shot(buyer, "credit-centre-in-use")

    _merchant_ships(merchant, order, shot)
    _return_flow(buyer, merchant, order, shot)

    # The refund is back on the credit line: the plan is refunded and nothing of the limit is in use.
    buyer.goto("/credit/")
    plan.refresh_from_db()
    assert plan.status == "refunded", plan.status
    expect(buyer.locator("#plans-title")).to_be_visible()
    expect(buyer.locator(f"[data-plan='{plan.pk}'] [data-status]")).to_have_attribute("data-status", "refunded")
    expect(buyer.locator("[data-used]")).to_have_attribute("data-used", "0.00")
    shot(buyer, "credit-centre-refunded")
    buyer.goto("/notifications/")
    shot(buyer, "notifications")
    assert not buyer.js_errors and not merchant.js_errors, buyer.js_errors + merchant.js_errors


def test_full_payment_order_in_english_returned_and_refunded(live_server, open_as, shot):
    world = scenario.build(credit=False)
    buyer = open_as(world.buyer, language="en")
    merchant = open_as(world.merchant, language="en")

    buyer.goto("/")
    expect(buyer.locator("html")).to_have_attribute("lang", "en")
    _search_and_add_to_cart(buyer, shot, "celadon", world.other_listing.title)
    _fill_address(buyer)
    buyer.check("input[name=payment_method][value=full]")
    shot(buyer, "checkout-full-payment")
    buyer.locator("main form button[type=submit]").last.click()
    buyer.wait_for_url(re.compile(r"/orders/\d+/$"))
    order = _order_of(buyer)
    shot(buyer, "order-awaiting-payment")
    buyer.locator("button[name=outcome][value=approve]").click()
    buyer.wait_for_load_state()
    expect(buyer.locator(".message").first).to_contain_text("Paid")
    shot(buyer, "order-paid")
    order.refresh_from_db()
    assert order.status == "paid"

    _merchant_ships(merchant, order, shot)
    _return_flow(buyer, merchant, order, shot)
    buyer.goto(f"/orders/{order.pk}/")
    expect(buyer.locator("main")).to_contain_text("Refunded")
    shot(buyer, "order-refunded")
    assert not buyer.js_errors and not merchant.js_errors, buyer.js_errors + merchant.js_errors
