"""The catalog's import target: rows of a catalog file become products, upserted by SKU."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Store
from apps.imports.targets import GENERIC, ImportField, ImportTarget, WriteCounts, register_import_target

from .fields import IGNORED_HEADERS, IMPORT_FIELDS, PRODUCT_FIELDS
from .importing import ProductRowValidator
from .platforms.profiles import PROFILES
from .services.products import products_upsert


@register_import_target
class ProductImport(ImportTarget):
    name = "catalog.products"
    label = _("Products")
    audit_prefix = "catalog"
    fields = tuple(
        ImportField(spec.name, spec.label, required=spec.required, synonyms=spec.synonyms)
        for spec in (*PRODUCT_FIELDS, *IMPORT_FIELDS)
    )
    profiles = PROFILES
    ignored_headers = IGNORED_HEADERS
    attribute_columns = True
    key_field = "sku"
    key_label = "SKU"
    dashboard_namespace = "catalog"
    list_template = "catalog/import_list.html"
    detail_template = "catalog/import_detail.html"

    def row_validator(
        self, *, store: Store, headers: list[str], mapping: dict[str, str]
    ) -> ProductRowValidator:
        return self.profile_row_validator(store=store, headers=headers, mapping=mapping, profile=GENERIC)

    def profile_row_validator(
        self, *, store: Store, headers: list[str], mapping: dict[str, str], profile: str
    ) -> ProductRowValidator:
        return ProductRowValidator(
            headers=headers,
            mapping=mapping,
            profile=profile,
            default_currency=store.currency,
            default_language=store.default_language,
        )

    def write_rows(self, *, store: Store, rows: list[dict[str, Any]], fields: Sequence[str]) -> WriteCounts:
        for row in rows:
            if row.get("price") is not None:
                row["price"] = Decimal(row["price"])
            for variant in row.get("variants") or []:
                for name in ("price", "compare_at_price", "weight"):
                    if variant.get(name) is not None:
                        variant[name] = Decimal(variant[name])
        created, updated = products_upsert(store=store, rows=rows, fields=fields)
        return WriteCounts(created=created, updated=updated)
