"""Import limits, from settings (IMPORT_MAX_BYTES and the others; see the README's settings table)."""

from __future__ import annotations

from django.conf import settings


def max_bytes() -> int:
    return int(settings.IMPORT_MAX_BYTES)


def inline_max_bytes() -> int:
    """Files up to this size are validated in the request that starts the import; larger ones by a task."""
    return int(settings.IMPORT_INLINE_MAX_BYTES)


def max_rows() -> int:
    return int(settings.IMPORT_MAX_ROWS)


def block_rows() -> int:
    """Rows one job item writes in one statement."""
    return int(settings.IMPORT_BLOCK_ROWS)


def xlsx_max_unpacked_bytes() -> int:
    """What a workbook's zip entries may unpack to, all together."""
    return int(settings.IMPORT_XLSX_MAX_UNPACKED_BYTES)
