"""The goods going back and forth: the buyer ships the return, the merchant confirms it, ships a replacement."""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import errors as core_errors
from core.errors import DomainError
from protection.models import CaseStatus, CaseType, Party
from protection.policy import policy
from protection.services.cases import invalid
from protection.services.refunds import case_pay_out
from protection.services.transitions import case_lock, case_transition, require_party


def _tracking(carrier, tracking_number) -> tuple[str, str]:
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    if not carrier:
        raise invalid("carrier", _("Name the carrier."))
    if not tracking_number:
        raise invalid("tracking_number", _("Enter the tracking number."))
    if len(carrier) > 60 or len(tracking_number) > 60:
        raise invalid("tracking_number", _("At most 60 characters."))
    return carrier, tracking_number


def _expect(case, status, message):
    if case.status != status:
        raise DomainError(core_errors.INVALID_TRANSITION, message, status=409, current_status=case.status)


@transaction.atomic
def return_ship(*, actor, case, carrier: str, tracking_number: str):
    """The buyer hands the return to a carrier; the merchant's confirmation deadline starts."""
    case = case_lock(case)
    party = require_party(actor, case, Party.BUYER)
    carrier, tracking_number = _tracking(carrier, tracking_number)
    _expect(case, CaseStatus.AWAITING_RETURN, _("No return is expected on this case now."))
    now = timezone.now()
    return case_transition(actor=actor, case=case, to=CaseStatus.RETURN_SHIPPED, party=party,
                           note=f"{carrier} {tracking_number}",
                           changes={"return_carrier": carrier, "return_tracking_number": tracking_number,
                                    "return_shipped_at": now,
                                    "return_confirm_by": now + policy().return_confirm_after_shipping})


def return_received(*, actor, case, party, note=""):
    """The goods are back (confirmed, or taken as back when the merchant let the deadline pass)."""
    changes = {"return_received_at": timezone.now()} if party == Party.MERCHANT else {}
    if case.type == CaseType.EXCHANGE and party == Party.MERCHANT:
        changes["replacement_ship_by"] = timezone.now() + policy().merchant_ship_replacement
        return case_transition(actor=actor, case=case, to=CaseStatus.AWAITING_REPLACEMENT, party=party,
                               note=note, changes=changes)
    return case_pay_out(actor=actor, case=case, party=party, note=note, changes=changes)


@transaction.atomic
def return_confirm(*, actor, case):
    """The merchant has the goods back: refund now, or (exchange) ship the replacement next."""
    case = case_lock(case)
    party = require_party(actor, case, Party.MERCHANT)
    _expect(case, CaseStatus.RETURN_SHIPPED, _("There is no return on its way to confirm."))
    return return_received(actor=actor, case=case, party=party)


@transaction.atomic
def replacement_ship(*, actor, case, carrier: str, tracking_number: str):
    """The merchant ships the replacement with its own tracking number: the exchange is done."""
    case = case_lock(case)
    party = require_party(actor, case, Party.MERCHANT)
    carrier, tracking_number = _tracking(carrier, tracking_number)
    _expect(case, CaseStatus.AWAITING_REPLACEMENT, _("No replacement is due on this case now."))
    if case.return_tracking_number and tracking_number == case.return_tracking_number:
        raise invalid("tracking_number", _("The replacement needs its own tracking number."))
    return case_transition(actor=actor, case=case, to=CaseStatus.EXCHANGED, party=party,
                           note=f"{carrier} {tracking_number}",
                           changes={"replacement_carrier": carrier, "replacement_tracking_number": tracking_number,
                                    "replacement_shipped_at": timezone.now()})


@transaction.atomic
def exchange_refund_instead(*, actor, case, note: str = ""):
    """A failed exchange (no replacement to send) turns into a refund; the goods are already back."""
    case = case_lock(case)
    party = require_party(actor, case, Party.MERCHANT)
    _expect(case, CaseStatus.AWAITING_REPLACEMENT, _("Only an exchange waiting for its replacement can turn "
                                                       "into a refund."))
    return case_pay_out(actor=actor, case=case, party=party, note=note or gettext_lazy("No replacement available."))
