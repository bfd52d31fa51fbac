from __future__ import annotations

from typing import ClassVar

from rest_framework import serializers

from apps.accounts.models import Store
from apps.catalog.fields import FIELD_MAX_LENGTH, PRODUCT_FIELD_NAMES
from apps.catalog.models import BrandVoice, Description, DescriptionVersion, Language, Product, Variant
from apps.catalog.services.drafting import generation_options_build
from apps.catalog.text.options import FORMATS, TONES, GenerationOptions


class VariantOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Variant
        fields = [
            "position",
            "option_values",
            "sku",
            "price",
            "compare_at_price",
            "barcode",
            "weight",
            "weight_unit",
            "stock",
            "image_url",
        ]


class ProductOutputSerializer(serializers.ModelSerializer):
    variants = VariantOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            *PRODUCT_FIELD_NAMES,
            "option_names",
            "variants",
            "platform",
            "platform_data",
            "published_html",
            "published_text",
            "published_text_good",
            "created_at",
            "updated_at",
        ]
        extra_kwargs: ClassVar = {
            "platform_data": {"help_text": "Platform-only fields from the imported file; never facts."},
            "published_html": {"help_text": "The shop's current description from the file, sanitised HTML."},
        }


class PublishedTextInputSerializer(serializers.Serializer):
    good = serializers.BooleanField(help_text="Use the current description as a few-shot example.")


class ProductInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=FIELD_MAX_LENGTH["sku"])
    title = serializers.CharField(max_length=FIELD_MAX_LENGTH["title"])
    category = serializers.CharField(
        max_length=FIELD_MAX_LENGTH["category"], required=False, allow_blank=True
    )
    brand = serializers.CharField(max_length=FIELD_MAX_LENGTH["brand"], required=False, allow_blank=True)
    price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, allow_blank=True)
    attributes = serializers.DictField(
        child=serializers.CharField(max_length=1000, allow_blank=True), required=False
    )
    image_urls = serializers.ListField(
        child=serializers.URLField(max_length=1000), required=False, max_length=50
    )
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    status = serializers.ChoiceField(choices=Product.Status.choices, required=False)

    def validate_attributes(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 100:
            raise serializers.ValidationError("At most 100 attributes.")
        if any(len(key) > 64 for key in value):
            raise serializers.ValidationError("Attribute names are at most 64 characters.")
        # As DRF does for every text field (a title, a value): NUL is refused, not silently dropped.
        if any("\x00" in key for key in value):
            raise serializers.ValidationError("Attribute names cannot contain null characters.")
        return value


class BrandVoiceSerializer(serializers.ModelSerializer):
    do_words = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=50
    )
    dont_words = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=50
    )
    example_texts = serializers.ListField(
        child=serializers.CharField(max_length=2000), required=False, max_length=5
    )

    class Meta:
        model = BrandVoice
        fields = ["id", "name", "description", "do_words", "dont_words", "example_texts", "created_at"]
        read_only_fields = ["id", "created_at"]


class DescriptionVersionOutputSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username", default=None, allow_null=True, read_only=True
    )
    reviewed_by = serializers.CharField(
        source="reviewed_by.username", default=None, allow_null=True, read_only=True
    )
    parent_version = serializers.IntegerField(
        source="parent.number", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = DescriptionVersion
        fields = [
            "number",
            "text",
            "status",
            "origin",
            "parent_version",
            "model_key",
            "model_version",
            "prompt_version",
            "options",
            "score",
            "coverage",
            "flags",
            "candidates",
            "job",
            "created_by",
            "created_at",
            "reviewed_by",
            "reviewed_at",
            "review_note",
        ]


class DescriptionOutputSerializer(serializers.ModelSerializer):
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    current_version = DescriptionVersionOutputSerializer(read_only=True, allow_null=True)
    approved_text = serializers.CharField(
        source="approved_version.text", default=None, allow_null=True, read_only=True
    )
    published_text = serializers.CharField(
        source="published_version.text", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = Description
        fields = [
            "id",
            "product",
            "product_sku",
            "language",
            "status",
            "current_version",
            "approved_text",
            "published_text",
            "updated_at",
        ]


class GenerationOptionsSerializer(serializers.Serializer):
    language = serializers.ChoiceField(
        choices=Language.choices, required=False, help_text="Defaults to the product's language."
    )
    tone = serializers.ChoiceField(choices=TONES, default="neutral")
    brand_voice = serializers.IntegerField(required=False, allow_null=True, help_text="A brand voice id.")
    target_length = serializers.IntegerField(
        min_value=20, max_value=600, default=80, help_text="Words in English, characters in Chinese."
    )
    format = serializers.ChoiceField(choices=FORMATS, default="paragraph")
    seo_keywords = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=10, default=list
    )
    candidates = serializers.IntegerField(min_value=1, max_value=8, required=False)
    seed = serializers.IntegerField(required=False, allow_null=True)

    def options(self, store: Store) -> GenerationOptions:
        """The validated payload as the options the drafting services take."""
        data = self.validated_data
        return generation_options_build(
            store=store,
            language=data.get("language"),
            tone=data["tone"],
            target_length=data["target_length"],
            format=data["format"],
            seo_keywords=data.get("seo_keywords") or (),
            brand_voice_id=data.get("brand_voice"),
            candidates=data.get("candidates"),
            seed=data.get("seed"),
        )


class BulkGenerateInputSerializer(GenerationOptionsSerializer):
    product_ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        max_length=100_000,
        help_text="Omit to describe the whole catalog (with the filters).",
    )
    status = serializers.ChoiceField(choices=Product.Status.choices, required=False)
    category = serializers.CharField(required=False)
    only_missing = serializers.BooleanField(
        default=False, help_text="Skip products that already have an approved description."
    )
    batch_size = serializers.IntegerField(min_value=1, max_value=64, required=False)


class ReviewInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["approve", "reject", "publish"])
    text = serializers.CharField(
        required=False,
        allow_blank=False,
        max_length=20_000,
        help_text="Edited text: saved as a new version, which is the one approved.",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    version = serializers.IntegerField(required=False, help_text="Defaults to the current version.")


class DiffSegmentSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["equal", "insert", "delete"])
    text = serializers.CharField()
