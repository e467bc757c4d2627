"""Who on staff may do what with credit: the Credit officers group or the model permission."""
from django.utils.translation import gettext as _

from core import errors
from core.errors import DomainError

DECIDE = "credit.decide_creditapplication"
FREEZE = "credit.freeze_creditline"
CHANGE_LIMIT = "credit.change_limit_creditline"


def is_credit_staff(user) -> bool:
    """Staff who may see credit back-office resources at all (others get 404 from the API)."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def require(actor, permission: str) -> None:
    if not (is_credit_staff(actor) and actor.has_perm(permission)):
        raise DomainError(errors.PERMISSION_DENIED, _("You do not have permission to do this."))
