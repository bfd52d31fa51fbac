"""Run a Celery worker with ecomai's one worker command line (apps/core/workers.py).

docker-compose.yml starts its workers with this command; ``serve`` and the tests build the same
command line. The process is replaced by Celery (exec), so signals reach the worker directly.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.core.workers import DEFAULT_CONCURRENCY, QUEUES, celery_worker_argv


class Command(BaseCommand):
    help = "Start a Celery worker for the given queues (the thread pool, as everywhere in ecomai)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--queues",
            default=",".join(QUEUES),
            help=f"Comma-separated queues to consume (default: all of {', '.join(QUEUES)}).",
        )
        parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="Worker threads.")
        parser.add_argument("--hostname", default="", help="Celery node name, e.g. inference@%%h.")
        parser.add_argument("--loglevel", default="INFO")

    def handle(
        self, *args: Any, queues: str, concurrency: int, hostname: str, loglevel: str, **options: Any
    ) -> None:
        try:
            argv = celery_worker_argv(
                queues=[queue.strip() for queue in queues.split(",") if queue.strip()],
                concurrency=concurrency,
                hostname=hostname,
                loglevel=loglevel,
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        os.execv(argv[0], argv)  # noqa: S606 - our own interpreter, with an argv built above
