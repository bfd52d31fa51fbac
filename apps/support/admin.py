"""Admin views of customer-service data; conversations are read here, answered in the inbox."""

from __future__ import annotations

from django.contrib import admin

from .models import Chunk, Conversation, FaqEntry, KnowledgeDocument, Order, SupportSettings


@admin.register(SupportSettings)
class SupportSettingsAdmin(admin.ModelAdmin):
    list_display = ["store", "widget_key", "index_generation"]
    raw_id_fields = ["store"]


@admin.register(KnowledgeDocument)
class KnowledgeDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "store", "status", "language", "updated_at"]
    list_filter = ["status"]
    raw_id_fields = ["store", "current_version", "created_by"]


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ["question", "store", "language", "version"]
    raw_id_fields = ["store"]


@admin.register(Chunk)
class ChunkAdmin(admin.ModelAdmin):
    list_display = ["pk", "store", "document", "faq", "position", "kind", "embedding_model"]
    raw_id_fields = ["store", "document", "version", "faq"]
    exclude = ["embedding"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "store", "status", "carrier", "placed_at"]
    search_fields = ["number"]
    raw_id_fields = ["store"]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["pk", "store", "status", "language", "assignee", "last_message_at"]
    list_filter = ["status"]
    raw_id_fields = ["store", "assignee", "verified_order"]
    exclude = ["token"]
