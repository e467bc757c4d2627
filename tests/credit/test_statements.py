"""Monthly statements agree with the books; CSV download; the beat schedule is registered."""
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from credit.models import InstallmentPlan, Statement
from credit.services.repayments import repayment_make
from credit.services.statements import statements_generate

D = Decimal
TZ = ZoneInfo("Asia/Shanghai")


def at(day):
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=TZ), tick=False)


def test_monthly_statement(buyer, apply, listing, place_credit_order, client_for):
    buyer_with_line = buyer
    with at(date(2026, 1, 5)):
        apply(buyer)
    with at(date(2026, 1, 10)):
        order = place_credit_order(buyer_with_line, listing, installments=3)
    plan = InstallmentPlan.objects.get(order=order)
    with at(date(2026, 1, 20)):
        repayment_make(actor=buyer_with_line, plan=plan, mode="next", idempotency_key="jan")
    with at(date(2026, 2, 1)):
        assert statements_generate(today=date(2026, 2, 1)) == 1
        assert statements_generate(today=date(2026, 2, 1)) == 0  # once per month, however often it runs

    statement = Statement.objects.get()
    assert statement.period == date(2026, 1, 1)
    assert (statement.opening_balance_amount, statement.new_principal_amount, statement.payments_amount,
            statement.principal_paid_amount, statement.fees_amount, statement.closing_balance_amount) == (
        D("0.00"), D("1000.00"), D("341.66"), D("333.33"), D("8.33"), D("666.67"))
    assert statement.next_dues == [{"plan": plan.pk, "number": 2, "due_date": "2026-03-10", "amount": "341.66"}]

    client = client_for(buyer_with_line)
    body = client.get(f"/api/v1/credit/statements/{statement.pk}/").json()
    assert body["closing_balance"] == "666.67" and body["period"] == "2026-01"
    csv = client.get(f"/api/v1/credit/statements/{statement.pk}/csv/")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "closing_balance,666.67" in csv.content.decode()


def test_other_buyers_statement_is_404(buyer_with_line, other_buyer, client_for, listing, place_credit_order):
    place_credit_order(buyer_with_line, listing, installments=3)
    statements_generate(today=date.today().replace(day=1))
    from credit.models import CreditLine
    from credit.services.statements import statement_build

    statement = statement_build(line=CreditLine.objects.get(user=buyer_with_line), period=date.today())
    client = client_for(other_buyer)
    assert client.get(f"/api/v1/credit/statements/{statement.pk}/").status_code == 404
    assert client.get(f"/api/v1/credit/statements/{statement.pk}/csv/").status_code == 404


def test_beat_schedule_registered():
    from celery.schedules import crontab

    from config.celery import app

    schedule = app.conf.beat_schedule
    assert schedule["credit-overdue-daily"]["schedule"] == crontab(hour=0, minute=10)
    assert schedule["credit-statements-monthly"]["schedule"] == crontab(hour=1, minute=0, day_of_month=1)
    assert app.conf.timezone == "Asia/Shanghai"


def test_tasks_call_the_services(buyer_with_line, listing, place_credit_order):
    from credit.tasks import installments_mark_overdue_task, statements_generate_task

    assert installments_mark_overdue_task()["newly_overdue"] == 0
    assert statements_generate_task() >= 0
