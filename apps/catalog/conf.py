"""Catalog limits, overridable in settings (e.g. CATALOG_IMPORT_MAX_BYTES)."""

from __future__ import annotations

from django.conf import settings


def import_max_bytes() -> int:
    return int(getattr(settings, "CATALOG_IMPORT_MAX_BYTES", 50 * 1024 * 1024))


def import_inline_max_bytes() -> int:
    """Files up to this size are validated in the request that starts the import; larger ones by a task."""
    return int(getattr(settings, "CATALOG_IMPORT_INLINE_MAX_BYTES", 2 * 1024 * 1024))


def import_max_rows() -> int:
    return int(getattr(settings, "CATALOG_IMPORT_MAX_ROWS", 1_000_000))


def import_block_rows() -> int:
    """Rows one job item upserts in one statement."""
    return int(getattr(settings, "CATALOG_IMPORT_BLOCK_ROWS", 1000))


def describe_candidates() -> int:
    """Candidates generated per product and reranked by grounding."""
    return int(getattr(settings, "CATALOG_DESCRIBE_CANDIDATES", 4))


def describe_model() -> str:
    return str(getattr(settings, "CATALOG_DESCRIBE_MODEL", "") or "")
