"""Catalog writes: products, catalog imports, brand voices, descriptions and their review."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core import text as text_hygiene
from apps.core.errors import ApplicationError, ConflictError
from apps.jobs.models import Job
from apps.jobs.services import job_create

from . import conf, importing
from .models import CatalogImport, ImportRowError, Product

logger = logging.getLogger(__name__)

PRODUCT_EDITABLE_FIELDS = (
    "sku",
    "title",
    "category",
    "brand",
    "price",
    "currency",
    "attributes",
    "image_urls",
    "language",
    "status",
)
IMPORT_JOB_KIND = "catalog.import"
ERROR_BULK_SIZE = 1000


# --- products ---------------------------------------------------------------------------------


def _clean_product_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(PRODUCT_EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown product fields: {', '.join(sorted(unknown))}.", code="invalid")
    cleaned = dict(fields)
    for name in ("sku", "title", "category", "brand"):
        if name in cleaned:
            cleaned[name] = importing.clean_text(str(cleaned[name] or ""))
    if "sku" in cleaned:
        cleaned["sku"] = text_hygiene.clean_identifier(cleaned["sku"])
    if "sku" in cleaned and (not cleaned["sku"] or any(ch.isspace() for ch in cleaned["sku"])):
        raise ApplicationError("A SKU is required and cannot contain spaces.", code="invalid_sku")
    if "title" in cleaned and not cleaned["title"]:
        raise ApplicationError("A title is required.", code="invalid_title")
    if "attributes" in cleaned:
        cleaned["attributes"] = {
            importing.clean_text(str(key)): importing.clean_text(str(value))
            for key, value in (cleaned["attributes"] or {}).items()
            if importing.clean_text(str(key)) and importing.clean_text(str(value))
        }
    return cleaned


@transaction.atomic
def product_create(*, store: Store, actor: Actor, sku: str, title: str, **fields: Any) -> Product:
    cleaned = _clean_product_fields({"sku": sku, "title": title, **fields})
    if not cleaned.get("currency") and cleaned.get("price") is not None:
        cleaned["currency"] = store.currency
    if "language" not in cleaned:
        cleaned["language"] = "zh" if importing.looks_chinese(cleaned["title"]) else store.default_language
    try:
        with transaction.atomic():
            product = Product.objects.create(store=store, **cleaned)
    except IntegrityError:
        raise ConflictError(
            f"A product with SKU {cleaned['sku']!r} already exists.", code="duplicate_sku"
        ) from None
    audit_record(actor=actor, action="catalog.product_created", store=store, target=product)
    return product


@transaction.atomic
def product_update(*, product: Product, actor: Actor, **fields: Any) -> Product:
    cleaned = _clean_product_fields(fields)
    changed = [name for name, value in cleaned.items() if getattr(product, name) != value]
    for name in changed:
        setattr(product, name, cleaned[name])
    if changed:
        try:
            with transaction.atomic():
                product.save(update_fields=[*changed, "updated_at"])
        except IntegrityError:
            raise ConflictError(
                f"A product with SKU {product.sku!r} already exists.", code="duplicate_sku"
            ) from None
        audit_record(
            actor=actor,
            action="catalog.product_updated",
            store=product.store,
            target=product,
            metadata={"fields": changed},
        )
    return product


@transaction.atomic
def product_delete(*, product: Product, actor: Actor) -> None:
    audit_record(
        actor=actor,
        action="catalog.product_deleted",
        store=product.store,
        target=product,
        metadata={"sku": product.sku},
    )
    product.delete()


def products_upsert(*, store: Store, rows: list[dict[str, Any]], fields: Iterable[str]) -> tuple[int, int]:
    """Insert or update products by SKU in one statement; returns (created, updated).

    Only ``fields`` are written on products that exist, so an import that has no brand column
    leaves brands alone. SKUs must be unique within ``rows``.
    """
    if not rows:
        return 0, 0
    skus = [row["sku"] for row in rows]
    existing = set(Product.objects.filter(store=store, sku__in=skus).values_list("sku", flat=True))
    update_fields = [*sorted((set(fields) & set(PRODUCT_EDITABLE_FIELDS)) - {"sku"}), "updated_at"]
    Product.objects.bulk_create(
        [Product(store=store, **row) for row in rows],
        update_conflicts=True,
        unique_fields=["store", "sku"],
        update_fields=update_fields,
    )
    return len(rows) - len(existing), len(existing)


# --- catalog imports ---------------------------------------------------------------------------


def catalog_import_create(*, store: Store, upload: UploadedFile, actor: Actor) -> CatalogImport:
    """Keep an uploaded CSV / XLSX file and read its header and first rows for the mapping preview."""
    limit = conf.import_max_bytes()
    if upload.size is None or upload.size == 0:
        raise importing.FileRejected("The file is empty.", code="empty_file")
    if upload.size > limit:
        raise importing.FileTooLarge(
            f"The file is {upload.size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB. "
            "Split it into smaller files.",
            details={"size": upload.size, "limit": limit},
        )
    head = upload.read(8192)
    upload.seek(0)
    file_format = importing.detect_format(filename=upload.name or "", head=head)
    catalog_import = CatalogImport(
        store=store,
        created_by=actor.user_or_none,
        original_name=(upload.name or "upload")[:255],
        file_format=file_format,
        size=upload.size,
    )
    catalog_import.file.save(f"{uuid.uuid4().hex}.{file_format}", upload, save=False)
    try:
        _read_preview(catalog_import)
    except importing.FileRejected:
        catalog_import.file.delete(save=False)
        raise
    with transaction.atomic():
        catalog_import.save()
        audit_record(
            actor=actor,
            action="catalog.import_uploaded",
            store=store,
            target=catalog_import,
            metadata={"name": catalog_import.original_name, "size": upload.size, "format": file_format},
        )
    return catalog_import


def _read_preview(catalog_import: CatalogImport, *, keep_mapping: bool = False) -> None:
    path = Path(catalog_import.file.path)
    if catalog_import.file_format == "csv":
        if not catalog_import.encoding:
            catalog_import.encoding = importing.detect_encoding(path)
        if not catalog_import.delimiter:
            catalog_import.delimiter = importing.sniff_delimiter(path, catalog_import.encoding)
    rows = importing.iter_rows(
        path=path,
        file_format=catalog_import.file_format,
        encoding=catalog_import.encoding,
        delimiter=catalog_import.delimiter,
    )
    header = None
    preview: list[list[str]] = []
    for row in rows:
        if header is None:
            if not any(cell.strip() for cell in row.cells):
                continue
            header = importing.clean_headers(row.cells)
            continue
        if any(cell.strip() for cell in row.cells):
            preview.append([importing.clean_text(cell)[:200] for cell in row.cells[: len(header)]])
        if len(preview) >= importing.PREVIEW_ROWS:
            break
    if header is None:
        raise importing.FileRejected("The file has no header row.", code="empty_file")
    catalog_import.headers = header
    catalog_import.preview_rows = preview
    if not keep_mapping or set(catalog_import.column_mapping) != set(header):
        catalog_import.column_mapping = importing.auto_mapping(header)


def catalog_import_set_options(
    *,
    catalog_import: CatalogImport,
    actor: Actor,
    encoding: str | None = None,
    delimiter: str | None = None,
    mapping: dict[str, str] | None = None,
) -> CatalogImport:
    """Override the detected encoding or delimiter (the preview is read again) or the column mapping."""
    if catalog_import.status != CatalogImport.Status.UPLOADED:
        raise ApplicationError("This import has already started.", code="import_started")
    if catalog_import.file_format == "csv" and (encoding or delimiter):
        if encoding:
            catalog_import.encoding = importing.normalise_encoding(encoding)
        if delimiter:
            catalog_import.delimiter = delimiter[:1]
        _read_preview(catalog_import, keep_mapping=True)
    if mapping is not None:
        catalog_import.column_mapping = importing.validate_mapping(
            headers=catalog_import.headers, mapping=mapping
        )
    catalog_import.save()
    return catalog_import


def _spool_path(catalog_import: CatalogImport) -> Path:
    return Path(catalog_import.file.path).with_suffix(".rows.jsonl")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def catalog_import_start(
    *,
    catalog_import: CatalogImport,
    actor: Actor,
    mapping: dict[str, str] | None = None,
    parallelism: int = 1,
) -> CatalogImport:
    """Fix the column mapping and validate every row, then import the good rows as a Job.

    Small files are validated here, so their report is there at once; larger ones are validated
    by a task on the default queue (the import shows "validating" meanwhile).
    """
    final_mapping = importing.validate_mapping(
        headers=catalog_import.headers,
        mapping=mapping if mapping is not None else catalog_import.column_mapping,
    )
    claimed = CatalogImport.objects.filter(pk=catalog_import.pk, status=CatalogImport.Status.UPLOADED).update(
        status=CatalogImport.Status.VALIDATING, column_mapping=final_mapping
    )
    if not claimed:
        raise ApplicationError("This import has already started.", code="import_started")
    audit_record(
        actor=actor, action="catalog.import_started", store=catalog_import.store, target=catalog_import
    )
    if catalog_import.size <= conf.import_inline_max_bytes():
        try:
            return catalog_import_prepare(
                catalog_import_id=catalog_import.pk, actor=actor, parallelism=parallelism
            )
        except importing.FileRejected:
            CatalogImport.objects.filter(pk=catalog_import.pk).update(status=CatalogImport.Status.UPLOADED)
            raise
    from .tasks import catalog_import_prepare_task

    user_id = getattr(actor.user_or_none, "pk", None)
    import_id = catalog_import.pk
    transaction.on_commit(
        lambda: catalog_import_prepare_task.apply_async(
            args=(import_id, user_id, parallelism), queue="default"
        )
    )
    catalog_import.refresh_from_db()
    return catalog_import


# An import still validating after this long lost its worker; validation of the largest allowed
# file takes minutes, so this is kept well above it.
IMPORT_VALIDATION_STALE_AFTER = timedelta(minutes=30)


def catalog_import_recover_stale() -> list[int]:
    """Queue the validation again for imports whose validating task was lost with its worker."""
    from .tasks import catalog_import_prepare_task

    now = timezone.now()
    stale_after = max(IMPORT_VALIDATION_STALE_AFTER, timedelta(seconds=settings.JOBS_LEASE_SECONDS))
    stale = CatalogImport.objects.filter(
        status=CatalogImport.Status.VALIDATING, job__isnull=True, updated_at__lt=now - stale_after
    )
    recovered = []
    for catalog_import in stale:
        # Claim the re-queue by moving updated_at, so the next beat tick does not queue it again.
        if CatalogImport.objects.filter(pk=catalog_import.pk, updated_at=catalog_import.updated_at).update(
            updated_at=now
        ):
            import_id = catalog_import.pk
            transaction.on_commit(
                lambda import_id=import_id: catalog_import_prepare_task.apply_async(  # type: ignore[misc]
                    args=(import_id, None, 1), queue="default"
                )
            )
            recovered.append(import_id)
    if recovered:
        logger.info("re-queued the validation of stale catalog imports %s", recovered)
    return recovered


def catalog_import_prepare(*, catalog_import_id: int, actor: Actor, parallelism: int = 1) -> CatalogImport:
    """Validate every row once (streaming), record per-row errors, and queue the good rows as an import Job.

    Good rows are written, normalised, to a spool file next to the upload; the job's items are
    blocks of that file (byte offset and row count), each upserted in one statement.
    """
    catalog_import = CatalogImport.objects.select_related("store").get(pk=catalog_import_id)
    if catalog_import.status != CatalogImport.Status.VALIDATING or catalog_import.job_id:
        return catalog_import  # validated already
    try:
        blocks, counts, fields = _prepare(catalog_import, catalog_import.column_mapping)
    except importing.FileRejected as error:
        CatalogImport.objects.filter(pk=catalog_import.pk).update(
            status=CatalogImport.Status.FAILED, error=error.message
        )
        raise
    store = catalog_import.store
    with transaction.atomic():
        # Two deliveries of the task (or a recovery re-run) may both get here: only one creates the job.
        locked = CatalogImport.objects.select_for_update().get(pk=catalog_import.pk)
        if locked.status != CatalogImport.Status.VALIDATING or locked.job_id:
            return locked
        catalog_import.total_rows, catalog_import.valid_rows, catalog_import.error_rows = counts
        job = job_create(
            store=store,
            kind=IMPORT_JOB_KIND,
            actor=actor,
            parallelism=parallelism,
            title=f"Import {catalog_import.original_name}"[:200],
            params={"catalog_import": catalog_import.pk, "fields": sorted(fields)},
            items=((f"rows {block['first_row']}-{block['last_row']}", block) for block in blocks),
        )
        catalog_import.job = job
        catalog_import.status = CatalogImport.Status.IMPORTING if blocks else CatalogImport.Status.FINISHED
        catalog_import.save()
        audit_record(
            actor=actor,
            action="catalog.import_validated",
            store=store,
            target=catalog_import,
            metadata={"rows": counts[0], "valid": counts[1], "errors": counts[2], "job": job.pk},
        )
    return catalog_import


def _prepare(
    catalog_import: CatalogImport, mapping: dict[str, str]
) -> tuple[list[dict[str, int]], tuple[int, int, int], set[str]]:
    store = catalog_import.store
    validator = importing.RowValidator(
        headers=catalog_import.headers,
        mapping=mapping,
        default_currency=store.currency,
        default_language=store.default_language,
    )
    fields = set(validator.fields) | ({"attributes"} if validator.has_attributes else set())
    fields |= {"currency", "language", "status"}  # always resolved, from the row or the store's defaults
    block_rows = conf.import_block_rows()
    max_rows = conf.import_max_rows()
    ImportRowError.objects.filter(catalog_import=catalog_import).delete()
    first_seen: dict[str, int] = {}
    errors: list[ImportRowError] = []
    blocks: list[dict[str, int]] = []
    total = valid = failed = 0
    header_seen = False
    block: dict[str, int] | None = None

    def add_error(row_number: int, column: str, reason: str, cells: list[str]) -> None:
        errors.append(
            ImportRowError(
                catalog_import=catalog_import,
                row_number=row_number,
                column=column[:200],
                reason=reason[:500],
                raw=[importing.clean_text(c)[:1000] for c in cells[:100]],
            )
        )
        if len(errors) >= ERROR_BULK_SIZE:
            ImportRowError.objects.bulk_create(errors)
            errors.clear()

    spool = _spool_path(catalog_import)
    with spool.open("w", encoding="utf-8") as out:
        offset = 0
        rows = importing.iter_rows(
            path=Path(catalog_import.file.path),
            file_format=catalog_import.file_format,
            encoding=catalog_import.encoding,
            delimiter=catalog_import.delimiter,
        )
        for row in rows:
            if not header_seen:
                header_seen = any(cell.strip() for cell in row.cells)
                continue
            if not row.error and not any(cell.strip() for cell in row.cells):
                continue  # blank lines between rows are common in spreadsheets
            total += 1
            if total > max_rows:
                raise importing.FileRejected(
                    f"The file has more than {max_rows} rows; split it.", code="too_many_rows"
                )
            if row.error:
                add_error(row.number, "", row.error, row.cells)
                failed += 1
                continue
            result = validator.validate(row.cells)
            if result.values is None:
                for column, reason in result.errors:
                    add_error(row.number, column, reason, row.cells)
                failed += 1
                continue
            sku = result.values["sku"]
            if sku in first_seen:
                add_error(
                    row.number,
                    validator._header_of("sku"),
                    f"Duplicate SKU {sku!r}: row {first_seen[sku]} has it too and was imported; "
                    "this row was skipped.",
                    row.cells,
                )
                failed += 1
                continue
            first_seen[sku] = row.number
            line = json.dumps(result.values, ensure_ascii=False, default=_json_default) + "\n"
            if block is None or block["count"] >= block_rows:
                block = {"offset": offset, "count": 0, "first_row": row.number, "last_row": row.number}
                blocks.append(block)
            block["count"] += 1
            block["last_row"] = row.number
            out.write(line)
            offset += len(line.encode("utf-8"))
            valid += 1
    if errors:
        ImportRowError.objects.bulk_create(errors)
    if not header_seen:
        raise importing.FileRejected("The file has no header row.", code="empty_file")
    return blocks, (total, valid, failed), fields


def catalog_import_read_block(
    *, catalog_import: CatalogImport, offset: int, count: int
) -> list[dict[str, Any]]:
    rows = []
    with _spool_path(catalog_import).open("rb") as spool:
        spool.seek(offset)
        for _ in range(count):
            line = spool.readline()
            if not line:
                break
            values = json.loads(line)
            if values.get("price") is not None:
                values["price"] = Decimal(values["price"])
            rows.append(values)
    return rows


def catalog_import_count_block(*, catalog_import_id: int, created: int, updated: int) -> None:
    CatalogImport.objects.filter(pk=catalog_import_id).update(
        created_count=F("created_count") + created, updated_count=F("updated_count") + updated
    )


def catalog_import_finish(*, job: Job) -> None:
    catalog_import = CatalogImport.objects.filter(job=job).first()
    if catalog_import is None:
        return
    status = CatalogImport.Status.FAILED if job.status == Job.Status.FAILED else CatalogImport.Status.FINISHED
    CatalogImport.objects.filter(pk=catalog_import.pk).update(status=status)
    audit_record(
        actor=Actor.system(),
        action="catalog.import_finished",
        store=job.store,
        target=catalog_import,
        metadata={"job": job.pk, "status": status},
    )
