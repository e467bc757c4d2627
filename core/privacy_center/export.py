"""The data export: everything we hold about one person, decrypted, for that person only.

Sections are listed explicitly (``SECTIONS``) so nothing about other people slips in
(a merchant's settlement, another buyer's order); within a section every stored field
is exported, encrypted ones decrypted, except secrets and keyed hashes (``*_index``).
Any link to another person is reduced to ``"me"`` or ``null``; staff appear by
username where they acted on the person's data (access records, contact attempts).
``tests/privacy/test_export.py`` fails when a model that refers to a user is neither
exported nor listed in ``NOT_EXPORTED`` with the reason.
"""
import datetime
import decimal
import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from core.models import AuditEvent

FORMAT_VERSION = 1
# Never exported: credentials, request fingerprints and keyed hashes.
SECRET_FIELDS = {"password", "idempotency_key", "fingerprint", "claim", "key", "device_hash"}


@dataclass
class Section:
    name: str
    model: str  # "app.Model"
    owner: str  # the field pointing at the person
    children: dict = field(default_factory=dict)  # accessor → exclude set
    exclude: frozenset = frozenset()


SECTIONS = [
    Section("notification_preferences", "core.NotificationPreference", "user"),
    Section("notifications", "core.Notification", "user"),
    Section("cart", "marketplace.CartItem", "buyer"),
    Section("orders", "marketplace.Order", "buyer",
            children={"lines": set(), "status_changes": set(), "payments": set(), "refunds": set()}),
    Section("payments", "marketplace.Payment", "payer"),
    Section("reviews", "marketplace.Review", "buyer"),
    Section("complaints", "marketplace.Complaint", "buyer"),
    Section("after_sales_cases", "protection.AfterSalesCase", "buyer",
            children={"events": set(), "evidence": set()}),
    Section("after_sales_standing", "protection.BuyerStanding", "buyer"),
    Section("no_reason_return_suspensions", "protection.NoReasonSuspension", "buyer"),
    Section("credit_applications", "credit.CreditApplication", "user",
            children={"emergency_contacts": set(), "status_changes": set()}),
    Section("credit_line", "credit.CreditLine", "user", children={"events": set(), "statements": set()}),
    Section("credit_events", "credit.CreditEvent", "user"),
    Section("instalment_plans", "credit.InstallmentPlan", "buyer",
            children={"installments": set(), "status_changes": set(), "refunds": set()}),
    Section("repayments", "credit.Repayment", "buyer"),
    Section("repayment_reminders", "credit.Reminder", "user", children={"deliveries": set()}),
    Section("credit_risk_assessments", "credit.RiskAssessment", "buyer",
            exclude=frozenset({"signals"})),  # signals may describe the merchant or other buyers
    Section("checkout_fingerprints", "credit.CheckoutFingerprint", "buyer"),
    Section("device_sightings", "credit.DeviceSighting", "user"),
    Section("shop", "marketplace.Shop", "owner"),
]

# (model, field) pairs that refer to a user but are not exported, and why.
NOT_EXPORTED = {
    ("admin.LogEntry", "user"): "a staff member's own admin history",
    ("authtoken.Token", "user"): "a credential",
    ("core.IdempotencyRecord", "user"): "a short-lived replay cache of API responses already exported as data",
    ("core.AuditEvent", "actor"): "staff actions; the person's own consent withdrawals are under consents",
    ("core.DataAccessRecord", "staff"): "the staff member's side of an access record",
    ("core.DataAccessRecord", "subject"): "exported as data_access_records",
    ("credit.EmergencyContactAttempt", "staff"): "the staff member's side of a contact attempt",
    ("credit.EmergencyContactAttempt", "buyer"): "exported as emergency_contact_attempts",
}


def _model(label):
    try:
        return apps.get_model(label)
    except LookupError:
        return None  # an optional model not installed in this version


def _value(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, (list, dict, str, int, float, bool)) or value is None:
        return value
    return str(value)


def row(obj, *, user, exclude=frozenset()) -> dict:
    """One stored row as JSON: every field, decrypted, FKs as ids — a user only ever as "me" or null."""
    data = {}
    user_model = get_user_model()
    for f in obj._meta.concrete_fields:
        if f.name in exclude or f.name in SECRET_FIELDS or f.name.endswith("_index"):
            continue
        if f.is_relation:
            target = getattr(obj, f.attname)
            if f.related_model is user_model or issubclass(f.related_model, user_model):
                data[f.name] = "me" if target == user.pk else None
            else:
                data[f.name] = target
            continue
        data[f.name] = _value(getattr(obj, f.attname))
    return data


def _section(section: Section, user) -> list | dict | None:
    model = _model(section.model)
    if model is None:
        return None
    rows = []
    for obj in model._default_manager.filter(**{section.owner: user}).order_by("pk"):
        data = row(obj, user=user, exclude=section.exclude)
        for accessor, exclude in section.children.items():
            related = getattr(obj, accessor)
            data[accessor] = [row(child, user=user, exclude=exclude) for child in related.all().order_by("pk")]
        rows.append(data)
    return rows


def profile(user) -> dict:
    return {"id": user.pk, "username": user.username, "email": user.email, "phone": user.phone,
            "real_name": user.real_name, "first_name": user.first_name, "last_name": user.last_name,
            "date_joined": _value(user.date_joined), "last_login": _value(user.last_login),
            "is_active": user.is_active}


def addresses_used(user) -> list[dict]:
    from marketplace.models import Order

    seen, result = set(), []
    for order in Order.objects.filter(buyer=user).order_by("created", "pk"):
        key = (order.shipping_name, order.shipping_phone, order.shipping_address)
        if key not in seen and any(key):
            seen.add(key)
            result.append({"name": key[0], "phone": key[1], "address": key[2],
                           "first_used": _value(order.created)})
    return result


def access_records(user) -> list[dict]:
    from core.models import DataAccessRecord

    return [{"staff": r.staff.username, "object_type": r.object_type, "object_id": r.object_id, "field": r.field,
             "reason": r.reason, "created": _value(r.created)}
            for r in DataAccessRecord.objects.filter(subject=user).select_related("staff").order_by("created", "pk")]


def contact_attempts(user) -> list[dict]:
    from credit.services.contact_attempts import attempt_message, attempts_for_buyer

    return [{"created": _value(a.created), "staff": a.staff.username, "relation": a.relation, "channel": a.channel,
             "message": attempt_message(a), "reason": a.reason, "outcome": a.outcome,
             "outcome_recorded_at": _value(a.outcome_recorded_at)}
            for a in attempts_for_buyer(user).order_by("created", "pk")]


def consents(user) -> list[dict]:
    from core.privacy_center.consents import consents_for

    return [{**c.as_dict(), "given_at": _value(c.given_at), "withdrawn_at": _value(c.withdrawn_at)}
            for c in consents_for(user)]


def personal_data_export(*, user, record: bool = True) -> dict:
    """Everything we hold about ``user``; recorded (``personal_data_export``) in the audit trail."""
    data = {"format_version": FORMAT_VERSION, "exported_at": _value(timezone.now()),
            "site": "Fangxin", "language": getattr(settings, "LANGUAGE_CODE", ""),
            "profile": profile(user), "addresses_used": addresses_used(user)}
    for section in SECTIONS:
        rows = _section(section, user)
        if rows is not None:
            data[section.name] = rows
    data["consents"] = consents(user)
    data["data_access_records"] = access_records(user)
    data["emergency_contact_attempts"] = contact_attempts(user)
    if record:
        AuditEvent.objects.create(actor=user, action="personal_data_export", target_type=user._meta.label_lower,
                                  target_id=str(user.pk))
    return data


def exported_relations() -> set[tuple[str, str]]:
    """(model, field) pairs covered by the export, for the completeness test."""
    covered = {(s.model, s.owner) for s in SECTIONS}
    return covered | set(NOT_EXPORTED)
