"""Staff screens for the books: read-only, since only ledger.services.post may write."""
import re

from django.contrib import admin
from django.db.models import DecimalField, OuterRef, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from core.money import format_cny
from ledger import selectors
from ledger.models import Account, Entry, Transaction

# "order:42" in the search box finds the transactions of order 42.
_REFERENCE_SEARCH = re.compile(r"^\s*([\w.-]+):(\d+)\s*$")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff with the view permission can look; nobody adds, changes or deletes through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "holder_type", "holder_id", "balance", "created"]
    list_filter = ["kind", "holder_type"]
    search_fields = ["code", "name"]
    fields = ["code", "name", "kind", "holder_type", "holder_id", "balance", "created"]
    readonly_fields = fields

    def get_queryset(self, request):
        # Annotated in SQL, so the list costs one query however many rows it shows.
        return selectors.accounts_with_balances(super().get_queryset(request))

    @admin.display(description=_("balance"), ordering="normal_balance_amount")
    def balance(self, obj):
        return format_cny(obj.normal_balance_amount)


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ["account", "debit", "credit"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("debit"))
    def debit(self, obj):
        return format_cny(obj.debit) if obj.debit is not None else ""

    @admin.display(description=_("credit"))
    def credit(self, obj):
        return format_cny(obj.credit) if obj.credit is not None else ""


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "moved", "reference_type", "reference_id", "idempotency_key", "memo", "created"]
    list_filter = ["kind", "reference_type"]
    search_fields = ["idempotency_key", "reference_type", "memo"]
    search_help_text = _('Idempotency key, memo, or a reference such as "order:42".')
    date_hierarchy = "created"
    fields = ["kind", "idempotency_key", "reference_type", "reference_id", "memo", "created"]
    readonly_fields = fields
    inlines = [EntryInline]

    def get_queryset(self, request):
        # A subquery rather than a join, so the search's OR below combines plain querysets.
        moved = (
            Entry.objects.filter(transaction=OuterRef("pk"), amount__gt=0)
            .order_by()
            .values("transaction")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        amount = DecimalField(max_digits=14, decimal_places=2)
        return super().get_queryset(request).annotate(moved_amount=Subquery(moved, output_field=amount))

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = _REFERENCE_SEARCH.match(search_term)
        if match:
            results |= queryset.filter(reference_type=match[1], reference_id=int(match[2]))
        return results, may_have_duplicates

    @admin.display(description=_("amount moved"), ordering="moved_amount")
    def moved(self, obj):
        return format_cny(obj.moved_amount or 0)
