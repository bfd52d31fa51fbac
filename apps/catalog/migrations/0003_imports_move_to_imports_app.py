"""Catalog imports now live in the imports app (one machinery for every module's uploaded tables).

Rows, their per-row errors and the import jobs' kind are copied over with their ids, so links to
imports keep working; then the catalog's own tables go.
"""

from django.db import migrations

TARGET = "catalog.products"
FIELDS = (
    "id",
    "store_id",
    "created_by_id",
    "file",
    "original_name",
    "file_format",
    "size",
    "encoding",
    "delimiter",
    "headers",
    "preview_rows",
    "column_mapping",
    "status",
    "job_id",
    "total_rows",
    "valid_rows",
    "error_rows",
    "created_count",
    "updated_count",
    "error",
    "created_at",
    "updated_at",
)


def copy_imports(apps, schema_editor):
    CatalogImport = apps.get_model("catalog", "CatalogImport")
    CatalogRowError = apps.get_model("catalog", "ImportRowError")
    DataImport = apps.get_model("imports", "DataImport")
    ImportRowError = apps.get_model("imports", "ImportRowError")
    Job = apps.get_model("jobs", "Job")
    for old in CatalogImport.objects.all().iterator():
        values = {name: getattr(old, name) for name in FIELDS}
        # The validated rows were spooled next to the upload under this name.
        spool = f"{old.file.name}.rows.jsonl" if old.file else ""
        DataImport.objects.create(target=TARGET, spool=spool, **values)
    batch = []
    for error in CatalogRowError.objects.all().iterator():
        batch.append(
            ImportRowError(
                data_import_id=error.catalog_import_id,
                row_number=error.row_number,
                column=error.column,
                reason=error.reason,
                raw=error.raw,
            )
        )
        if len(batch) >= 1000:
            ImportRowError.objects.bulk_create(batch)
            batch = []
    ImportRowError.objects.bulk_create(batch)
    for job in Job.objects.filter(kind="catalog.import"):
        job.params = {"import": job.params.get("catalog_import"), "fields": job.params.get("fields", [])}
        job.kind = "imports.rows"
        job.save(update_fields=["kind", "params"])
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('imports_dataimport', 'id'), "
                "COALESCE((SELECT MAX(id) FROM imports_dataimport), 0) + 1, false)"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_import_validating"),
        ("imports", "0001_initial"),
        ("jobs", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_imports, migrations.RunPython.noop),
        migrations.RemoveField(model_name="importrowerror", name="catalog_import"),
        migrations.DeleteModel(name="CatalogImport"),
        migrations.DeleteModel(name="ImportRowError"),
    ]
