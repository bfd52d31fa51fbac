"""Uploaded tables (of any import target) with their column mapping, outcome and per-row errors."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Store
from apps.core.models import TimeStampedModel


def import_upload_path(instance: DataImport, filename: str) -> str:
    return f"imports/{instance.target}/{instance.store_id}/{filename}"


class DataImport(TimeStampedModel):
    """One uploaded CSV / XLSX file: detected format and encoding, the column mapping, and the outcome.

    The file (and the validated rows spooled beside it) live in Django's storage, so the web
    process and the workers that validate and import it need not share a disk.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting for column mapping")
        VALIDATING = "validating", _("Validating rows")
        IMPORTING = "importing", _("Importing")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="imports")
    target = models.CharField(max_length=64, help_text="What the rows become, e.g. catalog.products.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=import_upload_path, max_length=300)
    spool = models.CharField(
        max_length=300, blank=True, help_text="Storage name of the validated rows (JSON lines)."
    )
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=8, choices=Format.choices)
    size = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(
        max_length=32, blank=True, help_text="Detected (CSV only); may be overridden."
    )
    delimiter = models.CharField(max_length=1, blank=True)
    profile = models.CharField(
        max_length=32,
        blank=True,
        help_text="The file format (generic, shopify...), detected from the headers; may be changed.",
    )
    profile_detected = models.CharField(max_length=32, blank=True)
    header_index = models.PositiveIntegerField(
        default=0, help_text="How many rows come before the header row (platform files put lines above it)."
    )
    headers = models.JSONField(default=list, blank=True)
    preview_rows = models.JSONField(default=list, blank=True)
    column_mapping = models.JSONField(
        default=dict, blank=True, help_text="Header -> field, 'attribute:<name>' or 'ignore'."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED, db_index=True)
    job = models.OneToOneField(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="data_import"
    )
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["store", "target", "-created_at"])]

    def __str__(self) -> str:
        return f"import #{self.pk} {self.original_name}"

    def profile_label(self) -> str:
        """The name of the format the file is read as ("Shopify product CSV")."""
        from .targets import get_import_target

        choices = dict(get_import_target(self.target).profile_choices())
        return str(choices.get(self.profile or "generic", self.profile))


class ImportRowError(models.Model):
    """Why one row of an import was not imported."""

    data_import = models.ForeignKey(DataImport, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField(help_text="Row in the file, the header being row 1.")
    column = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=500)
    raw = models.JSONField(default=list, blank=True, help_text="The row's cells as read from the file.")

    class Meta:
        ordering: ClassVar = ["data_import_id", "row_number", "id"]
        indexes: ClassVar = [models.Index(fields=["data_import", "row_number"])]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"
