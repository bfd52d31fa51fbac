"""Run the embedded platform: a web server, a Celery worker and the scheduler, supervised.

``serve`` is the parent of three processes, each in a process group of its own:

* ``web``: gunicorn running the ASGI application in uvicorn's worker, on a listening socket that
  ``serve`` opened, so the port stays bound and connections wait in its backlog while a restarted
  web server comes back. Streamed drafts are relayed by the event loop; other views run in threads;
* ``worker``: a Celery worker consuming every queue (command line from apps/core/workers.py);
* ``beat``: the Celery scheduler (re-queues work whose worker died, among other periodic tasks).

A child that exits is restarted with exponential back-off, and a restarting worker is recorded so
the dashboard says so. SIGTERM, SIGINT and SIGHUP stop all three: a warm shutdown first (running
tasks finish), SIGKILL at the deadline, nothing left behind (apps/core/supervisor.py).
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.core import services
from apps.core.supervisor import Backoff, ChildExit, ChildSpec, Supervisor
from apps.core.workers import QUEUES, celery_beat_argv, celery_worker_argv

# The web worker's heartbeat: an ASGI worker whose event loop stalls this long is restarted. Requests
# themselves are bounded by the inference waits (README, "Timeouts").
WEB_TIMEOUT_SECONDS = 330
# Worker threads of the embedded default: bulk items mostly wait on the model's running batch.
WORKER_THREADS = 4


def parse_addrport(addrport: str) -> tuple[str, int]:
    """``"8000"``, ``"0.0.0.0:8000"`` or ``"[::1]:8000"`` as (host, port)."""
    host, _, port = addrport.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    try:
        number = int(port)
        if not 0 < number < 65536:
            raise ValueError(port)
        if host != "localhost":
            ipaddress.ip_address(host)
    except ValueError:
        raise CommandError(f"{addrport!r} is not an address and port such as 127.0.0.1:8000.") from None
    return host, number


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise CommandError(
            f"Cannot listen on {host}:{port} ({error.strerror}). Is ecomai already running? Stop it, "
            f"or choose another address: make run HOST=127.0.0.1:{port + 1}"
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def web_argv(*, fd: int, graceful_timeout: float) -> list[str]:
    # One process: the embedded default's traffic is a handful of people, a streamed draft waits on the
    # worker's endpoint inside the event loop (no thread held), and SQLite prefers one writer.
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "ecomai.asgi:application",
        "--config",
        "python:apps.core.gunicorn_hooks",
        "--bind",
        f"fd://{fd}",
        "--workers",
        "1",
        "--worker-class",
        "uvicorn_worker.UvicornWorker",
        "--timeout",
        str(WEB_TIMEOUT_SECONDS),
        "--graceful-timeout",
        str(max(1, int(graceful_timeout))),
        "--access-logfile",
        "-",
        "--log-level",
        "info",
    ]


class Command(BaseCommand):
    help = (
        "Start the web server, a Celery worker for every queue and the scheduler; restart any that "
        "dies; stop all of them on Ctrl-C, SIGTERM or SIGHUP."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--concurrency",
            type=int,
            default=WORKER_THREADS,
            help=f"Worker threads (default {WORKER_THREADS}; bulk items mostly wait on the running batch).",
        )
        parser.add_argument(
            "--stop-timeout",
            type=float,
            default=30.0,
            help="Seconds running tasks get to finish on shutdown before they are killed (default 30).",
        )
        parser.add_argument("--no-worker", action="store_true", help="Only the web server.")

    def handle(
        self,
        *args: Any,
        addrport: str,
        concurrency: int,
        stop_timeout: float,
        no_worker: bool,
        **options: Any,
    ) -> None:
        host, port = parse_addrport(addrport)
        self.check_migrations()
        # Whatever DEBUG says, the web server finds the static files where WhiteNoise serves them.
        call_command("collectstatic", interactive=False, verbosity=0)
        sock = listening_socket(host, port)
        # The worker's own endpoint for interactive calls (apps/inference/server.py): a socket only this
        # user can open; the web process calls it, bulk work keeps the queue.
        endpoint = f"unix:{settings.VAR_DIR / 'inference.sock'}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
            "PYTHONUNBUFFERED": "1",
            "INFERENCE_SERVER_LISTEN": os.environ.get("INFERENCE_SERVER_LISTEN", endpoint),
            "INFERENCE_SERVER_URL": os.environ.get("INFERENCE_SERVER_URL", endpoint),
        }
        hostname = f"embedded@{socket.gethostname()}"
        children = [
            ChildSpec(
                "web",
                web_argv(fd=sock.fileno(), graceful_timeout=stop_timeout - 1),
                # Under ASGI each request runs in a thread of its own: a kept connection would stay open
                # per thread, so the web server opens one per request (a no-op on SQLite).
                env={**env, "DATABASE_CONN_MAX_AGE": "0"},
                pass_fds=(sock.fileno(),),
            )
        ]
        if not no_worker:
            children += [
                ChildSpec(
                    "worker",
                    celery_worker_argv(queues=QUEUES, concurrency=concurrency, hostname=hostname),
                    env=env,
                ),
                ChildSpec(
                    "beat", celery_beat_argv(schedule=settings.VAR_DIR / "celerybeat-schedule"), env=env
                ),
            ]

        def on_exit(event: ChildExit) -> None:
            if event.name != "worker":
                return
            try:
                if event.restart_in is None:
                    services.worker_stopped_record(hostname=hostname, pid=event.pid)
                else:
                    services.worker_restarting_record(
                        hostname=hostname,
                        queues=QUEUES,
                        pid=event.pid,
                        exit_reason=event.description,
                        recent_exits=event.exits_in_window,
                        restart_in=event.restart_in,
                    )
            finally:
                connection.close()

        supervisor = Supervisor(children, backoff=Backoff(), stop_timeout=stop_timeout, on_exit=on_exit)
        supervisor.install_signal_handlers()
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(
            self.style.SUCCESS(f"ecomai is up on http://{shown}:{port}/  (API docs: /api/docs/)")
        )
        self.stdout.write(f"Stop it with Ctrl-C (running tasks get up to {stop_timeout:g} s to finish).")
        try:
            supervisor.run()
        finally:
            sock.close()
            signal.signal(signal.SIGINT, signal.default_int_handler)
