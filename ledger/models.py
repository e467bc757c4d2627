"""The books: accounts, transactions and their entries (debit positive, credit negative)."""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    INCOME = "income", _("Income")
    EXPENSE = "expense", _("Expense")
    EQUITY = "equity", _("Equity")


class AccountHolderType(models.TextChoices):
    PLATFORM = "", _("Platform")
    SHOP = "shop", _("Shop")
    USER = "user", _("User")


class Account(models.Model):
    """A place money sits: the platform's escrow, a shop's balance, a buyer's debt."""

    Kind = AccountKind
    HolderType = AccountHolderType

    # Accounts whose natural balance is a credit: shown with the sign flipped so that
    # what the platform owes a merchant reads as a positive number.
    CREDIT_NORMAL_KINDS = frozenset({Kind.LIABILITY, Kind.INCOME, Kind.EQUITY})

    code = models.CharField(_("code"), max_length=100, unique=True,
                            help_text=_('Stable identifier, e.g. "platform:escrow" or "shop:17:balance".'))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    holder_type = models.CharField(_("holder type"), max_length=8, choices=HolderType.choices, blank=True,
                                   default=HolderType.PLATFORM)
    holder_id = models.BigIntegerField(_("holder id"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["code"]
        indexes = [models.Index(fields=["holder_type", "holder_id"], name="ledger_account_holder_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AccountKind.values), name="ledger_account_kind_valid"),
            models.CheckConstraint(
                condition=Q(holder_type=AccountHolderType.PLATFORM, holder_id__isnull=True)
                | Q(holder_type__in=[AccountHolderType.SHOP, AccountHolderType.USER], holder_id__isnull=False),
                name="ledger_account_holder_consistent",
            ),
        ]

    def __str__(self):
        return f"{self.code} — {self.name}"

    @property
    def is_credit_normal(self) -> bool:
        return self.kind in self.CREDIT_NORMAL_KINDS


class Transaction(models.Model):
    """One movement of money; its entries sum to zero. Written only by ``ledger.services.post``."""

    kind = models.CharField(_("kind"), max_length=64, db_index=True,
                            help_text=_('What happened, e.g. "order_payment" or "refund".'))
    idempotency_key = models.CharField(_("idempotency key"), max_length=255, unique=True)
    memo = models.CharField(_("memo"), max_length=255, blank=True, default="")
    reference_type = models.CharField(_("reference type"), max_length=32, blank=True, default="",
                                      help_text=_('What the money moved for, e.g. "order".'))
    reference_id = models.BigIntegerField(_("reference id"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["-id"]
        indexes = [models.Index(fields=["reference_type", "reference_id"], name="ledger_txn_reference_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(reference_type="", reference_id__isnull=True)
                | (~Q(reference_type="") & Q(reference_id__isnull=False)),
                name="ledger_txn_reference_consistent",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kind} [{self.idempotency_key}]"

    @property
    def reference(self) -> tuple[str, int] | None:
        return (self.reference_type, self.reference_id) if self.reference_type else None


class Entry(models.Model):
    """One leg of a transaction: ``amount`` is positive for a debit, negative for a credit."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries",
                                    verbose_name=_("transaction"))
    # Indexed below together with id, which also serves plain lookups by account.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries", db_index=False,
                                verbose_name=_("account"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2,
                                 help_text=_("Debit positive, credit negative."))

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "id"], name="ledger_entry_account_idx")]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_amount_nonzero")]

    def __str__(self):
        side = "Dr" if self.amount > 0 else "Cr"
        return f"{side} {abs(self.amount)} {self.account.code}"

    @property
    def debit(self):
        return self.amount if self.amount > 0 else None

    @property
    def credit(self):
        return -self.amount if self.amount < 0 else None
