"""Support job kinds: re-indexing knowledge (one item per document or FAQ entry)."""

from __future__ import annotations

from typing import Any

from apps import inference
from apps.jobs.models import Job, JobItem
from apps.jobs.registry import ItemError, JobKind, TransientItemError, register_job_kind

from .knowledge import DocumentError
from .services import indexing
from .services.knowledge import REINDEX_JOB_KIND


@register_job_kind(REINDEX_JOB_KIND, queue="inference", chunk_size=4)
class ReindexKnowledge(JobKind):
    """Chunk, embed and store one item's chunks; the chunks are replaced in one transaction (idempotent)."""

    def process_item(self, job: Job, item: JobItem) -> dict[str, Any]:
        key = item.payload["key"]
        try:
            return indexing.index_item(store=job.store, key=key)
        except indexing.NothingToIndex:
            return {"chunks": 0, "deleted": True}
        except inference.TransientInferenceError as error:
            raise TransientItemError(str(error)) from error
        except (inference.InferenceError, DocumentError, ValueError) as error:
            indexing.index_failed(store=job.store, key=key, reason=str(error))
            raise ItemError(str(error)) from error
