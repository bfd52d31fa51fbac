"""Campaigns, copy requests, variants, A/B tests and each store's marketing rules."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Store
from apps.core.models import TimeStampedModel

from .copy.channels import CHANNELS
from .copy.prompting import GOALS
from .violations import violations_shown

CHANNEL_CHOICES = [(key, spec.label) for key, spec in CHANNELS.items()]
GOAL_LABELS = {
    "sales": _("Drive sales"),
    "launch": _("Announce a new product"),
    "awareness": _("Build awareness"),
    "winback": _("Win back lapsed customers"),
}
GOAL_CHOICES = [(goal, GOAL_LABELS[goal]) for goal in GOALS]
LANGUAGE_CHOICES = [("en", _("English")), ("zh", _("Chinese"))]
REPAIR_LABELS = {
    "dropped": _("a phrase dropped"),
    "sentence": _("cut at a sentence"),
    "phrase": _("cut at a phrase"),
    "word": _("cut at a word"),
}


class MarketingSettings(TimeStampedModel):
    """A store's own rules for copy: banned words, SMS opt-out text and sender name."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="marketing_settings")
    banned_words = models.JSONField(default=list, blank=True)
    sms_opt_out_en = models.CharField(max_length=60, default="Reply STOP to opt out")
    sms_opt_out_zh = models.CharField(max_length=30, default="回T退订")
    sms_sender = models.CharField(max_length=20, blank=True, help_text="Shown as 【name】 in Chinese SMS.")

    def opt_out(self, language: str) -> str:
        return self.sms_opt_out_zh if language == "zh" else self.sms_opt_out_en


class Campaign(TimeStampedModel):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class CopyRequest(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Generating")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="copy_requests")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="requests")
    channel = models.CharField(max_length=32, choices=CHANNEL_CHOICES)
    goal = models.CharField(max_length=16, choices=GOAL_CHOICES, default="sales")
    language = models.CharField(max_length=8, choices=LANGUAGE_CHOICES)
    products = models.ManyToManyField("catalog.Product", blank=True, related_name="+")
    category = models.CharField(max_length=200, blank=True)
    per_product = models.BooleanField(
        default=False, help_text="Bulk: variants for every product of the category."
    )
    brand_voice = models.ForeignKey(
        "catalog.BrandVoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    discount_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    promotion_starts = models.DateField(null=True, blank=True)
    promotion_ends = models.DateField(null=True, blank=True)
    promotion_code = models.CharField(max_length=40, blank=True)
    variant_count = models.PositiveSmallIntegerField(default=5)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    stats = models.JSONField(default=dict, blank=True, help_text="Generated, kept, repaired, regenerated.")
    model_key = models.CharField(max_length=100, blank=True)
    prompt_version = models.CharField(max_length=32, blank=True)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.channel} [{self.language}]"

    @property
    def error_shown(self) -> str:
        """The error in the reader's language where it is one of ecomai's own messages."""
        return gettext(self.error) if self.error else ""

    @property
    def product_ids(self) -> list[int]:
        return sorted(product.pk for product in self.products.all())

    @property
    def has_promotion(self) -> bool:
        return any(
            value not in (None, "")
            for value in (
                self.discount_percent,
                self.discount_amount,
                self.promotion_starts,
                self.promotion_ends,
                self.promotion_code,
            )
        )


class Variant(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="copy_variants")
    request = models.ForeignKey(CopyRequest, on_delete=models.CASCADE, related_name="variants")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    generated_text = models.TextField(blank=True, help_text="The model's text before repair or edits.")
    measure = models.JSONField(default=dict, blank=True)
    violations = models.JSONField(default=list, blank=True)
    repair = models.CharField(max_length=40, blank=True)
    edited = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    impressions = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    conversions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["request_id", "product_id", "position", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def blocking(self) -> bool:
        return any(violation.get("blocking", True) for violation in self.violations)

    @property
    def repair_shown(self) -> str:
        """How the model's text was repaired ("dropped+phrase"), in the reader's language."""
        return " + ".join(str(REPAIR_LABELS.get(part, part)) for part in self.repair.split("+") if part)

    @property
    def violations_shown(self) -> list[dict[str, Any]]:
        """The violations with their messages in the language of the request being answered."""
        return violations_shown(self.violations)


class ABTest(TimeStampedModel):
    """Two variants of a campaign sent to comparable audiences; results decide the winner."""

    class Metric(models.TextChoices):
        CONVERSION = "conversion", _("Conversions per impression")
        CLICK = "click", _("Clicks per impression")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="ab_tests")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ab_tests")
    name = models.CharField(max_length=200, blank=True)
    variant_a = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    variant_b = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=16, choices=Metric.choices, default=Metric.CONVERSION)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~models.Q(variant_a=models.F("variant_b")), name="abtest_two_different_variants"
            ),
        ]
