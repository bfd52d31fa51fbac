"""Helpers for catalog tests: uploads, generation options, the default generator, running a job here."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from apps import inference
from apps.accounts.models import Store
from apps.catalog import conf
from apps.catalog.services.drafting import generation_options_build
from apps.catalog.text.options import GenerationOptions
from apps.jobs.models import Job
from apps.jobs.services import job_process_chunk


def upload(name: str, content: bytes | str, encoding: str = "utf-8") -> SimpleUploadedFile:
    data = content.encode(encoding) if isinstance(content, str) else content
    return SimpleUploadedFile(name, data)


def run_job(job: Job | int, *, max_rounds: int = 1000) -> Job:
    """Process a job's chunks here until it is finished, as workers would."""
    job_id = job if isinstance(job, int) else job.pk
    for _ in range(max_rounds):
        current = Job.objects.get(pk=job_id)
        if not current.is_active:
            return current
        job_process_chunk(job_id=job_id)
    raise AssertionError("the job did not finish")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def describe_options(store: Store, **values: Any) -> GenerationOptions:
    """Generation options as the API and the forms build them (``brand_voice_id``, ``candidates``...)."""
    return generation_options_build(store=store, **values)


def generator_spec(store: Store) -> inference.ModelSpec:
    """The generator the store's descriptions are drafted with, as the inference client resolves it."""
    return inference.resolve_model(conf.describe_model() or None, task="generate", store=store)
