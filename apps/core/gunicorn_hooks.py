"""gunicorn settings for the web server of ``manage.py serve`` (``-c python:apps.core.gunicorn_hooks``).

gunicorn's own workers notice a dead arbiter within a second; uvicorn's worker only when it next
reports in (``--timeout`` apart). Each worker therefore asks the kernel to kill it with its arbiter, so a
``serve`` killed with SIGKILL (whose children die with it) leaves no web worker behind either.
"""

from __future__ import annotations

import os
from typing import Any

from apps.core.supervisor import die_with_parent


def post_fork(server: Any, worker: Any) -> None:
    die_with_parent(os.getppid())
