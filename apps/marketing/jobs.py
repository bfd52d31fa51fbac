"""Marketing job kinds: copy for every product of a category."""

from __future__ import annotations

from typing import Any

from apps import inference
from apps.jobs.models import Job, JobItem
from apps.jobs.registry import ItemError, JobKind, TransientItemError, register_job_kind

from .models import CopyRequest
from .services import bulk, generation


@register_job_kind(generation.BULK_JOB_KIND, queue="inference", chunk_size=1)
class CopyForCategory(JobKind):
    """One item is a batch of products whose prompts go to the model in one batched call."""

    def process_item(self, job: Job, item: JobItem) -> dict[str, Any]:
        copy_request = CopyRequest.objects.filter(pk=job.params["request"], store=job.store).first()
        if copy_request is None:
            raise ItemError("The copy request no longer exists.")
        try:
            result = bulk.bulk_batch_generate(copy_request=copy_request, product_ids=item.payload["products"])
        except inference.TransientInferenceError as error:
            raise TransientItemError(str(error)) from error
        except (inference.ModelNotInstalled, inference.ModelNotFound, inference.InvalidRequest) as error:
            raise ItemError(str(error)) from error
        if not result["products"]:
            raise ItemError("None of these products exist any more.")
        return result

    def apply_result(self, job: Job, item: JobItem, result: dict[str, Any]) -> None:
        bulk.bulk_batch_save(job=job, result=result)

    def on_finished(self, job: Job) -> None:
        bulk.bulk_finish(job=job)
