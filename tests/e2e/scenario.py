"""People and goods for the browser tests, made through services the way users make them."""
from dataclasses import dataclass
from itertools import count

from credit.services.applications import application_submit
from credit.services.quotes import current_terms
from marketplace.models import Category
from marketplace.services.accounts import user_register
from marketplace.services.listings import listing_create
from marketplace.services.shops import shop_open, shop_verify

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
