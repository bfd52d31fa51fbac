"""Reviews, their sentiment and aspect mentions, custom aspects, spike alerts, webhook deliveries, replies."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Store
from apps.core.models import TimeStampedModel


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    CHINESE = "zh", _("Chinese")


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class Review(TimeStampedModel):
    """One customer review of a product (by SKU), as imported or posted, and what the classifier said."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="reviews")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    sku = models.CharField(max_length=64, help_text="The product's SKU as the review named it.")
    rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1 to 5 stars.")
    title = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    text_hash = models.CharField(max_length=64, help_text="SHA-256 of the text: duplicates are found by it.")
    language = models.CharField(max_length=8, choices=Language.choices)
    author = models.CharField(max_length=100, blank=True, help_text="The reviewer's handle.")
    reviewed_at = models.DateTimeField(help_text="When the customer wrote the review.")
    source = models.CharField(max_length=64, blank=True, help_text="Where it came from (a marketplace).")
    external_id = models.CharField(max_length=128, blank=True, help_text="Its id at the source.")
    sentiment = models.CharField(max_length=16, choices=Sentiment.choices, blank=True, db_index=True)
    sentiment_confidence = models.FloatField(null=True, blank=True)
    sentiment_scores = models.JSONField(default=dict, blank=True)
    model_key = models.CharField(max_length=100, blank=True)
    classified_at = models.DateTimeField(null=True, blank=True)
    classify_job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-reviewed_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["store", "source", "external_id"],
                condition=~models.Q(external_id=""),
                name="review_unique_source_external_id",
            ),
            models.UniqueConstraint(
                fields=["store", "sku", "text_hash", "reviewed_at"], name="review_unique_product_text_time"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="review_rating_1_to_5",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["store", "-reviewed_at"]),
            models.Index(fields=["store", "sku", "-reviewed_at"]),
            models.Index(fields=["store", "sentiment", "-reviewed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.sku}: {self.text[:60]}"

    @property
    def rating_mismatch(self) -> bool:
        """Stars and words disagree: 4-5 stars with negative text, or 1-2 stars with positive text."""
        if self.rating is None or not self.sentiment:
            return False
        return (self.rating >= 4 and self.sentiment == Sentiment.NEGATIVE) or (
            self.rating <= 2 and self.sentiment == Sentiment.POSITIVE
        )


class AspectMention(models.Model):
    """A sentence of a review that speaks of an aspect (fit, delivery, a store's own), with its sentiment."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="aspects")
    aspect = models.CharField(max_length=64, db_index=True)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    sentence = models.TextField()
    sentiment = models.CharField(max_length=16, choices=Sentiment.choices)
    confidence = models.FloatField()

    class Meta:
        ordering: ClassVar = ["review_id", "start", "aspect"]
        indexes: ClassVar = [models.Index(fields=["store", "aspect", "sentiment"])]

    def __str__(self) -> str:
        return f"{self.aspect} {self.sentiment}: {self.sentence[:40]}"


class CustomAspect(TimeStampedModel):
    """A store's own aspect ("battery life", "电池"), found by a few example phrases in either language."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="review_aspects")
    name = models.CharField(max_length=64)
    examples = models.JSONField(default=list, help_text="Example phrases, in English or Chinese.")

    class Meta:
        ordering: ClassVar = ["name", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["store", "name"], name="customaspect_unique_name_per_store"),
        ]

    def __str__(self) -> str:
        return self.name


class ReviewSettings(TimeStampedModel):
    """A store's review settings: the policy replies must keep to, the alert webhook, spike detection."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="review_settings")
    policy_text = models.TextField(
        blank=True,
        help_text="What the store offers (returns, refunds, replacements); replies promise no more.",
    )
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=128, blank=True)
    spike_window_days = models.PositiveSmallIntegerField(default=7)
    spike_baseline_days = models.PositiveSmallIntegerField(default=28)
    spike_min_reviews = models.PositiveIntegerField(default=20)
    spike_alpha = models.FloatField(default=0.01, help_text="Significance level of the spike test.")

    def __str__(self) -> str:
        return f"review settings of {self.store}"


class SpikeAlert(TimeStampedModel):
    """The negative share of a product's or an aspect's reviews rose significantly above its own baseline.

    One open alert per product or aspect: a spike that goes on raises nothing new; once the share is
    back to normal the alert is resolved, and a later spike raises a new one.
    """

    class Scope(models.TextChoices):
        PRODUCT = "product", _("Product")
        ASPECT = "aspect", _("Aspect")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="review_alerts")
    scope = models.CharField(max_length=16, choices=Scope.choices)
    key = models.CharField(max_length=64, help_text="The SKU or the aspect.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    window_negative = models.PositiveIntegerField()
    window_total = models.PositiveIntegerField()
    baseline_negative = models.PositiveIntegerField()
    baseline_total = models.PositiveIntegerField()
    z_score = models.FloatField()
    p_value = models.FloatField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["store", "scope", "key"],
                condition=~models.Q(status="resolved"),
                name="spikealert_one_live_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}: {self.window_negative}/{self.window_total} negative"

    @property
    def window_share(self) -> float:
        return self.window_negative / self.window_total if self.window_total else 0.0

    @property
    def baseline_share(self) -> float:
        return self.baseline_negative / self.baseline_total if self.baseline_total else 0.0


class WebhookDelivery(TimeStampedModel):
    """One alert posted to the store's webhook: the signed body, each attempt's outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(SpikeAlert, on_delete=models.CASCADE, related_name="deliveries")
    url = models.URLField(max_length=500)
    body = models.TextField(help_text="The exact JSON body that was signed and sent.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"delivery {self.pk} of alert {self.alert_id}: {self.status}"


class ReplyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ReplyDraft(TimeStampedModel):
    """A reply to a review, drafted by the generator in the review's language, approved by a person."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="replies")
    language = models.CharField(max_length=8, choices=Language.choices)
    text = models.TextField()
    status = models.CharField(max_length=16, choices=ReplyStatus.choices, default=ReplyStatus.DRAFT)
    flags = models.JSONField(default=list, blank=True, help_text="Promises beyond the policy, and so on.")
    model_key = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["store", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"reply {self.pk} to review {self.review_id} ({self.status})"
