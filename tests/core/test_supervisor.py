"""The supervisor behind ``serve``, on small real processes: restarts with back-off, stops, deadlines."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from apps.core.supervisor import Backoff, ChildSpec, Supervisor, describe_returncode
from tests.processes import TAG_VARIABLE, descendants, describe, tagged_processes, wait_for

ROOT = Path(__file__).resolve().parents[2]
SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]
# Ignores SIGTERM and has a child of its own (in its process group), like a web server's workers.
STUBBORN = [
    sys.executable,
    "-c",
    "import signal, subprocess, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "subprocess.Popen(['sleep', '600']); time.sleep(600)",
]


def test_backoff_doubles_up_to_its_maximum() -> None:
    backoff = Backoff(initial=1, maximum=60)
    assert [backoff.delay(exits) for exits in range(9)] == [0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert Backoff().delay(1000) == 60


def test_exits_are_described_by_code_or_signal() -> None:
    assert describe_returncode(3) == "exited with code 3"
    assert describe_returncode(-9) == "killed by signal 9 (SIGKILL)"


def test_child_names_are_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        Supervisor([ChildSpec("a", SLEEPER), ChildSpec("a", SLEEPER)])


@dataclass
class Supervised:
    process: subprocess.Popen[str]
    tag: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()

    def child_pid(self) -> int:
        direct = [child for child in descendants(self.process.pid) if child.ppid() == self.process.pid]
        assert len(direct) == 1, describe(direct)
        return direct[0].pid

    def stop(self, signum: int, timeout: float = 30) -> tuple[int, float]:
        started = time.monotonic()
        self.process.send_signal(signum)
        returncode = self.process.wait(timeout=timeout)
        return returncode, time.monotonic() - started


@pytest.fixture
def supervise(tmp_path: Path) -> Iterator[Callable[..., Supervised]]:
    started: list[Supervised] = []

    def start(children: dict[str, list[str]], **options: Any) -> Supervised:
        tag = uuid.uuid4().hex
        log_path = tmp_path / f"supervisor-{len(started)}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.core.supervise", json.dumps({"children": children, **options})],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT), TAG_VARIABLE: tag},
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
        supervised = Supervised(process, tag, log_path)
        started.append(supervised)
        wait_for(lambda: len(descendants(process.pid)) >= len(children), 30, "the children to start")
        return supervised

    yield start
    for supervised in started:
        for process in tagged_processes(supervised.tag):
            process.kill()
        supervised.process.wait(timeout=10)


def test_a_killed_child_is_restarted_with_growing_delays(supervise: Any) -> None:
    supervised = supervise({"sleeper": SLEEPER}, initial=0.5)
    first = supervised.child_pid()
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: "started again" in supervised.log(), 10, "the restart")
    second = supervised.child_pid()
    assert second != first
    os.kill(second, signal.SIGKILL)
    wait_for(lambda: supervised.log().count("started again") == 2, 10, "the second restart")

    log = supervised.log()
    assert (
        f"serve: sleeper (pid {first}) stopped unexpectedly: killed by signal 9 (SIGKILL); "
        "1 unexpected exit in the last 10 minutes; restarting in 0.5 s"
    ) in log
    assert (
        f"serve: sleeper (pid {second}) stopped unexpectedly: killed by signal 9 (SIGKILL); "
        "2 unexpected exits in the last 10 minutes; restarting in 1 s"
    ) in log
    assert supervised.stop(signal.SIGTERM)[0] == 0
    assert tagged_processes(supervised.tag) == []


def test_a_child_that_exits_by_itself_is_restarted(supervise: Any, tmp_path: Path) -> None:
    marker = tmp_path / "runs"
    child = [sys.executable, "-c", f"open({str(marker)!r}, 'a').write('x'); raise SystemExit(3)"]
    supervised = supervise({"steady": SLEEPER, "quitter": child}, initial=0.2, maximum=0.4)
    wait_for(lambda: marker.exists() and len(marker.read_text()) >= 3, 10, "three runs")
    assert "quitter" in supervised.log() and "exited with code 3" in supervised.log()
    assert supervised.stop(signal.SIGINT)[0] == 0
    assert tagged_processes(supervised.tag) == []


def test_what_ignores_the_stop_is_killed_at_the_deadline_with_its_children(supervise: Any) -> None:
    supervised = supervise({"stubborn": STUBBORN, "sleeper": SLEEPER}, stop_timeout=1.5)
    wait_for(lambda: len(descendants(supervised.process.pid)) == 3, 10, "the grandchild")

    returncode, took = supervised.stop(signal.SIGTERM)

    assert returncode == 0
    assert took >= 1.5
    log = supervised.log()
    assert "serve: stopping on SIGTERM: stubborn, sleeper (warm shutdown, up to 1.5 s)" in log
    assert "serve: stubborn (pid" in log and "did not stop in time; killing it" in log
    assert "serve: sleeper (pid" not in log  # it stopped on SIGTERM
    left = tagged_processes(supervised.tag)
    assert left == [], describe(left)


def test_a_second_stop_signal_kills_at_once(supervise: Any) -> None:
    supervised = supervise({"stubborn": STUBBORN}, stop_timeout=120)
    wait_for(lambda: len(descendants(supervised.process.pid)) == 2, 10, "the grandchild")
    supervised.process.send_signal(signal.SIGHUP)
    wait_for(lambda: "stopping on SIGHUP" in supervised.log(), 10, "the stop to begin")

    returncode, took = supervised.stop(signal.SIGINT)

    assert returncode == 0 and took < 60
    assert tagged_processes(supervised.tag) == []
