"""Payment providers: the interface real gateways implement, and the built-in sandbox.

A provider moves real-world money: charges a payer, refunds a charge, pays out to a
bank account. The books record each movement separately (ledger.post); a provider
only answers whether the money moved and under which reference.
"""
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class ProviderResult:
    approved: bool
    reference: str
    message: str = ""


class PaymentProvider:
    name = ""

    def charge(self, *, amount: Decimal, idempotency_key: str, description: str = "", outcome: str = "approve"
               ) -> ProviderResult:
        raise NotImplementedError

    def refund(self, *, charge_reference: str, amount: Decimal, idempotency_key: str) -> ProviderResult:
        raise NotImplementedError

    def payout(self, *, amount: Decimal, bank_account: str, idempotency_key: str) -> ProviderResult:
        raise NotImplementedError


class SandboxProvider(PaymentProvider):
    """Approves everything unless asked to decline; the same key always gives the same reference.

    ``outcome="decline"`` simulates a declined card, so clients and tests can exercise
    the failure path without a real gateway.
    """

    name = "sandbox"

    @staticmethod
    def _reference(prefix: str, idempotency_key: str) -> str:
        return f"{prefix}_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]}"

    def charge(self, *, amount, idempotency_key, description="", outcome="approve"):
        if amount <= 0:
            return ProviderResult(False, "", "amount must be positive")
        if outcome == "decline":
            return ProviderResult(False, self._reference("sbx_dcl", idempotency_key), "card declined (sandbox)")
        return ProviderResult(True, self._reference("sbx_ch", idempotency_key))

    def refund(self, *, charge_reference, amount, idempotency_key):
        if amount <= 0 or not charge_reference:
            return ProviderResult(False, "", "nothing to refund")
        return ProviderResult(True, self._reference("sbx_re", idempotency_key))

    def payout(self, *, amount, bank_account, idempotency_key):
        if amount <= 0 or not bank_account:
            return ProviderResult(False, "", "invalid payout")
        return ProviderResult(True, self._reference("sbx_po", idempotency_key))


def get_provider() -> PaymentProvider:
    path = getattr(settings, "PAYMENT_PROVIDER", "marketplace.providers.SandboxProvider")
    return import_string(path)()
