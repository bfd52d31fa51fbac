"""Marketing API serializers: input validated here, typed options built for the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..copy.compliance import LEGAL_SOURCE
from ..models import CHANNEL_CHOICES, GOAL_CHOICES, LANGUAGE_CHOICES, ABTest, Campaign, CopyRequest, Variant
from ..services.generation import MAX_VARIANTS, PromotionInput


class MarketingSettingsSerializer(serializers.Serializer):
    banned_words = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=500
    )
    sms_opt_out_en = serializers.CharField(max_length=60, required=False)
    sms_opt_out_zh = serializers.CharField(max_length=30, required=False)
    sms_sender = serializers.CharField(max_length=20, required=False, allow_blank=True)
    legal_source = serializers.SerializerMethodField()

    def get_legal_source(self, _obj: Any) -> str:
        return LEGAL_SOURCE


class CampaignInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class CampaignOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "name", "notes", "created_at", "updated_at"]


class ViolationSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The rule: over_limit, ad_law, store_banned, wrong_discount...")
    term = serializers.CharField(help_text="The rule's term (the banned word, the limit, the kind of fact).")
    found = serializers.CharField(help_text="The offending words as they appear in the text.")
    message = serializers.CharField(help_text="For people, in the language the request asked for.")
    blocking = serializers.BooleanField(help_text="Approval is refused while a blocking rule is broken.")


class CopyVariantOutputSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", allow_null=True, read_only=True)
    violations = ViolationSerializer(many=True, source="violations_shown", read_only=True)
    request = serializers.IntegerField(source="request_id", read_only=True)
    channel = serializers.CharField(source="request.channel", read_only=True)
    language = serializers.CharField(source="request.language", read_only=True)
    blocking = serializers.BooleanField(read_only=True)

    class Meta:
        model = Variant
        fields = [
            "id",
            "request",
            "product",
            "channel",
            "language",
            "position",
            "text",
            "generated_text",
            "measure",
            "violations",
            "blocking",
            "repair",
            "edited",
            "status",
            "reviewed_at",
            "impressions",
            "clicks",
            "conversions",
            "created_at",
            "updated_at",
        ]


class StrictBooleanField(serializers.BooleanField):
    """true or false, as the schema says: not 0, 1, "yes" or "on", which DRF's BooleanField also takes."""

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)
        raise AssertionError  # fail() raises


# Positive decimals with at most two places: what the fields accept, stated exactly in the schema.
PERCENT_PATTERN = r"^(?:[1-9]\d?(?:\.\d{1,2})?|0\.(?:[1-9]\d?|0[1-9]))$"
AMOUNT_PATTERN = r"^(?:[1-9]\d{0,7}(?:\.\d{1,2})?|0\.(?:[1-9]\d?|0[1-9]))$"


@extend_schema_field({"type": "string", "format": "decimal", "pattern": PERCENT_PATTERN, "nullable": True})
class PercentField(serializers.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_digits=4, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("99.99"), **kwargs
        )


@extend_schema_field({"type": "string", "format": "decimal", "pattern": AMOUNT_PATTERN, "nullable": True})
class AmountField(serializers.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=10, decimal_places=2, min_value=Decimal("0.01"), **kwargs)


class CopyPromotionSerializer(serializers.Serializer):
    discount_percent = PercentField(required=False, allow_null=True, help_text="Percent off, 0.01 to 99.99.")
    discount_amount = AmountField(
        required=False, allow_null=True, help_text="Amount off, in the store's currency."
    )
    starts = serializers.DateField(required=False, allow_null=True)
    ends = serializers.DateField(required=False, allow_null=True)
    code = serializers.RegexField(r"^[A-Za-z0-9-]{0,40}$", required=False, allow_blank=True)


class CopyRequestInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=CHANNEL_CHOICES)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES)
    goal = serializers.ChoiceField(choices=GOAL_CHOICES, default="sales")
    products = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=5
    )
    category = serializers.CharField(max_length=200, required=False, allow_blank=True)
    per_product = StrictBooleanField(
        default=False, help_text="Bulk: variants for every product of the category, as a job."
    )
    brand_voice = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)
    promotion = CopyPromotionSerializer(required=False)
    variant_count = serializers.IntegerField(min_value=1, max_value=MAX_VARIANTS, default=5)

    def options(self) -> dict[str, Any]:
        data = self.validated_data
        promotion = data.get("promotion") or {}
        return {
            "channel": data["channel"],
            "language": data["language"],
            "goal": data["goal"],
            "product_ids": data.get("products", []),
            "category": data.get("category", ""),
            "per_product": data["per_product"],
            "brand_voice_id": data.get("brand_voice"),
            "variant_count": data["variant_count"],
            "promotion": PromotionInput(
                discount_percent=promotion.get("discount_percent"),
                discount_amount=promotion.get("discount_amount"),
                starts=promotion.get("starts"),
                ends=promotion.get("ends"),
                code=promotion.get("code", ""),
            ),
        }


class CopyRequestOutputSerializer(serializers.ModelSerializer):
    campaign = serializers.IntegerField(source="campaign_id", read_only=True)
    products = serializers.ListField(child=serializers.IntegerField(), source="product_ids", read_only=True)
    brand_voice = serializers.IntegerField(source="brand_voice_id", allow_null=True, read_only=True)
    job = serializers.IntegerField(source="job_id", allow_null=True, read_only=True)
    promotion = serializers.SerializerMethodField()
    variants = CopyVariantOutputSerializer(many=True, read_only=True)
    error = serializers.CharField(source="error_shown", read_only=True)

    class Meta:
        model = CopyRequest
        fields = [
            "id",
            "campaign",
            "channel",
            "goal",
            "language",
            "products",
            "category",
            "per_product",
            "brand_voice",
            "promotion",
            "variant_count",
            "status",
            "error",
            "stats",
            "model_key",
            "job",
            "variants",
            "created_at",
        ]

    def get_promotion(self, obj: CopyRequest) -> dict[str, Any] | None:
        if not obj.has_promotion:
            return None
        return {
            "discount_percent": str(obj.discount_percent) if obj.discount_percent is not None else None,
            "discount_amount": str(obj.discount_amount) if obj.discount_amount is not None else None,
            "starts": obj.promotion_starts.isoformat() if obj.promotion_starts else None,
            "ends": obj.promotion_ends.isoformat() if obj.promotion_ends else None,
            "code": obj.promotion_code,
        }


class CopyVariantEditSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000, required=False, help_text="The new text; checked again.")


class CopyVariantReviewSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["approve", "reject", "reopen"])


class VariantResultsSerializer(serializers.Serializer):
    impressions = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    clicks = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=0)
    conversions = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=0)
    add = StrictBooleanField(
        default=False, help_text="Add to the recorded results instead of replacing them."
    )


class ABTestInputSerializer(serializers.Serializer):
    variant_a = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    variant_b = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    metric = serializers.ChoiceField(choices=ABTest.Metric.choices, default=ABTest.Metric.CONVERSION)


class ABTestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    metric = serializers.CharField()
    variant_a = CopyVariantOutputSerializer()
    variant_b = CopyVariantOutputSerializer()
    summary = serializers.DictField(help_text="Rates, z, p-value, 95% interval of the difference, winner.")
