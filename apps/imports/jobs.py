"""The import job: each item is one block of validated rows, written by the import's target."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.jobs.models import Job, JobItem
from apps.jobs.registry import ItemError, JobKind, register_job_kind

from . import services
from .models import DataImport
from .targets import get_import_target


@register_job_kind(services.IMPORT_JOB_KIND, queue="default", chunk_size=10)
class ImportRows(JobKind):
    """One item is one block of the import's spooled rows, written in one statement.

    Targets write by upsert (keyed by SKU, say), so running a block twice (a worker killed before
    its result was recorded) duplicates nothing; the import's counters are added in
    ``apply_result``, once per block.
    """

    def process_item(self, job: Job, item: JobItem) -> dict[str, Any]:
        data_import = DataImport.objects.select_related("store").filter(pk=job.params["import"]).first()
        if data_import is None:
            raise ItemError("The import was deleted.")
        try:
            rows = services.import_read_block(
                data_import=data_import, offset=item.payload["offset"], count=item.payload["count"]
            )
        except FileNotFoundError:
            raise ItemError("The import's validated rows are gone; upload the file again.") from None
        target = get_import_target(data_import.target)
        with transaction.atomic():
            counts = target.write_rows(store=data_import.store, rows=rows, fields=job.params["fields"])
        return {
            "rows": len(rows),
            "created": counts.created,
            "updated": counts.updated,
            "skipped": counts.skipped,
        }

    def apply_result(self, job: Job, item: JobItem, result: dict[str, Any]) -> None:
        services.import_count_block(
            import_id=job.params["import"],
            created=result["created"],
            updated=result["updated"],
            skipped=result.get("skipped", 0),
        )

    def on_finished(self, job: Job) -> None:
        services.import_finish(job=job)
