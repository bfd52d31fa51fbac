"""CSV export of a campaign's variants (approved ones by default), safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apps.core.spreadsheets import csv_stream

from .models import Campaign, Variant
from .selectors import variant_list

HEADER = [
    "variant_id",
    "request_id",
    "channel",
    "language",
    "goal",
    "product_sku",
    "text",
    "status",
    "units",
    "value",
    "limit",
    "violations",
    "impressions",
    "clicks",
    "conversions",
]


def _rows(variants: Any) -> Iterator[list[Any]]:
    for variant in variants:
        measure = variant.measure or {}
        yield [
            variant.pk,
            variant.request_id,
            variant.request.channel,
            variant.request.language,
            variant.request.goal,
            variant.product.sku if variant.product else "",
            variant.text,
            variant.status,
            measure.get("unit", ""),
            measure.get("value", ""),
            measure.get("limit", ""),
            "; ".join(f"{v.get('code')}: {v.get('found')}" for v in variant.violations),
            variant.impressions,
            variant.clicks,
            variant.conversions,
        ]


def campaign_csv(*, campaign: Campaign, status: str = Variant.Status.APPROVED) -> Iterator[str]:
    """The campaign's variants with ``status`` ("" for all) as CSV lines."""
    variants = variant_list(store=campaign.store, campaign=campaign, status=status).order_by(
        "request_id", "position", "pk"
    )
    return csv_stream(HEADER, _rows(variants))
