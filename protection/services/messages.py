"""What each side is told when a case moves: in-site message (and e-mail) with the deadline that now runs."""
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from core.money import format_cny
from core.notifications import notify
from protection.models import CaseStatus, CaseType, Party

S = CaseStatus


def _render(message, params) -> str:
    values = {}
    for key, value in params.items():
        if hasattr(value, "tzinfo"):
            value = date_format(timezone.localtime(value), "DATETIME_FORMAT")
        values[key] = str(value)
    return str(message) % values


# Rendered when notify() turns it into text, in the language of the person told.
_lazy_render = lazy(_render, str)


def _params(case) -> dict:
    return {
        "id": case.pk,
        "type": CaseType(case.type).label,
        "title": case.line.title,
        "amount": format_cny(case.claimed_amount),
        "refunded": format_cny(case.refunded_amount),
        "respond_by": case.respond_by,
        "escalate_by": case.escalate_by,
        "return_ship_by": case.return_ship_by,
        "return_confirm_by": case.return_confirm_by,
        "replacement_ship_by": case.replacement_ship_by,
        "ruling_by": case.ruling_honour_by,
        "carrier": case.return_carrier or case.replacement_carrier,
        "tracking": case.return_tracking_number or case.replacement_tracking_number,
    }


# status → [(who, title, body)]; bodies name the deadline that starts running.
_TEXTS = {
    S.REQUESTED: [
        (Party.MERCHANT, _("New after-sales request #%(id)s"),
         _("The buyer asks for %(type)s on “%(title)s” (%(amount)s). Respond by %(respond_by)s; "
           "after that the request is approved automatically.")),
        (Party.BUYER, _("After-sales request #%(id)s sent"),
         _("We sent your request for %(type)s on “%(title)s” to the merchant. The merchant responds by "
           "%(respond_by)s, or it is approved automatically.")),
    ],
    S.REJECTED: [
        (Party.BUYER, _("After-sales request #%(id)s rejected"),
         _("The merchant rejected your request: %(note)s. You can ask Fangxin to step in until %(escalate_by)s.")),
        (Party.MERCHANT, _("You rejected after-sales request #%(id)s"),
         _("The buyer can ask Fangxin to step in until %(escalate_by)s.")),
    ],
    S.AWAITING_RETURN: [
        (Party.BUYER, _("Return approved for #%(id)s: ship it by %(return_ship_by)s"),
         _("Send “%(title)s” back and enter the tracking number by %(return_ship_by)s; "
           "after that the case closes.")),
        (Party.MERCHANT, _("Return approved for #%(id)s"),
         _("The buyer ships “%(title)s” back by %(return_ship_by)s.")),
    ],
    S.RETURN_SHIPPED: [
        (Party.MERCHANT, _("Return shipped for #%(id)s: confirm by %(return_confirm_by)s"),
         _("The buyer sent “%(title)s” back (%(carrier)s %(tracking)s). Confirm you received it by "
           "%(return_confirm_by)s; after that the buyer is refunded automatically.")),
        (Party.BUYER, _("Return on its way for #%(id)s"),
         _("The merchant confirms receipt by %(return_confirm_by)s; after that you are refunded automatically.")),
    ],
    S.AWAITING_REPLACEMENT: [
        (Party.MERCHANT, _("Ship the replacement for #%(id)s by %(replacement_ship_by)s"),
         _("Ship a replacement of “%(title)s” with a tracking number by %(replacement_ship_by)s; after that "
           "the buyer is refunded automatically.")),
        (Party.BUYER, _("Return received for #%(id)s"),
         _("The merchant ships your replacement by %(replacement_ship_by)s, or you are refunded automatically.")),
    ],
    S.ESCALATED: [
        (Party.BUYER, _("Fangxin is stepping in on #%(id)s"),
         _("Customer service will rule by %(ruling_by)s. Add your evidence (text and photos) on the case page.")),
        (Party.MERCHANT, _("Fangxin is stepping in on #%(id)s"),
         _("Customer service will rule by %(ruling_by)s. Add your evidence (text and photos) on the case page.")),
    ],
    S.REFUNDED: [
        (Party.BUYER, _("Refunded %(refunded)s for #%(id)s"),
         _("%(refunded)s for “%(title)s” is on its way back the way you paid. %(note)s")),
        (Party.MERCHANT, _("Case #%(id)s refunded"),
         _("The buyer was refunded %(refunded)s for “%(title)s”. %(note)s")),
    ],
    S.EXCHANGED: [
        (Party.BUYER, _("Replacement shipped for #%(id)s"),
         _("Your replacement of “%(title)s” is on its way (%(carrier)s %(tracking)s).")),
        (Party.MERCHANT, _("Case #%(id)s exchanged"),
         _("You shipped the replacement (%(carrier)s %(tracking)s); the case is done.")),
    ],
    S.CLOSED: [
        (Party.BUYER, _("After-sales case #%(id)s closed"), _("The case about “%(title)s” is closed. %(note)s")),
        (Party.MERCHANT, _("After-sales case #%(id)s closed"), _("The case about “%(title)s” is closed. %(note)s")),
    ],
}


def _tell(case, texts, note="") -> None:
    from protection.services.transitions import case_link

    params = {**_params(case), "note": note or ""}
    recipients = {Party.BUYER: case.buyer, Party.MERCHANT: case.shop.owner}
    for who, title, body in texts:
        notify(user=recipients[who], kind="after_sales", title=_lazy_render(title, params),
               body=_lazy_render(body, params), link=case_link(case))


def case_opened(*, case) -> None:
    _tell(case, _TEXTS[S.REQUESTED])


def status_changed(*, case, old, party, note="") -> None:
    texts = _TEXTS.get(case.status)
    if texts:
        _tell(case, texts, note)


def evidence_added(*, case, party) -> None:
    """The other side (and only it) hears about new evidence while the platform is deciding."""
    other = {Party.BUYER: Party.MERCHANT, Party.MERCHANT: Party.BUYER}.get(party)
    if other is None:
        return
    _tell(case, [(other, _("New evidence on case #%(id)s"),
                  _("The other side added evidence to the case about “%(title)s”."))])


def suspension_started(*, suspension) -> None:
    from django.urls import NoReverseMatch, reverse

    try:
        link = reverse("protection:standing")
    except NoReverseMatch:
        link = ""
    params = {"until": suspension.ends_at, "reason": suspension.reason}
    notify(user=suspension.buyer, kind="after_sales", title=_lazy_render(_("No-reason returns suspended"), {}),
           body=_lazy_render(_("No-reason returns are suspended for your account until %(until)s: %(reason)s. "
                               "Quality claims are not affected."), params), link=link)
