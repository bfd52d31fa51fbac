"""Helpers for every app's selectors."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from .errors import NotFound

M = TypeVar("M", bound=Model)
# Primary keys are 64-bit: a longer number names nothing (and would overflow the database's integer).
_MAX_ID = 2**63 - 1
NOT_FOUND = "Not found."


def get_or_not_found(queryset: QuerySet[M], **lookup: Any) -> M:
    """The one object matching ``lookup`` in an already store-scoped queryset, or the domain NotFound.

    Ids arrive from URLs and query strings: anything that is not a whole number in range is not found
    rather than an error.
    """
    cleaned = {}
    for name, value in lookup.items():
        if name in ("pk", "id") or name.endswith(("_id", "__pk")) or name == "number":
            try:
                number = int(str(value))
            except (TypeError, ValueError):
                raise NotFound(NOT_FOUND) from None
            if not 0 < number <= _MAX_ID:
                raise NotFound(NOT_FOUND)
            value = number
        cleaned[name] = value
    try:
        return queryset.get(**cleaned)
    except queryset.model.DoesNotExist:  # type: ignore[attr-defined]
        raise NotFound(NOT_FOUND) from None
