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
from ..models import Product


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


def products_upsert(*, store: Store, rows: list[dict[str, Any]], fields: Iterable[str]) -> tuple[int, int]:
    """Insert or update products by SKU in one statement; returns (created, updated).

    Only ``fields`` are written on products that exist, so an import that has no brand column
    leaves brands alone. SKUs must be unique within ``rows``.
    """
    if not rows:
        return 0, 0
    skus = [row["sku"] for row in rows]
    existing = set(Product.objects.filter(store=store, sku__in=skus).values_list("sku", flat=True))
    update_fields = [*sorted((set(fields) & set(PRODUCT_FIELD_NAMES)) - {"sku"}), "updated_at"]
    Product.objects.bulk_create(
        [Product(store=store, **row) for row in rows],
        update_conflicts=True,
        unique_fields=["store", "sku"],
        update_fields=update_fields,
    )
    return len(rows) - len(existing), len(existing)
