"""Deleting an account: refused while anything runs; otherwise the person is erased and the books stay intact."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token

from core.models import AuditEvent, Notification
from credit.models import CreditApplication, CreditLine, EmergencyContact
from ledger.models import Account
from ledger.selectors import balances, books_balanced
from marketplace.models import Order, phone_index
from marketplace.services.orders import order_confirm_receipt, order_ship
from marketplace.services.payments import order_pay
from tests.privacy import scenario as sc

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-9"


def snapshot() -> dict:
    return {account.code: amount for account, amount in balances(Account.objects.all()).items()}


@pytest.fixture
def finished_buyer(make_user, apply_for_credit, place_order):
    """Bought, received and paid everything; has a credit line (nothing owed) with two emergency contacts."""
    buyer = make_user("leaving", phone=sc.BUYER_PHONE)
    buyer.real_name = sc.BUYER_REAL_NAME
    buyer.save(update_fields=["real_name"])
    apply_for_credit(buyer)
    order = order_pay(actor=buyer, order=place_order(buyer), idempotency_key="pay-1")
    order = order_ship(actor=order.shop.owner, order=order, carrier="SF Express", tracking_number="SF9")
    order_confirm_receipt(actor=buyer, order=order)
    return buyer


def test_deletion_erases_the_person_and_keeps_the_books(finished_buyer, client_for):
    buyer = finished_buyer
    order = Order.objects.get(buyer=buyer)
    books, total = snapshot(), order.total_amount
    assert books_balanced()
    client = client_for(buyer)
    preview = client.get("/api/v1/me/delete/").json()
    assert preview["can_delete"] is True and preview["erased"] and preview["kept"]

    done = client.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "deleted"

    buyer.refresh_from_db()
    assert buyer.username == f"deleted-{buyer.pk}"
    assert (buyer.email, buyer.phone, buyer.real_name, buyer.first_name, buyer.is_active) == ("", "", "", "", False)
    assert buyer.phone_index is None and not buyer.has_usable_password()
    assert not get_user_model().objects.filter(phone_index=phone_index("+86" + sc.BUYER_PHONE)).exists()
    application = CreditApplication.objects.get(user=buyer)
    assert (application.real_name, application.phone, application.phone_index) == ("", "", "")
    assert application.id_number == sc.CREDIT["id_number"]  # kept (encrypted) for anti-money-laundering
    assert EmergencyContact.objects.filter(application__user=buyer).count() == 0
    assert CreditLine.objects.get(user=buyer).status == "closed"
    order.refresh_from_db()
    assert (order.total_amount, order.shipping_phone) == (total, "")
    assert (order.shipping_name, order.shipping_address) == (sc.SHIPPING["name"], sc.SHIPPING["address"])
    assert set(Notification.objects.filter(user=buyer).values_list("body", flat=True)) <= {""}
    assert not Token.objects.filter(user=buyer).exists()
    assert AuditEvent.objects.filter(action="account_deleted", target_id=str(buyer.pk)).exists()

    # The books are exactly as they were.
    assert books_balanced()
    assert snapshot() == books

    # Gone from everything still stored in the clear-after-decryption sense.
    stored = sc.plaintext_values()
    assert "+86" + sc.BUYER_PHONE not in stored["phones"] and "+86" + sc.CREDIT["phone"] not in stored["phones"]
    assert not {sc.BUYER_REAL_NAME, sc.CREDIT["real_name"], *sc.CONTACT_NAMES} & stored["names"]

    # The old login is dead; the phone number may be registered again.
    assert client_for(buyer).get("/api/v1/me/").status_code == 401
    from rest_framework.test import APIClient

    assert APIClient().post("/api/v1/auth/token/", {"username": "leaving", "password": PASSWORD},
                            format="json").status_code == 400
    assert APIClient().post("/api/v1/auth/register/", {"username": "newcomer", "password": "another-horse-7",
                                                       "phone": sc.BUYER_PHONE}, format="json").status_code == 201


def test_deletion_is_refused_while_anything_runs(make_user, client_for, apply_for_credit, place_order):
    buyer = make_user("busy")
    apply_for_credit(buyer)
    place_order(buyer, installments=3)  # paid by credit, waiting to ship: owed and open
    place_order(buyer)  # awaiting payment
    books = snapshot()
    client = client_for(buyer)
    refused = client.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json")
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "deletion_blocked"
    assert body["reasons"] == ["credit_outstanding", "order_open"]
    assert len(body["messages"]) == 2
    buyer.refresh_from_db()
    assert buyer.username == "busy" and buyer.is_active and buyer.phone
    assert EmergencyContact.objects.filter(application__user=buyer).count() == 2
    assert snapshot() == books
    assert client.get("/api/v1/me/delete/").json()["reasons"] == ["credit_outstanding", "order_open"]


def test_an_open_after_sales_case_blocks_deletion(finished_buyer, client_for):
    from protection.services.cases import case_open

    order = Order.objects.get(buyer=finished_buyer)
    case_open(actor=finished_buyer, order=order, line=order.lines.first(), type="return_refund", reason="no_reason",
              description="Changed my mind.")
    refused = client_for(finished_buyer).post("/api/v1/me/delete/", {"password": PASSWORD}, format="json")
    assert refused.status_code == 409 and refused.json()["reasons"] == ["case_open"]


@pytest.mark.parametrize("who", ["merchant", "staff"])
def test_merchants_and_staff_are_closed_by_staff(listing, make_user, client_for, who):
    user = listing.shop.owner if who == "merchant" else make_user("clerk", is_staff=True)
    refused = client_for(user).post("/api/v1/me/delete/", {"password": PASSWORD}, format="json")
    assert refused.status_code == 409
    assert refused.json()["reasons"] == ["shop_owner" if who == "merchant" else "staff_account"]


@pytest.mark.parametrize("body", [{"password": "wrong-password"}, {}, {"password": 12345678}])
def test_a_wrong_password_changes_nothing(finished_buyer, client_for, body):
    refused = client_for(finished_buyer).post("/api/v1/me/delete/", body, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "validation_error"
    finished_buyer.refresh_from_db()
    assert finished_buyer.is_active and finished_buyer.username == "leaving"


def test_anonymous_gets_401(api):
    assert api.post("/api/v1/me/delete/", {"password": "x"}, format="json").status_code == 401


def test_the_page_deletes_and_logs_out(finished_buyer):
    web = Client()
    web.force_login(finished_buyer)
    page = web.get("/privacy/delete/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "E-commerce Law" in page.content.decode()
    wrong = web.post("/privacy/delete/", {"password": "nope", "confirm": "on"})
    assert wrong.status_code == 200
    done = web.post("/privacy/delete/", {"password": PASSWORD, "confirm": "on"})
    assert done.status_code == 302
    finished_buyer.refresh_from_db()
    assert not finished_buyer.is_active
    assert "_auth_user_id" not in web.session
    assert web.get("/privacy/").status_code == 302


def test_the_page_explains_what_blocks_deletion(make_user, place_order):
    buyer = make_user("busy")
    place_order(buyer)
    web = Client()
    web.force_login(buyer)
    page = web.get("/privacy/delete/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "still on its way" in page and 'type="password"' not in page


def test_no_device_record_outlives_the_deletion(finished_buyer, client_for, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from credit.models import DeviceSighting
    from credit.tasks import device_sighting_record_task

    client = client_for(finished_buyer)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/api/v1/me/", HTTP_X_DEVICE_ID="buyer-phone", REMOTE_ADDR="203.0.113.5")
    assert DeviceSighting.objects.filter(user=finished_buyer).exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json",
                           HTTP_X_DEVICE_ID="another-phone", REMOTE_ADDR="203.0.113.6")
    # A sighting queued before the deletion and delivered after it is dropped too.
    device_sighting_record_task(finished_buyer.pk, "a" * 64, "203.0.113.7", True, timezone.now().isoformat())

    assert done.status_code == 200
    assert not DeviceSighting.objects.filter(user=finished_buyer).exists()
