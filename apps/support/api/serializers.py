from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.support.models import (
    Chunk,
    Conversation,
    ConversationStatus,
    DocumentVersion,
    FaqEntry,
    Handoff,
    InternalNote,
    KnowledgeDocument,
    Message,
    Order,
    OrderItem,
    OrderStatus,
    SupportSettings,
)
from apps.support.ordering import ORDER_ROW_FIELDS

LANGUAGES = [("", "detect"), ("en", "English"), ("zh", "Chinese")]
PASTE_FORMATS = [("text", "Plain text"), ("markdown", "Markdown"), ("html", "HTML")]


class DocumentOutputSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="current_version.number", default=None, allow_null=True)
    source_format = serializers.CharField(source="current_version.source_format", default="", read_only=True)
    chunk_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = KnowledgeDocument
        fields = [
            "id",
            "title",
            "language",
            "status",
            "status_detail",
            "version",
            "source_format",
            "chunk_count",
            "created_at",
            "updated_at",
        ]


class DocumentVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentVersion
        fields = ["number", "source_format", "file_name", "text", "sha256", "created_at"]


class DocumentTextInputSerializer(serializers.Serializer):
    """A pasted document: its text, read as ``format`` says."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False, allow_blank=True)
    text = serializers.CharField(max_length=1_000_000, trim_whitespace=False)
    format = serializers.ChoiceField(choices=PASTE_FORMATS, required=False, default="markdown")


class DocumentFileInputSerializer(serializers.Serializer):
    """An uploaded document: TXT, Markdown, HTML, PDF or DOCX (multipart/form-data)."""

    file = serializers.FileField()


class FaqSerializer(serializers.ModelSerializer):
    question = serializers.CharField(max_length=500)
    answer = serializers.CharField(max_length=5000)

    class Meta:
        model = FaqEntry
        fields = ["id", "question", "answer", "language", "version", "created_at", "updated_at"]
        read_only_fields = ["id", "language", "version", "created_at", "updated_at"]


class ChunkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Chunk
        fields = ["id", "document", "version", "faq", "position", "heading_path", "kind", "text", "language"]


class SearchInputSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=2000, allow_blank=True)


class SearchHitSerializer(ChunkSerializer):
    score = serializers.FloatField()
    dense = serializers.FloatField()
    keyword = serializers.FloatField()
    supports = serializers.BooleanField()

    class Meta(ChunkSerializer.Meta):
        fields = [*ChunkSerializer.Meta.fields, "score", "dense", "keyword", "supports"]


class OrderItemSerializer(serializers.ModelSerializer):
    unit_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    quantity = serializers.IntegerField(min_value=1, max_value=100000, required=False, default=1)

    class Meta:
        model = OrderItem
        fields = ["sku", "title", "quantity", "unit_price"]


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True, required=False)
    status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)
    total_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    shipping_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )

    class Meta:
        model = Order
        fields = ["id", *ORDER_ROW_FIELDS, "created_at", "updated_at"]  # one list of order fields
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {
            "number": {"validators": []}
        }  # uniqueness per store is the service's (409)


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, allow_null=True, read_only=True)

    class Meta:
        model = Message
        fields = ["id", "role", "kind", "text", "citations", "author", "created_at"]


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, allow_null=True, read_only=True)

    class Meta:
        model = InternalNote
        fields = ["id", "text", "author", "created_at"]


class HandoffSerializer(serializers.ModelSerializer):
    class Meta:
        model = Handoff
        fields = ["id", "reason", "detail", "created_at", "resolved_at"]


class ConversationSerializer(serializers.ModelSerializer):
    assignee = serializers.CharField(
        source="assignee.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = Conversation
        fields = [
            "id",
            "status",
            "language",
            "origin",
            "assignee",
            "failed_answers",
            "last_message_at",
            "created_at",
        ]


class ConversationDetailSerializer(ConversationSerializer):
    messages = MessageSerializer(many=True, read_only=True)
    notes = NoteSerializer(many=True, read_only=True)
    handoffs = HandoffSerializer(many=True, read_only=True)

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "messages", "notes", "handoffs"]


class TextInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class AssignInputSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(min_value=1, allow_null=True)


class ConversationStatusFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=ConversationStatus.choices, required=False, allow_blank=True)


class WidgetSettingsSerializer(serializers.ModelSerializer):
    allowed_origins = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=50, required=False
    )
    greeting = serializers.CharField(max_length=300, required=False, allow_blank=True)

    class Meta:
        model = SupportSettings
        fields = ["widget_key", "allowed_origins", "greeting"]
        read_only_fields = ["widget_key"]


class ShopperStartSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=LANGUAGES, required=False, allow_blank=True)
    site = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="The page the widget is shown on."
    )


class ShopperFeedbackSerializer(serializers.Serializer):
    helpful = serializers.BooleanField()
