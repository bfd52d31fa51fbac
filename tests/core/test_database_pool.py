"""DATABASE_POOL: a process (the ASGI web server) takes PostgreSQL connections from a pool."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.processes import database_url

ROOT = Path(__file__).resolve().parents[2]

# Eight threads (as ASGI runs requests) each run a query and give their connection back, as Django
# does at a request's end; the pool opens no more connections than its size.
PROBE = """
import json, threading
import django
django.setup()
from django.db import connection
from apps.accounts.models import Store

def request():
    Store.objects.count()
    connection.close()

threads = [threading.Thread(target=request) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
settings = connection.settings_dict
stats = connection.pool.get_stats()
print(json.dumps({"pool": settings["OPTIONS"]["pool"], "max_age": settings["CONN_MAX_AGE"], "stats": stats}))
"""


@pytest.mark.django_db(transaction=True)
def test_a_pooled_process_serves_its_threads_from_a_bounded_pool() -> None:
    db: dict[str, Any] = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the pool is PostgreSQL's (run with `make test`)")
    url = database_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ecomai.settings.base",
        "DATABASE_URL": url,
        "DATABASE_POOL": "2",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["pool"]["max_size"] == 2 and probe["max_age"] == 0
    assert probe["stats"]["requests_num"] >= 8  # every thread's connection came from the pool
    assert probe["stats"]["connections_num"] <= 2  # and the pool opened at most its size
