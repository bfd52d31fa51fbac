"""The inference worker's endpoint (apps/inference/server.py) and the web side's client, in one process
on a private socket, with the tiny models."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from apps.inference import errors, server
from apps.inference.backends.server import ServerBackend
from apps.inference.types import GenerationRequest
from tests.async_run import run_async


@pytest.fixture
def endpoint(tmp_path: Path, settings: Any) -> Iterator[str]:
    settings.INFERENCE_SERVER_TOKEN = "s3cret"
    # Unix socket paths are limited to about 100 bytes: pytest's tmp_path can be longer.
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="ecomai-ep-"))
    listen = f"unix:{folder / 'inference.sock'}"
    running = server.make_server(listen)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield listen
    running.shutdown()
    running.server_close()


def _client(url: str, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.HTTPTransport(uds=url.removeprefix("unix:"))
    return httpx.Client(transport=transport, base_url="http://inference", headers=headers, timeout=60)


def test_results_equal_the_local_engine_and_errors_keep_their_class(endpoint, local, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    backend, _ = local
    remote = ServerBackend(endpoint)
    requests = [GenerationRequest(prompt="the shirt fits", max_new_tokens=6, n=2, temperature=0.8, seed=3)]
    assert [g.to_dict() for g in remote.generate(requests, tiny_specs["lm"])] == [
        g.to_dict() for g in backend.generate(requests, tiny_specs["lm"])
    ]
    got = remote.classify(["arrived late"], tiny_specs["classifier"])[0]
    assert got.label == backend.classify(["arrived late"], tiny_specs["classifier"])[0].label
    events = list(
        remote.generate_stream(GenerationRequest(prompt="great", max_new_tokens=12), tiny_specs["lm"])
    )
    whole = backend.generate([GenerationRequest(prompt="great", max_new_tokens=12)], tiny_specs["lm"])[0]
    assert "".join(event.delta for event in events) == whole.text
    assert events[-1].final and events[-1].completion_tokens == whole.completion_tokens
    with pytest.raises(errors.InvalidRequest, match="exceeds"):
        remote.generate([GenerationRequest(prompt="great " * 90, max_new_tokens=8)], tiny_specs["lm"])
    with pytest.raises(errors.InvalidRequest, match="exceeds"):
        list(
            remote.generate_stream(
                GenerationRequest(prompt="great " * 90, max_new_tokens=8), tiny_specs["lm"]
            )
        )


def test_the_endpoint_refuses_calls_without_the_token_and_bad_bodies(endpoint, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    with _client(endpoint, None) as client:
        assert client.post("/v1/run", json={"operation": "classify"}).status_code == 401
        assert client.get("/v1/stats").status_code == 401
        assert client.get("/v1/health").status_code == 200
    with _client(endpoint, "wrong") as client:
        assert client.post("/v1/run", json={}).status_code == 401
    with _client(endpoint, "s3cret") as client:
        assert (
            client.post(
                "/v1/run", content=b"not json", headers={"Content-Type": "application/json"}
            ).status_code
            == 400
        )
        assert client.post("/v1/run", json={"operation": "classify"}).status_code == 400
        assert client.post("/v1/nothing", json={"a": 1}).status_code == 404
        stats = client.get("/v1/stats").json()
        assert "engine_seconds" in stats and isinstance(stats["servers"], list)


def test_a_caller_that_stops_reading_frees_its_rows(endpoint, local, tiny_specs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time

    from apps.inference.engine.loading import get_loaded
    from apps.inference.engine.serving import server_for

    loop = server_for(get_loaded(tiny_specs["lm"]))
    forward = loop._forward

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.02)  # a step of a real model, so the rest of the draft is clearly not made
        return forward(*args, **kwargs)

    monkeypatch.setattr(loop, "_forward", slow)
    before = loop.stats.generated_tokens
    stream = ServerBackend(endpoint).generate_stream(
        GenerationRequest(prompt="the shirt fits", max_new_tokens=80, temperature=1.0, seed=1),
        tiny_specs["lm"],
    )
    next(stream)
    stream.close()  # the page was closed
    deadline = time.monotonic() + 30
    while loop._rows and time.monotonic() < deadline:
        time.sleep(0.05)
    assert loop._rows == []
    assert loop.stats.generated_tokens - before < 40


def test_nothing_listening_falls_back_to_the_queue(tiny_specs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    remote = ServerBackend(f"unix:{tmp_path / 'absent.sock'}")
    calls: list[str] = []

    class Queue:
        def classify(self, texts, spec):  # type: ignore[no-untyped-def]
            calls.append("classify")
            return []

    remote.fallback = Queue()  # type: ignore[assignment]
    assert remote.classify(["x"], tiny_specs["classifier"]) == []
    assert calls == ["classify"]


def test_the_async_client_gets_what_the_plain_one_gets(endpoint, local, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    """The async views' calls (``agenerate``, ``agenerate_stream``) over the same endpoint."""
    remote = ServerBackend(endpoint)
    requests = [GenerationRequest(prompt="the shirt fits", max_new_tokens=6, n=2, temperature=0.8, seed=3)]
    stream_request = GenerationRequest(prompt="great", max_new_tokens=12)

    async def both() -> tuple[list[Any], list[Any]]:
        generations = await remote.agenerate(requests, tiny_specs["lm"])
        events = [event async for event in remote.agenerate_stream(stream_request, tiny_specs["lm"])]
        return generations or [], events

    generations, events = run_async(both)
    assert [g.to_dict() for g in generations] == [
        g.to_dict() for g in remote.generate(requests, tiny_specs["lm"])
    ]
    assert [e.delta for e in events] == [
        e.delta for e in remote.generate_stream(stream_request, tiny_specs["lm"])
    ]
    assert events[-1].final

    async def too_long() -> None:
        async for _event in remote.agenerate_stream(
            GenerationRequest(prompt="great " * 90, max_new_tokens=8), tiny_specs["lm"]
        ):
            pass

    with pytest.raises(errors.InvalidRequest, match="exceeds"):
        run_async(too_long)


def test_an_async_caller_that_goes_away_frees_its_rows(endpoint, local, tiny_specs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time

    from apps.inference.engine.loading import get_loaded
    from apps.inference.engine.serving import server_for

    loop = server_for(get_loaded(tiny_specs["lm"]))
    forward = loop._forward

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.02)
        return forward(*args, **kwargs)

    monkeypatch.setattr(loop, "_forward", slow)
    before = loop.stats.generated_tokens

    async def first_piece_then_leave() -> None:
        stream = ServerBackend(endpoint).agenerate_stream(
            GenerationRequest(prompt="the shirt fits", max_new_tokens=80, temperature=1.0, seed=1),
            tiny_specs["lm"],
        )
        await stream.__anext__()
        await stream.aclose()  # the browser went away: the ASGI server closes the response's generator

    run_async(first_piece_then_leave)
    deadline = time.monotonic() + 30
    while loop._rows and time.monotonic() < deadline:
        time.sleep(0.05)
    assert loop._rows == []
    assert loop.stats.generated_tokens - before < 40


def test_the_async_calls_fall_back_to_the_queue_where_nothing_listens(tiny_specs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from apps.inference.types import StreamEvent

    remote = ServerBackend(f"unix:{tmp_path / 'absent.sock'}")

    class Queue:
        def generate(self, requests, spec):  # type: ignore[no-untyped-def]
            return ["queued generation"]

        def generate_stream(self, request, spec):  # type: ignore[no-untyped-def]
            yield StreamEvent(delta="queued")
            yield StreamEvent(delta="", finish_reason="stop", prompt_tokens=1, completion_tokens=1)

    remote.fallback = Queue()  # type: ignore[assignment]

    async def both() -> tuple[Any, list[str]]:
        generations = await remote.agenerate([GenerationRequest(prompt="x")], tiny_specs["lm"])
        stream = remote.agenerate_stream(GenerationRequest(prompt="x"), tiny_specs["lm"])
        return generations, [event.delta async for event in stream]

    generations, deltas = run_async(both)
    assert generations == ["queued generation"]
    assert deltas == ["queued", ""]


def test_a_body_over_the_limit_answers_413(endpoint, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(server, "MAX_BODY_BYTES", 1024)
    with _client(endpoint, "s3cret") as client:
        response = client.post("/v1/run", json={"operation": "classify", "payload": {"texts": ["x" * 2048]}})
        assert response.status_code == 413
        assert client.post("/v1/run", json={"operation": "classify"}).status_code == 400  # still serving
