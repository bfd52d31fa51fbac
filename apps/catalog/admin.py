"""Admin views of catalog data. Descriptions are read-only here: review goes through the workflow."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import BrandVoice, Description, DescriptionVersion, Product, Variant


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    exclude = ["store"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    inlines = [VariantInline]
    list_display = ["sku", "title", "store", "category", "brand", "price", "currency", "language", "status"]
    list_filter = ["status", "language", "platform"]
    search_fields = ["sku", "title", "brand"]
    raw_id_fields = ["store"]


@admin.register(BrandVoice)
class BrandVoiceAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "created_at"]
    raw_id_fields = ["store"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Description)
class DescriptionAdmin(ReadOnlyAdmin):
    list_display = ["id", "product", "language", "status", "updated_at"]
    list_filter = ["status", "language"]


@admin.register(DescriptionVersion)
class DescriptionVersionAdmin(ReadOnlyAdmin):
    list_display = [
        "description",
        "number",
        "status",
        "origin",
        "model_key",
        "prompt_version",
        "score",
        "reviewed_by",
        "created_at",
    ]
    list_filter = ["status", "origin", "model_key"]
