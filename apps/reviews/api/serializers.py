from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.reviews.models import (
    AspectMention,
    CustomAspect,
    Language,
    ReplyDraft,
    ReplyStatus,
    Review,
    ReviewSettings,
    Sentiment,
    SpikeAlert,
    WebhookDelivery,
)
from apps.reviews.selectors import ReviewFilters, approved_reply
from apps.reviews.text import fields as f


class AspectMentionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AspectMention
        fields = ["aspect", "start", "end", "sentence", "sentiment", "confidence"]


class ReviewOutputSerializer(serializers.ModelSerializer):
    aspects = AspectMentionSerializer(many=True, read_only=True)
    rating_mismatch = serializers.BooleanField(read_only=True)
    approved_reply = serializers.SerializerMethodField(help_text="The approved reply's text, if any.")

    class Meta:
        model = Review
        fields = [
            "id",
            "sku",
            "product",
            "rating",
            "title",
            "text",
            "language",
            "author",
            "reviewed_at",
            "source",
            "external_id",
            "sentiment",
            "sentiment_confidence",
            "sentiment_scores",
            "model_key",
            "classified_at",
            "rating_mismatch",
            "aspects",
            "approved_reply",
            "created_at",
        ]

    def get_approved_reply(self, review: Review) -> str | None:
        prefetched = getattr(review, "approved_replies", None)  # the list prefetches them
        reply = (
            prefetched[0] if prefetched else None if prefetched is not None else approved_reply(review=review)
        )
        return reply.text if reply else None


class ReviewCreateSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=f.SKU_MAX)
    text = serializers.CharField(max_length=f.TEXT_MAX_CHARS)
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    title = serializers.CharField(max_length=f.TITLE_MAX, required=False, allow_blank=True)
    language = serializers.ChoiceField(
        choices=Language.choices, required=False, help_text="Detected from the text when omitted."
    )
    author = serializers.CharField(max_length=f.AUTHOR_MAX, required=False, allow_blank=True)
    reviewed_at = serializers.DateTimeField(required=False, help_text="Defaults to now; not in the future.")
    # DRF pops declared fields off the class, so this does not shadow Field.source at run time.
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=f.SOURCE_MAX, required=False, allow_blank=True
    )
    external_id = serializers.CharField(max_length=f.EXTERNAL_ID_MAX, required=False, allow_blank=True)


class ReviewFilterSerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    sku = serializers.CharField(required=False, allow_blank=True, max_length=f.SKU_MAX)
    language = serializers.ChoiceField(choices=Language.choices, required=False, allow_blank=True)
    sentiment = serializers.ChoiceField(choices=Sentiment.choices, required=False, allow_blank=True)
    aspect = serializers.CharField(required=False, allow_blank=True, max_length=64)
    mismatch = serializers.BooleanField(required=False, default=False)
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def filters(self) -> ReviewFilters:
        return ReviewFilters(**self.validated_data)


class ClassifyInputSerializer(ReviewFilterSerializer):
    review_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=100_000,
        help_text="Omit to classify every review matching the filters.",
    )


class CustomAspectSerializer(serializers.ModelSerializer):
    examples = serializers.ListField(child=serializers.CharField(max_length=200), max_length=20, min_length=1)

    class Meta:
        model = CustomAspect
        fields = ["id", "name", "examples", "created_at"]
        read_only_fields = ["id", "created_at"]


class SpikeAlertSerializer(serializers.ModelSerializer):
    window_share = serializers.FloatField(read_only=True)
    baseline_share = serializers.FloatField(read_only=True)

    class Meta:
        model = SpikeAlert
        fields = [
            "id",
            "scope",
            "key",
            "status",
            "window_start",
            "window_end",
            "window_negative",
            "window_total",
            "window_share",
            "baseline_negative",
            "baseline_total",
            "baseline_share",
            "z_score",
            "p_value",
            "created_at",
            "resolved_at",
        ]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "alert",
            "url",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "delivered_at",
            "created_at",
        ]


class ReplyOutputSerializer(serializers.ModelSerializer):
    reviewed_by = serializers.CharField(
        source="reviewed_by.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = ReplyDraft
        fields = [
            "id",
            "review",
            "language",
            "text",
            "status",
            "flags",
            "model_key",
            "created_at",
            "reviewed_by",
            "reviewed_at",
        ]


class ReplyEditSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class ReplyDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[ReplyStatus.APPROVED, ReplyStatus.REJECTED])


class ReviewSettingsSerializer(serializers.ModelSerializer):
    webhook_url = serializers.URLField(
        max_length=500, required=False, allow_null=True, help_text="null removes the webhook."
    )
    webhook_secret = serializers.CharField(
        max_length=128,
        required=False,
        write_only=True,
        help_text="Set it, or leave it to be generated; it is never shown again.",
    )
    webhook_secret_set = serializers.SerializerMethodField()

    class Meta:
        model = ReviewSettings
        fields = [
            "policy_text",
            "webhook_url",
            "webhook_secret",
            "webhook_secret_set",
            "spike_window_days",
            "spike_baseline_days",
            "spike_min_reviews",
            "spike_alpha",
        ]
        extra_kwargs: dict[str, Any] = {
            "spike_window_days": {"min_value": 1, "max_value": 90},
            "spike_baseline_days": {"min_value": 1, "max_value": 365},
            "spike_min_reviews": {"min_value": 5, "max_value": 100_000},
            "spike_alpha": {"min_value": 0.0001, "max_value": 0.2},
        }

    def to_representation(self, instance: ReviewSettings) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["webhook_url"] = data["webhook_url"] or None
        return data

    def get_webhook_secret_set(self, settings: ReviewSettings) -> bool:
        return bool(settings.webhook_secret)
