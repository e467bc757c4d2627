"""Reminder fixtures: a plan bought through the services, and a sweep run at a moved Beijing time."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.sms import MemorySmsBackend, SmsError
from credit.models import InstallmentPlan
from credit.reminders.sweep import reminders_sweep

TZ = ZoneInfo("Asia/Shanghai")
FIRST_DUE = date(2026, 2, 10)  # the plan below: 341.66 due 10 Feb, 10 Mar; 341.68 on 10 Apr


def local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture(autouse=True)
def _sms_outbox():
    MemorySmsBackend.outbox.clear()
    FlakySmsBackend.failures_left = 0
    FlakySmsBackend.outbox.clear()
    yield
    MemorySmsBackend.outbox.clear()


@pytest.fixture
def sms_outbox():
    return MemorySmsBackend.outbox


@pytest.fixture
def plan(buyer_with_line, listing, place_credit_order):
    """1,000.00 in 3 bought on 10 Jan 2026 by ``creditbuyer`` (e-mail and phone on file)."""
    with at(local(date(2026, 1, 10), 12)):
        order = place_credit_order(buyer_with_line, listing, installments=3)
    return InstallmentPlan.objects.get(order=order)


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the sweep at a Beijing time, with its after-commit sends executed (eager tasks in tests)."""

    def run(moment: datetime, **kwargs):
        with at(moment), django_capture_on_commit_callbacks(execute=True):
            return reminders_sweep(**kwargs)

    return run


class FlakySmsBackend(MemorySmsBackend):
    """A provider that fails ``failures_left`` times before it accepts (set SMS_BACKEND to this class)."""

    failures_left = 0
    outbox: list = []

    def send(self, *, to: str, body: str) -> str:
        if FlakySmsBackend.failures_left:
            FlakySmsBackend.failures_left -= 1
            raise SmsError("gateway timeout")
        FlakySmsBackend.outbox.append({"to": to, "body": body})
        return f"flaky-{len(FlakySmsBackend.outbox)}"
