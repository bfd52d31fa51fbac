"""Run the Celery scheduler with ecomai's command line (apps/core/workers.py); one per installation."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.core.workers import celery_beat_argv


class Command(BaseCommand):
    help = "Start the Celery scheduler (run exactly one per installation)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--schedule",
            default=str(settings.VAR_DIR / "celerybeat-schedule"),
            help="File where the scheduler keeps its last run times (default: under ECOMAI_VAR_DIR).",
        )
        parser.add_argument("--loglevel", default="INFO")

    def handle(self, *args: Any, schedule: str, loglevel: str, **options: Any) -> None:
        argv = celery_beat_argv(schedule=Path(schedule), loglevel=loglevel)
        os.execv(argv[0], argv)  # noqa: S606 - our own interpreter, with an argv built above
