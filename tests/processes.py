"""Helpers for tests that start real processes (workers, ``serve``) and check what they leave behind."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import psutil

# Every process a test starts carries this variable (with a value of its own), and so does
# everything those processes start: the way to find all of them, however deep or re-parented.
TAG_VARIABLE = "ECOMAI_TEST_PROCESS_TAG"


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def tagged_processes(tag: str) -> list[psutil.Process]:
    """Live processes (not zombies) whose environment carries ``tag``."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(TAG_VARIABLE) == tag and _alive(process):
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def describe(processes: list[psutil.Process]) -> str:
    lines = []
    for process in processes:
        try:
            lines.append(f"{process.pid} {' '.join(process.cmdline())[:160]}")
        except psutil.Error:
            lines.append(f"{process.pid} (gone)")
    return "\n".join(lines)


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return [child for child in psutil.Process(pid).children(recursive=True) if _alive(child)]
    except psutil.NoSuchProcess:
        return []


def database_url() -> str:
    """The test database (pytest-django's, as the test process uses it) as a ``DATABASE_URL`` for a
    process the test starts; PostgreSQL only."""
    from django.db import connection

    db = connection.settings_dict
    user, host, port = db.get("USER") or "postgres", db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"
