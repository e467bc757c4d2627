"""Emergency contacts: the one way staff may use them (an attempt to reach an unreachable buyer), and removal.

The system never messages a contact: nothing here sends anything. A credit officer
with ``credit.attempt_emergency_contact`` starts an attempt, and only when the buyer
counts as unreachable (``unreachable_reasons`` is empty):

- an instalment has been overdue (and not paused by an after-sales case) for at least
  ``CONTACT_UNREACHABLE_DAYS`` days (default 30) — by then the reminders of days 1, 3
  and 7 have gone to the buyer;
- and in those days the buyer showed no sign of life: no login (website or API token),
  no repayment, no in-site message read;
- and nobody tried a contact of this buyer in the last ``CONTACT_ATTEMPT_INTERVAL_DAYS``
  days (default 7).

Both numbers are overridable in ``settings.FANGXIN_CREDIT``. The attempt reveals the
contact's name and phone to that staff member only (two access records the buyer
sees), gives the fixed message to read or type — it asks the contact to pass on a
request to call Fangxin and says nothing about money, dates or credit — and tells the
buyer in an in-site message. Staff then record the outcome.
"""
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import errors as core_errors
from core.errors import DomainError, register_status
from core.models import DataAccessRecord, Notification
from core.privacy import audit
from credit.models import CreditApplication, CreditLine, EmergencyContact, Installment, Relation, Repayment
from credit.models.contact_attempts import AttemptChannel, AttemptOutcome, EmergencyContactAttempt

ATTEMPT_PERMISSION = "credit.attempt_emergency_contact"
CONTACT_NOT_ALLOWED = "contact_not_allowed"
register_status(contact_not_allowed=409)

DEFAULTS = {"CONTACT_UNREACHABLE_DAYS": 30, "CONTACT_ATTEMPT_INTERVAL_DAYS": 7, "SERVICE_PHONE": "400-000-0000"}
MIN_REASON_LENGTH = 5

# Why an attempt is not allowed (codes; the admin and API show REASON_TEXT).
NOT_OVERDUE_LONG_ENOUGH = "not_overdue_long_enough"
LOGGED_IN_RECENTLY = "logged_in_recently"
REPAID_RECENTLY = "repaid_recently"
READ_MESSAGES_RECENTLY = "read_messages_recently"
ATTEMPTED_RECENTLY = "attempted_recently"
ACCOUNT_INACTIVE = "account_inactive"
REASON_TEXT = {
    NOT_OVERDUE_LONG_ENOUGH: gettext_lazy("Nothing has been overdue long enough."),
    LOGGED_IN_RECENTLY: gettext_lazy("The buyer logged in recently."),
    REPAID_RECENTLY: gettext_lazy("The buyer repaid something recently."),
    READ_MESSAGES_RECENTLY: gettext_lazy("The buyer read our messages recently."),
    ATTEMPTED_RECENTLY: gettext_lazy("A contact of this buyer was tried recently."),
    ACCOUNT_INACTIVE: gettext_lazy("The account is closed."),
}

# The fixed message. Placeholders: the buyer as the contact knows them (relation and
# initial) and our service number. Nothing else may be added: no amount, no date, no
# mention of credit, instalments or arrears.
TEMPLATE_KEY = "pass_on_v1"
TEMPLATES = {
    TEMPLATE_KEY: {
        "zh-hans": "您好，这里是放心平台客服。我们暂时联系不上您的{relation}（{initial}），对方曾把您的电话留作联系人。"
                   "麻烦您转告对方联系放心客服：{service_phone}。我们只请您转告这一句话，谢谢！",
        "en": "Hello, this is Fangxin customer service. We have not been able to reach your {relation} ({initial}), "
              "who gave us your number as a contact. Could you please ask them to get in touch with Fangxin "
              "customer service on {service_phone}? That is all we ask of you. Thank you.",
    },
}
# The buyer seen from the contact: a contact who is the buyer's parent is asked about their child.
_AS_SEEN_BY_CONTACT = {
    "zh-hans": {Relation.PARENT: "子女", Relation.CHILD: "父母", Relation.SPOUSE: "配偶", Relation.SIBLING: "兄弟姐妹",
                Relation.FRIEND: "朋友", Relation.COLLEAGUE: "同事", Relation.OTHER: "熟人"},
    "en": {Relation.PARENT: "child", Relation.CHILD: "parent", Relation.SPOUSE: "spouse",
           Relation.SIBLING: "brother or sister", Relation.FRIEND: "friend", Relation.COLLEAGUE: "colleague",
           Relation.OTHER: "acquaintance"},
}


def conf(name: str):
    overrides = getattr(settings, "FANGXIN_CREDIT", {}) or {}
    return overrides.get(name, DEFAULTS[name])


def _language(code: str) -> str:
    return "en" if (code or "").lower().startswith("en") else "zh-hans"


def _initial(real_name: str, language: str) -> str:
    first = (real_name or "").strip()[:1]
    if not first:
        return "—"
    if "\u4e00" <= first <= "\u9fff":
        return f"姓{first}" if language == "zh-hans" else first
    return f"{first.upper()}."


def contact_message(*, relation: str, real_name: str, language: str, template_key: str = TEMPLATE_KEY) -> str:
    """The fixed message for a contact, in ``language`` (zh-hans or en)."""
    language = _language(language)
    return TEMPLATES[template_key][language].format(
        relation=_AS_SEEN_BY_CONTACT[language].get(relation, _AS_SEEN_BY_CONTACT[language][Relation.OTHER]),
        initial=_initial(real_name, language), service_phone=conf("SERVICE_PHONE"))


def attempt_message(attempt: EmergencyContactAttempt) -> str:
    return contact_message(relation=attempt.relation, real_name=attempt.application.real_name,
                           language=attempt.language, template_key=attempt.template_key)


# --- who counts as unreachable -------------------------------------------------------------------
def _cutoffs(now):
    now = now or timezone.now()
    days = int(conf("CONTACT_UNREACHABLE_DAYS"))
    return now, now - timedelta(days=days), timezone.localdate(now) - timedelta(days=days)


def _long_overdue(cutoff_day):
    # clock_date: the due date moved on by days paused for an after-sales case, which never count as overdue.
    return Installment.objects.filter(plan__buyer=OuterRef("pk"), status="overdue", paused=False,
                                      clock_date__lte=cutoff_day)


def unreachable_reasons(buyer, *, now=None) -> list[str]:
    """Why staff may not try this buyer's emergency contacts now; empty when they may."""
    now, cutoff, cutoff_day = _cutoffs(now)
    User = get_user_model()
    facts = User.objects.filter(pk=buyer.pk).annotate(
        long_overdue=Exists(_long_overdue(cutoff_day)),
        repaid=Exists(Repayment.objects.filter(buyer=OuterRef("pk"), created__gt=cutoff)),
        read=Exists(Notification.objects.filter(user=OuterRef("pk"), read_at__gt=cutoff)),
        tried=Exists(EmergencyContactAttempt.objects.filter(
            buyer=OuterRef("pk"), created__gt=now - timedelta(days=int(conf("CONTACT_ATTEMPT_INTERVAL_DAYS"))))),
    ).values("is_active", "last_login", "long_overdue", "repaid", "read", "tried").get()
    reasons = []
    if not facts["is_active"]:
        reasons.append(ACCOUNT_INACTIVE)
    if not facts["long_overdue"]:
        reasons.append(NOT_OVERDUE_LONG_ENOUGH)
    if facts["last_login"] and facts["last_login"] > cutoff:
        reasons.append(LOGGED_IN_RECENTLY)
    if facts["repaid"]:
        reasons.append(REPAID_RECENTLY)
    if facts["read"]:
        reasons.append(READ_MESSAGES_RECENTLY)
    if facts["tried"]:
        reasons.append(ATTEMPTED_RECENTLY)
    return reasons


def unreachable_buyers(*, now=None) -> QuerySet:
    """Buyers who count as unreachable (the attempt interval aside)."""
    now, cutoff, cutoff_day = _cutoffs(now)
    User = get_user_model()
    return (User.objects.filter(is_active=True)
            .filter(Exists(_long_overdue(cutoff_day)))
            .exclude(last_login__gt=cutoff)
            .exclude(Exists(Repayment.objects.filter(buyer=OuterRef("pk"), created__gt=cutoff)))
            .exclude(Exists(Notification.objects.filter(user=OuterRef("pk"), read_at__gt=cutoff))))


def applications_of_unreachable_buyers(*, now=None) -> QuerySet[CreditApplication]:
    """The application in force (the one behind the credit line) of each unreachable buyer with contacts."""
    return CreditApplication.objects.filter(
        pk__in=CreditLine.objects.filter(user__in=unreachable_buyers(now=now)).values("application_id"),
        emergency_contacts__isnull=False).distinct()


# --- the attempt ---------------------------------------------------------------------------------
def can_attempt(user) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(ATTEMPT_PERMISSION))


@transaction.atomic
def contact_attempt_start(*, actor, contact: EmergencyContact, reason: str, channel: str = AttemptChannel.CALL,
                          language: str = "zh-hans") -> tuple[EmergencyContactAttempt, dict]:
    """Record an attempt and return it with what the staff member needs: the contact's name and phone and the
    fixed message. Refused (``contact_not_allowed``, 409, with ``reasons``) unless the buyer is unreachable."""
    if not can_attempt(actor):
        raise DomainError(core_errors.PERMISSION_DENIED, _("You may not contact emergency contacts."))
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if len(reason) < MIN_REASON_LENGTH:
        raise DomainError(core_errors.VALIDATION_ERROR, _("Give the reason for this attempt."),
                          fields={"reason": [_("Give the reason for this attempt.")]})
    if channel not in AttemptChannel.values:
        raise DomainError(core_errors.VALIDATION_ERROR, _("Choose a channel."),
                          fields={"channel": [_("Choose a channel.")]})
    # Lock the application: two officers cannot both pass the interval check at once.
    application = CreditApplication.objects.select_for_update().select_related("user").get(pk=contact.application_id)
    buyer = application.user
    reasons = unreachable_reasons(buyer)
    if reasons:
        raise DomainError(CONTACT_NOT_ALLOWED,
                          _("Emergency contacts may be tried only when the buyer has been unreachable for a long "
                            "time."), reasons=reasons, details=[str(REASON_TEXT[r]) for r in reasons])
    language = _language(language)
    attempt = EmergencyContactAttempt.objects.create(
        buyer=buyer, application=application, contact=contact, relation=contact.relation, staff=actor,
        channel=channel, template_key=TEMPLATE_KEY, language=language, reason=reason[:500])
    for field in ("name", "phone"):
        DataAccessRecord.objects.create(staff=actor, subject=buyer, object_type=contact._meta.label_lower,
                                        object_id=str(contact.pk), field=field,
                                        reason=f"emergency contact attempt #{attempt.pk}: {reason}"[:500])
    audit(actor=actor, action="emergency_contact_attempt", target=attempt, reason=reason, buyer=buyer.pk,
          contact=contact.pk, channel=channel)
    from core.notifications import notify

    notify(user=buyer, kind=Notification.Kind.ACCOUNT, link="/privacy/",
           title=gettext_lazy("We asked one of your emergency contacts to pass on a message"),
           body=gettext_lazy("We have not been able to reach you for a long time, so a member of our staff asked "
                             "one of your emergency contacts to tell you to contact Fangxin customer service. They "
                             "were told nothing about your account or any amount. Your privacy centre shows when, "
                             "who and what was said."))
    return attempt, {"name": contact.name, "phone": contact.phone, "message": attempt_message(attempt)}


@transaction.atomic
def contact_attempt_record_outcome(*, actor, attempt: EmergencyContactAttempt, outcome: str) -> EmergencyContactAttempt:
    if not can_attempt(actor):
        raise DomainError(core_errors.PERMISSION_DENIED, _("You may not contact emergency contacts."))
    if outcome not in AttemptOutcome.values or outcome == AttemptOutcome.PENDING:
        raise DomainError(core_errors.VALIDATION_ERROR, _("Choose an outcome."),
                          fields={"outcome": [_("Choose an outcome.")]})
    attempt = EmergencyContactAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.outcome != AttemptOutcome.PENDING:
        raise DomainError(core_errors.INVALID_TRANSITION, _("The outcome is already recorded."))
    attempt.outcome, attempt.outcome_recorded_at = outcome, timezone.now()
    attempt.save(update_fields=["outcome", "outcome_recorded_at"])
    audit(actor=actor, action="emergency_contact_outcome", target=attempt, outcome=outcome)
    return attempt


# --- the buyer's side ----------------------------------------------------------------------------
def attempts_for_buyer(buyer) -> QuerySet[EmergencyContactAttempt]:
    return (EmergencyContactAttempt.objects.filter(buyer=buyer).select_related("staff", "application")
            .order_by("-created", "-pk"))


@transaction.atomic
def emergency_contacts_remove(*, user) -> int:
    """The buyer withdraws their consent to emergency contacts: every contact they gave is deleted.

    Contacts are optional and never part of underwriting, so this is always allowed and
    changes nothing about the credit line. Records of past attempts stay (without the contact).
    """
    deleted, _per_model = EmergencyContact.objects.filter(application__user=user).delete()
    return deleted
