"""After-sales pages: the buyer's request form, both sides' case page, the merchant's inbox, standing and rules."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import errors as core_errors
from core.errors import DomainError
from marketplace.models import Order
from protection import forms
from protection.models import OPEN_STATUSES, Party
from protection.selectors import (
    allowed_actions,
    case_evidence,
    case_get,
    case_list_for_buyer,
    case_list_for_merchant,
    case_timeline,
)
from protection.services import cases, evidence, returns, rulings
from protection.services.standing import active_suspension, standing_compute, written_rules
from protection.services.transitions import party_of
from protection.windows import line_windows


def _show_errors(request, form, exc: DomainError) -> None:
    fields = exc.extra.get("fields") or {}
    placed = False
    for field, problems in fields.items():
        if form is not None and field in form.fields:
            for problem in problems:
                form.add_error(field, problem)
            placed = True
    if not placed:
        if form is not None:
            form.add_error(None, exc.message)
        else:
            messages.error(request, exc.message)


@login_required
def case_list(request):
    mine = case_list_for_buyer(request.user).order_by("-created", "-pk")[:100]
    return render(request, "protection/case_list.html", {"cases": mine, "is_merchant": hasattr(request.user, "shop")})


@login_required
def case_new(request, order_id: int):
    """Start a case from the order page: ``/after-sales/new/<order id>/?line=<line id>``."""
    order = Order.objects.filter(pk=order_id, buyer=request.user).prefetch_related("lines").first()
    if order is None:
        raise Http404
    lines = list(order.lines.all())
    initial = {"line": request.GET.get("line")} if request.GET.get("line") else {}
    form = forms.CaseForm(request.POST or None, request.FILES or None, lines=lines, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # a refused photo undoes the whole request
                case = cases.case_open(actor=request.user, order=order, line=data["line"], type=data["type"],
                                       reason=data["reason"], description=data["description"],
                                       amount=data["amount"] or None)
                for photo in data["photos"]:
                    evidence.evidence_add(actor=request.user, case=case, file=photo)
        except DomainError as exc:
            _show_errors(request, form, exc)
            if exc.extra.get("closed_on"):
                form.add_error(None, _("It closed on %(date)s.") % {"date": exc.extra["closed_on"]})
        else:
            messages.success(request, _("Your request was sent to the merchant."))
            return redirect("protection:case-detail", pk=case.pk)
    windows = [(line, line_windows(order=order, line=line)) for line in lines]
    return render(request, "protection/case_form.html", {"order": order, "form": form, "windows": windows})


@login_required
def case_detail(request, pk: int):
    try:
        case = case_get(user=request.user, pk=pk)
    except DomainError:
        raise Http404
    actions = allowed_actions(request.user, case)
    context = {
        "case": case, "role": party_of(request.user, case), "actions": actions,
        "events": case_timeline(case), "evidence_list": case_evidence(case),
        "reason_form": forms.ReasonForm(), "note_form": forms.OptionalReasonForm(),
        "shipment_form": forms.ShipmentForm(), "evidence_form": forms.EvidenceForm(),
        "standing": getattr(case.buyer, "after_sales_standing", None),
    }
    return render(request, "protection/case_detail.html", context)


# The form that checks each action's input (lengths, NUL bytes) before its service sees it.
_ACTION_FORMS = {"reject": forms.ReasonForm, "escalate": forms.ReasonForm, "withdraw": forms.OptionalReasonForm,
                 "refund-instead": forms.OptionalReasonForm, "ship-return": forms.ShipmentForm,
                 "ship-replacement": forms.ShipmentForm, "evidence": forms.EvidenceForm}


def _checked(action, request) -> dict:
    form_class = _ACTION_FORMS.get(action)
    if form_class is None:
        return {}
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        raise DomainError(core_errors.VALIDATION_ERROR, _("Check what you entered:"),
                          fields={name: [str(e) for e in errors] for name, errors in form.errors.items()})
    return form.cleaned_data


def _run(action, request, case):
    """Call the service behind a website action (the same services as the API)."""
    user = request.user
    post = {**request.POST.dict(), **_checked(action, request)}
    if action == "approve":
        return cases.case_approve(actor=user, case=case)
    if action == "reject":
        return cases.case_reject(actor=user, case=case, reason=post.get("reason", ""))
    if action == "withdraw":
        return cases.case_withdraw(actor=user, case=case, note=post.get("reason", ""))
    if action == "ship-return":
        return returns.return_ship(actor=user, case=case, carrier=post.get("carrier", ""),
                                   tracking_number=post.get("tracking_number", ""))
    if action == "confirm-return":
        return returns.return_confirm(actor=user, case=case)
    if action == "ship-replacement":
        return returns.replacement_ship(actor=user, case=case, carrier=post.get("carrier", ""),
                                        tracking_number=post.get("tracking_number", ""))
    if action == "refund-instead":
        return returns.exchange_refund_instead(actor=user, case=case, note=post.get("reason", ""))
    if action == "escalate":
        return rulings.case_escalate(actor=user, case=case, reason=post.get("reason", ""),
                                     return_received=post.get("return_received") == "on")
    if action == "evidence":
        return evidence.evidence_add(actor=user, case=case, text=post.get("text", ""),
                                     file=request.FILES.get("file"))
    raise Http404


@login_required
@require_POST
def case_action(request, pk: int, action: str):
    try:
        case = case_get(user=request.user, pk=pk)
    except DomainError:
        raise Http404
    try:
        _run(action, request, case)
    except DomainError as exc:
        problems = [p for ps in (exc.extra.get("fields") or {}).values() for p in ps]
        messages.error(request, " ".join([exc.message, *problems]) if problems else exc.message)
    else:
        messages.success(request, _("Done."))
    return redirect("protection:case-detail", pk=pk)


def _urgency(case):
    deadline = case.deadline
    merchants_move = deadline is not None and deadline[2] == Party.MERCHANT
    return (not merchants_move, deadline[1].timestamp() if deadline else float("inf"), -case.pk)


@login_required
def merchant_inbox(request):
    """The shop's cases, the ones waiting on the merchant first, each with its deadline."""
    if not hasattr(request.user, "shop"):
        raise Http404
    show = request.GET.get("show", "open")
    queryset = case_list_for_merchant(request.user)
    if show == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    rows = list(queryset.select_related("buyer__after_sales_standing").order_by("-created", "-pk")[:200])
    rows.sort(key=_urgency)
    return render(request, "protection/merchant_inbox.html", {"cases": rows, "show": show})


@login_required
def standing(request):
    return render(request, "protection/standing.html", {
        "standing": standing_compute(buyer=request.user), "suspension": active_suspension(buyer=request.user),
        "rules": written_rules()})
