"""Helpers for catalog tests: uploads, and running a job's chunks in this process."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

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


def use_fake_inference(monkeypatch: Any) -> Any:
    """Route the catalog's generation through the deterministic fake; returns it (its calls are recorded)."""
    from apps.catalog import generation

    from .fakes import FakeInference

    fake = FakeInference()
    monkeypatch.setattr(generation, "_inference", lambda: fake)
    monkeypatch.setattr(generation, "model_identity", lambda store: ("fake-gen", "test-1"))
    return fake
