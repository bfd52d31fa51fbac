"""Catalog settings (CATALOG_DESCRIBE_*; see the README's settings table)."""

from __future__ import annotations

from django.conf import settings


def describe_candidates() -> int:
    """Candidates generated per product and reranked by grounding."""
    return int(settings.CATALOG_DESCRIBE_CANDIDATES)


def describe_model() -> str:
    return str(settings.CATALOG_DESCRIBE_MODEL or "")


def describe_parallelism() -> int:
    """Items of one bulk describe job in flight at once: their products share the running batch."""
    return max(1, int(settings.CATALOG_DESCRIBE_PARALLELISM))
