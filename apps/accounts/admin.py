from django.contrib import admin

from .models import ApiToken, AuditEvent, Membership, Merchant, Store, StoreUsage


class StoreInline(admin.TabularInline):
    model = Store
    extra = 0
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "created_at"]
    search_fields = ["name"]
    inlines = [StoreInline]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "merchant", "default_language", "currency", "monthly_token_quota"]
    search_fields = ["name", "merchant__name"]
    inlines = [MembershipInline]


@admin.register(StoreUsage)
class StoreUsageAdmin(admin.ModelAdmin):
    list_display = ["store", "month", "requests", "prompt_tokens", "generated_tokens"]
    list_filter = ["month"]
    search_fields = ["store__name"]
    readonly_fields = ["store", "month", "requests", "prompt_tokens", "generated_tokens"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "name", "prefix", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "last_used_at"]
    search_fields = ["name", "prefix", "user__username"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor", "source", "store", "object_type", "object_id"]
    list_filter = ["source", "action"]
    search_fields = ["action", "object_id", "object_repr"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
