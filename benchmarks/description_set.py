"""The description-quality set's products (tests/data/descriptions/products.json) as the checks read them."""

from __future__ import annotations

from typing import Any

from apps.catalog.text.facts import ProductFacts


def facts_of(entry: dict[str, Any]) -> ProductFacts:
    return ProductFacts(
        title=entry["title"],
        brand=entry.get("brand", ""),
        category=entry.get("category", ""),
        attributes=dict(entry.get("attributes", {})),
    )
