"""The training job kind: one item, one run, on the ``training`` queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

from apps.jobs.models import Job, JobItem
from apps.jobs.registry import JobKind, register_job_kind

from .services.runs import RUN_JOB_KIND


@register_job_kind(RUN_JOB_KIND, queue="training", chunk_size=1)
class TrainModel(JobKind):
    """Trains, evaluates and registers one run; a second attempt resumes from the last checkpoint."""

    def process_item(self, job: Job, item: JobItem) -> dict[str, Any]:
        from .services.execution import run_execute  # torch: only in the worker that trains

        return run_execute(
            run_id=int(item.payload["run_id"]),
            item=item,
            lease=timedelta(seconds=self.lease_seconds or settings.JOBS_LEASE_SECONDS),
        )
