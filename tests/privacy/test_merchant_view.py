"""Every API response and page a merchant can get in the scenario: no full phone, no ID number, no address
of a closed order — while an open order shows what delivery needs (recipient name, address, masked phone)."""
import itertools
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from core.pii import mask_phone
from tests.privacy import scenario as sc

pytestmark = pytest.mark.django_db

PHONE = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
SKIP = ("admin/", "media/", "static/", "api/schema/", "api/docs/", "i18n/", "accounts/logout/", "healthz")
SLUGS = ("approve", "reject", "escalate", "evidence", "confirm-return", "ship-return", "pause", "activate",
         "withdraw", "credit_terms", "emergency_contacts")
ID_MODELS = ("marketplace.Order", "marketplace.OrderLine", "marketplace.Listing", "marketplace.ListingImage",
             "marketplace.Shop", "marketplace.CartItem", "protection.AfterSalesCase", "protection.Evidence",
             "credit.CreditApplication", "credit.CreditLine", "credit.InstallmentPlan", "credit.Statement",
             "credit.RiskAssessment", "core.Notification", "core.DataAccessRecord")


def routes(patterns=None, prefix=""):
    """Every URL pattern as a path template with its parameters: ("orders/{pk}/", {"pk": "int"})."""
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        text = str(p.pattern).replace("^", "").replace("$", "")
        if isinstance(p, URLResolver):
            yield from routes(p.url_patterns, prefix + text)
        elif isinstance(p, URLPattern):
            template = prefix + text
            params = {}
            for match in re.finditer(r"<(?:(\w+):)?(\w+)>", template):
                params[match.group(2)] = match.group(1) or "str"
            for match in re.finditer(r"\(\?P<(\w+)>([^)]*)\)", template):
                params[match.group(1)] = "int" if match.group(2) == r"\d+" else "str"
            template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", template)
            template = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", template)
            if "(" not in template and "\\" not in template:
                yield "/" + template, params


def candidate_ids() -> list[str]:
    ids = set()
    for label in ID_MODELS:
        try:
            ids.update(apps.get_model(label)._default_manager.values_list("pk", flat=True))
        except LookupError:
            continue
    return [str(i) for i in sorted(ids)]


def urls_to_try():
    ids = candidate_ids()
    for template, params in routes():
        if template.lstrip("/").startswith(SKIP):
            continue
        choices = [ids if kind == "int" else SLUGS for kind in params.values()]
        if len(params) > 1:
            combos = list(itertools.product(*choices))[:200]
        else:
            combos = itertools.product(*choices)
        for combo in combos:
            yield template.format(**dict(zip(params, combo, strict=True)))


def problems(body: str, *, own_phone: str, d_closed: bool = True) -> list[str]:
    found = [f"phone {m.group(1)}" for m in PHONE.finditer(body) if m.group(1) != own_phone]
    found += [f"ID number {m.group(0)}" for m in ID_NUMBER.finditer(body)]
    if d_closed:  # order D is completed: its recipient and address are no longer the merchant's business
        closed = (("address", sc.OTHER_SHIPPING["address"]), ("recipient", sc.OTHER_SHIPPING["name"]))
        found += [f"closed order's {what}" for what, value in closed if value in body]
    return found


def test_merchant_never_sees_a_full_phone_or_an_id_number():
    built = sc.build()
    merchant = built.merchant
    api = built.api(merchant)
    web = Client()
    web.force_login(merchant)

    scanned = {}
    for label, response in built.merchant_responses:  # the merchant's own actions, answered while orders were open
        scanned[label] = problems(response.content.decode(), own_phone=sc.MERCHANT_PHONE, d_closed=False)
    for url in urls_to_try():
        client = api if url.startswith("/api/") else web
        response = client.get(url)
        if response.status_code == 200:
            scanned[url] = problems(response.content.decode("utf-8", "replace"), own_phone=sc.MERCHANT_PHONE)
    leaking = {url: found for url, found in scanned.items() if found}
    assert leaking == {}

    to_ship = built.orders["to_ship"]
    must_have = ["/api/v1/merchant/orders/", f"/api/v1/orders/{to_ship}/", "/merchant/orders/",
                 f"/orders/{to_ship}/", "/api/v1/after-sales/", "/merchant/after-sales/", "/api/v1/me/notifications/",
                 "/api/v1/merchant/withdrawals/", "/merchant/", "/notifications/"]
    assert [url for url in must_have if url not in scanned] == []
    assert len(scanned) > 60

    # What fulfilment needs is there: the open order's recipient, address and masked phone.
    order = api.get(f"/api/v1/orders/{to_ship}/").json()
    assert order["shipping_address"] == {"name": sc.SHIPPING["name"], "phone": mask_phone("+86" + sc.SHIPPING["phone"]),
                                         "address": sc.SHIPPING["address"]}
    page = web.get(f"/orders/{to_ship}/").content.decode()
    assert sc.SHIPPING["address"] in page and mask_phone("+86" + sc.SHIPPING["phone"]) in page


def test_the_scan_catches_a_full_phone_and_an_id_number():
    assert problems(f"call {sc.SHIPPING['phone']}", own_phone=sc.MERCHANT_PHONE) == [f"phone {sc.SHIPPING['phone']}"]
    assert problems(f'"+86{sc.BUYER_PHONE}"', own_phone=sc.MERCHANT_PHONE) == [f"phone {sc.BUYER_PHONE}"]
    assert problems(sc.CREDIT["id_number"], own_phone="") == [f"ID number {sc.CREDIT['id_number']}"]
    assert problems("136****8912 and my own +8613645678912", own_phone=sc.MERCHANT_PHONE) == []


# The demo data: every demo merchant, the pages and API about their own shop, orders, cases and messages.
MODEL_FOR = (("orders/{pk}", "marketplace.Order"), ("after-sales/new/{order_id}", "marketplace.Order"),
             ("after-sales/{pk}", "protection.AfterSalesCase"), ("listings/{pk}", "marketplace.Listing"),
             ("shops/{pk}", "marketplace.Shop"), ("checkout/{shop_id}", "marketplace.Shop"),
             ("notifications/{pk}", "core.Notification"), ("credit/plans/{pk}", "credit.InstallmentPlan"),
             ("credit/statements/{pk}", "credit.Statement"))


def merchant_ids(merchant) -> dict[str, list[str]]:
    from core.models import Notification
    from marketplace.models import Listing, Order, Shop
    from protection.models import AfterSalesCase

    shop = Shop.objects.get(owner=merchant)
    return {"marketplace.Order": list(Order.objects.filter(shop=shop).values_list("pk", flat=True)[:40]),
            "protection.AfterSalesCase": list(AfterSalesCase.objects.filter(shop=shop).values_list("pk", flat=True)),
            "marketplace.Listing": list(Listing.objects.filter(shop=shop).values_list("pk", flat=True)[:10]),
            "marketplace.Shop": [shop.pk],
            "core.Notification": list(Notification.objects.filter(user=merchant).values_list("pk", flat=True)[:20])}


def demo_urls(merchant):
    ids = merchant_ids(merchant)
    for template, params in routes():
        if template.lstrip("/").startswith(SKIP) or "/staff/" in template:
            continue
        if not params:
            yield template
            continue
        if len(params) > 1 or any(kind != "int" for kind in params.values()):
            continue  # actions (POST only) and nested images
        model = next((label for prefix, label in MODEL_FOR if prefix in template), None)
        for value in ids.get(model, []):
            yield template.format(**{name: value for name in params})


@pytest.mark.skipif(not sc.has_demo(), reason="no demo data in this version")
def test_demo_merchants_never_see_a_full_phone_or_an_id_number():

    logins = sc.seed_demo()
    merchants = [username for role, username, _ in logins if role.startswith("merchant")]
    assert merchants
    api_client = sc.Scenario(buyer=None, other_buyer=None, merchant=None, staff=None, officer=None)
    leaking, scanned = {}, 0
    for username in merchants:
        merchant = get_user_model().objects.get(username=username)
        real_phones = {p.removeprefix("+86") for p in (u.phone for u in get_user_model().objects.all()) if p}
        from marketplace.models import Order

        real_phones |= {o.shipping_phone.removeprefix("+86") for o in Order.objects.all()}
        own = merchant.phone[3:] if merchant.phone.startswith("+86") else merchant.phone
        api, web = api_client.api(merchant), Client()
        web.force_login(merchant)
        for url in demo_urls(merchant):
            response = (api if url.startswith("/api/") else web).get(url)
            if response.status_code != 200:
                continue
            scanned += 1
            # Only real phones count: listing data generated by other tests may hold phone-shaped numbers.
            found = [f for f in problems(response.content.decode("utf-8", "replace"), own_phone=own)
                     if not f.startswith("closed order's")
                     and (not f.startswith("phone ") or f.removeprefix("phone ") in real_phones)]
            if found:
                leaking[f"{username} {url}"] = found
    assert leaking == {}
    assert scanned > 100
