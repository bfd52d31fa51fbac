"""Product writes: create, update, delete, and the bulk upsert an import's job runs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Unpack

from django.db import IntegrityError, transaction

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError, ConflictError
from apps.core.text import clean_identifier, clean_text, is_chinese

from ..fields import PRODUCT_FIELD_NAMES, ProductDetails, ProductValues
from ..models import Product, Variant
from ..platforms.rows import align_options

# What an import writes on products besides the editable fields.
IMPORTED_FIELDS = ("option_names", "platform", "platform_data", "published_html", "published_text")
VARIANT_FIELDS = (
    "sku",
    "price",
    "compare_at_price",
    "barcode",
    "weight",
    "weight_unit",
    "stock",
    "image_url",
)


def _clean_product_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(PRODUCT_FIELD_NAMES)
    if unknown:
        raise ApplicationError(f"Unknown product fields: {', '.join(sorted(unknown))}.", code="invalid")
    cleaned = dict(fields)
    for name in ("sku", "title", "category", "brand"):
        if name in cleaned:
            cleaned[name] = clean_text(str(cleaned[name] or ""))
    if "sku" in cleaned:
        cleaned["sku"] = clean_identifier(cleaned["sku"])
    if "sku" in cleaned and (not cleaned["sku"] or any(ch.isspace() for ch in cleaned["sku"])):
        raise ApplicationError("A SKU is required and cannot contain spaces.", code="invalid_sku")
    if "title" in cleaned and not cleaned["title"]:
        raise ApplicationError("A title is required.", code="invalid_title")
    if "attributes" in cleaned:
        cleaned["attributes"] = {
            clean_text(str(key)): clean_text(str(value))
            for key, value in (cleaned["attributes"] or {}).items()
            if clean_text(str(key)) and clean_text(str(value))
        }
    return cleaned


@transaction.atomic
def product_create(
    *, store: Store, actor: Actor, sku: str, title: str, **fields: Unpack[ProductDetails]
) -> Product:
    cleaned = _clean_product_fields({**fields, "sku": sku, "title": title})
    if not cleaned.get("currency") and cleaned.get("price") is not None:
        cleaned["currency"] = store.currency
    if not cleaned.get("language"):
        cleaned["language"] = "zh" if is_chinese(cleaned["title"]) else store.default_language
    try:
        with transaction.atomic():
            product = Product.objects.create(store=store, **cleaned)
    except IntegrityError:
        raise ConflictError(
            f"A product with SKU {cleaned['sku']!r} already exists.", code="duplicate_sku"
        ) from None
    audit_record(actor=actor, action="catalog.product_created", store=store, target=product)
    return product


@transaction.atomic
def product_update(*, product: Product, actor: Actor, **fields: Unpack[ProductValues]) -> Product:
    cleaned = _clean_product_fields(dict(fields))
    changed = [name for name, value in cleaned.items() if getattr(product, name) != value]
    for name in changed:
        setattr(product, name, cleaned[name])
    if changed:
        try:
            with transaction.atomic():
                product.save(update_fields=[*changed, "updated_at"])
        except IntegrityError:
            raise ConflictError(
                f"A product with SKU {product.sku!r} already exists.", code="duplicate_sku"
            ) from None
        audit_record(
            actor=actor,
            action="catalog.product_updated",
            store=product.store,
            target=product,
            metadata={"fields": changed},
        )
    return product


@transaction.atomic
def product_delete(*, product: Product, actor: Actor) -> None:
    audit_record(
        actor=actor,
        action="catalog.product_deleted",
        store=product.store,
        target=product,
        metadata={"sku": product.sku},
    )
    product.delete()


@transaction.atomic
def product_mark_published_text(*, product: Product, actor: Actor, good: bool) -> Product:
    """Mark the shop's current description good (a few-shot example for this store's drafts) or not."""
    if good and not product.published_text.strip():
        raise ApplicationError("The product has no current description to mark.", code="no_published_text")
    if product.published_text_good != good:
        product.published_text_good = good
        product.save(update_fields=["published_text_good", "updated_at"])
        audit_record(
            actor=actor,
            action="catalog.published_text_marked",
            store=product.store,
            target=product,
            metadata={"good": good},
        )
    return product


def products_upsert(*, store: Store, rows: list[dict[str, Any]], fields: Iterable[str]) -> tuple[int, int]:
    """Insert or update products by SKU in one statement; returns (created, updated).

    Only ``fields`` are written on products that exist, so an import that has no brand column
    leaves brands alone. SKUs must be unique within ``rows``. Rows with ``variants`` replace the
    product's variants (the file is the catalog's truth for them); a changed current description
    loses its "good example" mark.
    """
    if not rows:
        return 0, 0
    fields = set(fields)
    skus = [row["sku"] for row in rows]
    existing = {
        sku: (published_html, good)
        for sku, published_html, good in Product.objects.filter(store=store, sku__in=skus).values_list(
            "sku", "published_html", "published_text_good"
        )
    }
    writes_variants = "variants" in fields
    variants_by_sku = {row["sku"]: row.pop("variants", None) or [] for row in rows}
    model_fields = set(PRODUCT_FIELD_NAMES) | set(IMPORTED_FIELDS)
    if "published_html" in fields:
        for row in rows:
            html, good = existing.get(row["sku"], ("", False))
            row["published_text_good"] = good and html == row.get("published_html")
        fields.add("published_text_good")
        model_fields.add("published_text_good")
    update_fields = [*sorted((fields & model_fields) - {"sku"}), "updated_at"]
    Product.objects.bulk_create(
        [Product(store=store, **{k: v for k, v in row.items() if k in model_fields}) for row in rows],
        update_conflicts=True,
        unique_fields=["store", "sku"],
        update_fields=update_fields,
    )
    if writes_variants:
        _variants_replace(store=store, rows=rows, variants_by_sku=variants_by_sku)
    return len(rows) - len(existing), len(existing)


def _variants_replace(
    *, store: Store, rows: list[dict[str, Any]], variants_by_sku: dict[str, list[dict[str, Any]]]
) -> None:
    ids = dict(Product.objects.filter(store=store, sku__in=list(variants_by_sku)).values_list("sku", "pk"))
    Variant.objects.filter(product_id__in=ids.values()).delete()
    names_by_sku = {row["sku"]: row.get("option_names") or [] for row in rows}
    Variant.objects.bulk_create(
        Variant(
            store=store,
            product_id=ids[sku],
            position=position,
            option_values=align_options(names_by_sku[sku], variant.get("options") or []),
            **{name: variant[name] for name in VARIANT_FIELDS if variant.get(name) not in (None, "")},
        )
        for sku, variants in variants_by_sku.items()
        for position, variant in enumerate(variants, start=1)
    )
