"""Runs apps.core.supervisor.Supervisor on the children given as JSON, as ``serve`` runs it.

``python -m tests.core.supervise '{"children": {"name": [argv...]}, "initial": 0.5, "stop_timeout": 2}'``
"""

from __future__ import annotations

import json
import logging
import sys

from apps.core.supervisor import Backoff, ChildSpec, Supervisor

if __name__ == "__main__":
    config = json.loads(sys.argv[1])
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    supervisor = Supervisor(
        [ChildSpec(name, argv) for name, argv in config["children"].items()],
        backoff=Backoff(initial=config.get("initial", 1.0), maximum=config.get("maximum", 60.0)),
        stop_timeout=config.get("stop_timeout", 30.0),
        poll_interval=0.05,
    )
    supervisor.install_signal_handlers()
    sys.exit(supervisor.run())
