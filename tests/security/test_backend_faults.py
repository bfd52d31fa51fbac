"""A model server that answers garbage or never answers: a bulk job's items fail with a reason,
the job finishes, and nothing crashes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.catalog.models import Description, Product
from apps.catalog.services import drafting
from apps.inference import use_backend
from apps.inference.backends.openai import OpenAIBackend, OpenAIConfig
from apps.jobs.models import Job, JobItem
from tests.catalog.helpers import describe_options, run_job

pytestmark = pytest.mark.django_db

ANSWERS = {
    "not_json": (200, b"<html>502 Bad Gateway</html>"),
    "no_choices": (200, b'{"object": "text_completion", "usage": {}}'),
    "wrong_types": (200, b'{"choices": [{"index": "zero", "text": 42}], "usage": null}'),
    "hangs": (200, b""),
}


class BrokenServer:
    def __init__(self, mode: str) -> None:
        status, body = ANSWERS[mode]
        self.stop = threading.Event()
        stop = self.stop

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                if mode == "hangs":
                    stop.wait(10)
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(params=sorted(ANSWERS))
def broken(request: Any) -> Iterator[BrokenServer]:
    server = BrokenServer(request.param)
    config = OpenAIConfig(
        base_url=server.url,
        api_key="",
        timeout_seconds=0.5,
        max_retries=0,
        backoff_seconds=0.01,
        model_names={},
    )
    with use_backend(OpenAIBackend(config)):
        yield server
    server.close()


def test_a_broken_model_server_fails_items_with_a_reason_not_the_job(
    store: Any, broken: BrokenServer, settings: Any
) -> None:
    settings.JOBS_MAX_ATTEMPTS = 2
    for n in range(3):
        Product.objects.create(store=store, sku=f"B{n}", title=f"Scarf {n}", attributes={"material": "wool"})
    job = drafting.descriptions_generate_bulk(
        store=store, actor=Actor.system(), options=describe_options(store), products=Product.objects.all()
    )
    job = run_job(job)
    assert job.status == Job.Status.FAILED and job.done_count == 0 and job.failed_count == job.total
    errors = set(JobItem.objects.filter(job=job).values_list("error", flat=True))
    assert errors and all(error.strip() for error in errors)
    assert not any("Traceback" in error or "127.0.0.1" in error for error in errors)  # no internals
    assert not Description.objects.filter(store=store).exists()
