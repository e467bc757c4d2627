"""Consents a person has given, with versions and times, and withdrawing them where the law allows.

- Credit terms and the credit privacy notice: given with each credit application (version,
  time, IP). They govern money still owed, so they cannot be withdrawn while anything is
  outstanding; afterwards withdrawing closes the credit line.
- Emergency contacts: optional and never part of the credit decision, so withdrawable at
  any time; withdrawing deletes the contacts.
- E-mail and SMS messages: channel choices; in-site messages always stay on.
Fangxin sends no marketing and shares nothing for marketing, so there is no marketing
consent to ask for. Withdrawals are recorded as AuditEvents (``consent_withdrawn``).
"""
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import errors
from core.errors import DomainError, register_status
from core.models import AuditEvent

CONSENT_WITHDRAWAL_BLOCKED = "consent_withdrawal_blocked"
register_status(consent_withdrawal_blocked=409)

CREDIT_TERMS = "credit_terms"
CREDIT_PRIVACY = "credit_privacy"
EMERGENCY_CONTACTS = "emergency_contacts"
EMAIL_MESSAGES = "email_messages"
SMS_MESSAGES = "sms_messages"
KEYS = (CREDIT_TERMS, CREDIT_PRIVACY, EMERGENCY_CONTACTS, EMAIL_MESSAGES, SMS_MESSAGES)

TITLES = {
    CREDIT_TERMS: gettext_lazy("Credit terms"),
    CREDIT_PRIVACY: gettext_lazy("Credit privacy notice: use of your name, ID number, phone and income band"),
    EMERGENCY_CONTACTS: gettext_lazy("Emergency contacts you gave"),
    EMAIL_MESSAGES: gettext_lazy("Messages by e-mail"),
    SMS_MESSAGES: gettext_lazy("Messages by SMS"),
}
PURPOSES = {
    CREDIT_TERMS: gettext_lazy("The agreement behind your credit line and every instalment plan."),
    CREDIT_PRIVACY: gettext_lazy("To verify who you are (anti-money-laundering rules), set your limit and remind "
                                 "you of repayments — you only."),
    EMERGENCY_CONTACTS: gettext_lazy("Only to ask them to pass on a message if we cannot reach you for a long time. "
                                     "The system never messages them and they are never told any amount."),
    EMAIL_MESSAGES: gettext_lazy("Order, after-sales and repayment messages by e-mail."),
    SMS_MESSAGES: gettext_lazy("Repayment reminders by SMS."),
}
BLOCKED_TEXT = {
    "credit_outstanding": gettext_lazy("You still have instalments to repay: the credit terms and the privacy notice "
                                       "govern them until everything is repaid. Once it is, you can withdraw — that "
                                       "closes your credit line."),
    "application_under_review": gettext_lazy("Your credit application is being reviewed; withdraw once it is decided."),
}


@dataclass
class Consent:
    key: str
    title: str
    purpose: str
    version: str
    given_at: object
    withdrawn_at: object
    active: bool
    withdrawable: bool
    blocked_reason: str
    blocked_detail: str

    def as_dict(self) -> dict:
        return asdict(self)


def _withdrawals(user) -> dict:
    """The latest withdrawal time per consent key."""
    latest = {}
    for event in AuditEvent.objects.filter(action="consent_withdrawn", target_type=user._meta.label_lower,
                                           target_id=str(user.pk)).order_by("created", "pk"):
        latest[event.detail.get("consent")] = event.created
    return latest


def _credit_state(user) -> tuple[object, str]:
    """The application in force (latest) and why credit consents cannot be withdrawn now ("" if they can)."""
    from credit.models import ApplicationStatus, CreditApplication, CreditLine, PlanStatus

    application = CreditApplication.objects.filter(user=user).order_by("-consented_at", "-pk").first()
    if application is None:
        return None, ""
    line = CreditLine.objects.filter(user=user).first()
    if user.installment_plans.filter(status=PlanStatus.ACTIVE).exists() or (line and line.used_amount > 0):
        return application, "credit_outstanding"
    if application.status == ApplicationStatus.UNDER_REVIEW:
        return application, "application_under_review"
    return application, ""


def consents_for(user) -> list[Consent]:
    from core.notifications import preferences_of
    from credit.models import EmergencyContact

    withdrawn = _withdrawals(user)
    application, blocked = _credit_state(user)
    consents = []

    def add(key, *, version="", given_at=None, active, withdrawable, blocked_reason=""):
        consents.append(Consent(key=key, title=str(TITLES[key]), purpose=str(PURPOSES[key]), version=version,
                                given_at=given_at, withdrawn_at=withdrawn.get(key), active=active,
                                withdrawable=withdrawable and active and not blocked_reason,
                                blocked_reason=blocked_reason if active else "",
                                blocked_detail=str(BLOCKED_TEXT[blocked_reason]) if active and blocked_reason else ""))

    if application is not None:
        for key, version in ((CREDIT_TERMS, application.terms_version),
                             (CREDIT_PRIVACY, application.privacy_version)):
            was_withdrawn = withdrawn.get(key) and withdrawn[key] > application.consented_at
            add(key, version=version, given_at=application.consented_at, active=not was_withdrawn,
                withdrawable=True, blocked_reason=blocked)
    contacts = EmergencyContact.objects.filter(application__user=user).select_related("application")
    first = contacts.order_by("application__consented_at").first()
    add(EMERGENCY_CONTACTS, version=first.application.privacy_version if first else "",
        given_at=first.application.consented_at if first else None, active=first is not None, withdrawable=True)
    prefs = preferences_of(user)
    add(EMAIL_MESSAGES, active=prefs.email, withdrawable=True)
    add(SMS_MESSAGES, active=prefs.sms, withdrawable=True)
    return consents


def _close_credit_line(user) -> None:
    """No credit any more: close the line (credit's service refuses while anything is owed)."""
    from credit import errors as credit_errors
    from credit.services.lines import credit_line_close

    try:
        credit_line_close(actor=user, user=user, reason="credit consent withdrawn")
    except DomainError as exc:
        if exc.code != credit_errors.CREDIT_OUTSTANDING:
            raise
        raise DomainError(CONSENT_WITHDRAWAL_BLOCKED, str(BLOCKED_TEXT["credit_outstanding"]),
                          reason="credit_outstanding") from None


@transaction.atomic
def consent_withdraw(*, user, key: str) -> Consent:
    """Withdraw one consent; ``consent_withdrawal_blocked`` (409) with the reason when the law keeps it."""
    if key not in KEYS:
        raise DomainError(errors.NOT_FOUND, _("No such consent."))
    from credit.models import CreditLine

    CreditLine.objects.select_for_update().filter(user=user).first()  # credit rows first: the same lock order
    current = {c.key: c for c in consents_for(user)}.get(key)
    if current is None or not current.active:
        raise DomainError(errors.NOT_FOUND, _("You have not given this consent."))
    if current.blocked_reason:
        raise DomainError(CONSENT_WITHDRAWAL_BLOCKED, current.blocked_detail, reason=current.blocked_reason)
    if key in (CREDIT_TERMS, CREDIT_PRIVACY):
        _close_credit_line(user)
        keys = [CREDIT_TERMS, CREDIT_PRIVACY]  # one does not stand without the other
    elif key == EMERGENCY_CONTACTS:
        from credit.services.contact_attempts import emergency_contacts_remove

        emergency_contacts_remove(user=user)
        keys = [key]
    else:
        from core.notifications import preferences_for

        prefs = preferences_for(user)
        field = "email" if key == EMAIL_MESSAGES else "sms"
        setattr(prefs, field, False)
        prefs.save(update_fields=[field])
        keys = [key]
    for withdrawn_key in keys:
        AuditEvent.objects.create(actor=user, action="consent_withdrawn", target_type=user._meta.label_lower,
                                  target_id=str(user.pk), detail={"consent": withdrawn_key,
                                                                  "version": current.version})
    return {c.key: c for c in consents_for(user)}[key]
