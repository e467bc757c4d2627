"""Shop services: open and edit a shop, staff verification and suspension, the guarantee deposit, cash-out risk."""
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import errors
from core.errors import DomainError
from core.models import Notification
from core.money import MAX_AMOUNT, ZERO, is_cents, to_decimal
from core.notifications import notify
from core.privacy import audit
from ledger import accounts
from ledger.accounts import account_get
from ledger.models import Transaction
from ledger.selectors import normal_balance
from ledger.services import post
from marketplace import errors as mp_errors
from marketplace import errors_catalog as cat_errors
from marketplace import errors_orders as order_errors
from marketplace.models import Payment, PaymentStatus, Shop, ShopStatus, ShopStatusChange
from marketplace.providers import get_provider

CHANGE_SHOP = "marketplace.change_shop"
NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = Shop._meta.get_field("name").max_length
DESCRIPTION_MAX_LENGTH = Shop._meta.get_field("description").max_length
REASON_MAX_LENGTH = ShopStatusChange._meta.get_field("reason").max_length
IDEMPOTENCY_KEY_MAX_LENGTH = 100
DEPOSIT_OUTCOMES = ("approve", "decline")  # "decline" only means something to the sandbox provider


def field_error(field: str, message) -> DomainError:
    """A validation error on one input field, shaped like the API's ``fields`` object."""
    return DomainError(errors.VALIDATION_ERROR, str(message), fields={field: [str(message)]})


def has_staff_permission(actor, perm: str) -> bool:
    return bool(actor is not None and actor.is_authenticated and actor.has_perm(perm))


def require_staff_permission(actor, perm: str) -> None:
    if not has_staff_permission(actor, perm):
        raise DomainError(errors.PERMISSION_DENIED, _("You do not have permission to do this."))


def require_shop_owner(actor, shop: Shop) -> None:
    if actor is None or not actor.is_authenticated or shop.owner_id != actor.pk:
        raise DomainError(errors.PERMISSION_DENIED, _("Only the shop's owner can do this."))


def clean_text(value, *, field: str, max_length: int, min_length: int = 0) -> str:
    # Clients can send numbers or lists where text is expected; refuse rather than coerce.
    if not isinstance(value, str):
        raise field_error(field, _("Enter text."))
    if "\x00" in value:  # PostgreSQL cannot store it in text
        raise field_error(field, _("Null characters are not allowed."))
    value = value.strip()
    if len(value) < min_length:
        raise field_error(field, _("Enter at least %(n)d characters.") % {"n": min_length})
    if len(value) > max_length:
        raise field_error(field, _("Enter at most %(n)d characters.") % {"n": max_length})
    return value


def _clean_name(name) -> str:
    return clean_text(name, field="name", min_length=NAME_MIN_LENGTH, max_length=NAME_MAX_LENGTH)


def _ensure_name_free(name: str, *, exclude_pk=None) -> None:
    if Shop.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise DomainError(cat_errors.SHOP_NAME_TAKEN, _("This shop name is taken."),
                          fields={"name": [_("This shop name is taken.")]})


@transaction.atomic
def shop_open(*, actor, name, description="") -> Shop:
    """Open the actor's shop; it waits for staff verification before it can sell."""
    if actor is None or not actor.is_authenticated:
        raise DomainError(errors.NOT_AUTHENTICATED, _("Log in to open a shop."))
    name = _clean_name(name)
    description = clean_text(description, field="description", max_length=DESCRIPTION_MAX_LENGTH)
    if Shop.objects.filter(owner=actor).exists():
        raise DomainError(cat_errors.SHOP_EXISTS, _("You already have a shop."))
    _ensure_name_free(name)
    try:
        with transaction.atomic():
            shop = Shop.objects.create(owner=actor, name=name, description=description)
    except IntegrityError:
        # Lost a race with a concurrent request: say which rule it broke.
        if Shop.objects.filter(owner=actor).exists():
            raise DomainError(cat_errors.SHOP_EXISTS, _("You already have a shop.")) from None
        raise DomainError(cat_errors.SHOP_NAME_TAKEN, _("This shop name is taken."),
                          fields={"name": [_("This shop name is taken.")]}) from None
    return shop


@transaction.atomic
def shop_update(*, actor, shop: Shop, name=None, description=None) -> Shop:
    """Change the shop's public profile (owner only)."""
    require_shop_owner(actor, shop)
    fields = []
    if name is not None:
        name = _clean_name(name)
        if name != shop.name:
            _ensure_name_free(name, exclude_pk=shop.pk)
            shop.name = name
            fields.append("name")
    if description is not None:
        shop.description = clean_text(description, field="description", max_length=DESCRIPTION_MAX_LENGTH)
        fields.append("description")
    if fields:
        try:
            with transaction.atomic():
                shop.save(update_fields=fields)
        except IntegrityError:
            raise DomainError(cat_errors.SHOP_NAME_TAKEN, _("This shop name is taken."),
                              fields={"name": [_("This shop name is taken.")]}) from None
    return shop


_STATUS_MESSAGES = {
    ShopStatus.VERIFIED: (gettext_lazy("Your shop is verified"),
                          gettext_lazy("Your shop %(name)s is verified: you can publish listings now.")),
    ShopStatus.SUSPENDED: (gettext_lazy("Your shop is suspended"),
                           gettext_lazy("Your shop %(name)s is suspended: its listings are hidden and cannot be "
                                        "bought. Reason: %(reason)s")),
}


@transaction.atomic
def shop_transition(*, actor, shop: Shop, to, reason: str = "") -> Shop:
    """Move a shop along Shop.TRANSITIONS (staff with marketplace.change_shop).

    Suspension needs no change to the listings: every public read filters on the
    shop's status, so they vanish from search and cannot be bought, and come back
    as they were if the shop is verified again.
    """
    require_staff_permission(actor, CHANGE_SHOP)
    if to not in ShopStatus.values:
        raise field_error("to", _("Unknown shop status."))
    reason = clean_text(reason, field="reason", max_length=REASON_MAX_LENGTH)
    locked = Shop.objects.select_for_update().get(pk=shop.pk)
    old = locked.verification_status
    if to not in Shop.TRANSITIONS.get(old, set()):
        raise DomainError(errors.INVALID_TRANSITION,
                          _("A shop cannot go from %(old)s to %(new)s.") % {"old": old, "new": to},
                          from_status=old, to_status=to)
    locked.verification_status = to
    fields = ["verification_status"]
    if to == ShopStatus.VERIFIED:
        locked.verified_at = timezone.now()
        fields.append("verified_at")
    locked.save(update_fields=fields)
    ShopStatusChange.objects.create(shop=locked, old_status=old, new_status=to, actor=actor, reason=reason)
    audit(actor=actor, action=f"shop_{to}", target=locked, reason=reason, old_status=old)
    title, body = _STATUS_MESSAGES[ShopStatus(to)]
    notify(user=locked.owner, kind=Notification.Kind.ACCOUNT, title=title,
           body=LazyFormat(body, name=locked.name, reason=reason or "—"))
    shop.verification_status, shop.verified_at = locked.verification_status, locked.verified_at
    return locked


class LazyFormat:
    """A lazy translation with its arguments, rendered by notify() in the recipient's language."""

    def __init__(self, template, **kwargs):
        self.template, self.kwargs = template, kwargs

    def __str__(self):
        return str(self.template) % self.kwargs


def shop_verify(*, actor, shop: Shop) -> Shop:
    return shop_transition(actor=actor, shop=shop, to=ShopStatus.VERIFIED)


def shop_suspend(*, actor, shop: Shop, reason: str) -> Shop:
    if not isinstance(reason, str) or not reason.strip():
        require_staff_permission(actor, CHANGE_SHOP)  # a stranger learns nothing about the rules
        raise field_error("reason", _("Say why the shop is suspended."))
    return shop_transition(actor=actor, shop=shop, to=ShopStatus.SUSPENDED, reason=reason)


def clean_amount(amount, *, field: str = "amount") -> Decimal:
    """A positive amount of whole cents within what the database can hold."""
    try:
        value = to_decimal(amount)
    except ValueError:
        raise field_error(field, _("Enter an amount such as 1000.00."))
    if isinstance(amount, bool) or value <= 0:
        raise field_error(field, _("Enter an amount greater than zero."))
    if not is_cents(value):
        raise field_error(field, _("Enter an amount with at most two decimals."))
    if value > MAX_AMOUNT:
        raise field_error(field, _("This amount is too large."))
    return value


@transaction.atomic
def deposit_post(*, actor, shop: Shop, amount, outcome: str = "approve", idempotency_key: str) -> Payment:
    """Charge the owner a guarantee deposit and hold it for the shop.

    Books: Dr provider_clearing / Cr the shop's deposit account. Calling again with
    the same idempotency key returns the first payment and moves no money.
    """
    require_shop_owner(actor, shop)
    amount = clean_amount(amount)
    if outcome not in DEPOSIT_OUTCOMES:
        raise field_error("outcome", _("Choose approve or decline."))
    if not isinstance(idempotency_key, str) or not idempotency_key.strip() \
            or len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise field_error("idempotency_key", _("A request key of 1 to %(n)d characters is required.")
                          % {"n": IDEMPOTENCY_KEY_MAX_LENGTH})

    # The row lock serialises deposits (and deductions) of one shop.
    locked = Shop.objects.select_for_update().get(pk=shop.pk)
    provider = get_provider()
    result = provider.charge(amount=amount, idempotency_key=f"deposit:{locked.pk}:{idempotency_key}",
                             description=f"Guarantee deposit of shop {locked.pk}", outcome=outcome)
    if not result.approved:
        raise DomainError(mp_errors.PAYMENT_DECLINED, _("The payment was declined: %(reason)s")
                          % {"reason": result.message or _("no reason given")})

    existing = Payment.objects.filter(provider_ref=result.reference).first()
    if existing is not None:
        if existing.purpose != Payment.Purpose.DEPOSIT or existing.payer_id != actor.pk or existing.amount != amount:
            raise DomainError(errors.CONFLICT, _("This request key was already used for another payment."))
        shop.deposit_amount = locked.deposit_amount
        return existing

    payment = Payment.objects.create(payer=actor, purpose=Payment.Purpose.DEPOSIT, provider=provider.name,
                                     provider_ref=result.reference, amount=amount, status=PaymentStatus.SUCCEEDED)
    post(kind="deposit",
         legs=[(account_get("provider_clearing"), amount), (account_get("merchant_deposit", locked.pk), -amount)],
         idempotency_key=f"deposit:{result.reference}",
         memo=f"Guarantee deposit of shop {locked.pk}",
         reference=("shop", locked.pk))
    Shop.objects.filter(pk=locked.pk).update(deposit_amount=F("deposit_amount") + amount)
    locked.refresh_from_db(fields=["deposit_amount"])
    shop.deposit_amount = locked.deposit_amount
    return payment


# --- cash-out risk: fields and penalties the credit app decides on -------------------------------
# Credit's risk control decides (under its own permissions) and the marketplace writes: these
# services take a staff actor, or None when the system acts, and record an audit event.
RISK_FIELDS = ("risk_level", "installments_disabled")


def _require_staff_or_system(actor) -> None:
    if actor is not None and not (actor.is_authenticated and actor.is_staff):
        raise DomainError(errors.PERMISSION_DENIED, _("You do not have permission to do this."))


@transaction.atomic
def shop_risk_update(*, actor, shop: Shop, reason: str, action: str, **changes) -> Shop:
    """Set the shop's cash-out risk fields (``risk_level``, ``installments_disabled``) under its row lock.

    An elevated risk level makes the shop's credit orders settle only after their return
    window; disabled instalments take the credit payment method off all its listings.
    Writes one audit event (``action``) with the old and new values when anything changed.
    """
    _require_staff_or_system(actor)
    if not changes or set(changes) - set(RISK_FIELDS):
        raise ValueError(f"shop_risk_update changes only {RISK_FIELDS}")
    if "risk_level" in changes and changes["risk_level"] not in Shop.RiskLevel.values:
        raise field_error("risk_level", _("Choose normal or elevated."))
    if "installments_disabled" in changes and not isinstance(changes["installments_disabled"], bool):
        raise field_error("installments_disabled", _("Must be true or false."))
    reason = clean_text(reason, field="reason", max_length=REASON_MAX_LENGTH)
    locked = Shop.objects.select_for_update().get(pk=shop.pk)
    old = {name: getattr(locked, name) for name in changes}
    if old != changes:
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changes))
        audit(actor=actor, action=action, target=locked, reason=reason,
              **{f"old_{name}": value for name, value in old.items()}, **changes)
    for name in RISK_FIELDS:
        setattr(shop, name, getattr(locked, name))
    return locked


@transaction.atomic
def deposit_deduct(*, actor, shop: Shop, amount, reason: str, idempotency_key: str, action: str) -> Shop:
    """Take a penalty out of the shop's guarantee deposit: Dr the shop's deposit / Cr penalty income.

    Refused (``insufficient_deposit``) beyond what the deposit holds; the same
    ``idempotency_key`` never deducts twice. Writes one audit event (``action``).
    """
    _require_staff_or_system(actor)
    amount = clean_amount(amount)
    reason = clean_text(reason, field="reason", max_length=REASON_MAX_LENGTH, min_length=1)
    if not isinstance(idempotency_key, str) or not idempotency_key.strip():
        raise field_error("idempotency_key", _("A request key is required."))
    locked = Shop.objects.select_for_update().get(pk=shop.pk)
    if not Transaction.objects.filter(idempotency_key=idempotency_key).exists():
        deposit_account = accounts.merchant_deposit(locked.pk)
        available = min(max(normal_balance(deposit_account), ZERO), locked.deposit_amount)
        if amount > available:
            message = _("The shop's deposit holds only %(amount)s.") % {"amount": available}
            raise DomainError(order_errors.INSUFFICIENT_DEPOSIT, message, available=str(available),
                              fields={"amount": [message]})
        post(kind="deposit_deduction", legs=[(deposit_account, amount), (accounts.penalty_income(), -amount)],
             idempotency_key=idempotency_key, memo=f"Penalty on the deposit of shop {locked.pk}",
             reference=("shop", locked.pk))
        Shop.objects.filter(pk=locked.pk).update(deposit_amount=F("deposit_amount") - amount)
        locked.refresh_from_db(fields=["deposit_amount"])
        audit(actor=actor, action=action, target=locked, reason=reason, amount=str(amount))
    shop.deposit_amount = locked.deposit_amount
    return locked
