from django.contrib import admin

from .models import DataImport, ImportRowError


@admin.register(DataImport)
class DataImportAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "store",
        "target",
        "original_name",
        "file_format",
        "encoding",
        "status",
        "total_rows",
        "error_rows",
        "created_at",
    ]
    list_filter = ["target", "status", "file_format"]
    raw_id_fields = ["store", "created_by", "job"]
    readonly_fields = ["headers", "preview_rows", "column_mapping"]


@admin.register(ImportRowError)
class ImportRowErrorAdmin(admin.ModelAdmin):
    list_display = ["data_import", "row_number", "column", "reason"]
    raw_id_fields = ["data_import"]
