"""Admin: users (personal data masked), shops with verification and suspension, categories, listings."""
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import PersonalDataAdminMixin, masked
from core.errors import DomainError
from core.pii import InvalidPhone, mask_name, mask_phone, normalize_phone
from marketplace.models import Category, Listing, ListingImage, Shop, ShopStatusChange, User, phone_index
from marketplace.selectors_catalog import category_descendant_ids
from marketplace.services import listings as listing_services
from marketplace.services import shops as shop_services


# --- users ---------------------------------------------------------------------------------------
@admin.register(User)
class UserAdmin(PersonalDataAdminMixin, DjangoUserAdmin):
    """Phone and real name are encrypted: shown masked, revealed only with a permission and a reason."""

    personal_fields = {"phone": lambda user: user, "real_name": lambda user: user}
    masked_phone = masked("phone", mask_phone, label=_("mobile phone"))
    masked_real_name = masked("real_name", mask_name, label=_("real name"))

    list_display = ("username", "email", "phone_masked", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("username", "email", "first_name", "last_name")
    readonly_fields = ("masked_phone", "masked_real_name", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "masked_phone", "masked_real_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )

    @admin.display(description=_("mobile phone"))
    def phone_masked(self, user):
        return user.phone_masked

    def get_search_results(self, request, queryset, search_term):
        # Phones are encrypted; a term that is a phone number is found through the blind index.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            e164 = normalize_phone(search_term.strip())
        except InvalidPhone:
            return results, may_have_duplicates
        return results | queryset.filter(phone_index=phone_index(e164)), True


# --- confirmation pages for actions --------------------------------------------------------------
class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Recorded in the history and sent to the merchant."))


def _confirm(modeladmin, request, queryset, *, action: str, title, question, needs_reason: bool, perform):
    """Show a confirmation page first; on confirmation run ``perform(obj, reason)`` for each object."""
    form = ReasonForm(request.POST if "confirm" in request.POST else None) if needs_reason else None
    if "confirm" in request.POST and (form is None or form.is_valid()):
        reason = form.cleaned_data["reason"] if form else ""
        done, failed = 0, []
        for obj in queryset:
            try:
                perform(obj, reason)
                done += 1
            except DomainError as exc:
                failed.append(f"{obj}: {exc.message}")
        if done:
            modeladmin.message_user(request, _("%(n)d done.") % {"n": done}, messages.SUCCESS)
        for failure in failed:
            modeladmin.message_user(request, failure, messages.ERROR)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title, "question": question, "objects": list(queryset), "form": form, "action": action,
        "opts": modeladmin.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "marketplace/catalog/admin/confirm_action.html", context)


# --- shops ---------------------------------------------------------------------------------------
class ShopStatusChangeInline(admin.TabularInline):
    model = ShopStatusChange
    fields = ("created", "old_status", "new_status", "actor", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-created", "-pk")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "verification_status", "risk_level", "rating", "review_count", "dispute_rate",
                    "deposit", "created")
    list_filter = ("verification_status", "risk_level", "installments_disabled")
    search_fields = ("name", "owner__username", "owner__email")
    list_select_related = ("owner",)
    date_hierarchy = "created"
    # Status and money only change through services (history, books); never by editing the row.
    readonly_fields = ("owner", "verification_status", "verified_at", "deposit_amount", "rating", "review_count",
                       "dispute_rate", "on_time_rate", "reputation_updated", "created")
    fields = ("name", "description", "owner", "verification_status", "verified_at", "deposit_amount", "rating",
              "review_count", "dispute_rate", "on_time_rate", "reputation_updated", "risk_level",
              "installments_disabled", "created")
    inlines = [ShopStatusChangeInline]
    actions = ["verify_shops", "suspend_shops"]

    @admin.display(description=_("deposit"), boolean=True)
    def deposit(self, shop):
        return shop.has_deposit

    def has_add_permission(self, request):
        return False  # shops are opened by their owners

    def has_delete_permission(self, request, obj=None):
        return False  # orders, payments and the books refer to shops

    @admin.action(description=_("Verify the selected shops"), permissions=["change"])
    def verify_shops(self, request, queryset):
        return _confirm(self, request, queryset, action="verify_shops", title=_("Verify shops"),
                        question=_("These shops will be verified and may publish listings:"), needs_reason=False,
                        perform=lambda shop, reason: shop_services.shop_verify(actor=request.user, shop=shop))

    @admin.action(description=_("Suspend the selected shops"), permissions=["change"])
    def suspend_shops(self, request, queryset):
        return _confirm(self, request, queryset, action="suspend_shops", title=_("Suspend shops"),
                        question=_("These shops will be suspended: their listings disappear from search and "
                                   "cannot be bought."), needs_reason=True,
                        perform=lambda shop, reason: shop_services.shop_suspend(actor=request.user, shop=shop,
                                                                                reason=reason))


# --- categories ----------------------------------------------------------------------------------
@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_zh", "name_en", "parent", "position", "is_virtual")
    list_filter = ("is_virtual", "parent")
    search_fields = ("slug", "name_zh", "name_en")
    list_select_related = ("parent",)
    ordering = ("position", "slug")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"name_zh", "name_en", "parent"} & set(form.changed_data):
            # Category names are part of every listing's search document below it.
            count = listing_services.listing_reindex(
                listings=Listing.objects.filter(category_id__in=category_descendant_ids(obj)))
            if count:
                self.message_user(request, _("Search index updated for %(n)d listings.") % {"n": count})

    def has_delete_permission(self, request, obj=None):
        # A category with listings is protected by the database anyway; say so before trying.
        return super().has_delete_permission(request, obj) and (obj is None or not obj.listings.exists())


# --- listings ------------------------------------------------------------------------------------
class ListingImageInline(admin.TabularInline):
    model = ListingImage
    fields = ("preview", "alt_text", "width", "height", "position")
    readonly_fields = ("preview", "alt_text", "width", "height", "position")
    extra = 0

    @admin.display(description=_("image"))
    def preview(self, image):
        if not image.pk or not image.image:
            return "—"
        source = image.thumbnail or image.image
        return format_html('<a href="{}"><img src="{}" alt="" style="max-height:80px"></a>', image.image.url,
                           source.url)

    def has_add_permission(self, request, obj=None):
        return False  # images come from the merchant, validated by the upload service


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ("title", "shop", "category", "price_amount", "stock", "status", "installments_available",
                    "created")
    list_filter = ("status", "installments_available", "merchant_pays_fee", "shop__verification_status", "category")
    search_fields = ("title", "shop__name")
    list_select_related = ("shop", "category")
    date_hierarchy = "created"
    readonly_fields = ("shop", "category", "title", "description", "price_amount", "stock", "status", "return_days",
                       "exchange_days", "quality_days", "installments_available", "merchant_pays_fee", "created",
                       "modified")
    exclude = ("search_document",)
    inlines = [ListingImageInline]
    actions = ["remove_listings"]

    def has_add_permission(self, request):
        return False  # listings are published by merchants through the service's checks

    def has_delete_permission(self, request, obj=None):
        return False  # orders refer to listings; remove instead

    @admin.action(description=_("Remove the selected listings"), permissions=["change"])
    def remove_listings(self, request, queryset):
        return _confirm(self, request, queryset.select_related("shop"), action="remove_listings",
                        title=_("Remove listings"),
                        question=_("These listings will be removed for good; buyers can no longer see or buy "
                                   "them."), needs_reason=True,
                        perform=lambda listing, reason: listing_services.listing_remove(
                            actor=request.user, listing=listing, reason=reason))
