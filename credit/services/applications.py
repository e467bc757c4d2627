"""Credit applications: submit (validate, check consent, underwrite, open the line) and staff decisions."""
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import errors as core_errors
from core.crypto import blind_index
from core.errors import DomainError
from core.money import is_cents, quantize, to_decimal
from core.pii import InvalidPhone, normalize_phone, valid_id_number
from core.privacy import audit
from credit import conf, errors
from credit.models import (
    ApplicationStatus,
    CreditApplication,
    CreditEvent,
    CreditLine,
    CreditLineEvent,
    EmergencyContact,
    IncomeBand,
    LineStatus,
    Relation,
)
from credit.services import permissions
from credit.services.lines import _event, _freeze, credit_line_open, line_lock
from credit.services.quotes import current_terms
from credit.services.transitions import transition
from credit.services.underwriting import gather_facts, underwrite

MAX_CONTACTS = 2


def _invalid(field: str, message) -> DomainError:
    return DomainError(core_errors.VALIDATION_ERROR, str(message), fields={field: [str(message)]})


def _text(value, field: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > max_length:
        raise _invalid(field, _("Enter up to %(n)s characters.") % {"n": max_length})
    return value.strip()


def _phone(value, field: str) -> str:
    try:
        return normalize_phone(value)
    except InvalidPhone as exc:
        raise _invalid(field, exc) from None


def _contacts(raw) -> list[dict]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_CONTACTS:
        raise _invalid("emergency_contacts", _("Give at most two emergency contacts, or none."))
    contacts = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise _invalid("emergency_contacts", _("Each contact needs a name, a phone and a relation."))
        relation = item.get("relation")
        if relation not in Relation.values:
            raise _invalid(f"emergency_contacts.{index}.relation", _("Choose a relation from the list."))
        contacts.append({"name": _text(item.get("name"), f"emergency_contacts.{index}.name", 100),
                         "phone": _phone(item.get("phone"), f"emergency_contacts.{index}.phone"),
                         "relation": relation})
    return contacts


def _check_consent(consent) -> dict:
    terms = current_terms()
    current = {"terms_version": terms["terms"].version, "privacy_version": terms["privacy"].version}
    if not isinstance(consent, dict) or not consent.get("terms_version") or not consent.get("privacy_version"):
        raise DomainError(errors.CONSENT_REQUIRED, _("Read and accept the credit terms and the privacy notice."),
                          fields={"consent": [_("Consent to the current terms and privacy notice.")]}, **current)
    if consent.get("terms_version") != current["terms_version"] or \
            consent.get("privacy_version") != current["privacy_version"]:
        raise DomainError(errors.STALE_CONSENT, _("The terms changed since you read them; read and accept them again."),
                          **current)
    return current


def id_index(id_number: str) -> str:
    return blind_index(id_number, purpose="credit_application.id_number")


def phone_index(e164: str) -> str:
    return blind_index(e164, purpose="credit_application.phone")


@transaction.atomic
def application_submit(*, actor, real_name, id_number, phone, income_band, emergency_contacts=None,
                       consent=None, ip: str | None = None) -> CreditApplication:
    """Apply for credit. Emergency contacts are stored (encrypted) but never reach underwriting."""
    real_name = _text(real_name, "real_name", 100)
    if not isinstance(id_number, str) or not valid_id_number(id_number):
        raise DomainError(errors.INVALID_ID_NUMBER, _("Enter a valid 18-character ID number."),
                          fields={"id_number": [_("Enter a valid 18-character ID number.")]})
    id_number = id_number.strip().upper()
    e164 = _phone(phone, "phone")
    if income_band not in IncomeBand.values:
        raise _invalid("income_band", _("Choose an income band from the list."))
    contacts = _contacts(emergency_contacts)
    versions = _check_consent(consent)

    line = CreditLine.objects.select_for_update().filter(user=actor).first()
    if line is not None and line.status != LineStatus.CLOSED:
        raise DomainError(errors.ALREADY_HAS_LINE, _("You already have a credit line."))
    if CreditApplication.objects.filter(user=actor, status=ApplicationStatus.UNDER_REVIEW).exists():
        raise DomainError(errors.APPLICATION_PENDING, _("Your application is being reviewed."))
    indexes = {"id_number_index": id_index(id_number), "phone_index": phone_index(e164)}
    in_use = CreditApplication.objects.exclude(user=actor).filter(
        id_number_index=indexes["id_number_index"]).exists() or CreditApplication.objects.exclude(user=actor).filter(
        phone_index=indexes["phone_index"]).exists()
    outcome = underwrite(gather_facts(user=actor, income_band=income_band, id_number=id_number,
                                      identity_in_use=in_use))
    application = CreditApplication.objects.create(
        user=actor, real_name=real_name, id_number=id_number, phone=e164, income_band=income_band,
        terms_version=versions["terms_version"], privacy_version=versions["privacy_version"],
        consented_at=timezone.now(), consent_ip=ip or "", status=outcome.status, automatic_status=outcome.status,
        limit_amount=outcome.limit if outcome.status != ApplicationStatus.DECLINED else Decimal("0.00"),
        automatic_limit_amount=outcome.limit, reasons=outcome.reasons, factors=outcome.factors, **indexes)
    EmergencyContact.objects.bulk_create([EmergencyContact(application=application, **c) for c in contacts])
    application.status_changes.create(old_status="", new_status=outcome.status, new_limit_amount=outcome.limit,
                                      reason="automatic decision")
    if outcome.status == ApplicationStatus.APPROVED:
        credit_line_open(actor=None, user=actor, limit=outcome.limit, application=application,
                         reason="application approved")
        CreditEvent.objects.create(user=actor, kind=CreditEvent.Kind.APPROVED, detail={"limit": str(outcome.limit)})
    elif outcome.status == ApplicationStatus.DECLINED:
        CreditEvent.objects.create(user=actor, kind=CreditEvent.Kind.DECLINED, detail={"reasons": outcome.reasons})
    return application


def _parse_limit(value) -> Decimal:
    try:
        limit = to_decimal(value)
    except ValueError:
        raise _invalid("limit", _("Enter a limit in yuan.")) from None
    if isinstance(value, (bool, float)) or limit <= 0 or not is_cents(limit) \
            or limit > Decimal(conf.get("MAX_LIMIT")):
        raise _invalid("limit", _("Enter a limit above zero, at most %(max)s, with at most two decimals.")
                       % {"max": conf.get("MAX_LIMIT")})
    return quantize(limit)


@transaction.atomic
def application_decide(*, actor, application: CreditApplication, decision: str, limit=None,
                       note: str = "") -> CreditApplication:
    """A credit officer approves (with a limit, possibly different) or declines; overrides included."""
    permissions.require(actor, permissions.DECIDE)
    if decision not in ("approve", "decline"):
        raise _invalid("decision", _("Choose approve or decline."))
    if not isinstance(note, str) or len(note) > 2000:
        raise _invalid("note", _("Keep the note under 2,000 characters."))
    user = application.user
    line = CreditLine.objects.select_for_update().filter(user=user).first()  # line before application: lock order
    application = CreditApplication.objects.select_for_update().get(pk=application.pk)
    old_limit = application.limit_amount
    if decision == "approve":
        new_limit = _parse_limit(application.automatic_limit_amount if limit in (None, "") else limit)
        to = ApplicationStatus.APPROVED
    else:
        new_limit, to = Decimal("0.00"), ApplicationStatus.DECLINED
    application.limit_amount, application.decided_by, application.decided_at, application.note = (
        new_limit, actor, timezone.now(), note)
    if "staff_decision" not in application.reasons:
        application.reasons = [*application.reasons, "staff_decision"]
    transition(application, to=to, actor=actor, reason=note,
               extra_fields=("limit_amount", "decided_by", "decided_at", "note", "reasons"),
               history=lambda **h: application.status_changes.create(old_limit_amount=old_limit,
                                                                     new_limit_amount=new_limit, **h))
    if to == ApplicationStatus.APPROVED:
        credit_line_open(actor=actor, user=user, limit=new_limit, application=application, reason=note or "approved")
        CreditEvent.objects.create(user=user, kind=CreditEvent.Kind.APPROVED, detail={"limit": str(new_limit)})
    else:
        CreditEvent.objects.create(user=user, kind=CreditEvent.Kind.DECLINED, detail={"reasons": ["staff_decision"]})
        if line is not None and line.status != LineStatus.CLOSED:
            line = line_lock(line.pk)
            if line.used_amount == 0:
                transition(line, to=LineStatus.CLOSED, actor=actor, reason=note,
                           history=lambda **h: _event(line, kind=CreditLineEvent.Kind.CLOSED, **h))
            elif line.status == LineStatus.ACTIVE:
                # Still owed: no new draws, repayments go on.
                _freeze(line, actor=actor, reason_code=CreditLine.FrozenReason.STAFF, reason=note)
    audit(actor=actor, action="credit_application_decide", target=application, reason=note, decision=decision,
          limit=str(new_limit))
    return application
