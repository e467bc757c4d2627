"""The credit centre (website): apply, line and usage, plans and repayments, statements, credit history."""
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.net import client_ip_or_none
from credit import selectors
from credit.forms import ApplicationForm, RepayForm
from credit.services import applications, quotes, repayments, statements
from credit.services.underwriting import reasons_for_display
from marketplace.models import Listing


@login_required
def centre(request):
    summary = selectors.line_summary(request.user)
    application = request.user.credit_applications.order_by("-created").first()
    used_percent = 0
    if summary and summary["limit"]:
        used_percent = int(summary["used"] * 100 / summary["limit"])
    return render(request, "credit/centre.html", {
        "line": summary, "used_percent": used_percent, "application": application,
        "reasons": reasons_for_display(application.reasons) if application else [],
        "plans": selectors.plans_for_buyer(request.user)[:20],
        "statements": selectors.statements_for_buyer(request.user)[:12],
    })


@login_required
@require_http_methods(["GET", "POST"])
def apply(request):
    terms = quotes.current_terms()
    initial = {"terms_version": terms["terms"].version, "privacy_version": terms["privacy"].version}
    form = ApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = applications.application_submit(
                actor=request.user, real_name=data["real_name"], id_number=data["id_number"], phone=data["phone"],
                income_band=data["income_band"], emergency_contacts=form.contacts(),
                consent={"terms_version": data["terms_version"], "privacy_version": data["privacy_version"]},
                ip=client_ip_or_none(request))
        except DomainError as exc:
            for field, errors in (exc.extra.get("fields") or {}).items():
                form.add_error(field if field in form.fields else None, errors)
            if not exc.extra.get("fields"):
                form.add_error(None, exc.message)
        else:
            if application.status == "approved":
                limit = application.limit_amount
                messages.success(request, _("Approved: your limit is ¥%(limit)s.") % {"limit": limit})
            elif application.status == "declined":
                messages.warning(request, _("We cannot offer you credit now. The reasons are listed below."))
            else:
                messages.info(request, _("A credit officer will review your application."))
            return redirect("credit:centre")
    return render(request, "credit/apply.html", {"form": form, "terms": terms})


@login_required
def plan_detail(request, pk):
    plan = selectors.plan_get_for_buyer(request.user, pk)
    if plan is None:
        raise Http404
    return render(request, "credit/plan_detail.html", {
        "plan": plan, "form": RepayForm(), "amounts": repayments.repayment_quote(plan=plan)})


@login_required
@require_POST
def plan_repay(request, pk):
    plan = selectors.plan_get_for_buyer(request.user, pk)
    if plan is None:
        raise Http404
    form = RepayForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            repayment = repayments.repayment_make(
                actor=request.user, plan=plan, mode=data["mode"],
                amount=str(data["amount"]) if data.get("amount") else None,
                idempotency_key=f"web:{data['idempotency_key']}")
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Paid ¥%(amount)s. Thank you.") % {"amount": repayment.amount})
            return redirect("credit:plan", pk=plan.pk)
    return render(request, "credit/plan_detail.html", {
        "plan": plan, "form": form, "amounts": repayments.repayment_quote(plan=plan)}, status=400)


@login_required
def statement_list(request):
    page = Paginator(selectors.statements_for_buyer(request.user), 12).get_page(request.GET.get("page"))
    return render(request, "credit/statement_list.html", {"page": page})


@login_required
def statement_detail(request, pk):
    statement = selectors.statements_for_buyer(request.user).filter(pk=pk).first()
    if statement is None:
        raise Http404
    if request.GET.get("format") == "csv":
        response = HttpResponse(statements.statement_csv(statement), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="statement-{statement.period:%Y-%m}.csv"'
        return response
    return render(request, "credit/statement_detail.html", {"statement": statement})


@login_required
def history(request):
    page = Paginator(selectors.credit_history(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "credit/history.html", {"page": page})


def quote_partial(request):
    """The quote as an HTML fragment (htmx on the checkout and listing pages)."""
    listing = None
    if request.GET.get("listing", "").isdigit():
        listing = Listing.objects.filter(pk=int(request.GET["listing"]), status="active").first()
    try:
        amount = Decimal(request.GET.get("amount") or (listing.price_amount if listing else ""))
    except (InvalidOperation, ValueError):
        amount = None
    try:
        quote = quotes.quote_build(amount=amount, count=request.GET.get("installments") or 12, listing=listing)
    except DomainError as exc:
        return render(request, "credit/_quote.html", {"quote": None, "error": exc.message}, status=400)
    return render(request, "credit/_quote.html", {"quote": quote})
