"""The well-known accounts of the platform, each created the first time it is asked for."""
from dataclasses import dataclass

from ledger.models import Account, AccountHolderType, AccountKind


@dataclass(frozen=True)
class AccountDefinition:
    code: str  # "{holder_id}" is filled in for accounts held by a shop or a user
    name: str
    kind: AccountKind
    holder_type: AccountHolderType = AccountHolderType.PLATFORM


ASSET, LIABILITY, INCOME, EXPENSE = AccountKind.ASSET, AccountKind.LIABILITY, AccountKind.INCOME, AccountKind.EXPENSE
SHOP, USER = AccountHolderType.SHOP, AccountHolderType.USER

# Names are stored as data (the admin shows them); they are English on purpose so
# that the books do not depend on the language of whoever first touched an account.
DEFINITIONS: dict[str, AccountDefinition] = {
    "platform_cash": AccountDefinition("platform:cash", "Platform cash", ASSET),
    "provider_clearing": AccountDefinition(
        "platform:provider_clearing", "Held at the payment provider", ASSET),
    # Buyers' payments held until the order is confirmed: owed to the merchant or back to the buyer.
    "escrow": AccountDefinition("platform:escrow", "Escrow", LIABILITY),
    "commission_income": AccountDefinition("platform:commission_income", "Commission income", INCOME),
    "installment_fee_income": AccountDefinition(
        "platform:installment_fee_income", "Instalment fee income", INCOME),
    "penalty_income": AccountDefinition("platform:penalty_income", "Penalty income", INCOME),
    "platform_compensation_expense": AccountDefinition(
        "platform:compensation_expense", "Compensation paid by the platform (先行赔付)", EXPENSE),
    # Payouts sent to merchants' banks and not yet confirmed as settled.
    "merchant_payout_clearing": AccountDefinition(
        "platform:merchant_payout_clearing", "Merchant payouts in transit", LIABILITY),
    "merchant_balance": AccountDefinition("shop:{holder_id}:balance", "Balance of shop {holder_id}", LIABILITY, SHOP),
    "merchant_deposit": AccountDefinition("shop:{holder_id}:deposit", "Deposit of shop {holder_id}", LIABILITY, SHOP),
    "merchant_receivable": AccountDefinition(
        "shop:{holder_id}:receivable", "Owed to the platform by shop {holder_id}", ASSET, SHOP),
    "buyer_credit_receivable": AccountDefinition(
        "user:{holder_id}:credit_receivable", "Instalment credit owed by user {holder_id}", ASSET, USER),
    "buyer_payable": AccountDefinition(
        "user:{holder_id}:payable", "Owed back to user {holder_id}", LIABILITY, USER),
}


def account_get(name: str, holder_id: int | None = None) -> Account:
    """The account ``name`` of DEFINITIONS (of the given shop or user), created on first use."""
    definition = DEFINITIONS[name]
    held = definition.holder_type != AccountHolderType.PLATFORM
    if held != (holder_id is not None):
        raise TypeError(f"{name} {'needs' if held else 'takes no'} holder id")
    if held and (isinstance(holder_id, bool) or not isinstance(holder_id, int) or holder_id <= 0):
        raise ValueError(f"holder id must be a positive integer, got {holder_id!r}")
    account, _ = Account.objects.get_or_create(
        code=definition.code.format(holder_id=holder_id),
        defaults={
            "name": definition.name.format(holder_id=holder_id),
            "kind": definition.kind,
            "holder_type": definition.holder_type,
            "holder_id": holder_id,
        },
    )
    return account


def _platform(name: str):
    def get() -> Account:
        return account_get(name)

    get.__name__ = get.__qualname__ = name
    get.__doc__ = f"The account {DEFINITIONS[name].code}."
    return get


def _held(name: str):
    def get(holder_id: int) -> Account:
        return account_get(name, holder_id)

    get.__name__ = get.__qualname__ = name
    get.__doc__ = f"The account {DEFINITIONS[name].code} of a {DEFINITIONS[name].holder_type}."
    return get


platform_cash = _platform("platform_cash")
provider_clearing = _platform("provider_clearing")
escrow = _platform("escrow")
commission_income = _platform("commission_income")
installment_fee_income = _platform("installment_fee_income")
penalty_income = _platform("penalty_income")
platform_compensation_expense = _platform("platform_compensation_expense")
merchant_payout_clearing = _platform("merchant_payout_clearing")
merchant_balance = _held("merchant_balance")  # (shop_id)
merchant_deposit = _held("merchant_deposit")  # (shop_id)
merchant_receivable = _held("merchant_receivable")  # (shop_id)
buyer_credit_receivable = _held("buyer_credit_receivable")  # (user_id)
buyer_payable = _held("buyer_payable")  # (user_id)
