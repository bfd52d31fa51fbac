"""A job kind used by the job tests, registered through settings.JOBS_HANDLER_MODULES.

``test.square`` squares each item's number. Options in the job's params: ``sleep`` seconds per
item, ``fail`` numbers that fail permanently, ``flaky`` numbers that fail once with a transient
error, ``log_path`` a file each call of process_item appends to. Its effect (applied once per
item) is an audit event, so the tests can count effects in the database.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from apps.accounts.actor import Actor
from apps.accounts.services import audit_record
from apps.jobs.models import Job, JobItem
from apps.jobs.registry import ItemError, JobKind, TransientItemError, register_job_kind


@register_job_kind("test.square", queue="default", chunk_size=3)
class SquareNumbers(JobKind):
    def process_item(self, job: Job, item: JobItem) -> dict[str, Any]:
        number = int(item.payload["n"])
        log_path = job.params.get("log_path")
        if log_path:
            with Path(log_path).open("a") as log:
                log.write(f"{number}\n")
        time.sleep(float(job.params.get("sleep", 0)))
        if number in job.params.get("fail", []):
            raise ItemError(f"{number} is not allowed")
        if number in job.params.get("flaky", []) and item.attempts < 2:
            raise TransientItemError("busy, try again")
        return {"square": number * number}

    def apply_result(self, job: Job, item: JobItem, result: dict[str, Any]) -> None:
        audit_record(
            actor=Actor.system(),
            action="test.square_applied",
            store=job.store,
            metadata={"job": job.pk, "n": item.payload["n"], "square": result["square"]},
        )
