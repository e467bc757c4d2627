"""The website: cart, checkout, my orders, order page and its actions, merchant pages, complaints, the buy box."""
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from ledger.models import Transaction
from marketplace.models import CartItem, Complaint, Listing, Order, OrderStatus, Payment, Review, Withdrawal
from marketplace.services.cart import cart_add
from marketplace.services.orders import order_place

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def web(request):
    """A browser logged in as the named fixture ("anonymous" for none)."""

    def make(who):
        browser = Client()
        if who != "anonymous":
            browser.force_login(request.getfixturevalue(who))
        return browser

    return make


def _form_data(where, **extra):
    return {"name": where["name"], "phone": where["phone"], "address": where["address"],
            "payment_method": "full", **extra}


# --- cart and checkout ---------------------------------------------------------------------------


def test_add_to_cart_and_see_it(web, listing):
    browser = web("buyer")

    response = browser.post("/cart/add/", {"listing": listing.pk, "quantity": 2})
    page = browser.get("/cart/")

    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert CartItem.objects.get().quantity == 2
    assert "Wireless earphones" in page.content.decode() and "¥200.00" in page.content.decode()
    assert f'href="/checkout/{listing.shop_id}/"' in page.content.decode()


@pytest.mark.parametrize("data", [{"quantity": 1}, {"listing": 999999, "quantity": 1}, {"quantity": "x"},
                                  {"quantity": 0}])
def test_bad_add_to_cart_shows_a_message_and_adds_nothing(web, listing, data):
    data = {"listing": listing.pk, **data} if "listing" not in data and data != {"quantity": 1} else data

    response = web("buyer").post("/cart/add/", {**data, "next": f"/listings/{listing.pk}/"}, follow=False)

    assert response.status_code == 302
    assert not CartItem.objects.exists()


def test_a_merchant_cannot_put_their_own_listing_in_the_cart(web, listing):
    response = web("merchant").post("/cart/add/", {"listing": listing.pk, "quantity": 1}, follow=True,
                                    HTTP_ACCEPT_LANGUAGE="en")

    assert not CartItem.objects.exists()
    assert "own shop" in response.content.decode()


def test_change_and_remove_cart_items(web, buyer, listing, other_buyer):
    item = cart_add(buyer=buyer, listing=listing, quantity=1)
    browser = web("buyer")

    browser.post(f"/cart/items/{item.pk}/", {f"item{item.pk}-quantity": 5})
    assert CartItem.objects.get().quantity == 5
    assert web("other_buyer").post(f"/cart/items/{item.pk}/remove/").status_code == 404
    browser.post(f"/cart/items/{item.pk}/", {f"item{item.pk}-quantity": 0})
    assert not CartItem.objects.exists()


def test_checkout_page_offers_every_registered_method(web, buyer, listing):
    cart_add(buyer=buyer, listing=listing, quantity=1)

    page = web("buyer").get(f"/checkout/{listing.shop_id}/").content.decode()

    assert 'name="payment_method" value="full"' in page
    assert "Pay in full" in page or "一次付清" in page


def test_checkout_places_the_order_and_empties_that_shops_cart(web, buyer, listing, other_shop, make_listing,
                                                               address):
    foreign = make_listing(shop=other_shop)
    cart_add(buyer=buyer, listing=listing, quantity=3)
    cart_add(buyer=buyer, listing=foreign, quantity=1)

    response = web("buyer").post(f"/checkout/{listing.shop_id}/", _form_data(address))

    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
    assert (order.total_amount, order.status, order.shipping_phone) == (D("300.00"), "pending_payment",
                                                                          "+8613912345678")
    assert list(CartItem.objects.values_list("listing_id", flat=True)) == [foreign.pk]
    assert Listing.objects.get(pk=listing.pk).stock == 7


@pytest.mark.parametrize("field, value", [("phone", "12345"), ("name", ""), ("address", "")])
def test_checkout_shows_field_errors_in_place(web, buyer, listing, address, field, value):
    cart_add(buyer=buyer, listing=listing, quantity=1)

    response = web("buyer").post(f"/checkout/{listing.shop_id}/", _form_data(address, **{field: value}))

    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert 'class="field field-invalid"' in response.content.decode()
    assert not Order.objects.exists() and CartItem.objects.count() == 1


def test_checkout_out_of_stock_is_shown_on_the_form(web, buyer, make_listing, address):
    scarce = make_listing(stock=3)
    cart_add(buyer=buyer, listing=scarce, quantity=3)
    Listing.objects.filter(pk=scarce.pk).update(stock=1)

    response = web("buyer").post(f"/checkout/{scarce.shop_id}/", _form_data(address))

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not Order.objects.exists()


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(web, shop):
    response = web("buyer").get(f"/checkout/{shop.pk}/")

    assert (response.status_code, response["Location"]) == (302, "/cart/")


@pytest.mark.parametrize("path", ["/cart/", "/orders/", "/merchant/orders/", "/merchant/balance/"])
def test_pages_need_a_login(web, path):
    response = web("anonymous").get(path)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- my orders and the order page ----------------------------------------------------------------


def test_my_orders_page_lists_mine(web, place, other_buyer):
    mine = place()
    theirs = place(who=other_buyer)

    page = web("buyer").get("/orders/").content.decode()

    assert f"/orders/{mine.pk}/" in page and f"/orders/{theirs.pk}/" not in page


@pytest.mark.parametrize("who, status", [("anonymous", 302), ("buyer", 200), ("other_buyer", 404), ("merchant", 200),
                                         ("other_merchant", 404), ("cs_staff", 200), ("staff_no_perms", 404)])
def test_who_may_see_the_order_page(web, paid_order, other_shop, who, status):
    response = web(who).get(f"/orders/{paid_order.pk}/")

    assert response.status_code == status
    if status == 200 and who != "buyer":
        assert "13912345678" not in response.content.decode()
        assert "139****5678" in response.content.decode()


def test_the_buyer_pays_from_the_order_page(web, pending_order):
    browser = web("buyer")
    page = browser.get(f"/orders/{pending_order.pk}/")
    key = page.context["pay_key"]

    response = browser.post(f"/orders/{pending_order.pk}/pay/", {"outcome": "approve", "key": key})
    again = browser.post(f"/orders/{pending_order.pk}/pay/", {"outcome": "approve", "key": key}, follow=True)

    assert response.status_code == 302
    assert Order.objects.get(pk=pending_order.pk).status == OrderStatus.PAID
    assert Payment.objects.count() == 1 and Transaction.objects.count() == 1
    assert [m.level_tag for m in again.context["messages"]][-1] == "info"  # a double click is no error


def test_a_declined_payment_is_explained(web, pending_order):
    response = web("buyer").post(f"/orders/{pending_order.pk}/pay/", {"outcome": "decline", "key": "k"}, follow=True)

    assert Order.objects.get(pk=pending_order.pk).status == OrderStatus.PENDING_PAYMENT
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


@pytest.mark.parametrize("who, status", [("other_buyer", 404), ("other_merchant", 404), ("staff_no_perms", 404)])
def test_strangers_cannot_act_on_an_order(web, pending_order, who, status):
    for action, data in (("pay", {"outcome": "approve", "key": "k"}), ("cancel", {}), ("confirm-receipt", {}),
                         ("ship", {"ship-carrier": "SF", "ship-tracking_number": "1"}), ("review", {})):
        assert web(who).post(f"/orders/{pending_order.pk}/{action}/", data).status_code == status
    assert Order.objects.get(pk=pending_order.pk).status == OrderStatus.PENDING_PAYMENT
    assert not Payment.objects.exists()


def test_the_merchant_cannot_pay(web, pending_order):
    response = web("merchant").post(f"/orders/{pending_order.pk}/pay/", {"outcome": "approve", "key": "k"},
                                    follow=True)

    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Payment.objects.exists()


def test_ship_form_errors_are_shown_in_place(web, paid_order):
    response = web("merchant").post(f"/orders/{paid_order.pk}/ship/", {"ship-carrier": "SF"})

    assert response.status_code == 400
    assert list(response.context["ship_form"].errors) == ["tracking_number"]
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.PAID


def test_the_whole_story_on_the_website(web, paid_order):
    merchant, buyer = web("merchant"), web("buyer")

    merchant.post(f"/orders/{paid_order.pk}/ship/", {"ship-carrier": "SF", "ship-tracking_number": "SF9",
                                                     "next": "/merchant/orders/"})
    buyer.post(f"/orders/{paid_order.pk}/confirm-receipt/")
    review = buyer.post(f"/orders/{paid_order.pk}/review/", {"review-rating": 4, "review-text": "Good tea"})
    page = buyer.get(f"/orders/{paid_order.pk}/").content.decode()

    order = Order.objects.get(pk=paid_order.pk)
    assert (order.status, order.tracking_number) == ("completed", "SF9")
    assert review.status_code == 302 and Review.objects.get().rating == 4
    assert "SF9" in page and "Review this order" not in page


def test_a_review_with_no_rating_is_shown_in_place(web, completed_order):
    response = web("buyer").post(f"/orders/{completed_order.pk}/review/", {"review-rating": 9})

    assert response.status_code == 400
    assert "rating" in response.context["review_form"].errors


def test_cancel_from_the_order_page(web, paid_order):
    web("buyer").post(f"/orders/{paid_order.pk}/cancel/", {"cancel-reason": "too slow"})

    order = Order.objects.get(pk=paid_order.pk)
    assert (order.status, order.refunded_amount) == ("cancelled", D("200.00"))
    assert order.status_changes.last().reason == "too slow"


# --- merchant pages ------------------------------------------------------------------------------


def test_orders_to_ship_show_the_phone_masked(web, paid_order, place):
    place()  # awaiting payment: not to ship

    page = web("merchant").get("/merchant/orders/")

    body = page.content.decode()
    assert [row["order"].pk for row in page.context["rows"]] == [paid_order.pk]
    assert "139****5678" in body and "13912345678" not in body
    assert 'name="ship-tracking_number"' in body


@pytest.mark.parametrize("path", ["/merchant/orders/", "/merchant/balance/"])
def test_merchant_pages_need_a_shop(web, path):
    response = web("buyer").get(path)

    assert response.status_code == 403


def test_the_balance_page_and_a_withdrawal(web, completed_order):
    browser = web("merchant")
    page = browser.get("/merchant/balance/")
    key = page.context["form"]["key"].value()

    response = browser.post("/merchant/balance/", {"amount": "96.00", "bank_name": "ICBC",
                                                   "bank_account": "6222020200112233", "key": key})
    again = browser.post("/merchant/balance/", {"amount": "96.00", "bank_name": "ICBC",
                                                "bank_account": "6222020200112233", "key": key})

    assert "¥196.00" in page.content.decode()
    assert f"/orders/{completed_order.pk}/" in page.content.decode()
    assert response.status_code == 302 and again.status_code == 302
    assert Withdrawal.objects.count() == 1
    assert "¥100.00" in browser.get("/merchant/balance/").content.decode()


def test_withdrawal_errors_are_shown_in_place(web, completed_order):
    response = web("merchant").post("/merchant/balance/", {"amount": "500.00", "bank_name": "ICBC",
                                                           "bank_account": "6222020200112233", "key": "k"})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["amount"]
    assert not Withdrawal.objects.exists()


# --- complaints ----------------------------------------------------------------------------------


def test_file_a_complaint_from_the_website(web, shop, paid_order):
    browser = web("buyer")
    form = browser.get(f"/complaints/new/?shop={shop.pk}&order={paid_order.pk}")

    response = browser.post("/complaints/new/", {"shop": shop.pk, "order": paid_order.pk, "kind": "counterfeit",
                                                 "description": "Fake seal"})

    assert form.status_code == 200
    assert response.status_code == 302
    assert Complaint.objects.get().order == paid_order


def test_a_complaint_about_your_own_shop_is_refused(web, shop):
    response = web("merchant").post("/complaints/new/", {"shop": shop.pk, "kind": "fraud", "description": "x"})

    assert response.status_code == 400 and not Complaint.objects.exists()


def test_a_complaint_form_for_an_unknown_shop_is_404(web):
    assert web("buyer").get("/complaints/new/?shop=999").status_code == 404
    assert web("buyer").get("/complaints/new/?shop=abc").status_code == 404


# --- query counts --------------------------------------------------------------------------------


def _orders(buyer, listing, address, n):
    return [order_place(buyer=buyer, lines=[{"listing": listing, "quantity": 1}], shipping_address=address,
                        payment={"method": "full"}) for _ in range(n)]


@pytest.mark.parametrize("path, who", [("/orders/", "buyer"), ("/merchant/orders/?status=all", "merchant")])
def test_page_query_counts_do_not_grow_with_the_rows(web, make_listing, buyer, address, path, who,
                                                     django_assert_max_num_queries):
    many = make_listing(stock=500)
    browser = web(who)
    counts = []
    for n in (1, 15):
        _orders(buyer, many, address, n)
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(path, {"page_size": 50}).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
    # session, user, (the merchant's shop), count, orders with their shops, lines
    for size in (5, 10, 16):
        with django_assert_max_num_queries(6):
            assert browser.get(path, {"page_size": size}).status_code == 200


def test_the_balance_page_query_count_is_fixed(web, completed_order, place, buyer, merchant):
    from marketplace.services.orders import order_confirm_receipt, order_ship
    from marketplace.services.payments import order_pay

    browser = web("merchant")
    with CaptureQueriesContext(connection) as first:
        browser.get("/merchant/balance/")
    for n in range(3):
        order = order_pay(actor=buyer, order=place(), idempotency_key=f"p{n}")
        order_ship(actor=merchant, order=order, carrier="SF", tracking_number=str(n))
        order_confirm_receipt(actor=buyer, order=order)
    with CaptureQueriesContext(connection) as later:
        browser.get("/merchant/balance/")

    assert len(first) == len(later)


# --- the buy box and the navigation --------------------------------------------------------------


def _render_buy_box(listing, user):
    request = RequestFactory().get(f"/listings/{listing.pk}/")
    request.user = user
    return render_to_string("marketplace/orders/_buy_box.html", {"listing": listing, "user": user},
                            request=request)


def test_the_buy_box_adds_to_the_cart(listing, buyer):
    html = _render_buy_box(listing, buyer)

    assert 'action="/cart/add/"' in html
    assert f'name="listing" value="{listing.pk}"' in html and 'max="10"' in html


def test_the_buy_box_asks_strangers_to_log_in_and_owners_to_sell(listing, merchant):
    from django.contrib.auth.models import AnonymousUser

    assert "/accounts/login/?next=" in _render_buy_box(listing, AnonymousUser())
    assert "/cart/add/" not in _render_buy_box(listing, merchant)


def test_the_buy_box_of_a_sold_out_listing_has_no_form(listing, buyer):
    Listing.objects.filter(pk=listing.pk).update(stock=0)
    listing.refresh_from_db()

    assert "/cart/add/" not in _render_buy_box(listing, buyer)


def test_the_navigation_links_cart_and_orders(web):
    page = web("buyer").get("/cart/").content.decode()

    assert 'href="/cart/"' in page and 'href="/orders/"' in page
    assert 'href="/listings/"' in page and 'href="/merchant/"' in page
