"""Monthly statements (账单) per credit line, built from the books and the plans; CSV export.

Balances are the buyer's outstanding principal, read from ``buyer_credit_receivable``
as of the period's bounds, so a statement always agrees with the books.
"""
import csv
import io
from datetime import date, datetime, time
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from credit.models import CreditLine, CreditRefund, Installment, InstallmentPlan, Repayment, Statement
from credit.models.plans import UNPAID
from credit.schedules import add_months
from ledger import accounts
from ledger.models import Entry


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _receivable_at(user_id: int, moment: datetime) -> Decimal:
    account = accounts.buyer_credit_receivable(user_id)
    total = Entry.objects.filter(account=account, transaction__created__lt=moment).aggregate(t=Sum("amount"))["t"]
    return Decimal(total or 0).quantize(Decimal("0.01"))


def _sum(qs, field) -> Decimal:
    return Decimal(qs.aggregate(t=Sum(field))["t"] or 0).quantize(Decimal("0.01"))


def statement_build(*, line: CreditLine, period: date) -> Statement:
    """Create (once) the statement of ``line`` for the month starting ``period``."""
    period = period.replace(day=1)
    start, end = _start_of(period), _start_of(add_months(period, 1))
    existing = Statement.objects.filter(line=line, period=period).first()
    if existing is not None:
        return existing
    user_id = line.user_id
    plans = InstallmentPlan.objects.filter(buyer_id=user_id, created__gte=start, created__lt=end)
    repayments = Repayment.objects.filter(buyer_id=user_id, created__gte=start, created__lt=end)
    refunds = CreditRefund.objects.filter(plan__buyer_id=user_id, created__gte=start, created__lt=end)
    items = (
        [{"date": p.created.date().isoformat(), "kind": "purchase", "reference": f"order {p.order_id}",
          "amount": str(p.original_principal_amount)} for p in plans]
        + [{"date": r.created.date().isoformat(), "kind": "payment", "reference": f"plan {r.plan_id}",
            "amount": str(-r.amount)} for r in repayments]
        + [{"date": r.created.date().isoformat(), "kind": "refund", "reference": f"plan {r.plan_id}",
            "amount": str(-r.amount)} for r in refunds]
    )
    items.sort(key=lambda item: item["date"])
    # Next dues: everything overdue, and the next instalment of each plan (a buyer has few plans).
    next_dues, seen = [], set()
    for i in Installment.objects.filter(plan__buyer_id=user_id, status__in=UNPAID).order_by("due_date", "pk"):
        if i.status == "overdue" or i.plan_id not in seen:
            next_dues.append({"plan": i.plan_id, "number": i.number, "due_date": i.due_date.isoformat(),
                              "amount": str(i.owed_amount)})
            seen.add(i.plan_id)
    statement = Statement(
        line=line, period=period,
        opening_balance_amount=_receivable_at(user_id, start),
        new_principal_amount=_sum(plans, "original_principal_amount"),
        payments_amount=_sum(repayments, "amount"),
        principal_paid_amount=_sum(repayments, "principal_amount"),
        fees_amount=_sum(repayments, "fee_amount"),
        penalties_amount=_sum(repayments, "penalty_amount"),
        refunds_amount=_sum(refunds, "amount"),
        closing_balance_amount=_receivable_at(user_id, end),
        lines=items, next_dues=next_dues,
    )
    try:
        with transaction.atomic():
            statement.save()
    except IntegrityError:  # built concurrently by another run
        return Statement.objects.get(line=line, period=period)
    return statement


def statements_generate(*, today: date | None = None, progress=None) -> int:
    """On the 1st: the statement of the month just ended, for every line that had one open then.

    ``progress("statements", lines looked at, lines)`` is called as it goes (core.progress).
    """
    today = today or timezone.localdate()
    period = add_months(today.replace(day=1), -1)
    count = 0
    lines = CreditLine.objects.filter(created__lt=_start_of(add_months(period, 1)))
    total = lines.count() if progress else None
    for number, line in enumerate(lines.iterator(chunk_size=500)):
        if progress:
            progress("statements", number, total)
        if not Statement.objects.filter(line=line, period=period).exists():
            statement_build(line=line, period=period)
            count += 1
    if progress:
        progress("statements", total, total)
    return count


def statement_csv(statement: Statement) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", statement.period.strftime("%Y-%m")])
    writer.writerow(["opening_balance", statement.opening_balance_amount])
    writer.writerow(["new_purchases", statement.new_principal_amount])
    writer.writerow(["payments", statement.payments_amount])
    writer.writerow(["of_which_principal", statement.principal_paid_amount])
    writer.writerow(["of_which_fees", statement.fees_amount])
    writer.writerow(["of_which_penalties", statement.penalties_amount])
    writer.writerow(["refunds", statement.refunds_amount])
    writer.writerow(["closing_balance", statement.closing_balance_amount])
    writer.writerow([])
    writer.writerow(["date", "kind", "reference", "amount"])
    for item in statement.lines:
        writer.writerow([item["date"], item["kind"], item["reference"], item["amount"]])
    writer.writerow([])
    writer.writerow(["due_date", "plan", "instalment", "amount"])
    for due in statement.next_dues:
        writer.writerow([due["due_date"], due["plan"], due["number"], due["amount"]])
    return out.getvalue()

