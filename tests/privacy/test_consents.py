"""Consents in the privacy centre: what was given (versions, times), and withdrawal where the law allows."""
import pytest
from django.test import Client

from core.models import AuditEvent
from credit.models import CreditLine, EmergencyContact

pytestmark = pytest.mark.django_db


def consents(client) -> dict:
    response = client.get("/api/v1/me/consents/")
    assert response.status_code == 200
    return {c["key"]: c for c in response.json()}


def test_a_new_account_has_only_its_message_channels(make_user, client_for):
    mine = consents(client_for(make_user("fresh")))
    assert set(mine) == {"emergency_contacts", "email_messages", "sms_messages"}
    assert mine["emergency_contacts"]["active"] is False
    assert mine["sms_messages"]["active"] is True and mine["sms_messages"]["withdrawable"] is True


def test_credit_consents_show_their_versions_and_time(make_user, client_for, apply_for_credit):
    buyer = make_user("buyer")
    application = apply_for_credit(buyer)
    mine = consents(client_for(buyer))
    for key, version in (("credit_terms", application.terms_version),
                         ("credit_privacy", application.privacy_version)):
        assert mine[key]["version"] == version == "2026-01"
        assert mine[key]["given_at"] is not None and mine[key]["active"] is True
    assert mine["emergency_contacts"]["active"] is True


def test_credit_consent_cannot_be_withdrawn_while_instalments_are_owed(make_user, client_for, apply_for_credit,
                                                                      place_order):
    buyer = make_user("buyer")
    apply_for_credit(buyer)
    place_order(buyer, installments=3)
    client = client_for(buyer)
    mine = consents(client)
    assert mine["credit_terms"]["withdrawable"] is False
    assert mine["credit_terms"]["blocked_reason"] == "credit_outstanding"
    assert "repaid" in mine["credit_terms"]["blocked_detail"] or "还" in mine["credit_terms"]["blocked_detail"]
    refused = client.post("/api/v1/me/consents/credit_terms/withdraw/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "consent_withdrawal_blocked"
    assert refused.json()["reason"] == "credit_outstanding"
    assert CreditLine.objects.get(user=buyer).status == "active"
    assert not AuditEvent.objects.filter(action="consent_withdrawn").exists()


def test_withdrawing_credit_consent_when_nothing_is_owed_closes_the_line(make_user, client_for, apply_for_credit):
    buyer = make_user("buyer")
    apply_for_credit(buyer)
    client = client_for(buyer)
    done = client.post("/api/v1/me/consents/credit_privacy/withdraw/", HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 200
    assert done.json()["active"] is False and done.json()["withdrawn_at"]
    mine = consents(client)
    assert mine["credit_terms"]["active"] is False and mine["credit_privacy"]["active"] is False
    assert CreditLine.objects.get(user=buyer).status == "closed"
    assert AuditEvent.objects.filter(action="consent_withdrawn", actor=buyer).count() == 2


def test_emergency_contacts_can_be_withdrawn_at_any_time_without_touching_credit(
        make_user, client_for, apply_for_credit, place_order):
    buyer = make_user("buyer")
    apply_for_credit(buyer)
    place_order(buyer, installments=3)
    line_before = CreditLine.objects.values("status", "limit_amount", "used_amount").get(user=buyer)
    done = client_for(buyer).post("/api/v1/me/consents/emergency_contacts/withdraw/")
    assert done.status_code == 200 and done.json()["active"] is False
    assert EmergencyContact.objects.filter(application__user=buyer).count() == 0
    assert CreditLine.objects.values("status", "limit_amount", "used_amount").get(user=buyer) == line_before


def test_message_channels_can_be_switched_off(make_user, client_for):
    from core.notifications import preferences_for

    buyer = make_user("buyer")
    assert client_for(buyer).post("/api/v1/me/consents/sms_messages/withdraw/").status_code == 200
    prefs = preferences_for(buyer)
    assert (prefs.sms, prefs.email) == (False, True)


@pytest.mark.parametrize("key, status", [("emergency_contacts", 404), ("nonsense", 404)])
def test_withdrawing_what_was_never_given(make_user, client_for, key, status):
    response = client_for(make_user("buyer")).post(f"/api/v1/me/consents/{key}/withdraw/")
    assert response.status_code == status
    assert response.json()["code"] == "not_found"


def test_anonymous_gets_401(api):
    assert api.get("/api/v1/me/consents/").status_code == 401
    assert api.post("/api/v1/me/consents/sms_messages/withdraw/").status_code == 401


def test_the_page_lists_consents_and_withdraws(make_user, apply_for_credit):
    buyer = make_user("buyer")
    apply_for_credit(buyer)
    web = Client()
    assert web.get("/privacy/").status_code == 302  # login first
    web.force_login(buyer)
    page = web.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "2026-01" in html and "/privacy/consents/emergency_contacts/withdraw/" in html
    withdrawn = web.post("/privacy/consents/emergency_contacts/withdraw/", follow=True)
    assert withdrawn.status_code == 200
    assert EmergencyContact.objects.filter(application__user=buyer).count() == 0
    assert web.get("/privacy/consents/sms_messages/withdraw/").status_code == 405
