"""Job kinds: what each kind of job does with one item, and on which queue it runs.

Each app registers its kinds in its ``jobs.py`` (imported when Django starts), e.g.::

    @register_job_kind("catalog.describe", queue="inference")
    class DescribeProducts(JobKind):
        def process_item(self, job, item): ...
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from .models import Job, JobItem

QUEUES = ("default", "inference", "training")


class ItemError(Exception):
    """This item cannot succeed as it is (bad data, failed validation): record it and go on."""


class TransientItemError(Exception):
    """This item may succeed if tried again (a timeout, a busy server)."""


class JobKind:
    name: str = ""
    queue: str = "default"
    # Items one task claims before it re-queues itself; None uses settings.JOBS_CHUNK_SIZE.
    chunk_size: int | None = None
    # How long a claimed item stays leased to its worker; long items (a training run) need more.
    # None uses settings.JOBS_LEASE_SECONDS.
    lease_seconds: int | None = None

    def process_item(self, job: Job, item: JobItem) -> dict[str, Any]:
        """Do the work for one item outside any transaction and return its result (JSON)."""
        raise NotImplementedError

    def apply_result(self, job: Job, item: JobItem, result: dict[str, Any]) -> None:
        """Write the item's effects. Runs once per item, in the transaction that records the result."""

    def on_finished(self, job: Job) -> None:
        """Runs once when the job reaches a final status (not on cancel)."""


_registry: dict[str, JobKind] = {}
K = TypeVar("K", bound=type[JobKind])


def register_job_kind(name: str, *, queue: str = "default", chunk_size: int | None = None) -> Any:
    if queue not in QUEUES:
        raise ValueError(f"Unknown queue {queue!r}; use one of {QUEUES}.")

    def decorator(cls: K) -> K:
        instance = cls()
        instance.name, instance.queue = name, queue
        if chunk_size is not None:
            instance.chunk_size = chunk_size
        _registry[name] = instance
        return cls

    return decorator


def get_job_kind(name: str) -> JobKind:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"No job kind {name!r} is registered.") from None


def registered_kinds() -> list[str]:
    return sorted(_registry)


def autodiscover() -> None:
    autodiscover_modules("jobs")
    for module in settings.JOBS_HANDLER_MODULES:
        importlib.import_module(module)
