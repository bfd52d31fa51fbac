"""One worker command line: what it is, and that docker-compose.yml and the commands use it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command

from apps.core.workers import DEFAULT_POOL, QUEUES, celery_beat_argv, celery_worker_argv

ROOT = Path(__file__).resolve().parents[2]


def test_the_worker_command_line() -> None:
    assert celery_worker_argv(queues=["inference"], concurrency=3, hostname="gpu@%h") == [
        sys.executable,
        "-m",
        "celery",
        "--app",
        "ecomai",
        "worker",
        "--queues",
        "inference",
        "--pool",
        "threads",
        "--concurrency",
        "3",
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--hostname",
        "gpu@%h",
    ]
    assert "--queues" in celery_worker_argv() and ",".join(QUEUES) in celery_worker_argv()


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"queues": ["bulk"]}, "Unknown or no queues"),
        ({"queues": []}, "Unknown or no queues"),
        ({"concurrency": 0}, "at least 1"),
    ],
)
def test_a_wrong_worker_is_refused(options: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        celery_worker_argv(**options)


@pytest.fixture
def exec_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    monkeypatch.setattr("os.execv", lambda path, argv: calls.append(list(argv)))
    return calls


def test_manage_worker_runs_the_one_command_line(exec_calls: list[list[str]]) -> None:
    call_command("worker", "--queues", "default, inference", "--concurrency", "4", "--hostname", "a@%h")
    assert exec_calls == [celery_worker_argv(queues=["default", "inference"], concurrency=4, hostname="a@%h")]
    with pytest.raises(CommandError, match="Unknown or no queues"):
        call_command("worker", "--queues", "imports")


def test_manage_beat_runs_the_one_command_line(exec_calls: list[list[str]], tmp_path: Path) -> None:
    call_command("beat", "--schedule", str(tmp_path / "schedule"))
    assert exec_calls == [celery_beat_argv(schedule=tmp_path / "schedule")]


def test_compose_starts_every_celery_process_through_the_commands(exec_calls: list[list[str]]) -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    celery_services = {
        name: service["command"]
        for name, service in services.items()
        if {"celery", "worker", "beat"} & set(service.get("command") or [])
    }
    assert set(celery_services) == {"worker", "inference-worker", "beat"}
    for name, command in celery_services.items():
        assert command[:2] == ["python", "manage.py"], f"{name} does not use manage.py worker/beat"
        assert "celery" not in command
        assert services[name].get("restart") == "unless-stopped"
        call_command(*command[2:])
    workers = [argv for argv in exec_calls if "worker" in argv]
    assert len(workers) == 2
    assert all(argv[argv.index("--pool") + 1] == DEFAULT_POOL for argv in workers)
    assert sum("beat" in argv for argv in exec_calls) == 1
