"""manage.py mark_overdue_instalments and generate_statements: by hand, with a progress bar on a terminal."""
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from credit.models import InstallmentPlan, Statement

TZ = ZoneInfo("Asia/Shanghai")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=TZ), tick=False)


@pytest.fixture
def plan(buyer, apply, listing, place_credit_order):
    """1,000.00 in 3 bought on 10 Jan 2026: the first instalment falls due on 10 Feb."""
    with at(date(2026, 1, 5)):
        apply(buyer)
    with at(date(2026, 1, 10)):
        order = place_credit_order(buyer, listing, installments=3)
    return InstallmentPlan.objects.get(order=order)


def test_overdue_sweep_walks_its_steps_on_a_terminal(plan):
    out = Terminal()
    with at(date(2026, 2, 20)):
        call_command("mark_overdue_instalments", "--today", "2026-02-20", stdout=out)

    text = out.getvalue()
    assert plan.installments.get(number=1).status == "overdue"
    assert "mark overdue   [" in text and "overdue sweep  [##############################]         5/5" in text
    assert "1 newly overdue, 1 reported late, 1 penalised, 1 lines frozen, 0 unfrozen." in text


def test_overdue_sweep_in_a_log_leaves_one_line(plan):
    out = io.StringIO()
    with at(date(2026, 2, 20)):
        call_command("mark_overdue_instalments", "--today", "2026-02-20", stdout=out)

    assert out.getvalue().splitlines()[0] == "overdue sweep  5/5"
    assert "[#" not in out.getvalue()


def test_statements_with_a_bar_then_nothing_twice(plan):
    out = Terminal()
    with at(date(2026, 2, 1)):
        call_command("generate_statements", "--today", "2026-02-01", stdout=out)
        again = io.StringIO()
        call_command("generate_statements", "--today", "2026-02-01", stdout=again)

    assert Statement.objects.get().period == date(2026, 1, 1)
    assert "statements   [##############################]         1/1" in out.getvalue()
    assert "1 statements built." in out.getvalue()
    assert again.getvalue() == "statements   1/1\n0 statements built.\n"


def test_a_bad_day_is_refused(db):
    with pytest.raises(CommandError, match="not an ISO date"):
        call_command("generate_statements", "--today", "01/02/2026", stdout=io.StringIO())
