"""Merchant money: the balance (from the books) and withdrawals to a bank account (sandbox payout)."""
import re
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import errors
from core.errors import DomainError
from core.money import ZERO, to_positive_amount
from core.notifications import notify
from ledger import accounts
from ledger.accounts import DEFINITIONS
from ledger.models import Account, Transaction
from ledger.selectors import balances, normal_balance
from ledger.services import post
from marketplace import errors_orders as order_errors
from marketplace.models import Shop, Withdrawal
from marketplace.providers import get_provider
from marketplace.services.orders import lazy_message

KEY_MAX = 100
BANK_NAME_MAX = Withdrawal._meta.get_field("bank_name").max_length
_BANK_ACCOUNT = re.compile(r"^\d{8,30}$")


def _code(name: str, shop_id: int) -> str:
    return DEFINITIONS[name].code.format(holder_id=shop_id)


def shop_money(shop) -> dict[str, Decimal]:
    """``{"balance", "deposit", "owed"}`` of a shop from the books, without creating accounts (two queries)."""
    names = ("merchant_balance", "merchant_deposit", "merchant_receivable")
    found = {account.code: account for account in Account.objects.filter(code__in=[_code(n, shop.pk) for n in names])}
    amounts = balances(found.values(), normal=True) if found else {}
    by_name = {name: amounts.get(found.get(_code(name, shop.pk)), ZERO) for name in names}
    return {"balance": by_name["merchant_balance"], "deposit": by_name["merchant_deposit"],
            "owed": by_name["merchant_receivable"]}


def merchant_balance(shop) -> Decimal:
    """What the platform owes the shop and it may withdraw, derived from the books."""
    return shop_money(shop)["balance"]


def _field(field, message) -> DomainError:
    return DomainError(errors.VALIDATION_ERROR, str(message), fields={field: [str(message)]})


def _amount(value) -> Decimal:
    try:
        return to_positive_amount(value)
    except ValueError:
        raise _field("amount", gettext("Enter a positive amount in yuan and fen.")) from None


def clean_bank_account(value) -> str:
    digits = re.sub(r"[\s-]", "", value) if isinstance(value, str) else ""
    if not _BANK_ACCOUNT.match(digits):
        raise _field("bank_account", gettext("Enter the account number: 8 to 30 digits."))
    return digits


@transaction.atomic
def withdrawal_request(*, actor, shop, amount, bank_name, bank_account, idempotency_key: str) -> Withdrawal:
    """The shop's owner takes money out of the balance: Dr merchant_balance / Cr provider_clearing.

    The shop row is locked first, so two withdrawals (or a withdrawal and a refund that
    draws on the balance) cannot both spend the same money. The same idempotency key
    returns the first withdrawal and pays nothing more.
    """
    if shop.owner_id != actor.pk:
        raise DomainError(errors.PERMISSION_DENIED, gettext("Only the shop's owner can withdraw its money."))
    amount = _amount(amount)
    if not isinstance(bank_name, str) or not bank_name.strip() or len(bank_name.strip()) > BANK_NAME_MAX:
        raise _field("bank_name", gettext("Enter the bank's name."))
    bank_account = clean_bank_account(bank_account)
    if not isinstance(idempotency_key, str) or not idempotency_key.strip() or len(idempotency_key) > KEY_MAX:
        raise _field("idempotency_key", gettext("A withdrawal needs a request key."))

    locked = Shop.objects.select_for_update().get(pk=shop.pk)
    key = f"withdrawal:{locked.pk}:{idempotency_key}"
    previous = Transaction.objects.filter(idempotency_key=key).values_list("reference_id", flat=True).first()
    if previous is not None:
        withdrawal = Withdrawal.objects.get(pk=previous)
        if withdrawal.amount != amount:
            raise DomainError(errors.IDEMPOTENCY_KEY_REUSED,
                              gettext("This request key was already used for another withdrawal."))
        return withdrawal
    balance_account = accounts.merchant_balance(locked.pk)
    available = normal_balance(balance_account)
    if amount > available:
        raise DomainError(order_errors.INSUFFICIENT_BALANCE,
                          gettext("Your balance is %(amount)s.") % {"amount": available},
                          available=str(available),
                          fields={"amount": [gettext("Your balance is %(amount)s.") % {"amount": available}]})
    result = get_provider().payout(amount=amount, bank_account=bank_account, idempotency_key=key)
    if not result.approved:
        raise DomainError(order_errors.PAYOUT_FAILED, gettext("The bank transfer failed; nothing was deducted."),
                          provider_message=result.message)
    withdrawal = Withdrawal.objects.create(shop=locked, amount=amount, bank_name=bank_name.strip(),
                                           bank_account=bank_account, status=Withdrawal.Status.PAID,
                                           provider_ref=result.reference)
    post(kind="withdrawal", legs=[(balance_account, amount), (accounts.provider_clearing(), -amount)],
         idempotency_key=key, memo=f"Withdrawal of shop {locked.pk}", reference=("withdrawal", withdrawal.pk))
    params = {"amount": f"¥{amount}", "bank": withdrawal.bank_name, "tail": bank_account[-4:]}
    notify(user=actor, kind="account", title=lazy_message(_("Withdrawal of %(amount)s sent"), params),
           body=lazy_message(_("%(amount)s is on its way to your account at %(bank)s ending %(tail)s."), params))
    return withdrawal
