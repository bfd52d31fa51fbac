"""Reads every app shares: one object or the domain NotFound, and whether workers consume the queues.

Workers are the installation's, not a store's: every store's jobs share them, so the queue reads
take no store. They expose no host names or process ids, only counts, times and a state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from .errors import NotFound
from .models import WorkerHeartbeat
from .workers import QUEUES

M = TypeVar("M", bound=Model)
# Primary keys are 64-bit: a longer number names nothing (and would overflow the database's integer).
_MAX_ID = 2**63 - 1
NOT_FOUND = gettext_noop("Not found.")  # answered in the reader's language


def get_or_not_found(queryset: QuerySet[M], **lookup: Any) -> M:
    """The one object matching ``lookup`` in an already store-scoped queryset, or the domain NotFound.

    Ids arrive from URLs and query strings: anything that is not a whole number in range is not found
    rather than an error.
    """
    cleaned = {}
    for name, value in lookup.items():
        if name in ("pk", "id") or name.endswith(("_id", "__pk")) or name == "number":
            try:
                number = int(str(value))
            except (TypeError, ValueError):
                raise NotFound(gettext(NOT_FOUND)) from None
            if not 0 < number <= _MAX_ID:
                raise NotFound(gettext(NOT_FOUND))
            value = number
        cleaned[name] = value
    try:
        return queryset.get(**cleaned)
    except queryset.model.DoesNotExist:  # type: ignore[attr-defined]
        raise NotFound(gettext(NOT_FOUND)) from None


# --- workers ------------------------------------------------------------------------------

QueueState = Literal["ok", "restarting", "no_worker"]

# A worker silent for this many heartbeats counts as gone.
MISSED_HEARTBEATS = 3
# A worker still not back this long after its planned restart counts as gone (serve itself may
# have been killed meanwhile); a start takes seconds, loading the models happens later.
RESTART_GRACE = timedelta(minutes=2)


@dataclass(frozen=True)
class QueueStatus:
    queue: str
    state: QueueState
    # Workers consuming the queue now (a fresh heartbeat, not shutting down).
    consumers: int
    # The latest heartbeat of any worker that consumed this queue; None if none ever did.
    last_seen: datetime | None
    # When a restarting worker is due to start again.
    restart_at: datetime | None
    # How a restarting worker stopped ("killed by signal 9 (SIGKILL)") and how often it did lately.
    exit_reason: str
    recent_exits: int

    @property
    def message(self) -> str:
        """What a person should know and do, in the active language; empty when all is well."""
        if self.state == "ok":
            return ""
        if self.state == "restarting":
            # "10 minutes" is serve's back-off window (apps/core/supervisor.py, Backoff.window).
            return gettext(
                "The worker for the “%(queue)s” queue stopped (%(reason)s) and is being restarted "
                "(stops in the last 10 minutes: %(exits)d). Queued work goes on once it is back."
            ) % {"queue": self.queue, "reason": self.exit_reason or "?", "exits": self.recent_exits}
        return gettext(
            "No worker is consuming the “%(queue)s” queue, so its jobs wait. Start one with "
            "“python manage.py worker --queues %(queue)s”, or restart “make run”, which starts one "
            "for every queue."
        ) % {"queue": self.queue}


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=MISSED_HEARTBEATS * float(settings.WORKER_HEARTBEAT_SECONDS))


def queue_statuses(*, now: datetime | None = None) -> dict[str, QueueStatus]:
    """The status of every queue (one query)."""
    now = now or timezone.now()
    stale_before = _stale_before(now)
    rows = list(
        WorkerHeartbeat.objects.only(
            "queues", "state", "last_seen", "restart_at", "exit_reason", "recent_exits"
        )
    )
    statuses: dict[str, QueueStatus] = {}
    for queue in QUEUES:
        mine = [row for row in rows if queue in (row.queues or [])]
        consumers = sum(
            1
            for row in mine
            if row.state == WorkerHeartbeat.State.RUNNING and row.last_seen and row.last_seen >= stale_before
        )
        last_seen = max((row.last_seen for row in mine if row.last_seen), default=None)
        restarting = [
            row
            for row in mine
            if row.state == WorkerHeartbeat.State.RESTARTING
            and row.restart_at is not None
            and row.restart_at + RESTART_GRACE >= now
        ]
        state: QueueState = "ok" if consumers else ("restarting" if restarting else "no_worker")
        # Only a queue nobody consumes is reported as restarting, with its latest restart.
        shown = max(restarting, key=lambda row: row.restart_at or now) if state == "restarting" else None
        statuses[queue] = QueueStatus(
            queue=queue,
            state=state,
            consumers=consumers,
            last_seen=last_seen,
            restart_at=shown.restart_at if shown else None,
            exit_reason=shown.exit_reason if shown else "",
            recent_exits=shown.recent_exits if shown else 0,
        )
    return statuses


def queue_status_get(*, queue: str, now: datetime | None = None) -> QueueStatus:
    """The status of one queue; a queue no ecomai worker knows has no worker."""
    status = queue_statuses(now=now).get(queue)
    if status is None:
        return QueueStatus(
            queue=queue,
            state="no_worker",
            consumers=0,
            last_seen=None,
            restart_at=None,
            exit_reason="",
            recent_exits=0,
        )
    return status
