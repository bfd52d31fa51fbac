"""A small process supervisor: start children, restart the ones that die, stop them all cleanly.

``manage.py serve`` runs the embedded default's web server, worker and scheduler under it. Each
child runs in a process group of its own, so a child's own children (the web server's workers) are
stopped with it; on Linux each child also gets ``PR_SET_PDEATHSIG``, so even a supervisor killed
with SIGKILL leaves no worker behind holding models in memory. No Django import: the callers pass
what should happen on a child's exit as a callback.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str] | None = None
    # File descriptors the child inherits (the web server's listening socket).
    pass_fds: tuple[int, ...] = ()


@dataclass(frozen=True)
class Backoff:
    """Delay before restarting a child: ``initial`` doubled for every exit within ``window`` seconds."""

    initial: float = 1.0
    maximum: float = 60.0
    window: float = 600.0

    def delay(self, exits_in_window: int) -> float:
        if exits_in_window <= 0:
            return 0.0
        return float(min(self.maximum, self.initial * 2 ** min(exits_in_window - 1, 32)))


@dataclass(frozen=True)
class ChildExit:
    name: str
    pid: int
    returncode: int
    # Unexpected exits within the back-off window, this one included.
    exits_in_window: int
    # Seconds until the restart; None when the child exited because the supervisor is stopping.
    restart_in: float | None

    @property
    def description(self) -> str:
        return describe_returncode(self.returncode)


def describe_returncode(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "an unknown signal"
        return f"killed by signal {-returncode} ({name})"
    return f"exited with code {returncode}"


@dataclass
class _Child:
    spec: ChildSpec
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    exits: deque[float] = field(default_factory=deque)


def die_with_parent(parent_pid: int) -> None:
    """Make this process die with ``parent_pid`` (Linux; elsewhere nothing happens)."""
    setup = _parent_death_signal_setter(parent_pid)
    if setup is not None:
        setup()


def _parent_death_signal_setter(parent_pid: int) -> Callable[[], None] | None:
    """A preexec function that makes the child die with its parent (Linux); None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def setup() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        # The parent may have died between fork and prctl: then no signal will ever come.
        if os.getppid() != parent_pid:
            os._exit(1)

    return setup


class Supervisor:
    """Runs ``children`` until a stop signal; see ``run``."""

    def __init__(
        self,
        children: Sequence[ChildSpec],
        *,
        backoff: Backoff | None = None,
        stop_timeout: float = 30.0,
        on_start: Callable[[str, int], None] | None = None,
        on_exit: Callable[[ChildExit], None] | None = None,
        poll_interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if len({child.name for child in children}) != len(children):
            raise ValueError("Child names must be unique.")
        self._children = [_Child(spec) for spec in children]
        self.backoff = backoff or Backoff()
        self.stop_timeout = stop_timeout
        self._on_start = on_start
        self._on_exit = on_exit
        self._poll_interval = poll_interval
        self._clock = clock
        self._stop_signal: int | None = None
        self._kill_now = False
        self._pid = os.getpid()

    # --- signals --------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._handle_signal)

    def _handle_signal(self, signum: int, frame: FrameType | None) -> None:
        self.request_stop(signum)

    def request_stop(self, signum: int = signal.SIGTERM) -> None:
        """Stop every child: warm first, killed at the deadline; a second request kills at once."""
        if self._stop_signal is not None:
            self._kill_now = True
        else:
            self._stop_signal = signum

    @property
    def stopping(self) -> bool:
        return self._stop_signal is not None

    def pids(self) -> dict[str, int]:
        """The running children's process ids, by name."""
        return {
            child.spec.name: child.process.pid
            for child in self._children
            if child.process is not None and child.process.poll() is None
        }

    # --- running --------------------------------------------------------------------------

    def run(self) -> int:
        """Start the children, keep them running until a stop signal, stop them; returns 0."""
        try:
            for child in self._children:
                if self.stopping:
                    break
                self._spawn(child)
            while not self.stopping:
                self._tick()
                time.sleep(self._poll_interval)
        finally:
            self._stop_all()
        return 0

    def _tick(self) -> None:
        now = self._clock()
        for child in self._children:
            if child.process is not None:
                returncode = child.process.poll()
                if returncode is not None:
                    self._handle_exit(child, returncode, now)
            elif child.restart_at is not None and now >= child.restart_at:
                self._spawn(child)

    def _spawn(self, child: _Child) -> None:
        spec = child.spec
        child.process = subprocess.Popen(
            list(spec.argv),
            env=dict(spec.env) if spec.env is not None else None,
            pass_fds=spec.pass_fds,
            start_new_session=True,
            # Safe here: the supervisor starts children from its only thread.
            preexec_fn=_parent_death_signal_setter(self._pid),
        )
        child.started_at = self._clock()
        child.restart_at = None
        restarted = " again" if child.exits else ""
        logger.info("serve: %s started%s (pid %d)", spec.name, restarted, child.process.pid)
        if self._on_start is not None:
            try:
                self._on_start(spec.name, child.process.pid)
            except Exception:
                logger.exception("serve: the start hook of %s failed", spec.name)

    def _handle_exit(self, child: _Child, returncode: int, now: float) -> None:
        assert child.process is not None
        pid = child.process.pid
        _kill_group(pid)  # whatever the child left running in its group goes with it
        child.process = None
        while child.exits and child.exits[0] < now - self.backoff.window:
            child.exits.popleft()
        child.exits.append(now)
        delay = self.backoff.delay(len(child.exits))
        child.restart_at = now + delay
        event = ChildExit(
            name=child.spec.name,
            pid=pid,
            returncode=returncode,
            exits_in_window=len(child.exits),
            restart_in=delay,
        )
        logger.warning(
            "serve: %s (pid %d) stopped unexpectedly: %s; %d unexpected exit%s in the last %s; "
            "restarting in %s",
            child.spec.name,
            pid,
            event.description,
            event.exits_in_window,
            "" if event.exits_in_window == 1 else "s",
            _duration(self.backoff.window),
            _duration(delay),
        )
        self._notify_exit(event)

    def _notify_exit(self, event: ChildExit) -> None:
        if self._on_exit is not None:
            try:
                self._on_exit(event)
            except Exception:
                logger.exception("serve: the exit hook of %s failed", event.name)

    # --- stopping -------------------------------------------------------------------------

    def _stop_all(self) -> None:
        running = [child for child in self._children if child.process is not None]
        if running:
            name = signal.Signals(self._stop_signal).name if self._stop_signal else "an error"
            logger.info(
                "serve: stopping on %s: %s (warm shutdown, up to %s)",
                name,
                ", ".join(child.spec.name for child in running),
                _duration(self.stop_timeout),
            )
        for child in running:
            assert child.process is not None
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(signal.SIGTERM)
        deadline = self._clock() + self.stop_timeout
        while self._clock() < deadline and not self._kill_now:
            if all(child.process.poll() is not None for child in running if child.process is not None):
                break
            time.sleep(0.05)
        for child in running:
            assert child.process is not None
            pid = child.process.pid
            if child.process.poll() is None:
                logger.warning("serve: %s (pid %d) did not stop in time; killing it", child.spec.name, pid)
                _kill_group(pid)
            returncode = child.process.wait()
            _kill_group(pid)
            child.process = None
            self._notify_exit(
                ChildExit(
                    name=child.spec.name, pid=pid, returncode=returncode, exits_in_window=0, restart_in=None
                )
            )
        # A child waiting to be restarted has nothing left running.
        for child in self._children:
            child.restart_at = None
        if running:
            logger.info("serve: stopped")


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _duration(seconds: float) -> str:
    if seconds >= 120 and seconds % 60 == 0:
        return f"{int(seconds // 60)} minutes"
    return f"{seconds:g} s"
