"""Reviews, complaints, the cart and the staff groups."""
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from core.errors import DomainError
from core.models import AuditEvent, Notification
from ledger import accounts
from ledger.selectors import books_balanced, normal_balance
from marketplace.models import CartItem, Complaint, Listing, ListingStatus, Order, Review, Shop, ShopStatus
from marketplace.services.cart import cart_add, cart_checkout, cart_remove, cart_update
from marketplace.services.complaints import complaint_file, complaint_resolve
from marketplace.services.reviews import review_create
from marketplace.services.shops import deposit_post

pytestmark = pytest.mark.django_db
D = Decimal


# --- reviews -------------------------------------------------------------------------------------


def test_a_review_updates_the_shop_reputation(completed_order, buyer, shop):
    review = review_create(actor=buyer, order=completed_order, rating=4, text="  Nice  ")

    assert (review.rating, review.text, review.shop, review.buyer) == (4, "Nice", shop, buyer)
    shop.refresh_from_db()
    assert (shop.rating, shop.review_count) == (D("4.00"), 1)


def test_one_review_per_order(completed_order, buyer):
    review_create(actor=buyer, order=completed_order, rating=5)

    with pytest.raises(DomainError) as caught:
        review_create(actor=buyer, order=completed_order, rating=1)

    assert (caught.value.code, caught.value.status) == ("already_reviewed", 409)
    assert Review.objects.count() == 1


@pytest.mark.parametrize("who", ["merchant", "other_buyer"])
def test_only_the_buyer_reviews(completed_order, request, who):
    with pytest.raises(DomainError) as caught:
        review_create(actor=request.getfixturevalue(who), order=completed_order, rating=5)

    assert caught.value.code == "permission_denied"


@pytest.mark.parametrize("rating", [0, 6, 4.5, "5", True, None])
def test_ratings_are_whole_numbers_from_1_to_5(completed_order, buyer, rating):
    with pytest.raises(DomainError) as caught:
        review_create(actor=buyer, order=completed_order, rating=rating)

    assert caught.value.code == "validation_error"


def test_only_a_completed_order_is_reviewed(shipped_order, buyer):
    with pytest.raises(DomainError) as caught:
        review_create(actor=buyer, order=shipped_order, rating=5)

    assert caught.value.code == "invalid_transition"


# --- complaints ----------------------------------------------------------------------------------


@pytest.fixture
def complaint(buyer, shop, listing):
    return complaint_file(actor=buyer, shop=shop, kind="false_advertising", description="Not as pictured",
                          listing=listing)


def test_file_a_complaint(complaint, buyer, shop, listing):
    assert (complaint.buyer, complaint.shop, complaint.listing, complaint.status) == (buyer, shop, listing, "open")


@pytest.mark.parametrize("kwargs, field", [
    ({"kind": "rude"}, "kind"), ({"description": ""}, "description"), ({"description": "x" * 4001}, "description"),
    ({"shop": 999999}, "shop"), ({"listing": 999999}, "listing"),
])
def test_complaint_input_is_checked(buyer, shop, kwargs, field):
    data = {"shop": shop, "kind": "fraud", "description": "x", **kwargs}

    with pytest.raises(DomainError) as caught:
        complaint_file(actor=buyer, **data)

    assert list(caught.value.extra["fields"]) == [field]


def test_a_complaint_names_only_an_order_of_the_complainant_from_that_shop(paid_order, other_buyer, shop,
                                                                          other_shop):
    for actor, target in ((other_buyer, shop), (paid_order.buyer, other_shop)):
        with pytest.raises(DomainError) as caught:
            complaint_file(actor=actor, shop=target, kind="fraud", description="x", order=paid_order)
        assert list(caught.value.extra["fields"]) == ["order"]


def test_resolve_with_a_warning_tells_both_sides(complaint, cs_staff, buyer, merchant, shop):
    Notification.objects.all().delete()

    resolved = complaint_resolve(actor=cs_staff, complaint=complaint, outcome="warning", note="Fix the photos")

    assert (resolved.status, resolved.outcome, resolved.resolved_by, resolved.staff_note) == (
        "resolved", "warning", cs_staff, "Fix the photos")
    assert complaint.status == "resolved"
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"buyer", "merchant"}
    assert AuditEvent.objects.filter(action="complaint_resolved", target_id=str(complaint.pk)).exists()
    shop.refresh_from_db()
    assert shop.dispute_rate == D("1.0000")


def test_dismissing_tells_only_the_complainant(complaint, cs_staff):
    Notification.objects.all().delete()

    complaint_resolve(actor=cs_staff, complaint=complaint, outcome="dismissed", note="No evidence")

    assert list(Notification.objects.values_list("user__username", flat=True)) == ["buyer"]


def test_a_deposit_deduction_is_penalty_income(complaint, cs_staff, merchant, shop):
    deposit_post(actor=merchant, shop=shop, amount="500.00", idempotency_key="dep")

    complaint_resolve(actor=cs_staff, complaint=complaint, outcome="deposit_deducted", note="Counterfeit",
                      deduction_amount="200.00")

    assert Shop.objects.get(pk=shop.pk).deposit_amount == D("300.00")
    assert normal_balance(accounts.merchant_deposit(shop.pk)) == D("300.00")
    assert normal_balance(accounts.penalty_income()) == D("200.00")
    assert Complaint.objects.get().deduction_amount == D("200.00")
    assert books_balanced()


@pytest.mark.parametrize("amount, code", [("600.00", "insufficient_deposit"), (None, "validation_error"),
                                          ("-1", "validation_error"), ("1.001", "validation_error")])
def test_a_deduction_needs_a_valid_amount_the_deposit_covers(complaint, cs_staff, merchant, shop, amount, code):
    deposit_post(actor=merchant, shop=shop, amount="500.00", idempotency_key="dep")

    with pytest.raises(DomainError) as caught:
        complaint_resolve(actor=cs_staff, complaint=complaint, outcome="deposit_deducted", note="x",
                          deduction_amount=amount)

    assert caught.value.code == code
    assert Complaint.objects.get().status == "open"
    assert Shop.objects.get(pk=shop.pk).deposit_amount == D("500.00")


def test_removing_the_listing(complaint, cs_staff, listing):
    complaint_resolve(actor=cs_staff, complaint=complaint, outcome="listing_removed", note="Misleading")

    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.REMOVED


def test_removing_needs_a_listing(buyer, shop, cs_staff):
    bare = complaint_file(actor=buyer, shop=shop, kind="fraud", description="x")

    with pytest.raises(DomainError):
        complaint_resolve(actor=cs_staff, complaint=bare, outcome="listing_removed", note="x")
    assert Complaint.objects.get().status == "open"


def test_suspending_the_shop(complaint, cs_staff, shop):
    complaint_resolve(actor=cs_staff, complaint=complaint, outcome="shop_suspended", note="Fraud ring")

    assert Shop.objects.get(pk=shop.pk).verification_status == ShopStatus.SUSPENDED


@pytest.mark.parametrize("who", ["buyer", "merchant", "staff_no_perms"])
def test_only_staff_with_the_permission_resolve(complaint, request, who):
    with pytest.raises(DomainError) as caught:
        complaint_resolve(actor=request.getfixturevalue(who), complaint=complaint, outcome="dismissed", note="x")

    assert caught.value.code == "permission_denied"
    assert Complaint.objects.get().status == "open"


def test_a_resolved_complaint_stays_resolved(complaint, cs_staff):
    complaint_resolve(actor=cs_staff, complaint=complaint, outcome="dismissed", note="x")

    with pytest.raises(DomainError) as caught:
        complaint_resolve(actor=cs_staff, complaint=complaint, outcome="warning", note="y")

    assert caught.value.code == "invalid_transition"


@pytest.mark.parametrize("outcome, note, amount", [("banned", "x", None), ("warning", "", None),
                                                   ("warning", "x", "10.00")])
def test_resolve_input_is_checked(complaint, cs_staff, outcome, note, amount):
    with pytest.raises(DomainError) as caught:
        complaint_resolve(actor=cs_staff, complaint=complaint, outcome=outcome, note=note,
                          deduction_amount=amount)

    assert caught.value.code == "validation_error"


# --- cart ----------------------------------------------------------------------------------------


def test_adding_twice_adds_up(buyer, listing):
    cart_add(buyer=buyer, listing=listing, quantity=2)
    item = cart_add(buyer=buyer, listing=listing.pk, quantity=3)

    assert item.quantity == 5 and CartItem.objects.count() == 1


@pytest.mark.parametrize("quantity", [0, -1, 1000, 1.5, "2", True])
def test_cart_quantities_are_whole_numbers(buyer, listing, quantity):
    with pytest.raises(DomainError):
        cart_add(buyer=buyer, listing=listing, quantity=quantity)


def test_what_is_not_for_sale_cannot_go_in_the_cart(buyer, merchant, listing):
    with pytest.raises(DomainError) as own:
        cart_add(buyer=merchant, listing=listing.pk)
    Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.PAUSED)
    with pytest.raises(DomainError) as paused:
        cart_add(buyer=buyer, listing=listing.pk)

    assert (paused.value.code, own.value.code) == ("listing_unavailable", "own_shop")


def test_update_and_remove_only_your_own_items(buyer, other_buyer, listing):
    item = cart_add(buyer=buyer, listing=listing)

    with pytest.raises(DomainError) as caught:
        cart_remove(buyer=other_buyer, item=item)
    assert caught.value.code == "not_found"
    assert cart_update(buyer=buyer, item=item.pk, quantity=4).quantity == 4
    assert cart_update(buyer=buyer, item=item, quantity=0) is None
    assert not CartItem.objects.exists()


def test_checkout_takes_one_shops_items(buyer, listing, other_shop, make_listing, address):
    foreign = make_listing(shop=other_shop)
    cart_add(buyer=buyer, listing=listing, quantity=2)
    cart_add(buyer=buyer, listing=foreign)

    order = cart_checkout(buyer=buyer, shop=listing.shop, shipping_address=address, payment={"method": "full"})

    assert (order.shop, order.total_amount) == (listing.shop, D("200.00"))
    assert list(CartItem.objects.values_list("listing_id", flat=True)) == [foreign.pk]


def test_a_failed_checkout_keeps_the_cart(buyer, listing, address):
    cart_add(buyer=buyer, listing=listing, quantity=2)

    with pytest.raises(DomainError):
        cart_checkout(buyer=buyer, shop=listing.shop, shipping_address={}, payment={"method": "full"})

    assert CartItem.objects.count() == 1 and not Order.objects.exists()


def test_checkout_of_an_empty_cart(buyer, shop, address):
    with pytest.raises(DomainError) as caught:
        cart_checkout(buyer=buyer, shop=shop, shipping_address=address, payment={"method": "full"})

    assert caught.value.code == "cart_empty"


# --- staff groups from the migration -------------------------------------------------------------


def test_the_migration_creates_the_staff_groups():
    service = set(Group.objects.get(name="Customer service").permissions.values_list("codename", flat=True))
    finance = set(Group.objects.get(name="Finance").permissions.values_list("codename", flat=True))

    assert {"view_order", "change_order", "view_complaint", "change_complaint", "view_refund"} <= service
    assert {"view_order", "view_payment", "view_settlement", "view_withdrawal", "view_transaction",
            "view_entry", "view_account"} <= finance
    assert "change_complaint" not in finance and "delete_order" not in service
