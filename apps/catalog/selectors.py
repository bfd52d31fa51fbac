"""Catalog reads, always filtered by the store."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from apps.accounts.models import Store
from apps.core.selectors import get_or_not_found

from .models import BrandVoice, Description, DescriptionVersion, Product, Variant


def product_list(
    *, store: Store, search: str = "", filters: dict[str, Any] | None = None
) -> QuerySet[Product]:
    products = Product.objects.filter(store=store)
    if search:
        products = products.filter(
            Q(sku__icontains=search)
            | Q(title__icontains=search)
            | Q(brand__icontains=search)
            | Q(category__icontains=search)
            | Q(pk__in=Variant.objects.filter(store=store, sku__icontains=search).values("product_id"))
        )
    for name, value in (filters or {}).items():
        if value not in (None, ""):
            products = products.filter(**{name: value})
    return products


def product_get(*, store: Store, product_id: Any) -> Product:
    return get_or_not_found(Product.objects.filter(store=store), pk=product_id)


def product_categories(*, store: Store) -> list[str]:
    return list(
        Product.objects.filter(store=store)
        .exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()[:500]
    )


def brand_voice_list(*, store: Store) -> QuerySet[BrandVoice]:
    return BrandVoice.objects.filter(store=store)


def brand_voice_get(*, store: Store, brand_voice_id: Any) -> BrandVoice:
    return get_or_not_found(brand_voice_list(store=store), pk=brand_voice_id)


def description_list(*, store: Store) -> QuerySet[Description]:
    return Description.objects.filter(store=store).select_related(
        "product",
        "current_version__created_by",
        "current_version__reviewed_by",
        "current_version__parent",
        "approved_version",
        "published_version",
    )


def description_get(*, store: Store, description_id: Any) -> Description:
    return get_or_not_found(description_list(store=store), pk=description_id)


def description_version_list(*, description: Description) -> QuerySet[DescriptionVersion]:
    return DescriptionVersion.objects.filter(description=description).select_related(
        "created_by", "reviewed_by", "parent"
    )


def description_version_get(*, description: Description, number: Any) -> DescriptionVersion:
    return get_or_not_found(description_version_list(description=description), number=number)


def approved_examples(
    *, store: Store, language: str, category: str = "", limit: int = 2, exclude_product_id: int | None = None
) -> list[tuple[Product, str]]:
    """The store's own approved descriptions in a language, same category first: few-shot examples.

    Where there are fewer than ``limit``, the shop's current descriptions that a person marked good
    (imported from the platform's file) fill in, same category first.
    """
    descriptions = (
        Description.objects.filter(store=store, language=language, approved_version__isnull=False)
        .select_related("product", "approved_version")
        .prefetch_related("product__variants")
    )
    if exclude_product_id is not None:
        descriptions = descriptions.exclude(product_id=exclude_product_id)
    chosen: list[Description] = []
    if category:
        chosen = list(descriptions.filter(product__category=category).order_by("-updated_at")[:limit])
    if len(chosen) < limit:
        chosen += list(
            descriptions.exclude(pk__in=[d.pk for d in chosen]).order_by("-updated_at")[: limit - len(chosen)]
        )
    examples = [
        (description.product, description.approved_version.text)
        for description in chosen
        if description.approved_version is not None
    ]
    if len(examples) < limit:
        examples += _good_published_examples(
            store=store,
            language=language,
            category=category,
            limit=limit - len(examples),
            exclude_ids={product.pk for product, _text in examples} | {exclude_product_id or 0},
        )
    return examples


def _good_published_examples(
    *, store: Store, language: str, category: str, limit: int, exclude_ids: set[int]
) -> list[tuple[Product, str]]:
    products = (
        Product.objects.filter(store=store, language=language, published_text_good=True)
        .exclude(published_text="")
        .exclude(pk__in=exclude_ids)
        .prefetch_related("variants")
    )
    chosen = list(products.filter(category=category).order_by("-updated_at")[:limit]) if category else []
    if len(chosen) < limit:
        chosen += list(
            products.exclude(pk__in=[p.pk for p in chosen]).order_by("-updated_at")[: limit - len(chosen)]
        )
    return [(product, _example_text(product.published_text)) for product in chosen]


EXAMPLE_MAX_CHARS = 800


def _example_text(text: str) -> str:
    """A shop description as a few-shot example: long ones cut at a paragraph or sentence end."""
    if len(text) <= EXAMPLE_MAX_CHARS:
        return text
    cut = text[:EXAMPLE_MAX_CHARS]
    for boundary in ("\n\n", "。", ". ", "\n"):
        index = cut.rfind(boundary)
        if index > EXAMPLE_MAX_CHARS // 2:
            return cut[: index + len(boundary)].strip()
    return cut.strip()
