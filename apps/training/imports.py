"""The model loop's import target: a file of labelled reviews becomes the store's review labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Store
from apps.core.errors import ApplicationError
from apps.imports.targets import IGNORE, ImportTarget, WriteCounts, register_import_target

from .importing import LABEL_FIELDS, LabelRowValidator
from .selectors import review_label_find
from .services.labels import review_labels_write_rows


@register_import_target
class ReviewLabelImport(ImportTarget):
    name = "training.review_labels"
    label = _("Review labels")
    audit_prefix = "training.labels"
    fields = LABEL_FIELDS
    key_field = "external_id"
    key_label = "review"
    dashboard_namespace = "training"
    list_template = "training/label_import_list.html"
    detail_template = "training/label_import_detail.html"

    def validate_mapping(self, *, headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
        complete = super().validate_mapping(headers=headers, mapping=mapping)
        mapped = {target for target in complete.values() if target != IGNORE}
        if "external_id" not in mapped and not {"sku", "text"} <= mapped:
            raise ApplicationError(
                "Map a review id column, or both a SKU and a review text column.", code="invalid_mapping"
            )
        return complete

    def row_validator(
        self, *, store: Store, headers: list[str], mapping: dict[str, str]
    ) -> LabelRowValidator:
        def find(external_id: str, source: str, sku: str, text: str) -> list[int] | str:
            return review_label_find(store=store, external_id=external_id, source=source, sku=sku, text=text)

        return LabelRowValidator(headers=headers, mapping=mapping, find=find)

    def write_rows(self, *, store: Store, rows: list[dict[str, Any]], fields: Sequence[str]) -> WriteCounts:
        created, updated, skipped = review_labels_write_rows(store=store, rows=rows)
        return WriteCounts(created=created, updated=updated, skipped=skipped)
