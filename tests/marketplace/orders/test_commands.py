"""manage.py settle_due_orders: settlement by hand, with a progress bar on a terminal."""
import io

import pytest
from django.core.management import call_command

from marketplace import hooks
from marketplace.models import Settlement
from marketplace.services.orders import order_confirm_receipt

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def unsettled(shipped_order, buyer):
    """A completed order a hold kept in escrow until now."""
    hooks.register_settlement_hold("test-hold", lambda orders: orders.none())
    try:
        order_confirm_receipt(actor=buyer, order=shipped_order)
    finally:
        hooks._settlement_holds.pop("test-hold")
    return shipped_order


def test_settles_with_a_bar_on_a_terminal(unsettled):
    out = Terminal()

    call_command("settle_due_orders", stdout=out)

    assert Settlement.objects.filter(order=unsettled).count() == 1
    text = out.getvalue()
    assert "\r" in text and "settlement   [##############################]         1/1" in text
    assert "1 orders settled." in text


def test_in_a_log_one_line_and_a_second_run_settles_nothing(unsettled):
    out = io.StringIO()
    call_command("settle_due_orders", stdout=out)
    again = io.StringIO()
    call_command("settle_due_orders", stdout=again)

    assert out.getvalue() == "settlement   1/1\n1 orders settled.\n"
    assert again.getvalue() == "settlement   0/0\n0 orders settled.\n"
    assert Settlement.objects.count() == 1
