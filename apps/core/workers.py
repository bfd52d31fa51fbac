"""The one definition of how ecomai's Celery processes are started.

``manage.py serve`` (the embedded default), ``manage.py worker`` / ``manage.py beat`` (what
docker-compose.yml runs) and the tests that start real workers all build their command line here,
so a worker behaves the same wherever it runs. No Django import: the supervisor and the tests call
it before (or without) setting Django up.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

# Must match the queues of ecomai/celery.py (app.conf.task_queues) and apps.jobs.registry.QUEUES.
QUEUES: tuple[str, ...] = ("default", "inference", "training")

Pool = Literal["threads", "prefork", "solo"]

# Every ecomai worker uses the thread pool. An inference worker keeps its models in a module-level
# cache (apps/inference/engine/cache.py) that all its threads share, so a model is loaded once per
# worker process; the engine is written for threads (per-thread torch thread counts, locks around
# loads). A prefork pool would load every model once per child and multiply the memory; the solo
# pool would queue an interactive draft behind a whole bulk chunk. With threads a worker is also a
# single process, so killing it (the OOM killer, ``kill -9``, a supervisor's deadline) leaves no
# pool child behind. Torch releases the GIL in its kernels, which is where the time goes.
DEFAULT_POOL: Pool = "threads"
DEFAULT_CONCURRENCY = 2


def celery_worker_argv(
    *,
    queues: Sequence[str] = QUEUES,
    concurrency: int = DEFAULT_CONCURRENCY,
    hostname: str = "",
    pool: Pool = DEFAULT_POOL,
    loglevel: str = "INFO",
    python: str = sys.executable,
) -> list[str]:
    """The command line of an ecomai worker consuming ``queues``.

    ``hostname`` is the worker's Celery node name (``name@host``; ``%h`` expands to the host); empty
    leaves Celery's default. ``pool`` stays the default unless a caller has a reason it writes down.
    """
    unknown = sorted(set(queues) - set(QUEUES))
    if not queues or unknown:
        raise ValueError(f"Unknown or no queues {unknown or list(queues)}; use some of {list(QUEUES)}.")
    if concurrency < 1:
        raise ValueError("A worker needs a concurrency of at least 1.")
    argv = [
        python,
        "-m",
        "celery",
        "--app",
        "ecomai",
        "worker",
        "--queues",
        ",".join(queues),
        "--pool",
        pool,
        "--concurrency",
        str(concurrency),
        "--loglevel",
        loglevel,
        # Gossip (worker-to-worker events) is read by nothing in ecomai; mingle only syncs revoked
        # ids at start-up, and every ecomai task is safe to run twice. Without them a worker starts
        # (and a restarted one is back) a second sooner, and the filesystem broker sees less traffic.
        "--without-gossip",
        "--without-mingle",
    ]
    if hostname:
        argv += ["--hostname", hostname]
    return argv


def celery_beat_argv(*, schedule: Path, loglevel: str = "INFO", python: str = sys.executable) -> list[str]:
    """The command line of the scheduler (one per installation: two would queue every beat task twice).

    Beat runs as its own process rather than inside a worker (``--beat``): an embedded beat is a
    child process of its worker that outlives it when the worker is killed, and a killed beat goes
    unnoticed by its worker; on its own a supervisor (``serve``, compose) restarts either one.
    """
    return [
        python,
        "-m",
        "celery",
        "--app",
        "ecomai",
        "beat",
        "--schedule",
        str(schedule),
        "--loglevel",
        loglevel,
    ]
