"""The reviews' import target: rows of a reviews file become reviews; duplicates are skipped and counted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Store
from apps.imports.targets import ImportTarget, WriteCounts, register_import_target

from .importing import REVIEW_FIELDS, ReviewRowValidator
from .services.reviews import reviews_write_rows


@register_import_target
class ReviewImport(ImportTarget):
    name = "reviews.reviews"
    label = _("Reviews")
    audit_prefix = "reviews"
    fields = REVIEW_FIELDS
    key_field = "external_id"
    key_label = "review id"
    dashboard_namespace = "reviews"
    list_template = "reviews/import_list.html"
    detail_template = "reviews/import_detail.html"

    def row_validator(
        self, *, store: Store, headers: list[str], mapping: dict[str, str]
    ) -> ReviewRowValidator:
        return ReviewRowValidator(headers=headers, mapping=mapping)

    def write_rows(self, *, store: Store, rows: list[dict[str, Any]], fields: Sequence[str]) -> WriteCounts:
        created, skipped = reviews_write_rows(store=store, rows=rows)
        return WriteCounts(created=created, skipped=skipped)
