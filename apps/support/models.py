"""Customer service: the knowledge base and its chunks, orders, conversations, handoffs and notes."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Store
from apps.core.models import TimeStampedModel


def new_widget_key() -> str:
    return secrets.token_urlsafe(18)


def new_conversation_token() -> str:
    return secrets.token_urlsafe(32)


class SupportSettings(TimeStampedModel):
    """A store's widget (public key, the sites allowed to embed it) and its index generation."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="support_settings")
    widget_key = models.CharField(max_length=40, unique=True, default=new_widget_key)
    allowed_origins = models.JSONField(
        default=list, blank=True, help_text="Sites that may embed the chat widget, e.g. https://shop.example."
    )
    # Bumped whenever the store's chunks change: each process rebuilds its in-memory index then.
    index_generation = models.PositiveBigIntegerField(default=0)
    greeting = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"support settings of {self.store_id}"


class KnowledgeDocument(TimeStampedModel):
    class Status(models.TextChoices):
        INDEXING = "indexing", _("Indexing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="knowledge_documents")
    title = models.CharField(max_length=200)
    language = models.CharField(max_length=8, blank=True, help_text="en, zh, or empty for mixed.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INDEXING)
    status_detail = models.CharField(max_length=500, blank=True)
    current_version = models.ForeignKey(
        "DocumentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["title", "id"]
        indexes: ClassVar = [models.Index(fields=["store", "-updated_at"])]

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    """One text of a document, as pasted or as parsed from the uploaded file; chunks point at it."""

    document = models.ForeignKey(KnowledgeDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    source_format = models.CharField(max_length=16, help_text="text, markdown, html, pdf or docx.")
    file_name = models.CharField(max_length=255, blank=True)
    text = models.TextField(help_text="The text as parsed, headings as Markdown headings.")
    # [{"heading_path": [...], "text": ...}]: what the chunker reads.
    sections = models.JSONField(default=list, blank=True)
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["document_id", "-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["document", "number"], name="documentversion_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"


class FaqEntry(TimeStampedModel):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="faq_entries")
    question = models.CharField(max_length=500)
    answer = models.TextField()
    language = models.CharField(max_length=8, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering: ClassVar = ["question", "id"]

    def __str__(self) -> str:
        return self.question[:100]


class Chunk(models.Model):
    """A retrievable piece of a document version (with its headings) or an FAQ entry, and its embedding.

    The embedding is float32 bytes: the same column on SQLite and PostgreSQL; the index lives in
    memory (apps/support/services/retrieval.py) behind the VectorIndex interface.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="support_chunks")
    document = models.ForeignKey(
        KnowledgeDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="chunks"
    )
    version = models.ForeignKey(
        DocumentVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="chunks"
    )
    faq = models.ForeignKey(FaqEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField(default=0)
    # The headings above the text (["Returns", "Refunds"]); for an FAQ entry, its question.
    heading_path = models.JSONField(default=list, blank=True)
    kind = models.CharField(max_length=16, default="section", help_text="section or faq")
    text = models.TextField()
    language = models.CharField(max_length=8, blank=True)
    embedding = models.BinaryField()
    embedding_model = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["document_id", "faq_id", "position"]
        indexes: ClassVar = [models.Index(fields=["store", "embedding_model"])]

    def __str__(self) -> str:
        return f"chunk {self.pk} {self.heading}"[:100]

    @property
    def heading(self) -> str:
        return " › ".join(self.heading_path or [])

    @property
    def search_text(self) -> str:
        """What retrieval indexes and embeds: the headings, then the body (as the chunker builds it)."""
        return "\n".join([*(self.heading_path or []), self.text])

    @property
    def source_title(self) -> str:
        if self.faq_id:
            return self.faq.question if self.faq else ""
        return self.document.title if self.document else ""


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    PROCESSING = "processing", _("Processing")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNED = "returned", _("Returned")
    REFUNDED = "refunded", _("Refunded")


class Order(TimeStampedModel):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="orders")
    number = models.CharField(max_length=64)
    # The number as shoppers may type it ("#ec-1001" and "EC1001" are one): what a lookup compares.
    number_key = models.CharField(max_length=64, db_index=True, editable=False, default="")
    customer_name = models.CharField(max_length=200, blank=True)
    customer_email = models.CharField(max_length=254, blank=True)
    # Digits only (a leading + kept), so "+1 (555) 010-2030" and "15550102030" compare equal.
    customer_phone = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    currency = models.CharField(max_length=3, blank=True)
    total_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    shipping_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    placed_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-placed_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["store", "number"], name="order_unique_number_per_store"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    sku = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["order_id", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Open (assistant)")
    PENDING = "pending", _("Waiting for a person")
    RESOLVED = "resolved", _("Resolved")


class Conversation(TimeStampedModel):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="support_conversations")
    # The shopper's secret: the widget holds it, every shopper call must present it.
    token = models.CharField(max_length=64, unique=True, default=new_conversation_token)
    status = models.CharField(
        max_length=16, choices=ConversationStatus.choices, default=ConversationStatus.OPEN, db_index=True
    )
    language = models.CharField(max_length=8, blank=True)
    origin = models.CharField(max_length=200, blank=True, help_text="The site the widget was embedded in.")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    failed_answers = models.PositiveIntegerField(default=0)
    verified_order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-last_message_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["store", "status", "-last_message_at"])]

    def __str__(self) -> str:
        return f"conversation {self.pk}"


class Message(models.Model):
    class Role(models.TextChoices):
        SHOPPER = "shopper", _("Shopper")
        ASSISTANT = "assistant", _("Assistant")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=16, choices=Role.choices)
    text = models.TextField()
    # [{"chunk": id, "title": ..., "heading": ...}] for assistant answers.
    citations = models.JSONField(default=list, blank=True)
    kind = models.CharField(
        max_length=32, blank=True, help_text="answer, handoff, order, order_refused, ask_order_proof..."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering: ClassVar = ["conversation_id", "id"]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:60]}"


class Handoff(models.Model):
    """The assistant (or the shopper) passed the conversation to a person, and why."""

    class Reason(models.TextChoices):
        LOW_CONFIDENCE = "low_confidence", _("No supporting source")
        ASKED_FOR_HUMAN = "asked_for_human", _("Asked for a person")
        SENSITIVE = "sensitive", _("Money, safety or legal")
        REPEATED_FAILURE = "repeated_failure", _("Two failed answers")
        ORDER = "order", _("Order needs a person")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="handoffs")
    reason = models.CharField(max_length=32, choices=Reason.choices)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"handoff {self.reason}"


class InternalNote(models.Model):
    """Staff-only remarks on a conversation; never shown to the shopper."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["conversation_id", "id"]

    def __str__(self) -> str:
        return self.text[:60]
