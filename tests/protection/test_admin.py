"""The staff admin: case queue with filters, evidence thumbnails, ruling with confirmation, suspensions."""
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from marketplace.models import Refund
from protection.models import AfterSalesCase, BuyerStanding, NoReasonSuspension
from protection.services.evidence import evidence_add
from protection.services.rulings import case_escalate

URL = "/admin/protection/aftersalescase/"


@pytest.fixture
def admin_as():
    def login(user):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return login


@pytest.fixture
def escalated(received_order, open_case, buyer, png_file):
    case = case_escalate(actor=buyer, case=open_case(received_order, type="refund_only", reason="damaged"),
                         reason="Cracked on arrival")
    evidence_add(actor=buyer, case=case, text="Photo of the crack", file=png_file())
    return case


def test_queue_filters_escalated_and_overdue(clock, admin_as, staff_user, escalated, make_order, open_case,
                                             django_assert_max_num_queries):
    waiting = open_case(make_order("received"))
    client = admin_as(staff_user)
    with django_assert_max_num_queries(20):
        page = client.get(URL, {"queue": "escalated"})
    assert page.status_code == 200
    assert list(page.context["cl"].queryset) == [escalated]
    clock.shift(timedelta(hours=48))
    overdue = client.get(URL, {"queue": "overdue"}).context["cl"].queryset
    assert set(overdue) == {waiting}  # the escalation's 72 h have not run out yet
    clock.shift(timedelta(hours=24))
    assert set(client.get(URL, {"queue": "overdue"}).context["cl"].queryset) == {waiting, escalated}
    assert client.get(URL, {"type__exact": "refund_only"}).context["cl"].queryset.get() == escalated


def test_case_page_shows_evidence_thumbnails_and_a_ruling_link(admin_as, staff_user, escalated):
    html = admin_as(staff_user).get(f"{URL}{escalated.pk}/change/").content.decode()
    assert "-thumb" in html and "Photo of the crack" in html
    assert f"{URL}{escalated.pk}/rule/" in html


def test_ruling_from_the_admin_asks_for_confirmation_then_refunds(admin_as, staff_user, escalated):
    client = admin_as(staff_user)
    form = client.post(URL, {"action": "rule", ACTION_CHECKBOX_NAME: [escalated.pk]})
    assert form.status_code == 200 and "Confirm" in form.content.decode()
    assert AfterSalesCase.objects.get(pk=escalated.pk).status == "escalated"
    done = client.post(URL, {"action": "rule", ACTION_CHECKBOX_NAME: [escalated.pk], "apply": "1",
                             "decision": "refund", "at_fault": "merchant", "note": "Packed badly"})
    assert done.status_code == 302
    case = AfterSalesCase.objects.get(pk=escalated.pk)
    assert (case.status, case.decision, case.at_fault, case.ruled_by) == ("refunded", "refund", "merchant",
                                                                          staff_user)
    assert Refund.objects.count() == 1


def test_the_single_case_ruling_page(admin_as, staff_user, escalated):
    client = admin_as(staff_user)
    assert client.get(f"{URL}{escalated.pk}/rule/").status_code == 200
    response = client.post(f"{URL}{escalated.pk}/rule/", {"decision": "reject", "at_fault": "buyer",
                                                          "note": "Photo shows use"})
    assert response.status_code == 302
    assert AfterSalesCase.objects.get(pk=escalated.pk).status == "closed"


def test_staff_without_the_permission_cannot_rule(admin_as, staff_no_perms, grant, escalated):
    grant(staff_no_perms, "protection.view_aftersalescase")
    client = admin_as(staff_no_perms)
    assert client.get(f"{URL}{escalated.pk}/rule/").status_code == 403
    page = client.get(URL)
    action_form = page.context["action_form"]
    assert action_form is None or "rule" not in [c[0] for c in action_form.fields["action"].choices]
    assert AfterSalesCase.objects.get(pk=escalated.pk).status == "escalated"


def test_staff_without_any_permission_see_no_cases(admin_as, staff_no_perms, escalated):
    assert admin_as(staff_no_perms).get(URL).status_code == 403


def test_suspending_no_reason_returns_from_the_standing_list(admin_as, staff_user, buyer, received_order, open_case):
    open_case(received_order)
    from protection.services.standing import standing_refresh

    standing = standing_refresh(buyer=buyer)
    client = admin_as(staff_user)
    url = "/admin/protection/buyerstanding/"
    assert client.get(url, {"flagged__exact": "0"}).status_code == 200
    assert client.post(url, {"action": "suspend_no_reason", ACTION_CHECKBOX_NAME: [standing.pk]}).status_code == 200
    client.post(url, {"action": "suspend_no_reason", ACTION_CHECKBOX_NAME: [standing.pk], "apply": "1",
                      "days": "30", "reason": "Serial returns of worn clothes"})
    suspension = NoReasonSuspension.objects.get(buyer=buyer)
    assert suspension.created_by == staff_user
    client.post("/admin/protection/noreasonsuspension/", {"action": "lift", ACTION_CHECKBOX_NAME: [suspension.pk]})
    assert NoReasonSuspension.objects.get().lifted_at is not None
    assert BuyerStanding.objects.count() == 1
