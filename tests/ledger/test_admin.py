"""Staff screens of the books: read-only lists with derived balances and reference search."""
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger import accounts
from ledger.models import Account, Transaction
from ledger.services import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    """A staff member allowed to view the books, and nothing more."""
    user = make_user("auditor", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="ledger",
                                                         codename__startswith="view_"))
    client.force_login(user)
    return client


def test_account_list_shows_balances_in_the_holders_sign(staff_client, pay, release):
    pay("100.00")
    release("100.00", commission="2.00")

    response = staff_client.get("/admin/ledger/account/")

    assert response.status_code == 200
    balances = {a.code: a.normal_balance_amount for a in response.context["cl"].result_list}
    assert balances["shop:17:balance"] == Decimal("98.00")
    assert balances["platform:provider_clearing"] == Decimal("100.00")
    assert "¥98.00" in response.content.decode()


def test_account_list_queries_do_not_grow_with_rows(staff_client):
    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get("/admin/ledger/account/").status_code == 200
        return len(captured)

    accounts.escrow()
    few = count_queries()
    for shop_id in range(1, 11):
        post(kind="p", legs=[(accounts.merchant_balance(shop_id), Decimal("1.00")), (accounts.escrow(), -1)],
             idempotency_key=f"k{shop_id}")

    assert count_queries() == few


def test_transaction_list_and_search_by_reference(staff_client, pay):
    wanted = pay("42.00", order_id=42, key="checkout:abc")
    pay("1.00", order_id=4)
    pay("2.00", order_id=420)

    by_reference = staff_client.get("/admin/ledger/transaction/", {"q": "order:42"})
    by_key = staff_client.get("/admin/ledger/transaction/", {"q": "checkout:abc"})
    by_kind = staff_client.get("/admin/ledger/transaction/", {"kind": "order_payment"})

    assert list(by_reference.context["cl"].result_list) == [wanted]
    assert list(by_key.context["cl"].result_list) == [wanted]
    assert len(by_kind.context["cl"].result_list) == 3
    assert "¥42.00" in by_reference.content.decode()


def test_transaction_page_shows_its_entries_read_only(staff_client, pay):
    txn = pay("12.30")

    response = staff_client.get(f"/admin/ledger/transaction/{txn.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "platform:provider_clearing" in page
    assert "¥12.30" in page
    assert 'name="_save"' not in page


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/admin/ledger/account/add/"),
        ("get", "/admin/ledger/transaction/add/"),
        ("post", "/admin/ledger/transaction/{txn}/change/"),
        ("post", "/admin/ledger/transaction/{txn}/delete/"),
        ("post", "/admin/ledger/account/{account}/delete/"),
    ],
    ids=["add-account", "add-transaction", "change-transaction", "delete-transaction", "delete-account"],
)
def test_nobody_writes_the_books_through_the_admin(client, make_user, pay, books, method, url):
    txn = pay("5.00")
    client.force_login(make_user("root", is_staff=True, is_superuser=True))

    response = getattr(client, method)(url.format(txn=txn.pk, account=books.shop.pk), {"memo": "edited"})

    assert response.status_code == 403
    txn.refresh_from_db()
    assert txn.memo == ""
    assert Transaction.objects.count() == 1
    assert Account.objects.filter(pk=books.shop.pk).exists()


@pytest.mark.parametrize("path", ["/admin/ledger/account/", "/admin/ledger/transaction/"])
def test_staff_without_the_view_permission_are_refused(client, make_user, path):
    client.force_login(make_user("clerk", is_staff=True))

    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/admin/ledger/account/", "/admin/ledger/transaction/"])
def test_anonymous_is_sent_to_the_login(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
