from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.selectors import queue_statuses
from apps.jobs.models import Job, JobItem
from apps.jobs.selectors import job_progress, job_queue_status


class JobProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    failed = serializers.IntegerField()
    percent = serializers.FloatField()
    rate_per_minute = serializers.FloatField(allow_null=True, help_text="Items finished per minute so far.")
    eta = serializers.DateTimeField(allow_null=True, help_text="Expected finish at the current rate.")
    eta_seconds = serializers.IntegerField(allow_null=True)


class QueueStatusSerializer(serializers.Serializer):
    queue = serializers.CharField(help_text="The Celery queue the job's tasks wait on.")
    state = serializers.ChoiceField(
        choices=["ok", "restarting", "no_worker"],
        help_text=(
            "ok: a worker consumes the queue. restarting: its worker died and is being restarted "
            "(the job goes on once it is back). no_worker: nothing consumes the queue; the job "
            "waits until a worker is started."
        ),
    )
    consumers = serializers.IntegerField(help_text="Workers consuming the queue now.")
    last_seen = serializers.DateTimeField(
        allow_null=True, help_text="Latest heartbeat of any worker that consumed this queue."
    )
    restart_at = serializers.DateTimeField(
        allow_null=True, help_text="When a restarting worker is due to start again."
    )
    message = serializers.CharField(help_text="What is wrong and what to do, in the request's language.")


class JobOutputSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username", default=None, allow_null=True, read_only=True
    )
    progress = serializers.SerializerMethodField()
    queue_status = serializers.SerializerMethodField()

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
            "queue_status",
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

    @extend_schema_field(QueueStatusSerializer(allow_null=True))
    def get_queue_status(self, job: Job) -> dict[str, Any] | None:
        """Whether a worker consumes the job's queue; null once the job has finished."""
        if not job.is_active:
            return None
        # One read of the worker heartbeats per response, however many jobs it lists.
        statuses = self.context.get("queue_statuses")
        if statuses is None:
            statuses = self.context["queue_statuses"] = queue_statuses()
        status = job_queue_status(job=job, statuses=statuses)
        return QueueStatusSerializer(status).data if status is not None else None


class JobItemOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobItem
        fields = ["id", "position", "key", "status", "attempts", "result", "error", "finished_at"]
