"""The credit centre pages: permission matrix, apply, repay, statements, the quote partial."""
from datetime import date

import pytest
from django.test import Client
from django.utils import translation

from credit.models import CreditApplication, InstallmentPlan, Repayment
from credit.services.statements import statement_build
from tests.credit.conftest import make_id_number

PAGES = ["/credit/", "/credit/apply/", "/credit/statements/", "/credit/history/"]


def web(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_login(db, url):
    response = Client().get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_render_for_a_buyer_in_both_languages(buyer_with_line, url, language):
    client = web(buyer_with_line)
    client.cookies["django_language"] = language
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200


def test_apply_through_the_form_with_optional_contacts_left_empty(buyer, consent):
    response = web(buyer).post("/credit/apply/", {
        "real_name": "张三", "id_number": make_id_number(), "phone": "13700000099", "income_band": "3k_8k",
        "terms_version": consent["terms_version"], "privacy_version": consent["privacy_version"],
        "accept_terms": "on", "accept_privacy": "on"})
    assert response.status_code == 302
    assert CreditApplication.objects.get(user=buyer).status == "approved"


def test_apply_without_consent_is_refused(buyer, consent):
    response = web(buyer).post("/credit/apply/", {
        "real_name": "张三", "id_number": make_id_number(), "phone": "13700000099", "income_band": "3k_8k",
        "terms_version": consent["terms_version"], "privacy_version": consent["privacy_version"]})
    assert response.status_code == 200
    assert not CreditApplication.objects.exists()


def test_plan_page_and_repay_once_per_form(buyer_with_line, other_buyer, listing, place_credit_order):
    plan = InstallmentPlan.objects.get(order=place_credit_order(buyer_with_line, listing, installments=3))
    client = web(buyer_with_line)
    with translation.override("en"):
        page = client.get(f"/credit/plans/{plan.pk}/")
    assert page.status_code == 200
    assert web(other_buyer).get(f"/credit/plans/{plan.pk}/").status_code == 404
    assert web(other_buyer).post(f"/credit/plans/{plan.pk}/repay/", {"mode": "next",
                                                                      "idempotency_key": "x"}).status_code == 404

    form = {"mode": "next", "idempotency_key": "form-1"}
    assert client.post(f"/credit/plans/{plan.pk}/repay/", form).status_code == 302
    assert client.post(f"/credit/plans/{plan.pk}/repay/", form).status_code == 302  # double click
    assert Repayment.objects.count() == 1


def test_statement_pages_and_csv(buyer_with_line, other_buyer, listing, place_credit_order):
    place_credit_order(buyer_with_line, listing, installments=3)
    statement = statement_build(line=buyer_with_line.credit_line, period=date.today())
    client = web(buyer_with_line)
    assert client.get(f"/credit/statements/{statement.pk}/").status_code == 200
    csv = client.get(f"/credit/statements/{statement.pk}/?format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert web(other_buyer).get(f"/credit/statements/{statement.pk}/").status_code == 404


def test_quote_partial_shows_apr_more_prominently_than_the_monthly_rate(db):
    response = Client().get("/credit/quote/", {"amount": "1000.00", "installments": 12}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<strong class="apr" data-apr="13.57">13.57 %</strong>' in html
    assert html.index("13.57 %") < html.index("0.63 %")
    assert html.count("<tr><td>") == 12
    assert "¥75.00" in html and "Full refund" in html


def test_quote_tag_for_the_checkout_page(db):
    from django.template import Context, Template

    html = Template("{% load credit_tags %}{% credit_quote amount 6 %}").render(Context({"amount": "600.00"}))
    assert 'data-apr="' in html and "¥27.00" in html


def test_pages_are_translated_to_chinese(db):
    html = Client().get("/credit/quote/", {"amount": "1000.00", "installments": 12},
                        HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "年化利率" in html and "还款计划" in html and "整单退款" in html


def _checkout_options(buyer, listing) -> str:
    from marketplace.services.cart import cart_add

    if not buyer.cart_items.exists():
        cart_add(buyer=buyer, listing=listing, quantity=1)
    client = web(buyer)
    return client.get(f"/checkout/{listing.shop_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def _offered(html: str) -> list[int]:
    import re

    return [int(n) for n in re.findall(r'name="payment_installments" value="(\d+)"', html)]


def test_checkout_offers_the_active_instalment_products(buyer_with_line, listing):
    from credit.models import InstallmentProduct

    assert _offered(_checkout_options(buyer_with_line, listing)) == [3, 6, 12]

    six = InstallmentProduct.objects.get(count=6)
    six.active = False
    six.save()  # as the admin does: saving forgets the cached product list
    InstallmentProduct.objects.create(count=24, fee_rate="0.1400")
    html = _checkout_options(buyer_with_line, listing)

    assert _offered(html) == [3, 12, 24]
    assert "24 monthly instalments" in html and 'id="credit-quote-24"' in html
    assert "6 monthly instalments" not in html
    assert 'value="3" checked' in html  # the first offer is chosen until the buyer picks another


def test_checkout_without_any_instalment_product_says_so(buyer_with_line, listing):
    from credit.models import InstallmentProduct

    for product in InstallmentProduct.objects.all():
        product.active = False
        product.save()

    html = _checkout_options(buyer_with_line, listing)

    assert _offered(html) == []
    assert "Instalments are not offered at the moment." in html
