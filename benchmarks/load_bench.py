"""Load benchmark: the API under concurrent load from a second process, as production runs it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecomai_load CELERY_BROKER_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python benchmarks/load_bench.py [--clients 8] [--seconds 60] [--describes 6]

Starts gunicorn on the ASGI application with uvicorn's worker (2 processes, as docker-compose's
``web`` runs it, with a database connection pool per process) and one ecomai Celery worker
(the command line of apps/core/workers.py) against the given PostgreSQL and Redis, seeds a store
with 500 products and a real API token, then from this process runs ``--clients`` concurrent clients
for ``--seconds``: each picks a product list page (50 rows), a product detail, or a catalog import
(upload a 20-row CSV and start it), and ``--describes`` drafts go through the interactive queue to
the real default generator meanwhile. Every answer other than the documented success is an error.
After the load, every started import is waited for and its rows counted: a row lost or doubled is
reported. ``LOAD_WEB_DATABASE_POOL`` sets the web processes' pool size (0: a connection per request).
Writes benchmarks/results/load.json and load.md. Needs the default models (`manage.py models install`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.base")
os.environ.setdefault("DEBUG", "False")
# The load is the point: the per-token and per-store limits are lifted for the run's processes.
LIMITS = {"API_RATE_PER_TOKEN": "10000000/hour", "API_RATE_PER_STORE": "10000000/hour"}
os.environ.update(LIMITS)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from apps.accounts.actor import Actor  # noqa: E402
from apps.accounts.models import Membership, Merchant, Role, Store  # noqa: E402
from apps.accounts.services import api_token_create  # noqa: E402
from apps.catalog.models import Product  # noqa: E402
from apps.core.workers import celery_worker_argv  # noqa: E402
from apps.imports.models import DataImport  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
IMPORT_ROWS = 20
# As docker-compose's ``web`` runs it (ASGI, uvicorn's worker, a database connection pool per
# process), with a worker per core of this machine. LOAD_WEB_DATABASE_POOL=0 measures without the
# pool (a connection opened and closed per request).
WEB_POOL = os.environ.get("LOAD_WEB_DATABASE_POOL", "8")
WEB_DATABASE = {"DATABASE_POOL": WEB_POOL} if WEB_POOL != "0" else {"DATABASE_CONN_MAX_AGE": "0"}
GUNICORN = [
    sys.executable,
    "-m",
    "gunicorn",
    "ecomai.asgi:application",
    "-w",
    "2",
    "--worker-class",
    "uvicorn_worker.UvicornWorker",
    "--timeout",
    "330",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(products: int) -> tuple[Store, str, list[int]]:
    stamp = f"{time.time():.0f}"
    merchant = Merchant.objects.create(name=f"load {stamp}")
    store = Store.objects.create(merchant=merchant, name="Load store", slug=f"load-{stamp}")
    user = get_user_model().objects.create_user(username=f"load-{stamp}", password=None)
    Membership.objects.create(user=user, store=store, role=Role.OWNER)
    _token, secret = api_token_create(user=user, name="load", actor=Actor.system())
    Product.objects.bulk_create(
        Product(
            store=store,
            sku=f"L-{n:05d}",
            title=f"{'Wool scarf' if n % 2 else '羊毛围巾'} {n}",
            brand="Acme",
            attributes={"material": "wool", "colour": "grey"},
        )
        for n in range(products)
    )
    ids = list(Product.objects.filter(store=store).values_list("pk", flat=True))
    return store, secret, ids


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise SystemExit(f"the server at {url} did not start")


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.import_ids: list[int] = []

    def add(self, kind: str, seconds: float, error: str = "") -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors[kind].append(error)


def timed(
    recorder: Recorder, kind: str, client: httpx.Client, method: str, url: str, expect: int, **kwargs: Any
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as failure:
        recorder.add(kind, time.perf_counter() - started, f"{type(failure).__name__}: {failure}")
        return None
    wrong = "" if response.status_code == expect else f"{response.status_code}: {response.text[:200]}"
    recorder.add(kind, time.perf_counter() - started, wrong)
    return response


def client_loop(base: str, token: str, ids: list[int], until: float, recorder: Recorder, seed_: int) -> None:
    rng = random.Random(seed_)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        while time.monotonic() < until:
            pick = rng.random()
            if pick < 0.45:
                url = f"products/?page={rng.randint(1, 10)}&page_size=50"
                timed(recorder, "list", client, "GET", url, 200)
            elif pick < 0.9:
                timed(recorder, "detail", client, "GET", f"products/{rng.choice(ids)}/", 200)
            else:
                import_rows(client, recorder, f"{seed_}-{time.monotonic_ns()}")


def import_rows(client: httpx.Client, recorder: Recorder, stamp: str) -> None:
    rows = "".join(f"I-{stamp}-{n},Imported cap {n},cotton\n" for n in range(IMPORT_ROWS))
    upload = ("caps.csv", ("SKU,Title,Material\n" + rows).encode(), "text/csv")
    created = timed(recorder, "import", client, "POST", "imports/", 201, files={"file": upload})
    if created is None or created.status_code != 201:
        return
    import_id = created.json()["id"]
    started = timed(recorder, "import", client, "POST", f"imports/{import_id}/start/", 202, json={})
    if started is not None and started.status_code == 202:
        with recorder.lock:
            recorder.import_ids.append(import_id)


def describe_loop(base: str, token: str, ids: list[int], count: int, recorder: Recorder) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    body = {"candidates": 1, "target_length": 30}
    with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
        for product in ids[:count]:
            timed(recorder, "describe", client, "POST", f"products/{product}/describe/", 201, json=body)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--describes", type=int, default=6)
    parser.add_argument("--products", type=int, default=500)
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (and CELERY_BROKER_URL to Redis).")
    call_command("migrate", verbosity=0)
    store, token, ids = seed(args.products)
    port = free_port()
    env = {**os.environ, **LIMITS, "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen(
        [*GUNICORN, "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env={**env, **WEB_DATABASE},
    )
    worker = subprocess.Popen(celery_worker_argv(loglevel="WARNING"), cwd=ROOT, env=env)
    recorder = Recorder()
    try:
        base = f"http://127.0.0.1:{port}/api/v1/stores/{store.pk}/catalog/"
        wait_up(f"http://127.0.0.1:{port}/api/v1/")
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=client_loop, args=(base, token, ids, until, recorder, n))
            for n in range(args.clients)
        ]
        threads.append(
            threading.Thread(target=describe_loop, args=(base, token, ids, args.describes, recorder))
        )
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads[:-1]:
            thread.join()
        elapsed = time.monotonic() - started  # the clients' run; the drafts may go on after it
        threads[-1].join()
        # Every started import finishes, with each of its rows imported once.
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            pending = DataImport.objects.filter(pk__in=recorder.import_ids).exclude(
                status__in=[DataImport.Status.FINISHED, DataImport.Status.FAILED]
            )
            if not pending.exists():
                break
            time.sleep(1)
        imports = list(DataImport.objects.filter(pk__in=recorder.import_ids).values_list("status", flat=True))
        imported = Product.objects.filter(store=store, sku__startswith="I-").count()
    finally:
        for process in (server, worker):
            process.send_signal(signal.SIGTERM)
        for process in (server, worker):
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
    kinds: dict[str, dict[str, Any]] = {}
    for kind, values in sorted(recorder.latencies.items()):
        kinds[kind] = {
            "requests": len(values),
            "errors": len(recorder.errors.get(kind, [])),
            "p50_ms": round(1000 * statistics.median(values), 1),
            "p95_ms": round(1000 * percentile(values, 0.95), 1),
            "error_examples": recorder.errors.get(kind, [])[:3],
        }
    expected_rows = IMPORT_ROWS * len(recorder.import_ids)
    results = {
        "command": " ".join(["DATABASE_URL=… CELERY_BROKER_URL=… .venv/bin/python benchmarks/load_bench.py"])
        + "".join(f" {arg}" for arg in sys.argv[1:]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "web_database": (
            f"a pool of up to {WEB_POOL} database connections each"
            if WEB_POOL != "0"
            else "a database connection per request"
        ),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "requests_per_second": round(
            sum(k["requests"] for name, k in kinds.items() if name != "describe") / elapsed, 1
        ),
        "kinds": kinds,
        "errors": sum(k["errors"] for k in kinds.values()),
        "imports_started": len(recorder.import_ids),
        "imports_finished": imports.count("finished"),
        "rows_expected": expected_rows,
        "rows_imported": imported,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (RESULTS / "load.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    Merchant.objects.filter(pk=store.merchant_id).delete()


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# API under load",
        "",
        f"Command: `{results['command']}`",
        "",
        f"Machine: {results['machine']}; {results['date']}. gunicorn on ASGI, 2 uvicorn worker processes "
        f"({results['web_database']}), "
        "one Celery worker, PostgreSQL and Redis on the same machine; "
        f"{results['clients']} concurrent clients for {results['seconds']} s "
        f"({results['requests_per_second']} list, detail and import requests/s), "
        "while drafts by the real default generator went through the interactive queue.",
        "",
        "| request | requests | errors | p50 ms | p95 ms |",
        "|---|---|---|---|---|",
    ]
    for kind, f in results["kinds"].items():
        lines.append(f"| {kind} | {f['requests']} | {f['errors']} | {f['p50_ms']} | {f['p95_ms']} |")
    lines += [
        "",
        f"Errors: {results['errors']}. Imports started under load: {results['imports_started']}, finished: "
        f"{results['imports_finished']}; rows expected {results['rows_expected']}, imported "
        f"{results['rows_imported']} (each row once).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
