"""Deleting an account: erase what may go, keep what the books and the law require.

Refused (``deletion_blocked``, 409, with ``reasons``) while anything is still running:
money owed on credit, an open order, an open after-sales case, a credit application
under review, a shop, a staff account. Otherwise, in one transaction:

Erased — the account's username (→ ``deleted-<id>``), e-mail, phone (and its blind
index), real name and names; the password (unusable) and API tokens; the names and
phones given in credit applications; every emergency contact; the recipient phone of
past orders; the bodies of in-site messages; cart, device sightings, cached API
responses and failed-login records. The account is deactivated.

Kept — orders with the recipient's name and address (encrypted; transaction records
must be kept for at least three years, E-commerce Law art. 31), payments, refunds,
the books, credit lines, plans and repayments with their amounts, ID numbers given
for credit (encrypted; anti-money-laundering record keeping), consent records,
after-sales cases and reviews (shown under the anonymous name), and the record of
staff access to the data.
"""
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import errors
from core.errors import DomainError, register_status
from core.models import AuditEvent, IdempotencyRecord, Notification, NotificationPreference

DELETION_BLOCKED = "deletion_blocked"
register_status(deletion_blocked=409)

BLOCKER_TEXT = {
    "credit_outstanding": gettext_lazy("You still owe instalments. Repay them (or pay off early) first."),
    "order_open": gettext_lazy("An order of yours is still on its way. Wait until it is completed or cancelled."),
    "case_open": gettext_lazy("An after-sales case of yours is still open. Wait until it ends."),
    "application_under_review": gettext_lazy("Your credit application is being reviewed. Wait for the decision."),
    "shop_owner": gettext_lazy("You run a shop. Contact customer service to close it first."),
    "staff_account": gettext_lazy("Staff accounts are closed by an administrator."),
}
ERASED = [
    gettext_lazy("Your username, e-mail address, phone number and name"),
    gettext_lazy("Your password and API tokens (you will be logged out everywhere)"),
    gettext_lazy("The names and phone numbers in your credit applications"),
    gettext_lazy("Every emergency contact you gave"),
    gettext_lazy("The recipient phone numbers of your past orders"),
    gettext_lazy("The text of your in-site messages, your cart and the list of devices you signed in on"),
]
KEPT = [
    gettext_lazy("Your orders, with the recipient's name and address, encrypted: transaction records are kept for "
                 "three years (E-commerce Law, art. 31)."),
    gettext_lazy("Payments, refunds, credit lines, instalment plans and repayments with their amounts: the books "
                 "must stay complete."),
    gettext_lazy("ID numbers given for credit, encrypted: anti-money-laundering rules require us to keep them."),
    gettext_lazy("Consent records, after-sales cases and reviews (under an anonymous name), and the record of staff "
                 "access to your data."),
    gettext_lazy("The risk check of each instalment order, with the device and network it came from (the IP "
                 "address encrypted): kept with the order as evidence against fraud."),
]


def deletion_blockers(user) -> list[str]:
    """Why ``user`` cannot be deleted now (codes, see BLOCKER_TEXT); empty when they can."""
    from credit.models import ApplicationStatus, CreditApplication, CreditLine, PlanStatus
    from marketplace.models import Order, Shop
    from marketplace.selectors_orders import CLOSED
    from protection.models import OPEN_STATUSES, AfterSalesCase

    reasons = []
    line = CreditLine.objects.filter(user=user).first()
    if user.installment_plans.filter(status=PlanStatus.ACTIVE).exists() or (line and line.used_amount > 0):
        reasons.append("credit_outstanding")
    if Order.objects.filter(buyer=user, completed_at__isnull=True, cancelled_at__isnull=True).exclude(
            status__in=CLOSED).exists():
        reasons.append("order_open")
    if AfterSalesCase.objects.filter(buyer=user, status__in=OPEN_STATUSES).exists():
        reasons.append("case_open")
    if CreditApplication.objects.filter(user=user, status=ApplicationStatus.UNDER_REVIEW).exists():
        reasons.append("application_under_review")
    if Shop.objects.filter(owner=user).exists():
        reasons.append("shop_owner")
    if user.is_staff or user.is_superuser:
        reasons.append("staff_account")
    return reasons


def blocked_error(reasons: list[str]) -> DomainError:
    return DomainError(DELETION_BLOCKED, _("Your account cannot be deleted yet."), reasons=reasons,
                       messages=[str(BLOCKER_TEXT[r]) for r in reasons])


def _optional(label):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


@transaction.atomic
def account_delete(*, user, password: str) -> dict:
    """Anonymise ``user`` after checking the password and that nothing is still running."""
    from credit.models import CreditApplication, CreditLine
    from marketplace.models import CartItem, Order

    if not isinstance(password, str) or not user.check_password(password):
        raise DomainError(errors.VALIDATION_ERROR, _("Enter your password to confirm."),
                          fields={"password": [_("The password is not correct.")]})
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    CreditLine.objects.select_for_update().filter(user=user).first()
    reasons = deletion_blockers(user)
    if reasons:
        raise blocked_error(reasons)
    old_username = user.username

    # Credit: names and phones go, ID numbers stay (encrypted) as the law requires; no line stays open.
    for application in CreditApplication.objects.filter(user=user):
        application.real_name, application.phone, application.phone_index = "", "", ""
        application.save(update_fields=["real_name", "phone", "phone_index"])
    from credit.services.contact_attempts import emergency_contacts_remove

    emergency_contacts_remove(user=user)
    from credit.services.lines import credit_line_close

    credit_line_close(actor=user, user=user, reason="account deleted")

    for order in Order.objects.filter(buyer=user).only("pk", "shipping_phone"):
        if order.shipping_phone:  # encrypted: no lookups on it, so the check is here
            order.shipping_phone = ""
            order.save(update_fields=["shipping_phone"])
    Notification.objects.filter(user=user).update(body="")
    NotificationPreference.objects.filter(user=user).update(email=False, sms=False)
    CartItem.objects.filter(buyer=user).delete()
    IdempotencyRecord.objects.filter(user=user).delete()
    for label, owner in (("credit.DeviceSighting", "user"), ("authtoken.Token", "user")):
        model = _optional(label)
        if model is not None:
            model.objects.filter(**{owner: user}).delete()
    for label in ("axes.AccessAttempt", "axes.AccessFailureLog", "axes.AccessLog"):
        model = _optional(label)
        if model is not None:
            model.objects.filter(username=old_username).delete()

    user.username = f"deleted-{user.pk}"
    user.email = user.first_name = user.last_name = ""
    user.phone = user.real_name = ""  # save() blanks the phone's blind index too
    user.is_active = False
    user.set_unusable_password()
    user.save()
    AuditEvent.objects.create(actor=None, action="account_deleted", target_type=user._meta.label_lower,
                              target_id=str(user.pk))
    return {"status": "deleted", "erased": [str(text) for text in ERASED], "kept": [str(text) for text in KEPT]}
