"""The credit admin: masked personal data, actions with confirmation and audit, the delinquency report."""
from django.test import Client

from core.models import AuditEvent
from credit.models import CreditApplication, CreditLine


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_application_shows_personal_data_masked(buyer_with_line, credit_officer):
    application = CreditApplication.objects.get(user=buyer_with_line)
    page = admin_client(credit_officer).get(f"/admin/credit/creditapplication/{application.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert application.id_number not in html and application.phone[3:] not in html
    assert application.id_number_masked in html


def test_changelists_and_report_load(buyer_with_line, credit_officer, listing, place_credit_order):
    place_credit_order(buyer_with_line, listing, installments=3)
    client = admin_client(credit_officer)
    for url in ["/admin/credit/creditapplication/", "/admin/credit/creditline/", "/admin/credit/installmentplan/",
                "/admin/credit/installment/", "/admin/credit/installment/delinquency/",
                "/admin/credit/installmentproduct/"]:
        assert client.get(url).status_code == 200, url


def test_freeze_action_asks_then_freezes_and_audits(buyer_with_line, credit_officer):
    line = CreditLine.objects.get(user=buyer_with_line)
    client = admin_client(credit_officer)
    ask = client.post("/admin/credit/creditline/", {"action": "freeze", "_selected_action": [line.pk]})
    assert ask.status_code == 200 and b"confirm" in ask.content
    line.refresh_from_db()
    assert line.status == "active"

    done = client.post("/admin/credit/creditline/", {"action": "freeze", "_selected_action": [line.pk],
                                                     "confirm": "1", "reason": "suspected fraud"})
    assert done.status_code == 302
    line.refresh_from_db()
    assert (line.status, line.frozen_reason) == ("frozen", "staff")
    assert AuditEvent.objects.filter(action="credit_line_freeze", actor=credit_officer).exists()


def test_staff_without_permission_has_no_credit_admin(buyer_with_line, staff_no_perms):
    assert admin_client(staff_no_perms).get("/admin/credit/creditline/").status_code == 403
