"""First flow through the services: apply, checkout, repay, refund."""
from credit.models import CreditLine, InstallmentProduct


def test_reference_data(db):
    assert [(p.count, str(p.fee_rate)) for p in InstallmentProduct.objects.all()] == [
        (3, "0.0250"), (6, "0.0450"), (12, "0.0750")]


def test_apply_and_order(buyer_with_line, listing, place_credit_order):
    from tests.credit.conftest import assert_books

    line = CreditLine.objects.get(user=buyer_with_line)
    assert str(line.limit_amount) == "3000.00"
    order = place_credit_order(buyer_with_line, listing)
    assert order.status == "paid"
    line.refresh_from_db()
    assert str(line.used_amount) == "1000.00"
    assert_books(buyer_with_line)
