from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.jobs.models import Job, JobItem
from apps.jobs.selectors import job_progress


class JobProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    failed = serializers.IntegerField()
    percent = serializers.FloatField()
    rate_per_minute = serializers.FloatField(allow_null=True, help_text="Items finished per minute so far.")
    eta = serializers.DateTimeField(allow_null=True, help_text="Expected finish at the current rate.")
    eta_seconds = serializers.IntegerField(allow_null=True)


class JobOutputSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username", default=None, allow_null=True, read_only=True
    )
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "title",
            "status",
            "params",
            "total",
            "done_count",
            "failed_count",
            "progress",
            "error",
            "result",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]

    @extend_schema_field(JobProgressSerializer)
    def get_progress(self, job: Job) -> dict[str, Any]:
        return JobProgressSerializer(job_progress(job=job)).data


class JobItemOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobItem
        fields = ["id", "position", "key", "status", "attempts", "result", "error", "finished_at"]
