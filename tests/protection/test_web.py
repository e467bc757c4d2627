"""The after-sales pages: the request form from the order page, case pages for both sides, inbox, standing."""
import pytest
from django.test import Client

from protection.models import AfterSalesCase, Evidence
from protection.services.rulings import case_escalate

from .conftest import case_snapshot


@pytest.fixture
def browser():
    def login(user=None):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            client.force_login(user)
        return client

    return login


def test_the_buyer_opens_a_case_with_photos_from_the_order_page(browser, buyer, received_order, png_file):
    client = browser(buyer)
    line = received_order.lines.first()
    page = client.get(f"/after-sales/new/{received_order.pk}/?line={line.pk}")
    assert page.status_code == 200
    assert "Return, no reason needed" in page.content.decode()
    response = client.post(f"/after-sales/new/{received_order.pk}/", {
        "line": line.pk, "type": "return_refund", "reason": "damaged", "amount": "", "description": "Cracked",
        "photos": [png_file("a.png"), png_file("b.png")]})
    case = AfterSalesCase.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/after-sales/{case.pk}/"
    assert Evidence.objects.filter(case=case, party="buyer").count() == 2


def test_a_refused_photo_undoes_the_whole_request(browser, buyer, received_order, png_file, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = browser(buyer).post(f"/after-sales/new/{received_order.pk}/", {
        "line": received_order.lines.first().pk, "type": "return_refund", "reason": "damaged",
        "photos": [png_file("good.png"), SimpleUploadedFile("x.png", b"not an image", content_type="image/png")]})
    assert response.status_code == 200
    assert "x.png" in response.content.decode()
    assert not AfterSalesCase.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_the_form_shows_the_window_that_closed(clock, browser, buyer, received_order):
    from datetime import timedelta

    clock.shift(timedelta(days=16))
    response = browser(buyer).post(f"/after-sales/new/{received_order.pk}/", {
        "line": received_order.lines.first().pk, "type": "return_refund", "reason": "no_reason"})
    assert response.status_code == 200
    assert "2026-03-17" in response.content.decode()
    assert not AfterSalesCase.objects.exists()


@pytest.mark.parametrize(("role", "status"), [
    ("anonymous", 302), ("other_buyer", 404), ("merchant", 404), ("buyer", 200),
])
def test_only_the_buyer_may_start_a_case_on_an_order(role, status, browser, buyer, other_buyer, merchant,
                                                     received_order):
    user = {"anonymous": None, "other_buyer": other_buyer, "merchant": merchant, "buyer": buyer}[role]
    assert browser(user).get(f"/after-sales/new/{received_order.pk}/").status_code == status


@pytest.mark.parametrize(("role", "status"), [
    ("anonymous", 302), ("buyer", 200), ("other_buyer", 404), ("merchant", 200), ("other_merchant", 404),
    ("staff", 200), ("staff_no_perms", 404),
])
def test_case_page_permissions(role, status, browser, buyer, other_buyer, merchant, other_merchant, other_shop,
                               staff_user, staff_no_perms, received_order, open_case):
    case = open_case(received_order)
    user = {"anonymous": None, "buyer": buyer, "other_buyer": other_buyer, "merchant": merchant,
            "other_merchant": other_merchant, "staff": staff_user, "staff_no_perms": staff_no_perms}[role]
    response = browser(user).get(f"/after-sales/{case.pk}/")
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "countdown" in html and "Timeline" in html


def test_case_page_shows_the_merchant_its_actions_and_the_deadline(browser, merchant, received_order, open_case,
                                                                   django_assert_max_num_queries):
    case = open_case(received_order)
    client = browser(merchant)
    with django_assert_max_num_queries(20):
        html = client.get(f"/after-sales/{case.pk}/").content.decode()
    assert f"/after-sales/{case.pk}/approve/" in html and f"/after-sales/{case.pk}/reject/" in html
    assert 'data-deadline="2026' in html or "data-deadline=" in html


def test_website_actions_call_the_services(browser, buyer, merchant, received_order, open_case, png_file):
    case = open_case(received_order)
    assert browser(merchant).post(f"/after-sales/{case.pk}/approve/").status_code == 302
    browser(buyer).post(f"/after-sales/{case.pk}/ship-return/", {"carrier": "SF", "tracking_number": "S1"})
    browser(merchant).post(f"/after-sales/{case.pk}/evidence/", {"text": "Got it", "file": png_file()})
    browser(merchant).post(f"/after-sales/{case.pk}/confirm-return/")
    case.refresh_from_db()
    assert case.status == "refunded"
    assert case.evidence.get().party == "merchant"


def test_a_refused_website_action_changes_nothing(browser, buyer, other_buyer, received_order, open_case):
    case = open_case(received_order)
    before = case_snapshot(case)
    assert browser(buyer).post(f"/after-sales/{case.pk}/approve/").status_code == 302  # message, no change
    assert browser(other_buyer).post(f"/after-sales/{case.pk}/withdraw/").status_code == 404
    assert browser(buyer).post(f"/after-sales/{case.pk}/no-such-action/").status_code == 404
    assert case_snapshot(case) == before


def test_merchant_inbox_lists_cases_waiting_on_the_merchant_first(browser, buyer, merchant, other_merchant,
                                                                  other_shop, make_order, open_case,
                                                                  django_assert_max_num_queries):
    waiting_on_buyer = case_escalate(actor=buyer, case=open_case(make_order("received")), reason="Look")
    waiting_on_merchant = open_case(make_order("received"))
    client = browser(merchant)
    with django_assert_max_num_queries(12):
        html = client.get("/merchant/after-sales/").content.decode()
    assert html.index(f"/after-sales/{waiting_on_merchant.pk}/") < html.index(f"/after-sales/{waiting_on_buyer.pk}/")
    assert browser(other_merchant).get("/merchant/after-sales/").content.decode().count("/after-sales/") < 5
    assert browser(buyer).get("/merchant/after-sales/").status_code == 404


def test_my_cases_and_standing_pages(browser, buyer, make_order, open_case, django_assert_max_num_queries):
    for _ in range(3):
        open_case(make_order("received"))
    client = browser(buyer)
    with django_assert_max_num_queries(8):
        assert client.get("/after-sales/").content.decode().count("Teapot") == 3
    html = client.get("/after-sales/standing/").content.decode()
    assert "never counts against you" in html
    assert browser().get("/after-sales/standing/").status_code == 302


def test_pages_and_messages_speak_chinese_by_default(received_order, open_case, merchant, make_user):
    from core.models import Notification
    from core.notifications import preferences_for

    prefs = preferences_for(merchant)
    prefs.language = "zh-hans"
    prefs.save()
    case = open_case(received_order)
    assert Notification.objects.filter(user=merchant).latest("pk").title == f"新的售后申请 #{case.pk}"
    client = Client()  # no Accept-Language: the site's default, Simplified Chinese
    client.force_login(merchant)
    html = client.get(f"/after-sales/{case.pk}/").content.decode()
    assert "待商家处理" in html and "处理记录" in html
