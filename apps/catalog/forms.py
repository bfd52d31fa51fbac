from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Store

from . import importing
from .fields import FIELD_MAX_LENGTH, ProductValues
from .models import Language, Product
from .services.drafting import generation_options_build
from .text.options import GenerationOptions

TONE_CHOICES = [
    ("neutral", _("Neutral")),
    ("friendly", _("Friendly")),
    ("premium", _("Premium")),
    ("playful", _("Playful")),
    ("technical", _("Technical")),
]
FORMAT_CHOICES = [("paragraph", _("Paragraph")), ("bullets", _("Bullet points"))]


def parse_lines(text: str) -> dict[str, str]:
    """'name: value' lines (or 'name：value') as a dict."""
    try:
        return importing.parse_attributes(text)
    except ValueError as error:
        raise forms.ValidationError(
            _("Each line must be “name: value” (%(error)s).") % {"error": error}
        ) from None


class ProductForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=FIELD_MAX_LENGTH["sku"])
    title = forms.CharField(label=_("Title"), max_length=FIELD_MAX_LENGTH["title"])
    category = forms.CharField(label=_("Category"), max_length=FIELD_MAX_LENGTH["category"], required=False)
    brand = forms.CharField(label=_("Brand"), max_length=FIELD_MAX_LENGTH["brand"], required=False)
    price = forms.DecimalField(label=_("Price"), max_digits=12, decimal_places=2, min_value=0, required=False)
    currency = forms.RegexField(label=_("Currency"), regex=r"^[A-Z]{3}$", required=False)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    status = forms.ChoiceField(label=_("Status"), choices=Product.Status.choices)
    attributes = forms.CharField(
        label=_("Attributes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One per line: “material: cotton”."),
    )
    image_urls = forms.CharField(
        label=_("Image URLs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )

    def clean_attributes(self) -> dict[str, str]:
        return parse_lines(self.cleaned_data.get("attributes") or "")

    def clean_image_urls(self) -> list[str]:
        urls = [
            line.strip() for line in (self.cleaned_data.get("image_urls") or "").splitlines() if line.strip()
        ]
        validator = forms.URLField(assume_scheme="https")
        for url in urls:
            validator.clean(url)
        return urls

    def product_values(self) -> ProductValues:
        data = self.cleaned_data
        return ProductValues(
            sku=data["sku"],
            title=data["title"],
            category=data.get("category", ""),
            brand=data.get("brand", ""),
            price=data.get("price"),
            currency=data.get("currency", ""),
            language=data["language"],
            status=data["status"],
            attributes=data.get("attributes") or {},
            image_urls=data.get("image_urls") or [],
        )

    @classmethod
    def initial_for(cls, product: Product) -> dict[str, Any]:
        return {
            "sku": product.sku,
            "title": product.title,
            "category": product.category,
            "brand": product.brand,
            "price": product.price,
            "currency": product.currency,
            "language": product.language,
            "status": product.status,
            "attributes": "\n".join(f"{key}: {value}" for key, value in (product.attributes or {}).items()),
            "image_urls": "\n".join(product.image_urls or []),
        }


class GenerateForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Product's language")), *Language.choices], required=False
    )
    tone = forms.ChoiceField(label=_("Tone"), choices=TONE_CHOICES, initial="neutral")
    brand_voice = forms.TypedChoiceField(label=_("Brand voice"), coerce=int, required=False, empty_value=None)
    target_length = forms.IntegerField(
        label=_("Target length (words; characters in Chinese)"), min_value=20, max_value=600, initial=80
    )
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, initial="paragraph")
    seo_keywords = forms.CharField(label=_("SEO keywords (comma separated)"), required=False, max_length=600)
    batch_size = forms.IntegerField(
        label=_("Products per batch"), min_value=1, max_value=64, initial=8, required=False
    )

    def __init__(self, *args: Any, voices: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand_voice"].choices = [("", _("None")), *(voices or [])]  # type: ignore[attr-defined]

    def clean_seo_keywords(self) -> list[str]:
        raw = self.cleaned_data.get("seo_keywords") or ""
        return [part.strip() for part in raw.replace("，", ",").split(",") if part.strip()][:10]

    def options(self, store: Store) -> GenerationOptions:
        """The cleaned form as the options the drafting services take."""
        data = self.cleaned_data
        return generation_options_build(
            store=store,
            language=data.get("language") or None,
            tone=data.get("tone") or "neutral",
            target_length=data.get("target_length") or 80,
            format=data.get("format") or "paragraph",
            seo_keywords=data.get("seo_keywords") or (),
            brand_voice_id=data.get("brand_voice"),
        )


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject")), ("publish", _("Publish"))]
    )
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000)
    note = forms.CharField(required=False, max_length=2000)
    version = forms.IntegerField(required=False)
    confirm_invented = forms.BooleanField(required=False)


class BrandVoiceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("How the brand sounds"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    do_words = forms.CharField(label=_("Words to use (comma separated)"), required=False)
    dont_words = forms.CharField(label=_("Words to avoid (comma separated)"), required=False)
    example_texts = forms.CharField(
        label=_("Example texts (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def voice_fields(self) -> dict[str, Any]:
        data = self.cleaned_data

        def words(value: str) -> list[str]:
            return [part.strip() for part in value.replace("，", ",").split(",") if part.strip()][:50]

        return {
            "name": data["name"],
            "description": data.get("description", ""),
            "do_words": words(data.get("do_words", "")),
            "dont_words": words(data.get("dont_words", "")),
            "example_texts": [
                line.strip() for line in data.get("example_texts", "").splitlines() if line.strip()
            ][:5],
        }
