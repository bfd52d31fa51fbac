from __future__ import annotations

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class WorkerHeartbeat(models.Model):
    """One Celery worker's last sign of life and the queues it consumes.

    Every worker writes its row every ``WORKER_HEARTBEAT_SECONDS`` (apps/core/heartbeat.py), and
    ``serve`` marks a worker it is restarting; the dashboard and the API read them to say whether
    anything is consuming a job's queue. A database row, not a cache key or Celery's own inspection:
    the embedded default has no shared cache between processes and its filesystem broker answers
    broadcasts slowly, while the database is the one thing every process already shares.
    """

    class State(models.TextChoices):
        RUNNING = "running"
        STOPPING = "stopping"
        STOPPED = "stopped"
        RESTARTING = "restarting"

    # Celery's node name, e.g. "embedded@shop-server".
    hostname = models.CharField(max_length=255, unique=True)
    queues = models.JSONField(default=list)
    pid = models.PositiveIntegerField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set by a supervisor restarting the worker: when it starts again, why it stopped, and how many
    # times it stopped within the supervisor's back-off window.
    restart_at = models.DateTimeField(null=True, blank=True)
    exit_reason = models.CharField(max_length=200, blank=True)
    recent_exits = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.hostname} ({self.state})"
