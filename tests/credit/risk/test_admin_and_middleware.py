"""The risk admin (queue, decide actions with confirmation, tuning, shop penalties), the device cookie middleware,
and how many queries scoring costs."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from credit.models import CreditLine, DeviceSighting, InstallmentPlan, RiskAssessment, RiskRule
from credit.risk import rules, score_checkout
from credit.risk.identity import device_hash
from credit.risk_middleware import COOKIE
from marketplace.models import Order, Shop
from tests.credit.conftest import assert_books
from tests.credit.risk.conftest import HOME, OTHER_PUBLIC_IP, PUBLIC_IP


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def held(make_shop, make_credit_buyer, checkout, seen):
    listing = make_shop(price=Decimal("488.80"))
    seen(listing.shop.owner, device="merchant-phone", ip=PUBLIC_IP)
    order = checkout(make_credit_buyer(), listing, device="merchant-phone", ip=PUBLIC_IP)
    assert order.status == "under_review"
    return order.risk_assessment


def test_risk_screens_load_for_risk_officers(held, risk_officer):
    client = admin_client(risk_officer)
    for url in ["/admin/credit/riskassessment/", "/admin/credit/riskassessment/?queue=pending",
                f"/admin/credit/riskassessment/{held.pk}/change/", "/admin/credit/riskrule/",
                "/admin/credit/risksettings/", "/admin/credit/checkoutfingerprint/", "/admin/credit/devicesighting/",
                "/admin/credit/shopcashoutrisk/", "/admin/credit/shopcashoutrisk/?cash_outs=repeat"]:
        assert client.get(url).status_code == 200, url
    page = client.get(f"/admin/credit/riskassessment/{held.pk}/change/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Buyer and merchant share a device." in page and "shared_ip" in page


def test_staff_without_permission_cannot_see_the_queue(held, staff_no_perms):
    assert admin_client(staff_no_perms).get("/admin/credit/riskassessment/").status_code == 403


def test_reject_action_asks_then_rejects_and_audits(held, risk_officer):
    client = admin_client(risk_officer)
    ask = client.post("/admin/credit/riskassessment/", {"action": "reject", "_selected_action": [held.pk]})
    assert ask.status_code == 200 and b"confirm" in ask.content
    assert Order.objects.get(pk=held.order_id).status == "under_review"

    client.post("/admin/credit/riskassessment/", {"action": "reject", "_selected_action": [held.pk],
                                                  "confirm": "1", "note": "collusion", "cash_out_confirmed": "on"})

    held.refresh_from_db()
    assert (held.decision, held.cash_out_confirmed, held.reviewed_by) == ("rejected", True, risk_officer)
    order = Order.objects.get(pk=held.order_id)
    change = order.status_changes.order_by("pk").last()
    assert (order.status, change.old_status, change.actor) == ("cancelled", "under_review", risk_officer)
    assert change.reason.endswith(": collusion")
    assert CreditLine.objects.get(user_id=held.buyer_id).used_amount == 0
    assert InstallmentPlan.objects.get(order=order).status == "cancelled"
    assert AuditEvent.objects.filter(action="risk_review_rejected", actor=risk_officer).exists()
    assert AuditEvent.objects.filter(action="shop_risk_elevated", actor=risk_officer).exists()
    assert_books(held.buyer)


def test_approve_action(held, risk_officer):
    admin_client(risk_officer).post("/admin/credit/riskassessment/", {
        "action": "approve", "_selected_action": [held.pk], "confirm": "1", "note": ""})
    assert Order.objects.get(pk=held.order_id).status == "paid"


def test_a_viewer_has_no_decide_actions(held, make_user, grant):
    viewer = grant(make_user("riskviewer", is_staff=True), "credit.view_riskassessment")
    admin_client(viewer).post("/admin/credit/riskassessment/", {
        "action": "approve", "_selected_action": [held.pk], "confirm": "1", "note": ""})
    assert Order.objects.get(pk=held.order_id).status == "under_review"


def test_editing_a_weight_in_the_admin_takes_effect_at_once(risk_officer, db):
    rules.config()  # cached
    rule = RiskRule.objects.get(code="virtual_goods")
    response = admin_client(risk_officer).post(f"/admin/credit/riskrule/{rule.pk}/change/", {
        "enabled": "on", "weight": "25", "params": "{}", "description": rule.description})
    assert response.status_code == 302
    assert rules.config().rules["virtual_goods"].weight == 25


def test_shop_deposit_deduction_action(make_shop, risk_officer):
    from marketplace.services.shops import deposit_post

    shop = make_shop().shop
    deposit_post(actor=shop.owner, shop=shop, amount=Decimal("100.00"), idempotency_key="d1")
    admin_client(risk_officer).post("/admin/credit/shopcashoutrisk/", {
        "action": "deduct_deposit", "_selected_action": [shop.pk], "confirm": "1", "reason": "cash-out",
        "amount": "40.00"})
    assert Shop.objects.get(pk=shop.pk).deposit_amount == Decimal("60.00")


# --- the middleware (installed in settings; the checkout paths through it are in test_wiring.py) -------


def test_a_browser_gets_a_device_cookie_and_keeps_it(db):
    client = Client()
    first = client.get("/healthz")
    assert COOKIE in first.cookies and first.cookies[COOKIE]["httponly"]
    assert COOKIE not in client.get("/healthz").cookies  # kept, not replaced


def test_a_signed_in_user_is_seen_on_the_device_once_an_hour(make_user, django_capture_on_commit_callbacks):
    user = make_user("browsing")
    client = Client(REMOTE_ADDR=PUBLIC_IP)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.get("/healthz")
        client.get("/healthz")

    assert len(callbacks) == 1  # the second request within the hour queues nothing
    sighting = DeviceSighting.objects.get(user=user)
    assert (sighting.ip, sighting.ip_public, len(sighting.device_hash)) == (PUBLIC_IP, True, 64)


def test_the_address_crosses_the_broker_sealed(make_user, django_capture_on_commit_callbacks, monkeypatch):
    """Task arguments sit in Redis in clear: the IP in them is encrypted, and the task still records it."""
    from credit.tasks import device_sighting_record_task

    queued = []
    monkeypatch.setattr(device_sighting_record_task, "delay", lambda *args: queued.append(args))
    user = make_user("sealed")
    client = Client(REMOTE_ADDR=PUBLIC_IP)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/healthz")
    (args,) = queued
    assert PUBLIC_IP not in repr(args)
    device_sighting_record_task(*args)
    assert DeviceSighting.objects.get(user=user).ip == PUBLIC_IP


def test_an_app_user_is_seen_with_its_device_header(make_user, client_for, django_capture_on_commit_callbacks):
    user = make_user("appuser")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(user).get("/api/v1/me/", HTTP_X_DEVICE_ID="app-install-1", REMOTE_ADDR="10.0.0.8")
    sighting = DeviceSighting.objects.get(user=user)
    assert (sighting.device_hash, sighting.ip, sighting.ip_public) == (device_hash("app-install-1"), "10.0.0.8",
                                                                       False)


def test_recording_a_sighting_again_or_late_changes_nothing(make_user):
    from datetime import timedelta

    from django.utils import timezone

    from credit.tasks import device_sighting_record_task

    user = make_user("twice")
    now = timezone.now()
    device_sighting_record_task(user.pk, device_hash("d1"), PUBLIC_IP, True, now.isoformat())
    device_sighting_record_task(user.pk, device_hash("d1"), PUBLIC_IP, True, now.isoformat())
    device_sighting_record_task(user.pk, device_hash("d1"), PUBLIC_IP, True, (now - timedelta(hours=2)).isoformat())

    assert list(DeviceSighting.objects.filter(user=user).values_list("last_seen", flat=True)) == [now]


def test_a_signed_out_visitor_is_never_recorded(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        Client(REMOTE_ADDR=PUBLIC_IP).get("/healthz")
    assert callbacks == [] and not DeviceSighting.objects.exists()


# --- cost ----------------------------------------------------------------------------------------------


def test_scoring_costs_a_fixed_number_of_queries_however_long_the_history(
        make_shop, make_credit_buyer, checkout, seen, merchant_ships_own_order_to):
    listing = make_shop()
    owner = listing.shop.owner
    seen(owner, device="merchant-phone", ip=PUBLIC_IP)
    merchant_ships_own_order_to(owner, {**HOME, "phone": "13911112222", "address": "上海市静安区 1 号"})
    buyer = make_credit_buyer()
    context = {"device_id": "merchant-phone", "ip": OTHER_PUBLIC_IP}
    rules.config()  # the rule book is cached between checkouts

    def cost():
        order = checkout(buyer, listing, device="merchant-phone", ip=OTHER_PUBLIC_IP)
        order = Order.objects.select_related("shop", "buyer").get(pk=order.pk)
        RiskAssessment.objects.filter(order=order).delete()
        order.checkout_fingerprint.delete()
        with CaptureQueriesContext(connection) as queries:
            score_checkout(order, context)
        return len(queries)

    first = cost()
    for _ in range(5):
        checkout(buyer, listing, device="merchant-phone", ip=OTHER_PUBLIC_IP)
    # 1 read (every count in one statement; the merchant's own orders come from the cache), 2 writes
    # (assessment, fingerprint).
    assert first == 3 and cost() == first


@pytest.mark.parametrize("params", ['{"lookback_days": "soon"}', '{"unknown": 1}', '{"lookback_days": -1}',
                                    '{"lookback_days": 1.5}', "[]"])
def test_the_admin_refuses_parameters_scoring_could_not_use(risk_officer, params, db):
    rule = RiskRule.objects.get(code="shared_ip")
    response = admin_client(risk_officer).post(f"/admin/credit/riskrule/{rule.pk}/change/", {
        "enabled": "on", "weight": "20", "params": params, "description": rule.description})
    assert response.status_code == 200  # the form again, with the error
    rule.refresh_from_db()
    assert rule.params == {"lookback_days": 30}


def test_a_broken_parameter_in_the_database_falls_back_to_the_default(make_shop, make_credit_buyer, checkout, seen):
    RiskRule.objects.filter(code="shared_ip").update(params={"lookback_days": "soon"})
    rules.config_invalidate()
    listing = make_shop()
    seen(listing.shop.owner, ip=PUBLIC_IP)
    assert checkout(make_credit_buyer(), listing, ip=PUBLIC_IP).risk_assessment.reasons == ["shared_ip"]


def test_an_unreachable_cache_costs_the_sighting_not_the_response(make_user, caplog):
    from django.http import HttpResponse
    from django.test import RequestFactory, override_settings

    from credit.risk_middleware import RiskDeviceMiddleware

    request = RequestFactory().get("/", REMOTE_ADDR=PUBLIC_IP)
    request.user = make_user("cacheless")
    unreachable = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                               "LOCATION": "redis://127.0.0.1:9/0"}}  # nothing listens on the discard port
    with override_settings(CACHES=unreachable):
        response = RiskDeviceMiddleware(lambda r: HttpResponse("ok"))(request)

    assert response.status_code == 200 and COOKIE in response.cookies
    assert "could not queue a device sighting" in caplog.text
