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


# --- the merchant's shop dashboard (marketplace page, cases through marketplace.hooks) --------------
def _dashboard_case_rows(html: str) -> list[str]:
    section = html[html.index('id="cases-title"'):]
    section = section[:section.index("</section>")]
    return [part.split('"')[0] for part in section.split('href="/after-sales/')[1:]]


def test_merchant_dashboard_lists_open_cases_with_their_deadlines(clock, browser, buyer, merchant, other_buyer,
                                                                  make_order, open_case, other_shop,
                                                                  make_listing, django_assert_max_num_queries):
    from datetime import timedelta

    from django.utils.timezone import localtime

    from protection.services.cases import case_approve, case_withdraw
    from protection.services.returns import return_ship

    respond = open_case(make_order("received"))                                    # respond by T0 + 48 h
    clock.shift(timedelta(hours=1))
    to_return = case_approve(actor=merchant, case=open_case(make_order("received")))  # buyer returns by + 7 d
    to_confirm = open_case(make_order("received"))
    case_approve(actor=merchant, case=to_confirm)
    to_confirm = return_ship(actor=buyer, case=to_confirm, carrier="SF", tracking_number="SF1")  # confirm by
    case_withdraw(actor=buyer, case=open_case(make_order("received")))              # closed: not listed
    elsewhere = make_listing(shop=other_shop, title="Kettle")
    open_case(make_order("received", item=elsewhere))                               # another shop's case

    client = browser(merchant)
    with django_assert_max_num_queries(11):
        html = client.get("/merchant/").content.decode()

    # The merchant's move first (soonest deadline first), then the buyer's.
    assert _dashboard_case_rows(html) == [f"{respond.pk}/", f"{to_confirm.pk}/", f"{to_return.pk}/"]
    assert "Respond by" in html and "Confirm the return by" in html and "Buyer returns by" in html
    to_return.refresh_from_db()
    assert f"{localtime(to_return.return_ship_by):%Y-%m-%d %H:%M}" == "2026-03-09 11:00"  # 7 days from approval
    assert f"{localtime(respond.respond_by):%Y-%m-%d %H:%M}" == "2026-03-04 10:00"
    assert "2026-03-09 11:00" in html and "2026-03-04 10:00" in html
    assert "Kettle" not in html
    assert ">3</strong>" in html  # the count in "at a glance"


def test_merchant_dashboard_query_count_does_not_grow_with_cases(browser, merchant, make_order, open_case):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = browser(merchant)
    counts = []
    for extra in (1, 6):
        for _ in range(extra):
            open_case(make_order("received"))
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/merchant/").content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert len(_dashboard_case_rows(html)) == 5
    assert "See all 7 open cases" in html


def test_merchant_dashboard_in_chinese_shows_the_deadline_labels(browser, merchant, received_order, open_case):
    open_case(received_order)
    client = Client()
    client.force_login(merchant)
    html = client.get("/merchant/").content.decode()
    assert "进行中的售后" in html and "答复截止" in html and "退货退款" in html
    assert 'data-day-unit="天"' in html


def test_merchant_dashboard_without_cases_says_so(browser, merchant, shop):
    html = browser(merchant).get("/merchant/").content.decode()
    assert "No open cases: nothing is waiting on you." in html
    assert "countdown" not in html
