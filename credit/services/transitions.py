"""The one way a credit object changes status: check TRANSITIONS, save, write a history row."""
from django.utils.translation import gettext as _

from core import errors
from core.errors import DomainError


def transition(obj, *, to: str, history, actor=None, reason: str = "", extra_fields=(), **history_fields):
    """Move ``obj`` (already locked by the caller) to ``to`` and record it with ``history(**fields)``.

    ``history`` is a callable creating the history row, e.g. ``obj.status_changes.create``.
    """
    old = obj.status
    if to not in type(obj).TRANSITIONS.get(old, set()):
        raise DomainError(errors.INVALID_TRANSITION,
                          _("Cannot change from %(old)s to %(new)s.") % {"old": old, "new": to},
                          current_status=old)
    obj.status = to
    obj.save(update_fields=["status", *extra_fields])
    history(old_status=old, new_status=to, actor=actor if getattr(actor, "pk", None) else None,
            reason=(reason or "")[:500], **history_fields)
    return obj
