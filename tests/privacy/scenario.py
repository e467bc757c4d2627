"""The privacy tests' scenario: a marketplace day built through the API and the services, with distinctive
personal data (so a scan can look for each value), or the demo seed when the apps provide one.

People: a buyer with a credit line and two emergency contacts, another buyer, a merchant
with a verified shop, staff. Orders: one completed, returned and refunded through an
after-sales case; one paid and waiting to ship; one on instalments with a repayment; one
completed and settled, then a withdrawal to a bank account. A staff member revealed the
buyer's phone. Money-moving requests carry Idempotency-Keys (their stored responses count).
"""
import importlib.util
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.test import TestCase
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.privacy import personal_data_reveal
from credit.services.applications import application_submit
from credit.services.quotes import current_terms
from marketplace.models import Category, Order
from marketplace.services.accounts import user_register
from marketplace.services.listings import listing_create
from marketplace.services.shops import shop_open, shop_verify

PASSWORD = "correct-horse-9"


def id_number(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


BUYER_PHONE = "13571592468"
OTHER_PHONE = "13798765431"
MERCHANT_PHONE = "13645678912"
BUYER_REAL_NAME = "隐私买家真名"
SHIPPING = {"name": "隐私收件人甲", "phone": "13682469135", "address": "北京市朝阳区隐私测试路77号3单元"}
OTHER_SHIPPING = {"name": "别人收件人戊", "phone": "13912873465", "address": "广州市天河区别人路8号"}
CREDIT = {"real_name": "隐私申请人乙", "id_number": id_number("11010519870615317"), "phone": "13579246801"}
CONTACTS = [{"name": "紧急联系人丙", "phone": "13724681357", "relation": "parent"},
            {"name": "紧急联系人丁", "phone": "13813572468", "relation": "friend"}]
BANK_ACCOUNT = "6222020200112233445"
CONSENT_IP = "203.0.113.5"  # the credit application's consent was given from here
CHECKOUT_IP = "198.51.100.77"  # the instalment checkout came from here (fingerprint and device sighting)

PHONES = [BUYER_PHONE, OTHER_PHONE, MERCHANT_PHONE, SHIPPING["phone"], OTHER_SHIPPING["phone"], CREDIT["phone"],
          *(c["phone"] for c in CONTACTS)]
ID_NUMBERS = [CREDIT["id_number"]]
CONTACT_NAMES = [c["name"] for c in CONTACTS]
NAMES = [BUYER_REAL_NAME, SHIPPING["name"], OTHER_SHIPPING["name"], CREDIT["real_name"], *CONTACT_NAMES]
ADDRESSES = [SHIPPING["address"], OTHER_SHIPPING["address"]]
IPS = [CONSENT_IP, CHECKOUT_IP]


@dataclass
class Scenario:
    buyer: object
    other_buyer: object
    merchant: object
    staff: object
    officer: object
    orders: dict = field(default_factory=dict)
    merchant_responses: list = field(default_factory=list)  # (label, response) of the merchant's own actions

    def api(self, user) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client


def has_demo() -> bool:
    return importlib.util.find_spec("marketplace.demo") is not None


def _ok(response, *expected):
    assert response.status_code in (expected or (200, 201)), (response.status_code, response.content[:500])
    return response.json()


def build() -> Scenario:
    """Build the scenario (call inside a test with the database)."""
    staff = user_register(username="privroot", password=PASSWORD, email="root@example.com", phone="13500000001")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    officer = user_register(username="privofficer", password=PASSWORD, phone="13500000002")
    officer.is_staff = True
    officer.save()
    officer.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    officer.groups.add(Group.objects.get(name="Credit officers"))

    merchant = user_register(username="privmerchant", password=PASSWORD, email="m@example.com", phone=MERCHANT_PHONE)
    buyer = user_register(username="privbuyer", password=PASSWORD, email="b@example.com", phone=BUYER_PHONE)
    buyer.real_name = BUYER_REAL_NAME
    buyer.save(update_fields=["real_name"])
    other = user_register(username="privother", password=PASSWORD, email="o@example.com", phone=OTHER_PHONE)
    scenario = Scenario(buyer=buyer, other_buyer=other, merchant=merchant, staff=staff, officer=officer)

    shop = shop_verify(actor=staff, shop=shop_open(actor=merchant, name="Privacy Test Shop", description="Tea."))
    category = Category.objects.get(slug="phones-audio")
    listing = listing_create(actor=merchant, shop=shop, title="Earphones", description="Good sound.",
                             price=Decimal("300.00"), stock=50, category=category, installments_available=True)

    b, m, o = scenario.api(buyer), scenario.api(merchant), scenario.api(other)

    def place(client, address, payment=None, key=None, **request):
        order = _ok(client.post("/api/v1/orders/", {"lines": [{"listing": listing.pk, "quantity": 1}],
                                                     "shipping_address": address,
                                                     "payment": payment or {"method": "full"}}, format="json",
                                **request), 201)
        if (payment or {}).get("method", "full") == "full":
            order = _ok(client.post(f"/api/v1/orders/{order['id']}/pay/", {}, format="json",
                                    HTTP_IDEMPOTENCY_KEY=key or f"pay-{order['id']}"))
        return order

    def merchant_action(label, path, body=None):
        response = m.post(path, body or {}, format="json")
        scenario.merchant_responses.append((label, response))
        return _ok(response)

    # A: completed, returned and refunded through an after-sales case.
    a = place(b, SHIPPING)
    merchant_action("ship A", f"/api/v1/orders/{a['id']}/ship/", {"carrier": "SF Express", "tracking_number": "SF1"})
    _ok(b.post(f"/api/v1/orders/{a['id']}/confirm-receipt/", {}, format="json"))
    order_a = Order.objects.get(pk=a["id"])
    case = _ok(b.post("/api/v1/after-sales/", {"order": a["id"], "line": order_a.lines.first().pk,
                                               "type": "return_refund", "reason": "no_reason",
                                               "description": "Changed my mind."}, format="json"), 201)
    merchant_action("approve case", f"/api/v1/after-sales/{case['id']}/approve/")
    _ok(b.post(f"/api/v1/after-sales/{case['id']}/ship-return/", {"carrier": "SF Express",
                                                                   "tracking_number": "SF2"}, format="json"))
    merchant_action("confirm return", f"/api/v1/after-sales/{case['id']}/confirm-return/")
    scenario.orders["refunded"] = a["id"]

    # B: paid and waiting to be shipped: the merchant needs the address now.
    scenario.orders["to_ship"] = place(b, SHIPPING)["id"]

    # C: on instalments, after a credit application with two emergency contacts; one repayment.
    terms = current_terms()
    application_submit(actor=buyer, income_band="8k_15k", emergency_contacts=CONTACTS,
                       consent={"terms_version": terms["terms"].version, "privacy_version": terms["privacy"].version},
                       ip=CONSENT_IP, **CREDIT)
    # From a phone on a public network: risk control keeps the IP (fingerprint, and the middleware's
    # sighting, queued after commit) — encrypted.
    with TestCase.captureOnCommitCallbacks(execute=True):
        c = place(b, SHIPPING, {"method": "installment", "installments": 6}, REMOTE_ADDR=CHECKOUT_IP,
                  HTTP_X_DEVICE_ID="privacy-buyer-phone")
    scenario.orders["instalments"] = c["id"]
    plans = _ok(b.get("/api/v1/credit/plans/"))["results"]
    if plans:
        _ok(b.post("/api/v1/credit/repayments/", {"plan": plans[0]["id"], "mode": "next"}, format="json",
                   HTTP_IDEMPOTENCY_KEY="repay-1"), 201)

    # D: another buyer's order from the same shop, completed and settled; the merchant withdraws to a bank.
    d = place(o, OTHER_SHIPPING)
    merchant_action("ship D", f"/api/v1/orders/{d['id']}/ship/", {"carrier": "SF Express", "tracking_number": "SF3"})
    _ok(o.post(f"/api/v1/orders/{d['id']}/confirm-receipt/", {}, format="json"))
    scenario.orders["other_completed"] = d["id"]
    from marketplace.services.settlement import order_settle_if_eligible

    if order_settle_if_eligible(order=Order.objects.get(pk=d["id"])) is not None:
        merchant_action("withdraw", "/api/v1/merchant/withdrawals/",
                        {"amount": "100.00", "bank_name": "ICBC", "bank_account": BANK_ACCOUNT,
                         "idempotency_key": "withdraw-1"})

    # Staff: a reveal of the buyer's phone, with a reason.
    personal_data_reveal(actor=officer, obj=buyer, field="phone", subject=buyer, reason="courier cannot reach them")
    return scenario


def seed_demo() -> list:
    """The demo data of every app that has it (logins returned)."""
    import io

    from core.demo import seed_all

    return seed_all(stdout=io.StringIO()).logins


def plaintext_values() -> dict[str, set[str]]:
    """Every stored personal value, decrypted through the ORM: what a raw dump must not show."""
    from core.management.commands.rotate_encryption_keys import encrypted_models
    from core.pii import national_phone

    found = {"phones": set(), "id_numbers": set(), "names": set(), "addresses": set(), "other": set()}
    skip = {("core.EncryptionCanary", "value"), ("core.IdempotencyRecord", "response_body")}
    for model, fields in encrypted_models():
        for f in fields:
            if (model._meta.label, f.name) in skip:
                continue
            for value in model._base_manager.values_list(f.name, flat=True):
                if not value:
                    continue
                value = str(value)
                if "phone" in f.name:
                    found["phones"].update({value, national_phone(value)})
                elif "id_number" in f.name:
                    found["id_numbers"].add(value)
                elif "address" in f.name:
                    found["addresses"].add(value)
                elif "name" in f.name:
                    if len(value) >= 3:  # two-character names are too common to search for
                        found["names"].add(value)
                else:
                    found["other"].add(value)
    return found
