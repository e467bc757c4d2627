"""Standing: what counts against a buyer (and what never does), the neutral flag, staff suspensions."""
from datetime import timedelta

import pytest

from core.errors import DomainError
from core.models import AuditEvent
from protection.models import BuyerStanding, NoReasonSuspension
from protection.services.cases import case_approve
from protection.services.returns import return_confirm, return_ship
from protection.services.rulings import case_escalate, ruling_record
from protection.services.standing import (
    active_suspension,
    no_reason_suspend,
    standing_compute,
    standings_refresh_all,
    suspension_lift,
)

from .conftest import T0


def _returned(case, *, merchant, buyer):
    case = case_approve(actor=merchant, case=case)
    case = return_ship(actor=buyer, case=case, carrier="SF", tracking_number=f"R{case.pk}")
    return return_confirm(actor=merchant, case=case)


def test_quality_claims_the_buyer_wins_never_count(make_order, open_case, buyer, merchant, staff_user):
    for _ in range(6):
        _returned(open_case(make_order("received"), reason="quality"), merchant=merchant, buyer=buyer)
    case = case_escalate(actor=merchant, case=open_case(make_order("received"), type="refund_only", reason="damaged"),
                         reason="Disagree")
    ruling_record(actor=staff_user, case=case, decision="refund", at_fault="merchant", note="Broken in transit")
    standing = standing_compute(buyer=buyer)
    assert (standing.quality_claims_won, standing.no_reason_returns, standing.disputes_lost) == (7, 0, 0)
    assert standing.flagged is False
    assert BuyerStanding.objects.get(buyer=buyer).flagged is False


def test_many_no_reason_returns_flag_the_buyer_for_staff_and_merchants(make_order, open_case, buyer, merchant,
                                                                       client_for):
    cases = [_returned(open_case(make_order("received")), merchant=merchant, buyer=buyer) for _ in range(5)]
    standing = BuyerStanding.objects.get(buyer=buyer)
    assert (standing.no_reason_returns, standing.orders_received, standing.flagged) == (5, 5, True)
    assert standing.flag_reasons == ["no_reason_returns"]
    merchant_view = client_for(merchant).get(f"/api/v1/after-sales/{cases[0].pk}/").json()
    assert merchant_view["buyer_standing"]["flagged"] is True


def test_no_reason_returns_that_are_a_small_share_of_orders_are_not_flagged(make_order, open_case, buyer, merchant):
    for _ in range(5):
        _returned(open_case(make_order("received")), merchant=merchant, buyer=buyer)
    for _ in range(6):
        make_order("received")
    assert standing_compute(buyer=buyer).flagged is False  # 5 of 11 orders is under half


def test_rulings_against_the_buyer_count(make_order, open_case, buyer, merchant, staff_user):
    for _ in range(2):
        case = case_escalate(actor=merchant, case=open_case(make_order("received"), type="refund_only",
                                                            reason="quality"), reason="Misuse")
        ruling_record(actor=staff_user, case=case, decision="reject", at_fault="buyer", note="Misuse")
    standing = standing_compute(buyer=buyer)
    assert (standing.disputes_lost, standing.flagged, standing.flag_reasons) == (2, True, ["disputes_lost"])


def test_standing_looks_only_at_the_period(clock, make_order, open_case, buyer, merchant):
    for _ in range(5):
        _returned(open_case(make_order("received")), merchant=merchant, buyer=buyer)
    assert standing_compute(buyer=buyer).flagged is True
    clock.move_to(T0 + timedelta(days=91))
    assert standings_refresh_all() == 1
    assert BuyerStanding.objects.get(buyer=buyer).flagged is False


def test_staff_suspend_no_reason_returns_for_a_period_with_an_audit_and_a_message(clock, buyer, staff_user,
                                                                                  staff_no_perms, other_buyer):
    with pytest.raises(DomainError) as refused:
        no_reason_suspend(actor=staff_no_perms, buyer=buyer, reason="abuse", days=30)
    assert refused.value.code == "permission_denied"
    with pytest.raises(DomainError):
        no_reason_suspend(actor=staff_user, buyer=buyer, reason="", days=30)
    suspension = no_reason_suspend(actor=staff_user, buyer=buyer, reason="Wore and returned 8 dresses", days=30)
    assert suspension.ends_at == T0 + timedelta(days=30)
    assert active_suspension(buyer=buyer) == suspension
    assert active_suspension(buyer=other_buyer) is None
    assert AuditEvent.objects.filter(action="no_reason_suspend", actor=staff_user).count() == 1
    assert buyer.notifications.filter(title="No-reason returns suspended").exists()
    clock.move_to(T0 + timedelta(days=30))
    assert active_suspension(buyer=buyer) is None


def test_lifting_a_suspension_restores_no_reason_returns(received_order, open_case, buyer, staff_user):
    suspension = no_reason_suspend(actor=staff_user, buyer=buyer, reason="Pattern", days=30)
    suspension_lift(actor=staff_user, suspension=suspension)
    assert NoReasonSuspension.objects.get().lifted_by == staff_user
    assert open_case(received_order).status == "requested"
