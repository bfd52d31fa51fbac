"""Admin views of review data, read-only: changes go through the services (classification, approval)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import CustomAspect, ReplyDraft, Review, SpikeAlert, WebhookDelivery


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["sku", "store", "rating", "language", "sentiment", "sentiment_confidence", "reviewed_at"]
    list_filter = ["sentiment", "language"]
    search_fields = ["sku", "text", "external_id"]
    raw_id_fields = ["store", "product", "classify_job"]


@admin.register(CustomAspect)
class CustomAspectAdmin(ReadOnlyAdmin):
    list_display = ["name", "store", "created_at"]


@admin.register(SpikeAlert)
class SpikeAlertAdmin(ReadOnlyAdmin):
    list_display = [
        "scope",
        "key",
        "store",
        "status",
        "window_negative",
        "window_total",
        "p_value",
        "created_at",
    ]
    list_filter = ["status", "scope"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["alert", "url", "status", "attempts", "response_status", "created_at"]
    list_filter = ["status"]
    exclude = ["body"]


@admin.register(ReplyDraft)
class ReplyDraftAdmin(ReadOnlyAdmin):
    list_display = ["review", "store", "language", "status", "created_at", "reviewed_at"]
    list_filter = ["status", "language"]
