from __future__ import annotations

from rest_framework import serializers

from apps.imports.models import DataImport, ImportRowError


class ImportRowErrorOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRowError
        fields = ["row_number", "column", "reason", "raw"]


class ImportOutputSerializer(serializers.ModelSerializer):
    job = serializers.IntegerField(source="job_id", read_only=True, allow_null=True)
    job_status = serializers.CharField(source="job.status", default=None, read_only=True, allow_null=True)

    class Meta:
        model = DataImport
        fields = [
            "id",
            "original_name",
            "file_format",
            "size",
            "encoding",
            "delimiter",
            "headers",
            "preview_rows",
            "column_mapping",
            "status",
            "job",
            "job_status",
            "total_rows",
            "valid_rows",
            "error_rows",
            "created_count",
            "updated_count",
            "skipped_count",
            "error",
            "created_at",
        ]


class ImportCreateInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .csv (UTF-8, UTF-8 with BOM, GBK or GB18030) or .xlsx file.")


class ImportUpdateInputSerializer(serializers.Serializer):
    encoding = serializers.CharField(max_length=32, required=False, help_text="e.g. utf-8, gbk, gb18030")
    delimiter = serializers.ChoiceField(choices=[",", ";", "\t", "|"], required=False)
    column_mapping = serializers.DictField(
        child=serializers.CharField(max_length=80),
        required=False,
        help_text="Header -> a field of the import's target, 'attribute:<name>' (where the target keeps "
        "free attributes) or 'ignore'.",
    )


class ImportStartInputSerializer(serializers.Serializer):
    column_mapping = serializers.DictField(child=serializers.CharField(max_length=80), required=False)
