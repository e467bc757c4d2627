"""People and goods for the browser tests, made through services the way users make them."""
from dataclasses import dataclass
from datetime import date
from itertools import count

from core.demo_images import listing_picture
from core.models import Notification
from credit.models import CreditLine, InstallmentPlan
from credit.services.applications import application_submit
from credit.services.quotes import current_terms
from credit.services.statements import statement_build
from marketplace.models import Category
from marketplace.services.accounts import user_register
from marketplace.services.cart import cart_add
from marketplace.services.listings import listing_add_image, listing_create
from marketplace.services.orders import order_confirm_receipt, order_place, order_ship
from marketplace.services.payments import order_pay
from marketplace.services.shops import shop_open, shop_verify
from protection.services.cases import case_open

PASSWORD = "correct-horse-9"
ADDRESS = {"name": "张三", "phone": "13912345678", "address": "上海市浦东新区世纪大道100号 8楼"}
_n = count(1)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(seq: int) -> str:
    body = f"11010119900101{seq % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def user(name: str, **extra):
    n = next(_n)
    person = user_register(username=name, password=PASSWORD, email=f"{name}@example.com", phone=f"1391000{n:04d}")
    for key, value in extra.items():
        setattr(person, key, value)
    if extra:
        person.save()
    return person


@dataclass
class World:
    buyer: object
    merchant: object
    staff: object
    shop: object
    listing: object
    other_listing: object


def build(*, credit: bool = True) -> World:
    from tests.credit.conftest import ensure_reference_data

    ensure_reference_data()  # a transactional test before this one may have flushed the data migrations' rows
    staff = user("staffer", is_staff=True, is_superuser=True)
    merchant = user("teashop")
    buyer = user("buyer")
    shop = shop_open(actor=merchant, name="西湖茶舍 West Lake Tea", description="龙井, teapots and cups since 1998.")
    shop_verify(actor=staff, shop=shop)
    shop.refresh_from_db()
    category = Category.objects.filter(parent__isnull=False).order_by("pk").first() or Category.objects.first()
    listing = listing_create(actor=merchant, shop=shop, title="Yixing clay teapot 宜兴紫砂壶",
                             description="Hand-made, 300 ml.", price="1200.00", stock=20, category=category,
                             installments_available=True)
    other = listing_create(actor=merchant, shop=shop, title="Celadon tea cups, set of 4",
                           description="Longquan celadon.", price="268.00", stock=40, category=category)
    if credit:
        terms = current_terms()
        application = application_submit(
            actor=buyer, real_name="张三", id_number=id_number(next(_n)), phone="13712345678",
            income_band="8k_15k", emergency_contacts=[],
            consent={"terms_version": terms["terms"].version, "privacy_version": terms["privacy"].version})
        assert application.status == "approved", application.reasons
    return World(buyer=buyer, merchant=merchant, staff=staff, shop=shop, listing=listing, other_listing=other)


def build_world():
    """A shop with listings, an instalment order with an open return case, a statement, a message, a cart."""
    world = build()
    image = listing_add_image(actor=world.merchant, listing=world.listing, alt_text="Yixing clay teapot",
                              file=listing_picture(colour=(122, 62, 40), label="Teapot", glyph="壶"))
    listing_add_image(actor=world.merchant, listing=world.other_listing, alt_text="Celadon cups",
                      file=listing_picture(colour=(88, 140, 120), label="Cups", glyph="杯"))
    order = order_place(buyer=world.buyer, lines=[{"listing": world.listing, "quantity": 1}],
                        shipping_address=dict(ADDRESS), payment={"method": "installment", "installments": 6})
    order = order_ship(actor=world.merchant, order=order, carrier="SF Express", tracking_number="SF1002003")
    order = order_confirm_receipt(actor=world.buyer, order=order)
    case = case_open(actor=world.buyer, order=order, line=order.lines.first(), type="return_refund",
                     reason="no_reason", description="Changed my mind.")
    paid = order_place(buyer=world.buyer, lines=[{"listing": world.other_listing, "quantity": 2}],
                       shipping_address=dict(ADDRESS), payment={"method": "full"})
    order_pay(actor=world.buyer, order=paid, idempotency_key="crawl-pay")
    statement = statement_build(line=CreditLine.objects.get(user=world.buyer), period=date.today())
    item = cart_add(buyer=world.buyer, listing=world.listing, quantity=1)
    return {
        "world": world, "order": order, "case": case, "image": image, "statement": statement, "cart_item": item,
        "plan": InstallmentPlan.objects.get(order=order),
        "notification": Notification.objects.filter(user=world.buyer).first(),
    }
