"""Well-known accounts: created on first use, once, with the right kind and holder."""
import pytest

from ledger import accounts
from ledger.models import Account

pytestmark = pytest.mark.django_db

K = Account.Kind


@pytest.mark.parametrize(
    "getter, code, kind",
    [
        (accounts.platform_cash, "platform:cash", K.ASSET),
        (accounts.provider_clearing, "platform:provider_clearing", K.ASSET),
        (accounts.escrow, "platform:escrow", K.LIABILITY),
        (accounts.commission_income, "platform:commission_income", K.INCOME),
        (accounts.installment_fee_income, "platform:installment_fee_income", K.INCOME),
        (accounts.penalty_income, "platform:penalty_income", K.INCOME),
        (accounts.platform_compensation_expense, "platform:compensation_expense", K.EXPENSE),
        (accounts.merchant_payout_clearing, "platform:merchant_payout_clearing", K.LIABILITY),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_platform_account_is_created_once(getter, code, kind):
    first = getter()
    again = getter()

    assert again.pk == first.pk
    assert (first.code, first.kind, first.holder_type, first.holder_id) == (code, kind, "", None)
    assert Account.objects.filter(code=code).count() == 1


@pytest.mark.parametrize(
    "getter, code, kind, holder_type",
    [
        (accounts.merchant_balance, "shop:17:balance", K.LIABILITY, "shop"),
        (accounts.merchant_deposit, "shop:17:deposit", K.LIABILITY, "shop"),
        (accounts.merchant_receivable, "shop:17:receivable", K.ASSET, "shop"),
        (accounts.buyer_credit_receivable, "user:17:credit_receivable", K.ASSET, "user"),
        (accounts.buyer_payable, "user:17:payable", K.LIABILITY, "user"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_held_account_belongs_to_its_holder(getter, code, kind, holder_type):
    first = getter(17)
    other = getter(18)

    assert getter(17).pk == first.pk
    assert other.pk != first.pk
    assert (first.code, first.kind, first.holder_type, first.holder_id) == (code, kind, holder_type, 17)
    assert first.name.endswith("17")


def test_every_definition_has_a_getter_of_the_same_name():
    for name in accounts.DEFINITIONS:
        assert getattr(accounts, name).__name__ == name


def test_an_existing_account_costs_one_query(django_assert_num_queries):
    accounts.merchant_balance(17)

    with django_assert_num_queries(1):
        accounts.merchant_balance(17)


@pytest.mark.parametrize("holder_id", [0, -1, "17", 1.0, True, None], ids=repr)
def test_held_account_needs_a_positive_integer_holder(holder_id):
    with pytest.raises((TypeError, ValueError)):
        accounts.merchant_balance(holder_id)

    assert not Account.objects.exists()


def test_platform_account_takes_no_holder():
    with pytest.raises(TypeError):
        accounts.account_get("escrow", 5)

    assert not Account.objects.exists()


def test_unknown_account_name_is_a_key_error():
    with pytest.raises(KeyError):
        accounts.account_get("petty_cash")
