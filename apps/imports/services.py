"""Import writes: upload and preview, column mapping, validating every row once, and the import job.

The same for every import target (``targets.py``): a file is kept through Django's storage,
previewed, mapped, then validated row by row in one streaming pass. Rejected rows are recorded
with their reasons; good rows are spooled, normalised, as JSON lines beside the upload, and a
job writes them in blocks (byte offset and row count), each block in one statement.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError
from apps.core.tasks import enqueue_on_commit
from apps.core.text import clean_text
from apps.jobs.models import Job
from apps.jobs.services import job_create

from . import conf, reading, validation
from .models import DataImport
from .profiles import GENERIC, detect_header
from .targets import get_import_target

logger = logging.getLogger(__name__)

IMPORT_JOB_KIND = "imports.rows"
PREPARE_TASK = "imports.prepare"
# An import still validating after this long lost its worker; validation of the largest allowed
# file takes minutes, so this is kept well above it.
VALIDATION_STALE_AFTER = timedelta(minutes=30)


def _audit(
    data_import: DataImport, action: str, actor: Actor, metadata: dict[str, Any] | None = None
) -> None:
    prefix = get_import_target(data_import.target).audit_prefix
    audit_record(
        actor=actor,
        action=f"{prefix}.{action}",
        store=data_import.store,
        target=data_import,
        metadata=metadata,
    )


# --- upload and preview -------------------------------------------------------------------------


def import_create(*, store: Store, target: str, upload: UploadedFile, actor: Actor) -> DataImport:
    """Keep an uploaded CSV / XLSX file and read its header and first rows for the mapping preview."""
    get_import_target(target)  # a programming error, not the caller's, if unknown
    limit = conf.max_bytes()
    if upload.size is None or upload.size == 0:
        raise reading.FileRejected("The file is empty.", code="empty_file")
    if upload.size > limit:
        raise reading.FileTooLarge(
            f"The file is {upload.size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB. "
            "Split it into smaller files.",
            details={"size": upload.size, "limit": limit},
        )
    head = upload.read(8192)
    upload.seek(0)
    file_format = reading.detect_format(filename=upload.name or "", head=head)
    data_import = DataImport(
        store=store,
        target=target,
        created_by=actor.user_or_none,
        original_name=(upload.name or "upload")[:255],
        file_format=file_format,
        size=upload.size,
    )
    data_import.file.save(f"{uuid.uuid4().hex}.{file_format}", upload, save=False)
    try:
        _read_preview(data_import)
    except reading.FileRejected:
        data_import.file.delete(save=False)
        raise
    with transaction.atomic():
        data_import.save()
        _audit(
            data_import,
            "import_uploaded",
            actor,
            {"name": data_import.original_name, "size": upload.size, "format": file_format},
        )
    return data_import


def _read_preview(data_import: DataImport, *, keep_mapping: bool = False, profile: str | None = None) -> None:
    """Read the header and the first rows; find the file's profile (or use ``profile``) and its mapping."""
    target = get_import_target(data_import.target)
    rows: list[tuple[int, list[str]]] = []  # (index in the file, cells) of the first non-blank rows
    with data_import.file.open("rb") as handle:
        if data_import.file_format == "csv":
            if not data_import.encoding:
                data_import.encoding = reading.detect_encoding(handle)
            if not data_import.delimiter:
                data_import.delimiter = reading.sniff_delimiter(handle, data_import.encoding)
        for index, row in enumerate(validation.rows_of(data_import, handle)):
            if any(cell.strip() for cell in row.cells):
                rows.append((index, row.cells))
            if len(rows) >= 5 + reading.PREVIEW_ROWS:
                break
    if not rows:
        raise reading.FileRejected("The file has no header row.", code="empty_file")
    # Only the header may not be wider than MAX_COLUMNS; candidates are compared on their first columns.
    cleaned_rows = [(index, reading.clean_headers(cells[: reading.MAX_COLUMNS])) for index, cells in rows[:5]]
    header_index, found = detect_header(target.profiles, cleaned_rows, chosen=profile or "")
    header = reading.clean_headers(next(cells for index, cells in rows if index == header_index))
    if profile is None:
        data_import.profile_detected = found.name if found else GENERIC
    changed = (profile is not None and profile != data_import.profile) or header != data_import.headers
    data_import.profile = found.name if found else GENERIC
    data_import.header_index = header_index
    data_import.headers = header
    data_import.preview_rows = [
        [clean_text(cell)[:200] for cell in cells[: len(header)]]
        for index, cells in rows
        if index > header_index
    ][: reading.PREVIEW_ROWS]
    if not keep_mapping or changed or set(data_import.column_mapping) != set(header):
        data_import.column_mapping = target.mapping_for(header, data_import.profile)


def import_set_options(
    *,
    data_import: DataImport,
    actor: Actor,
    encoding: str | None = None,
    delimiter: str | None = None,
    mapping: dict[str, str] | None = None,
    profile: str | None = None,
) -> DataImport:
    """Override the detected encoding, delimiter or file profile (the preview is read again) or the mapping.

    A new profile proposes its own mapping (and finds its own header row).
    """
    if data_import.status != DataImport.Status.UPLOADED:
        raise ApplicationError("This import has already started.", code="import_started")
    if profile is not None:
        profile = profile or GENERIC
        get_import_target(data_import.target).profile_get(profile)  # refuses unknown names
    if data_import.file_format == "csv" and (encoding or delimiter):
        if encoding:
            data_import.encoding = reading.normalise_encoding(encoding)
        if delimiter:
            data_import.delimiter = delimiter[:1]
    if (data_import.file_format == "csv" and (encoding or delimiter)) or profile is not None:
        _read_preview(
            data_import,
            keep_mapping=True,
            profile=profile if profile is not None else data_import.profile or GENERIC,
        )
    if mapping is not None:
        data_import.column_mapping = get_import_target(data_import.target).validate_mapping(
            headers=data_import.headers, mapping=mapping
        )
    data_import.save()
    return data_import


# --- starting, validating, recovering -----------------------------------------------------------


def import_start(
    *, data_import: DataImport, actor: Actor, mapping: dict[str, str] | None = None, parallelism: int = 1
) -> DataImport:
    """Fix the column mapping and validate every row, then import the good rows as a Job.

    Small files are validated here, so their report is there at once; larger ones are validated
    by a task on the default queue (the import shows "validating" meanwhile).
    """
    final_mapping = get_import_target(data_import.target).validate_mapping(
        headers=data_import.headers,
        mapping=mapping if mapping is not None else data_import.column_mapping,
    )
    claimed = DataImport.objects.filter(pk=data_import.pk, status=DataImport.Status.UPLOADED).update(
        status=DataImport.Status.VALIDATING, column_mapping=final_mapping
    )
    if not claimed:
        raise ApplicationError("This import has already started.", code="import_started")
    _audit(data_import, "import_started", actor)
    if data_import.size <= conf.inline_max_bytes():
        try:
            return import_prepare(import_id=data_import.pk, actor=actor, parallelism=parallelism)
        except reading.FileRejected:
            DataImport.objects.filter(pk=data_import.pk).update(status=DataImport.Status.UPLOADED)
            raise
    user_id = getattr(actor.user_or_none, "pk", None)
    enqueue_on_commit(PREPARE_TASK, args=(data_import.pk, user_id, parallelism), queue="default")
    data_import.refresh_from_db()
    return data_import


def import_recover_stale() -> list[int]:
    """Queue the validation again for imports whose validating task was lost with its worker."""
    now = timezone.now()
    stale_after = max(VALIDATION_STALE_AFTER, timedelta(seconds=settings.JOBS_LEASE_SECONDS))
    stale = DataImport.objects.filter(
        status=DataImport.Status.VALIDATING, job__isnull=True, updated_at__lt=now - stale_after
    )
    recovered = []
    for data_import in stale:
        # Claim the re-queue by moving updated_at, so the next beat tick does not queue it again.
        if DataImport.objects.filter(pk=data_import.pk, updated_at=data_import.updated_at).update(
            updated_at=now
        ):
            enqueue_on_commit(PREPARE_TASK, args=(data_import.pk, None, 1), queue="default")
            recovered.append(data_import.pk)
    if recovered:
        logger.info("re-queued the validation of stale imports %s", recovered)
    return recovered


def import_prepare(*, import_id: int, actor: Actor, parallelism: int = 1) -> DataImport:
    """Validate every row once (streaming), record per-row errors, queue the good rows as an import Job."""
    data_import = DataImport.objects.select_related("store").get(pk=import_id)
    if data_import.status != DataImport.Status.VALIDATING or data_import.job_id:
        return data_import  # validated already
    try:
        blocks, counts, fields, spool = validation.validate_rows(data_import)
    except reading.FileRejected as error:
        DataImport.objects.filter(pk=data_import.pk).update(
            status=DataImport.Status.FAILED, error=error.message
        )
        raise
    with transaction.atomic():
        # Two deliveries of the task (or a recovery re-run) may both get here: only one creates the job.
        locked = DataImport.objects.select_for_update().get(pk=data_import.pk)
        if locked.status != DataImport.Status.VALIDATING or locked.job_id:
            transaction.on_commit(lambda: default_storage.delete(spool))
            return locked
        data_import.total_rows, data_import.valid_rows, data_import.error_rows = counts
        data_import.spool = spool
        job = job_create(
            store=data_import.store,
            kind=IMPORT_JOB_KIND,
            actor=actor,
            parallelism=parallelism,
            title=f"Import {data_import.original_name}"[:200],
            params={"import": data_import.pk, "fields": sorted(fields)},
            items=((f"rows {block['first_row']}-{block['last_row']}", block) for block in blocks),
        )
        data_import.job = job
        data_import.status = DataImport.Status.IMPORTING if blocks else DataImport.Status.FINISHED
        data_import.save()
        _audit(
            data_import,
            "import_validated",
            actor,
            {"rows": counts[0], "valid": counts[1], "errors": counts[2], "job": job.pk},
        )
    return data_import


# --- the import job -----------------------------------------------------------------------------


def import_read_block(*, data_import: DataImport, offset: int, count: int) -> list[dict[str, Any]]:
    """A block of spooled records; FileNotFoundError when the spool is gone."""
    if not data_import.spool or not default_storage.exists(data_import.spool):
        raise FileNotFoundError(data_import.spool)
    rows = []
    with default_storage.open(data_import.spool, "rb") as spool:
        spool.seek(offset)
        for _ in range(count):
            line = spool.readline()
            if not line:
                break
            rows.append(json.loads(line))
    return rows


def import_count_block(*, import_id: int, created: int, updated: int, skipped: int) -> None:
    DataImport.objects.filter(pk=import_id).update(
        created_count=F("created_count") + created,
        updated_count=F("updated_count") + updated,
        skipped_count=F("skipped_count") + skipped,
    )


def import_finish(*, job: Job) -> None:
    data_import = DataImport.objects.filter(job=job).first()
    if data_import is None:
        return
    status = DataImport.Status.FAILED if job.status == Job.Status.FAILED else DataImport.Status.FINISHED
    DataImport.objects.filter(pk=data_import.pk).update(status=status)
    _audit(data_import, "import_finished", Actor.system(), {"job": job.pk, "status": status})
