"""Run the embedded platform: the web server and a Celery worker (with its beat) side by side."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web server and a Celery worker for every queue; stop both on Ctrl-C."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--concurrency", type=int, default=2, help="Worker threads.")
        parser.add_argument("--no-worker", action="store_true", help="Only the web server.")

    def handle(self, *args: Any, addrport: str, concurrency: int, no_worker: bool, **options: Any) -> None:
        worker = None
        if not no_worker:
            command = [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ecomai",
                "worker",
                "--queues",
                "default,inference,training",
                "--pool",
                "threads",
                "--concurrency",
                str(concurrency),
                "--beat",
                "--schedule",
                str(settings.VAR_DIR / "celerybeat-schedule"),
                "--loglevel",
                "INFO",
                "--hostname",
                "embedded@%h",
            ]
            worker = subprocess.Popen(command, env=os.environ.copy())
            self.stdout.write(f"worker started (pid {worker.pid})")
        self.stdout.write(self.style.SUCCESS(f"ecomai is up on http://{addrport}/  (API docs: /api/docs/)"))
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
