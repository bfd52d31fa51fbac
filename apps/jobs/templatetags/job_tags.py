"""``{% job_queue_status job as status %}``: any page that shows a job's progress also says when
nothing consumes its queue (the catalog's import page includes the same progress fragment)."""

from __future__ import annotations

from django import template

from apps.core.selectors import QueueStatus
from apps.jobs.models import Job
from apps.jobs.selectors import job_queue_status as _job_queue_status

register = template.Library()


@register.simple_tag
def job_queue_status(job: Job) -> QueueStatus | None:
    return _job_queue_status(job=job)
