"""Dashboard forms for marketing pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Store
from apps.catalog import selectors as catalog_selectors

from .models import CHANNEL_CHOICES, GOAL_CHOICES, LANGUAGE_CHOICES, ABTest, Variant
from .services.generation import MAX_VARIANTS, PromotionInput

CHANNEL_LABELS = {
    "search_headline": _("Search ad headline"),
    "search_description": _("Search ad description"),
    "email_subject": _("E-mail subject"),
    "email_preheader": _("E-mail preheader"),
    "email_body": _("E-mail body"),
    "sms": _("SMS"),
    "social_post": _("Social post"),
    "push_title": _("Push notification title"),
    "push_body": _("Push notification body"),
    "banner": _("On-site banner"),
}


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CopyRequestForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[(key, CHANNEL_LABELS[key]) for key, _l in CHANNEL_CHOICES]
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    goal = forms.ChoiceField(label=_("Goal"), choices=GOAL_CHOICES)
    products = forms.TypedMultipleChoiceField(
        label=_("Products"), coerce=int, required=False, help_text=_("Up to five; or choose a category.")
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    per_product = forms.BooleanField(
        label=_("Copy for every product of the category (a job)"), required=False
    )
    brand_voice = forms.TypedChoiceField(label=_("Brand voice"), coerce=int, required=False, empty_value=None)
    discount_percent = forms.DecimalField(
        label=_("Discount (percent off)"), min_value=0, max_value=99.99, decimal_places=2, required=False
    )
    discount_amount = forms.DecimalField(
        label=_("Discount (amount off)"), min_value=0, decimal_places=2, required=False
    )
    starts = forms.DateField(
        label=_("Starts"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends = forms.DateField(label=_("Ends"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    code = forms.RegexField(label=_("Promotion code"), regex=r"^[A-Za-z0-9-]{0,40}$", required=False)
    variant_count = forms.IntegerField(label=_("Variants"), min_value=1, max_value=MAX_VARIANTS, initial=5)

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        products = catalog_selectors.product_list(store=store).order_by("sku")[:500]
        self.fields["products"].choices = [  # type: ignore[attr-defined]
            (product.pk, f"{product.sku} · {product.title}"[:120]) for product in products
        ]
        self.fields["category"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (c, c) for c in catalog_selectors.product_categories(store=store)
        ]
        voices = catalog_selectors.brand_voice_list(store=store).values_list("pk", "name")
        self.fields["brand_voice"].choices = [("", "—"), *voices]  # type: ignore[attr-defined]

    def options(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "channel": data["channel"],
            "language": data["language"],
            "goal": data["goal"],
            "product_ids": data.get("products") or [],
            "category": data.get("category") or "",
            "per_product": bool(data.get("per_product")),
            "brand_voice_id": data.get("brand_voice"),
            "variant_count": data["variant_count"],
            "promotion": PromotionInput(
                discount_percent=data.get("discount_percent"),
                discount_amount=data.get("discount_amount"),
                starts=data.get("starts"),
                ends=data.get("ends"),
                code=data.get("code") or "",
            ),
        }


class VariantActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("save", "save"), ("approve", "approve"), ("reject", "reject"), ("reopen", "reopen")]
    )
    text = forms.CharField(required=False, max_length=5000)


class ResultsForm(forms.Form):
    impressions = forms.IntegerField(label=_("Impressions"), min_value=0, max_value=2**31 - 1)
    clicks = forms.IntegerField(label=_("Clicks"), min_value=0, max_value=2**31 - 1, initial=0)
    conversions = forms.IntegerField(label=_("Conversions"), min_value=0, max_value=2**31 - 1, initial=0)


class ABTestForm(forms.Form):
    variant_a = forms.TypedChoiceField(label=_("Variant A"), coerce=int)
    variant_b = forms.TypedChoiceField(label=_("Variant B"), coerce=int)
    metric = forms.ChoiceField(label=_("Metric"), choices=ABTest.Metric.choices)

    def __init__(self, *args: Any, variants: list[Variant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(variant.pk, f"#{variant.pk} {variant.text[:50]}") for variant in variants]
        self.fields["variant_a"].choices = choices  # type: ignore[attr-defined]
        self.fields["variant_b"].choices = choices  # type: ignore[attr-defined]


class SettingsForm(forms.Form):
    banned_words = forms.CharField(
        label=_("Banned words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line; never used in this store's copy."),
    )
    sms_opt_out_en = forms.CharField(label=_("SMS opt-out text (English)"), max_length=60)
    sms_opt_out_zh = forms.CharField(label=_("SMS opt-out text (Chinese)"), max_length=30)
    sms_sender = forms.CharField(label=_("SMS sender name"), max_length=20, required=False)

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["banned_words"] = [line.strip() for line in data["banned_words"].splitlines() if line.strip()]
        return data
