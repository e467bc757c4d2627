"""Property: whatever buyers do — checkout, repay any way, get refunds — the books balance,
the line's used equals the receivable in the books, and no cent is lost between buyer and platform."""
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from credit.models import CreditLine, InstallmentPlan
from credit.services.repayments import repayment_make, repayment_quote
from marketplace.services.refunds import refund_issue
from tests.credit.conftest import assert_books

steps = st.lists(st.one_of(
    st.tuples(st.just("next"), st.just(None)),
    st.tuples(st.just("payoff"), st.just(None)),
    st.tuples(st.just("amount"), st.decimals(min_value=Decimal("0.01"), max_value=Decimal("400"), places=2)),
    st.tuples(st.just("refund"), st.decimals(min_value=Decimal("0.01"), max_value=Decimal("600"), places=2)),
), min_size=1, max_size=6)


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(count=st.sampled_from([3, 6, 12]), actions=steps)
def test_books_hold_under_any_sequence(buyer_with_line, listing, place_credit_order, count, actions):
    try:
        with transaction.atomic():
            order = place_credit_order(buyer_with_line, listing, installments=count)
            plan = InstallmentPlan.objects.get(order=order)
            for n, (kind, amount) in enumerate(actions):
                plan.refresh_from_db()
                try:
                    if kind == "refund":
                        refund_issue(order=order, amount=min(amount, plan.principal_amount) or Decimal("0.01"),
                                     actor=None, idempotency_key=f"prop-{n}")
                    else:
                        repayment_make(actor=buyer_with_line, plan=plan, mode=kind, amount=amount,
                                       idempotency_key=f"prop-{n}")
                except DomainError as exc:
                    assert exc.code in {"amount_exceeds_outstanding", "plan_not_active", "nothing_to_repay",
                                        "refund_exceeds_paid", "refund_exceeds_plan", "invalid_transition"}, exc.code
                assert_books(buyer_with_line)
                plan.refresh_from_db()
                owed = repayment_quote(plan=plan)["outstanding"]
                assert owed >= 0
                line = CreditLine.objects.get(user=buyer_with_line)
                assert line.used_amount == sum(i.owed_principal_amount for i in plan.installments.all()
                                               if i.status in ("scheduled", "overdue"))
            raise Rollback
    except Rollback:
        pass
