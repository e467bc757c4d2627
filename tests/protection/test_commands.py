"""manage.py sweep_case_deadlines: the deadline sweeps by hand, with a progress bar on a terminal."""
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_each_sweep_draws_its_bar_and_the_overdue_case_moves_on(clock, received_order, open_case):
    case = open_case(received_order)
    clock.move_to(case.respond_by + timedelta(seconds=1))
    out = Terminal()

    call_command("sweep_case_deadlines", stdout=out)

    text = out.getvalue()
    case.refresh_from_db()
    assert case.status == "awaiting_return"  # merchant silence approves the return
    assert "\r" in text and "merchant_response      [##############################]         1/1" in text
    assert "return_shipping        [##############################]         0/0" in text
    assert "1 cases moved on: merchant_response 1, return_shipping 0" in text


def test_in_a_log_no_bar_only_a_line_per_sweep(clock, received_order, open_case):
    case = open_case(received_order)
    out = io.StringIO()

    call_command("sweep_case_deadlines", "--now", (case.respond_by + timedelta(hours=1)).isoformat(),
                 "--only", "merchant_response", stdout=out)

    case.refresh_from_db()
    assert case.status == "awaiting_return"
    assert out.getvalue() == "merchant_response      1/1\n1 cases moved on: merchant_response 1\n"


def test_nothing_due_changes_nothing_and_a_bad_date_is_refused(clock, received_order, open_case):
    case = open_case(received_order)
    call_command("sweep_case_deadlines", "--no-progress", stdout=io.StringIO())
    case.refresh_from_db()
    assert case.status == "requested"
    with pytest.raises(CommandError, match="not an ISO date-time"):
        call_command("sweep_case_deadlines", "--now", "tomorrow", stdout=io.StringIO())
