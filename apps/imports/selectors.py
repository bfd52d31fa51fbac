"""Import reads, always filtered by the store and the import target."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.accounts.models import Store
from apps.core.selectors import get_or_not_found

from .models import DataImport, ImportRowError


def import_list(*, store: Store, target: str) -> QuerySet[DataImport]:
    return DataImport.objects.filter(store=store, target=target).select_related("job", "created_by")


def import_get(*, store: Store, target: str, import_id: Any) -> DataImport:
    return get_or_not_found(import_list(store=store, target=target), pk=import_id)


def import_row_error_list(*, data_import: DataImport) -> QuerySet[ImportRowError]:
    return ImportRowError.objects.filter(data_import=data_import)
