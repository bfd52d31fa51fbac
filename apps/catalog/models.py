"""Products, brand voices, descriptions and their versions."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Store
from apps.core.models import TimeStampedModel

from .text.facts import ProductFacts


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    CHINESE = "zh", _("Chinese")


class Product(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    # Platform files carry long SKUs and handles (Shopify allows 255 characters).
    sku = models.CharField(max_length=255)
    title = models.CharField(max_length=300)
    category = models.CharField(max_length=200, blank=True)
    brand = models.CharField(max_length=200, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    attributes = models.JSONField(default=dict, blank=True, help_text="Key/value facts, e.g. material, size.")
    image_urls = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    option_names = models.JSONField(
        default=list, blank=True, help_text="Names of the options its variants differ by, e.g. Size, Colour."
    )
    platform = models.CharField(
        max_length=32, blank=True, help_text="The shop platform whose file it came from (shopify, ...)."
    )
    platform_data = models.JSONField(
        default=dict,
        blank=True,
        help_text="Platform-only fields kept from the file (publication, SEO, tags, ids); never facts.",
    )
    published_html = models.TextField(
        blank=True, help_text="The description the shop shows now, from the file, sanitised HTML."
    )
    published_text = models.TextField(blank=True, help_text="The same description as plain text.")
    published_text_good = models.BooleanField(
        default=False, help_text="Marked good by a person: used as a few-shot example. Never a fact."
    )

    class Meta:
        ordering: ClassVar = ["sku", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["store", "sku"], name="product_unique_sku_per_store"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["store", "status"]),
            models.Index(fields=["store", "category"]),
            models.Index(fields=["store", "-updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.title}"[:200]

    def option_values(self) -> dict[str, list[str]]:
        """Each option's distinct values across the variants, in order: {"Size": ["S", "M"]}."""
        values: dict[str, list[str]] = {str(name): [] for name in self.option_names or []}
        names = list(values)
        for variant in self.variants.all():
            for name, value in zip(names, variant.option_values or [], strict=False):
                if value and value not in values[name]:
                    values[name].append(str(value))
        return {name: found for name, found in values.items() if found}

    def facts(self) -> ProductFacts:
        """What is known about the product: all its descriptions may say (options included)."""
        attributes = {
            name: ", ".join(values)
            for name, values in self.option_values().items()
            if name not in (self.attributes or {})
        }
        attributes.update({str(key): str(value) for key, value in (self.attributes or {}).items()})
        return ProductFacts(
            title=self.title,
            brand=self.brand,
            category=self.category,
            attributes=attributes,
            price=str(self.price) if self.price is not None else "",
            currency=self.currency,
        )


class Variant(models.Model):
    """One purchasable version of a product: its option values, SKU, prices, barcode, weight and stock."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    position = models.PositiveIntegerField(default=1)
    option_values = models.JSONField(default=list, blank=True, help_text="Aligned with product.option_names.")
    sku = models.CharField(max_length=255, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    compare_at_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    barcode = models.CharField(max_length=64, blank=True)
    weight = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    weight_unit = models.CharField(max_length=8, blank=True)
    stock = models.IntegerField(null=True, blank=True)
    image_url = models.URLField(max_length=1000, blank=True)

    class Meta:
        ordering: ClassVar = ["product_id", "position", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["product", "position"], name="variant_unique_position"),
        ]
        indexes: ClassVar = [models.Index(fields=["store", "sku"])]

    def __str__(self) -> str:
        return f"{self.sku or self.product_id} {' / '.join(map(str, self.option_values or []))}"[:200]

    @property
    def title(self) -> str:
        return " / ".join(str(value) for value in self.option_values or [] if value)


class BrandVoice(TimeStampedModel):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="brand_voices")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, help_text="How the brand sounds, in a sentence or two.")
    do_words = models.JSONField(default=list, blank=True)
    dont_words = models.JSONField(default=list, blank=True)
    example_texts = models.JSONField(default=list, blank=True)

    class Meta:
        ordering: ClassVar = ["name", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["store", "name"], name="brandvoice_unique_name_per_store"),
        ]

    def __str__(self) -> str:
        return self.name


class DescriptionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PUBLISHED = "published", _("Published")


class Description(TimeStampedModel):
    """A product's description in one language: the thread of its versions and which one is live."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="descriptions")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="descriptions")
    language = models.CharField(max_length=8, choices=Language.choices)
    status = models.CharField(
        max_length=16, choices=DescriptionStatus.choices, default=DescriptionStatus.DRAFT, db_index=True
    )
    current_version = models.ForeignKey(
        "DescriptionVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_version = models.ForeignKey(
        "DescriptionVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The latest approved (or published) text: what exports carry.",
    )
    published_version = models.ForeignKey(
        "DescriptionVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-updated_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["product", "language"], name="description_unique_product_language"
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["store", "status", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.product.sku} [{self.language}]"


class DescriptionVersion(models.Model):
    class Origin(models.TextChoices):
        GENERATED = "generated", _("Generated")
        EDITED = "edited", _("Edited by a reviewer")

    description = models.ForeignKey(Description, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    status = models.CharField(
        max_length=16, choices=DescriptionStatus.choices, default=DescriptionStatus.DRAFT
    )
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.GENERATED)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    model_key = models.CharField(max_length=100, blank=True)
    model_version = models.CharField(max_length=100, blank=True)
    prompt_version = models.CharField(max_length=32, blank=True)
    options = models.JSONField(default=dict, blank=True)
    score = models.FloatField(null=True, blank=True)
    coverage = models.FloatField(null=True, blank=True)
    flags = models.JSONField(default=list, blank=True, help_text="Grounding flags shown to the reviewer.")
    candidates = models.JSONField(
        default=list, blank=True, help_text="The other candidates and their scores."
    )
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["description_id", "-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["description", "number"], name="descriptionversion_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description_id} v{self.number} {self.status}"
