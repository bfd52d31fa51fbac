"""The openai backend against a real HTTP server on localhost, speaking the OpenAI wire format."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from apps.inference.backends.openai import OpenAIBackend, OpenAIConfig
from apps.inference.errors import BackendError, InvalidRequest, TransientInferenceError
from apps.inference.registry import ModelSpec
from apps.inference.types import ChatMessage, GenerationRequest

GENERATOR = ModelSpec(key="gemma-3-270m", task="generate", path="unused")
EMBEDDER = ModelSpec(
    key="e5", task="embed", path="unused", query_prefix="query: ", passage_prefix="passage: "
)


class FakeOpenAIServer:
    """Answers like an OpenAI-compatible server; ``failures`` scripts status codes to return first."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.failures: list[int] = []
        self.garbled_stream = False  # a chunk that is not JSON in the middle of a stream
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append((self.path, body))
                if server.failures:
                    status = server.failures.pop(0)
                    if status == 0:  # drop the connection without an answer
                        self.close_connection = True
                        self.wfile.flush()
                        self.connection.shutdown(2)
                        return
                    self._json(status, {"error": {"message": f"scripted {status}", "type": "test"}})
                    return
                if body.get("stream"):
                    self._stream(body)
                    return
                self._json(200, server.answer(self.path, body, self.headers.get("Authorization")))

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for piece in ["Soft ", "cotton", " dress"]:
                    chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    if server.garbled_stream:
                        self.wfile.write(b"data: {not json\n\n")
                last = {"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}
                usage = {"choices": [], "usage": {"prompt_tokens": 4, "completion_tokens": 3}}
                self.wfile.write(
                    f"data: {json.dumps(last)}\n\ndata: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode()
                )

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def answer(self, path: str, body: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        if path == "/v1/embeddings":
            # Unnormalised on purpose: [3, 4] has length 5.
            return {
                "data": [{"index": i, "embedding": [3.0, 4.0 + i]} for i, _ in enumerate(body["input"])],
                "usage": {"prompt_tokens": 9},
            }
        if path == "/v1/chat/completions":
            last = body["messages"][-1]["content"]
            choices = [
                {
                    "index": i,
                    "message": {"role": "assistant", "content": f"re: {last} #{i}"},
                    "finish_reason": "stop",
                }
                for i in range(body.get("n", 1))
            ]
            return {"choices": choices, "usage": {"prompt_tokens": 7, "completion_tokens": 5}}
        choices = [{"index": 0, "text": f"{body['prompt']} ... [{authorization}]", "finish_reason": "length"}]
        return {"choices": choices, "usage": {"prompt_tokens": 3, "completion_tokens": body["max_tokens"]}}


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    fake = FakeOpenAIServer()
    fake.thread.start()
    yield fake
    fake.httpd.shutdown()
    fake.httpd.server_close()


def backend_for(server: FakeOpenAIServer, **overrides: Any) -> OpenAIBackend:
    options: dict[str, Any] = {
        "base_url": server.url,
        "api_key": "sk-test",
        "timeout_seconds": 5,
        "max_retries": 2,
        "backoff_seconds": 0.01,
        "model_names": {"gemma-3-270m": "google/gemma-3-270m"},
    }
    options.update(overrides)
    return OpenAIBackend(OpenAIConfig(**options))


def test_completion_maps_parameters_and_result(server: FakeOpenAIServer) -> None:
    request = GenerationRequest(
        prompt="Title:", max_new_tokens=12, temperature=0.5, top_p=0.9, stop=("\n",), seed=4
    )
    (result,) = backend_for(server).generate([request], GENERATOR)
    path, body = server.requests[0]
    assert path == "/v1/completions"
    assert body == {
        "model": "google/gemma-3-270m",
        "prompt": "Title:",
        "max_tokens": 12,
        "temperature": 0.5,
        "top_p": 0.9,
        "n": 1,
        "stop": ["\n"],
        "seed": 4,
    }
    assert result.text == "Title: ... [Bearer sk-test]"
    assert (result.finish_reason, result.prompt_tokens, result.completion_tokens) == ("length", 3, 12)
    assert result.model == "gemma-3-270m"


def test_chat_request_goes_to_chat_completions_with_n_choices(server: FakeOpenAIServer) -> None:
    request = GenerationRequest(messages=(ChatMessage("system", "Be brief."), ChatMessage("user", "Hi")), n=2)
    (result,) = backend_for(server).generate([request], GENERATOR)
    path, body = server.requests[0]
    assert path == "/v1/chat/completions"
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert [choice.text for choice in result.choices] == ["re: Hi #0", "re: Hi #1"]
    assert [choice.completion_tokens for choice in result.choices] == [3, 2]  # 5 split, remainder first


def test_batches_keep_order(server: FakeOpenAIServer) -> None:
    requests = [GenerationRequest(prompt=f"p{i}", max_new_tokens=1 + i) for i in range(6)]
    results = backend_for(server, concurrency=3).generate(requests, GENERATOR)
    assert [result.text.split(" ")[0] for result in results] == [f"p{i}" for i in range(6)]
    assert [result.completion_tokens for result in results] == [1, 2, 3, 4, 5, 6]


def test_server_errors_are_retried_then_succeed(server: FakeOpenAIServer) -> None:
    server.failures = [500, 503]
    (result,) = backend_for(server).generate([GenerationRequest(prompt="x")], GENERATOR)
    assert result.text.startswith("x")
    assert len(server.requests) == 3


def test_dropped_connections_are_retried(server: FakeOpenAIServer) -> None:
    server.failures = [0]
    (result,) = backend_for(server).generate([GenerationRequest(prompt="x")], GENERATOR)
    assert result.text.startswith("x")
    assert len(server.requests) == 2


def test_persistent_server_errors_become_transient_after_the_retries(server: FakeOpenAIServer) -> None:
    server.failures = [502, 502, 502, 502]
    with pytest.raises(TransientInferenceError, match=r"\(3 tries; last: HTTP 502\)") as raised:
        backend_for(server).generate([GenerationRequest(prompt="x")], GENERATOR)
    assert "127.0.0.1" not in str(raised.value)  # the address is logged, never shown
    assert len(server.requests) == 3  # first try + max_retries (2)


def test_rate_limits_are_retried_then_become_transient(server: FakeOpenAIServer) -> None:
    # 429 means "busy, try later" (a hosted API's quota), not a bad request: never permanent.
    server.failures = [429]
    (result,) = backend_for(server).generate([GenerationRequest(prompt="x")], GENERATOR)
    assert result.text.startswith("x")
    assert len(server.requests) == 2
    server.failures = [429, 429, 429]
    with pytest.raises(TransientInferenceError, match="HTTP 429"):
        backend_for(server).generate([GenerationRequest(prompt="y")], GENERATOR)


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_are_not_retried_and_carry_the_server_message(
    server: FakeOpenAIServer, status: int
) -> None:
    server.failures = [status]
    with pytest.raises(BackendError, match=f"answered {status}: scripted {status}") as caught:
        backend_for(server).generate([GenerationRequest(prompt="x")], GENERATOR)
    assert caught.value.status_code == status
    assert len(server.requests) == 1


def test_unreachable_server_is_transient() -> None:
    backend = OpenAIBackend(
        OpenAIConfig(base_url="http://127.0.0.1:9/v1", max_retries=1, backoff_seconds=0.01)
    )
    with pytest.raises(TransientInferenceError, match="ConnectError"):
        backend.embed(["x"], EMBEDDER)


def test_embeddings_are_prefixed_and_normalised(server: FakeOpenAIServer) -> None:
    results = backend_for(server).embed(["a", "b"], EMBEDDER, kind="query")
    assert server.requests[0] == ("/v1/embeddings", {"model": "e5", "input": ["query: a", "query: b"]})
    assert results[0].vector == pytest.approx([0.6, 0.8])
    assert math.isclose(sum(v * v for v in results[1].vector), 1.0)


def test_stream_relays_deltas_and_final_usage(server: FakeOpenAIServer) -> None:
    events = list(backend_for(server).generate_stream(GenerationRequest(prompt="Describe:"), GENERATOR))
    assert [event.delta for event in events] == ["Soft ", "cotton", " dress", ""]
    assert (events[-1].finish_reason, events[-1].prompt_tokens, events[-1].completion_tokens) == (
        "length",
        4,
        3,
    )
    assert server.requests[0][1]["stream"] is True


def test_a_garbled_stream_chunk_is_a_backend_error(server: FakeOpenAIServer) -> None:
    server.garbled_stream = True
    events = backend_for(server).generate_stream(GenerationRequest(prompt="Describe:"), GENERATOR)
    assert next(events).delta == "Soft "
    with pytest.raises(BackendError, match="not JSON"):
        next(events)


def test_stream_retries_a_failed_start(server: FakeOpenAIServer) -> None:
    server.failures = [500]
    events = list(backend_for(server).generate_stream(GenerationRequest(prompt="Describe:"), GENERATOR))
    assert "".join(event.delta for event in events) == "Soft cotton dress"


def test_classification_is_refused(server: FakeOpenAIServer) -> None:
    with pytest.raises(InvalidRequest):
        backend_for(server).classify(["x"], ModelSpec(key="c", task="classify", path="unused"))
