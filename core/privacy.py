"""Revealing masked personal data to staff: permission, reason, access record.

Staff see personal fields masked everywhere. Revealing one needs the permission
``core.reveal_personal_data`` and a reason; each reveal writes a DataAccessRecord
(never the value) that the person concerned can read in their privacy centre.
"""
from django.db import transaction
from django.utils.translation import gettext as _

from core import errors
from core.errors import DomainError
from core.models import AuditEvent, DataAccessRecord

REVEAL_PERMISSION = "core.reveal_personal_data"
MIN_REASON_LENGTH = 5


def can_reveal(user) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(REVEAL_PERMISSION))


@transaction.atomic
def personal_data_reveal(*, actor, obj, field: str, subject, reason: str) -> str:
    """Return the clear value of ``obj.<field>`` after recording who asked and why."""
    if not can_reveal(actor):
        raise DomainError(errors.PERMISSION_DENIED, _("You may not reveal personal data."))
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise DomainError(errors.VALIDATION_ERROR, _("Give the reason for revealing this data."),
                          fields={"reason": [_("Give the reason for revealing this data.")]})
    if field not in {f.name for f in obj._meta.get_fields()}:
        raise DomainError(errors.VALIDATION_ERROR, _("Unknown field."))
    DataAccessRecord.objects.create(staff=actor, subject=subject, object_type=obj._meta.label_lower,
                                    object_id=str(obj.pk), field=field, reason=reason[:500])
    return getattr(obj, field)


def audit(*, actor, action: str, target, reason: str = "", **detail) -> AuditEvent:
    """Record a staff action (call inside the action's transaction)."""
    return AuditEvent.objects.create(actor=actor if getattr(actor, "pk", None) else None, action=action,
                                     target_type=target._meta.label_lower, target_id=str(target.pk),
                                     reason=reason[:500], detail=detail)
