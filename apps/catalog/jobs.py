"""Catalog job kinds: generating descriptions for a selection of products."""

from __future__ import annotations

from typing import Any

from apps import inference
from apps.jobs.models import Job, JobItem
from apps.jobs.registry import ItemError, JobKind, TransientItemError, register_job_kind

from .services import drafting
from .text.options import GenerationOptions


@register_job_kind(drafting.DESCRIBE_JOB_KIND, queue="inference", chunk_size=1)
class DescribeProducts(JobKind):
    """One item is a batch of products generated in one batched call; drafts are saved in apply_result."""

    def process_item(self, job: Job, item: JobItem) -> dict[str, Any]:
        try:
            result = drafting.descriptions_generate_batch(
                store=job.store,
                product_ids=item.payload["products"],
                options=GenerationOptions.from_dict(job.params["options"]),
            )
        except inference.TransientInferenceError as error:
            raise TransientItemError(str(error)) from error
        except (inference.ModelNotInstalled, inference.ModelNotFound, inference.InvalidRequest) as error:
            raise ItemError(str(error)) from error
        if not result["products"]:
            raise ItemError("None of these products exist any more.")
        return result

    def apply_result(self, job: Job, item: JobItem, result: dict[str, Any]) -> None:
        drafting.descriptions_batch_save(job=job, result=result)
