"""A small marketplace built through the services: every role, an order at each stage, a case, a plan.

Used by the fuzzing, access-matrix and bad-input tests, so that path ids point at
real objects owned by someone (and not owned by someone else).
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import count

from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token

from core.demo_images import listing_picture
from core.models import Notification
from credit.models import CreditApplication, CreditLine, InstallmentPlan, RiskAssessment
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
from tests.credit.conftest import ADDRESS, ensure_reference_data, make_id_number

D = Decimal
_seq = count(1)
PASSWORD = "correct-horse-9"
STAFF_GROUPS = ("Customer service", "Finance", "Credit officers", "Risk officers")


def _user(name: str, **extra):
    n = next(_seq)
    user = user_register(username=f"{name}{n}", password=PASSWORD, email=f"{name}{n}@example.com",
                         phone=f"136{n:08d}")
    for key, value in extra.items():
        setattr(user, key, value)
    if extra:
        user.save()
    return user


def _staff(name: str, group: str | None):
    user = _user(name, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def credit_line_for(user):
    terms = current_terms()
    application = application_submit(
        actor=user, real_name="张三", id_number=make_id_number(seq=next(_seq) % 1000), phone=f"137{next(_seq):08d}",
        income_band="8k_15k", emergency_contacts=[],
        consent={"terms_version": terms["terms"].version, "privacy_version": terms["privacy"].version})
    assert application.status == "approved", application.reasons
    return application


def place(buyer, listing, *, installments=None, quantity=1):
    payment = {"method": "installment", "installments": installments} if installments else {"method": "full"}
    return order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": quantity}],
                       shipping_address=ADDRESS, payment=payment, context={})


@dataclass
class World:
    users: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)

    def token(self, role: str) -> str:
        return Token.objects.get_or_create(user=self.users[role])[0].key


def build_world() -> World:
    """Every role of the access matrix and objects owned by ``buyer`` and ``merchant``."""
    ensure_reference_data()
    w = World()
    superuser = _user("root", is_staff=True, is_superuser=True)
    w.users.update(
        buyer=_user("buyer"), other_buyer=_user("otherbuyer"), merchant=_user("merchant"),
        other_merchant=_user("othermerchant"), staff_none=_staff("staffnone", None),
        cs=_staff("cs", "Customer service"), finance=_staff("finance", "Finance"),
        credit_officer=_staff("creditofficer", "Credit officers"), risk_officer=_staff("riskofficer", "Risk officers"),
        superuser=superuser)
    category = Category.objects.get(slug="phones-audio")
    shops = {}
    for role, name in (("merchant", "Blue Sky Audio"), ("other_merchant", "Green Tea House")):
        shops[role] = shop_verify(actor=superuser, shop=shop_open(actor=w.users[role], name=name, description="x"))
    pending_shop = shop_open(actor=_user("pendingowner"), name="Pending Shop", description="x")
    listing = listing_create(actor=w.users["merchant"], shop=shops["merchant"], title="Wireless earphones",
                             description="Good sound.", price=D("1000.00"), stock=1000, category=category,
                             installments_available=True)
    other_listing = listing_create(actor=w.users["other_merchant"], shop=shops["other_merchant"], title="Tea",
                                   description="Green.", price=D("50.00"), stock=1000, category=category)
    credit_line_for(w.users["buyer"])
    credit_line_for(w.users["other_buyer"])
    buyer = w.users["buyer"]
    pending = place(buyer, listing)
    paid = place(buyer, listing)
    order_pay(actor=buyer, order=paid, idempotency_key=f"w-{paid.pk}")
    shipped = place(buyer, listing)
    order_pay(actor=buyer, order=shipped, idempotency_key=f"w-{shipped.pk}")
    order_ship(actor=w.users["merchant"], order=shipped, carrier="SF", tracking_number="SF1")
    completed = place(buyer, listing)
    order_pay(actor=buyer, order=completed, idempotency_key=f"w-{completed.pk}")
    order_ship(actor=w.users["merchant"], order=completed, carrier="SF", tracking_number="SF2")
    order_confirm_receipt(actor=buyer, order=completed)
    credit_order = place(buyer, listing, installments=3)
    case = case_open(actor=buyer, order=completed, line=completed.lines.first(), type="refund_only",
                     reason="quality", description="Broken.")
    other_order = place(w.users["other_buyer"], other_listing)
    plan = InstallmentPlan.objects.filter(order=credit_order).first()
    image = listing_add_image(actor=w.users["merchant"], listing=listing, alt_text="Earphones",
                              file=listing_picture(colour=(40, 60, 120), label="Earphones", glyph="耳"))
    statement = statement_build(line=CreditLine.objects.get(user=buyer), period=date.today())
    cart_item = cart_add(buyer=buyer, listing=other_listing, quantity=1)
    notification = Notification.objects.filter(user=buyer).order_by("pk").first()
    assessment = RiskAssessment.objects.order_by("pk").first()
    w.ids = {
        "shop": shops["merchant"].pk, "other_shop": shops["other_merchant"].pk, "pending_shop": pending_shop.pk,
        "listing": listing.pk, "other_listing": other_listing.pk,
        "order_pending": pending.pk, "order_paid": paid.pk, "order_shipped": shipped.pk,
        "order_completed": completed.pk, "order_credit": credit_order.pk, "other_order": other_order.pk,
        "case": case.pk, "plan": plan.pk if plan else None,
        "line": CreditLine.objects.get(user=buyer).pk,
        "application": CreditApplication.objects.filter(user=buyer).first().pk,
        "orderline_shipped": shipped.lines.first().pk, "category": category.pk,
        "image": image.pk, "statement": statement.pk, "cart_item": cart_item.pk,
        "notification": notification.pk if notification else None,
        "risk_assessment": assessment.pk if assessment else None,
    }
    return w
