"""Review job kinds: classifying reviews (sentiment and aspects) in batches."""

from __future__ import annotations

from typing import Any

from apps import inference
from apps.jobs.models import Job, JobItem
from apps.jobs.registry import ItemError, JobKind, TransientItemError, register_job_kind

from .services import classification


@register_job_kind(classification.CLASSIFY_JOB_KIND, queue="inference", chunk_size=4)
class ClassifyReviews(JobKind):
    """One item is a batch of review ids classified in one batched call; results saved in apply_result."""

    def process_item(self, job: Job, item: JobItem) -> dict[str, Any]:
        try:
            result = classification.reviews_classify_batch(
                store=job.store, review_ids=item.payload["reviews"]
            )
        except inference.TransientInferenceError as error:
            raise TransientItemError(str(error)) from error
        except (inference.ModelNotInstalled, inference.ModelNotFound, inference.InvalidRequest) as error:
            raise ItemError(str(error)) from error
        if not result["reviews"]:
            raise ItemError("None of these reviews exist any more.")
        return result

    def apply_result(self, job: Job, item: JobItem, result: dict[str, Any]) -> None:
        classification.reviews_classification_save(store=job.store, result=result)

    def on_finished(self, job: Job) -> None:
        classification.reviews_classification_finished(job=job)
