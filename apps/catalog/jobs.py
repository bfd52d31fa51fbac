"""Catalog job kinds: importing blocks of rows, and generating descriptions."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.jobs.models import Job, JobItem
from apps.jobs.registry import ItemError, JobKind, TransientItemError, register_job_kind

from . import services
from .models import CatalogImport


@register_job_kind(services.IMPORT_JOB_KIND, queue="default", chunk_size=10)
class ImportCatalogRows(JobKind):
    """One item is one block of validated rows in the import's spool file, upserted in one statement.

    The upsert is keyed by SKU, so running a block twice (a worker killed before its result was
    recorded) writes the same products again and duplicates nothing; the import's counters are
    added in ``apply_result``, once per block.
    """

    def process_item(self, job: Job, item: JobItem) -> dict[str, Any]:
        catalog_import = (
            CatalogImport.objects.select_related("store").filter(pk=job.params["catalog_import"]).first()
        )
        if catalog_import is None:
            raise ItemError("The import was deleted.")
        try:
            rows = services.catalog_import_read_block(
                catalog_import=catalog_import, offset=item.payload["offset"], count=item.payload["count"]
            )
        except FileNotFoundError:
            raise ItemError("The import's validated rows are gone; upload the file again.") from None
        with transaction.atomic():
            created, updated = services.products_upsert(
                store=catalog_import.store, rows=rows, fields=job.params["fields"]
            )
        return {"rows": len(rows), "created": created, "updated": updated}

    def apply_result(self, job: Job, item: JobItem, result: dict[str, Any]) -> None:
        services.catalog_import_count_block(
            catalog_import_id=job.params["catalog_import"],
            created=result["created"],
            updated=result["updated"],
        )

    def on_finished(self, job: Job) -> None:
        services.catalog_import_finish(job=job)


@register_job_kind("catalog.describe", queue="inference", chunk_size=1)
class DescribeProducts(JobKind):
    """One item is a batch of products generated in one batched call; drafts are saved in apply_result."""

    def process_item(self, job: Job, item: JobItem) -> dict[str, Any]:
        from apps import inference

        from . import description_services

        try:
            result = description_services.descriptions_generate_batch(
                store=job.store, product_ids=item.payload["products"], options=job.params["options"]
            )
        except inference.TransientInferenceError as error:
            raise TransientItemError(str(error)) from error
        except (inference.ModelNotInstalled, inference.ModelNotFound, inference.InvalidRequest) as error:
            raise ItemError(str(error)) from error
        if not result["products"]:
            raise ItemError("None of these products exist any more.")
        return result

    def apply_result(self, job: Job, item: JobItem, result: dict[str, Any]) -> None:
        from . import description_services

        description_services.descriptions_batch_save(job=job, result=result)
