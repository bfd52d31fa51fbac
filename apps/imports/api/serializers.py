from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.imports.models import DataImport, ImportRowError
from apps.imports.targets import get_import_target


class ImportRowErrorOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRowError
        fields = ["row_number", "column", "reason", "raw"]


class ImportProfileSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label


class ImportOutputSerializer(serializers.ModelSerializer):
    profiles = serializers.SerializerMethodField(help_text="The file formats this import may be read as.")
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
            "profile",
            "profile_detected",
            "profiles",
            "header_index",
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

    @extend_schema_field(ImportProfileSerializer(many=True))
    def get_profiles(self, data_import: DataImport) -> list[dict[str, str]]:
        target = get_import_target(data_import.target)
        return [{"name": name, "label": str(label)} for name, label in target.profile_choices()]


class ImportCreateInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .csv (UTF-8, UTF-8 with BOM, GBK or GB18030) or .xlsx file.")


class ImportUpdateInputSerializer(serializers.Serializer):
    encoding = serializers.CharField(max_length=32, required=False, help_text="e.g. utf-8, gbk, gb18030")
    delimiter = serializers.ChoiceField(choices=[",", ";", "\t", "|"], required=False)
    profile = serializers.CharField(
        max_length=32,
        required=False,
        help_text="Read the file as this format (see profiles): its header row and mapping are found again.",
    )
    column_mapping = serializers.DictField(
        child=serializers.CharField(max_length=80),
        required=False,
        help_text="Header -> a field of the import's target, 'attribute:<name>' (where the target keeps "
        "free attributes) or 'ignore'.",
    )


class ImportStartInputSerializer(serializers.Serializer):
    column_mapping = serializers.DictField(child=serializers.CharField(max_length=80), required=False)
