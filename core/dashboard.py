"""The staff dashboard in the admin: orders and GMV per day, after-sales cases, the credit portfolio, reminders.

Charts are drawn on the server (SVG columns and CSS bars), so the page needs no chart library and
no asset from the internet. Reads only: every number comes from one aggregate query per chart.
"""
from datetime import timedelta
from decimal import Decimal

from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

DAYS = 30
CHART_WIDTH, CHART_HEIGHT = 720, 180


def _bars(rows: list[dict], key: str) -> list[dict]:
    """Each row with ``percent`` of the largest ``key`` (for CSS bar widths)."""
    top = max((row[key] for row in rows), default=0) or 1
    return [{**row, "percent": round(float(row[key]) * 100 / float(top), 1)} for row in rows]


def orders_per_day(today=None) -> dict:
    """Orders paid and GMV per day over the last DAYS days, with the geometry of an SVG column chart."""
    from marketplace.models import Order

    today = today or timezone.localdate()
    start = today - timedelta(days=DAYS - 1)
    rows = (Order.objects.filter(paid_at__date__gte=start).annotate(day=TruncDate("paid_at")).values("day")
            .annotate(orders=Count("pk"), gmv=Sum("total_amount")).order_by("day"))
    by_day = {row["day"]: row for row in rows}
    days = []
    for n in range(DAYS):
        day = start + timedelta(days=n)
        row = by_day.get(day, {})
        days.append({"day": day, "orders": row.get("orders", 0), "gmv": row.get("gmv") or Decimal("0.00")})
    top_gmv = max((d["gmv"] for d in days), default=0) or 1
    top_orders = max((d["orders"] for d in days), default=0) or 1
    step = CHART_WIDTH / DAYS
    for n, d in enumerate(days):
        height = float(d["gmv"]) / float(top_gmv) * (CHART_HEIGHT - 20)
        d.update(x=round(n * step + 2, 1), width=round(step - 4, 1), height=round(height, 1),
                 y=round(CHART_HEIGHT - height, 1),
                 dot_x=round(n * step + step / 2, 1),
                 dot_y=round(CHART_HEIGHT - d["orders"] / top_orders * (CHART_HEIGHT - 20), 1))
    return {"days": days, "total_orders": sum(d["orders"] for d in days),
            "total_gmv": sum((d["gmv"] for d in days), Decimal("0.00")), "top_gmv": top_gmv,
            "points": " ".join(f"{d['dot_x']},{d['dot_y']}" for d in days),
            "width": CHART_WIDTH, "height": CHART_HEIGHT}


def cases_by_state() -> dict:
    from protection.models import AfterSalesCase, CaseStatus, Decision

    status = dict(AfterSalesCase.objects.values_list("status").annotate(n=Count("pk")).order_by())
    decision = dict(AfterSalesCase.objects.exclude(decision="").values_list("decision").annotate(n=Count("pk"))
                    .order_by())
    return {
        "states": _bars([{"key": k, "label": label, "count": status.get(k, 0)} for k, label in CaseStatus.choices],
                        "count"),
        "outcomes": _bars([{"key": k, "label": label, "count": decision.get(k, 0)} for k, label in
                           Decision.choices], "count"),
    }


def credit_portfolio() -> dict:
    from credit.models import CreditLine, Installment, InstallmentStatus

    overdue = dict((row["bucket"], row) for row in Installment.objects.filter(status=InstallmentStatus.OVERDUE)
                   .values("bucket").annotate(count=Count("pk"),
                                              principal=Sum(F("principal_amount") - F("paid_principal_amount")))
                   .order_by())
    outstanding = CreditLine.objects.aggregate(total=Sum("used_amount"))["total"] or Decimal("0.00")
    labels = {"1_30": _("1–30 days"), "31_60": _("31–60 days"), "61_90": _("61–90 days"), "90_plus": _("90+ days")}
    late = sum((row["principal"] or Decimal("0.00") for row in overdue.values()), Decimal("0.00"))
    rows = [{"key": "current", "label": _("Current (not overdue)"), "principal": max(outstanding - late, Decimal(0)),
             "count": None}]
    rows += [{"key": key, "label": label, "principal": (overdue.get(key) or {}).get("principal") or Decimal("0.00"),
              "count": (overdue.get(key) or {}).get("count", 0)} for key, label in labels.items()]
    return {"rows": _bars(rows, "principal"), "outstanding": outstanding, "late": late}


def reminders_sent() -> dict:
    from credit.models import Reminder, ReminderDelivery

    rows = (ReminderDelivery.objects.values("channel", "status").annotate(n=Count("pk")).order_by("channel", "status"))
    table = {}
    for row in rows:
        table.setdefault(row["channel"], {})[row["status"]] = row["n"]
    channels = ReminderDelivery._meta.get_field("channel").choices
    statuses = ReminderDelivery._meta.get_field("status").choices
    out = []
    for key, label in channels:
        counts = table.get(key, {})
        total = sum(counts.values()) or 0
        out.append({"label": label, "total": total, "sent": counts.get("sent", 0), "failed": counts.get("failed", 0),
                    "parts": [{"key": s, "label": s_label, "count": counts.get(s, 0),
                               "percent": round(counts.get(s, 0) * 100 / total, 1) if total else 0}
                              for s, s_label in statuses]})
    return {"channels": out, "in_site": Reminder.objects.count(), "statuses": statuses}


@staff_member_required
def dashboard_view(request):
    from django.contrib import admin

    return render(request, "admin/dashboard.html", {
        **admin.site.each_context(request), "title": _("Dashboard"),
        "orders": orders_per_day(), "cases": cases_by_state(), "portfolio": credit_portfolio(),
        "reminders": reminders_sent(), "days": DAYS,
    })
