"""Any OpenAI-compatible server (vLLM, TGI, llama.cpp server, a hosted API) over HTTP.

Network faults, 5xx answers and 429 (rate limited: the server is busy, not the request
wrong) are retried with exponential back-off; any other 4xx answer is the caller's mistake
(unknown model, bad parameter) and is raised at once with the server's own message.
Retrying such a 4xx only repeats the mistake and burns quota.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings

from ..errors import BackendError, InvalidRequest, TransientInferenceError
from ..registry import ModelSpec
from ..types import (
    Choice,
    Classification,
    Embedding,
    FinishReason,
    Generation,
    GenerationRequest,
    StreamEvent,
)
from .base import EmbedKind

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenAIConfig:
    base_url: str
    api_key: str = ""
    timeout_seconds: float = 60.0
    max_retries: int = 3
    backoff_seconds: float = 0.5
    concurrency: int = 4
    # ecomai model key -> the server's model name; keys not listed are sent as they are.
    model_names: dict[str, str] | None = None

    @classmethod
    def from_settings(cls) -> OpenAIConfig:
        if not settings.INFERENCE_OPENAI_BASE_URL:
            raise BackendError("INFERENCE_BACKEND is 'openai' but INFERENCE_OPENAI_BASE_URL is empty.")
        return cls(
            base_url=settings.INFERENCE_OPENAI_BASE_URL,
            api_key=settings.INFERENCE_OPENAI_API_KEY,
            timeout_seconds=settings.INFERENCE_OPENAI_TIMEOUT_SECONDS,
            max_retries=settings.INFERENCE_OPENAI_MAX_RETRIES,
            backoff_seconds=settings.INFERENCE_OPENAI_BACKOFF_SECONDS,
            concurrency=settings.INFERENCE_OPENAI_CONCURRENCY,
            model_names=dict(settings.INFERENCE_OPENAI_MODELS),
        )


def _finish_reason(value: str | None) -> FinishReason:
    return "length" if value == "length" else "stop"


class OpenAIBackend:
    name = "openai"

    def __init__(self, config: OpenAIConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._client = httpx.Client(
            base_url=config.base_url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(config.timeout_seconds, connect=min(10.0, config.timeout_seconds)),
            transport=transport,
        )

    @classmethod
    def from_settings(cls) -> OpenAIBackend:
        return cls(OpenAIConfig.from_settings())

    def close(self) -> None:
        self._client.close()

    # --- HTTP with the retry policy -----------------------------------------------------

    def _server_model(self, spec: ModelSpec) -> str:
        return (self.config.model_names or {}).get(spec.key, spec.key)

    def _raise_for_client_error(self, response: httpx.Response) -> None:
        try:
            detail = response.json().get("error", {})
            message = detail.get("message") if isinstance(detail, dict) else str(detail)
        except (ValueError, AttributeError):
            message = None
        message = message or response.text[:500] or response.reason_phrase
        raise BackendError(
            f"POST {response.request.url.path} answered {response.status_code}: {message}",
            status_code=response.status_code,
        )

    def _send(self, path: str, payload: dict[str, Any], *, stream: bool = False) -> httpx.Response:
        """POST with retries; returns a 2xx response (open, when streaming)."""
        last_problem = ""
        for attempt in range(self.config.max_retries + 1):
            if attempt:
                time.sleep(self.config.backoff_seconds * 2 ** (attempt - 1))
            try:
                request = self._client.build_request("POST", path, json=payload)
                response = self._client.send(request, stream=stream)
            except httpx.TransportError as error:
                last_problem = f"{type(error).__name__}: {error}"
                logger.warning(
                    "inference: %s %s failed (%s), attempt %d", "POST", path, last_problem, attempt + 1
                )
                continue
            if response.status_code >= 500 or response.status_code == 429:
                last_problem = f"HTTP {response.status_code}"
                response.read()
                response.close()
                logger.warning(
                    "inference: POST %s answered %s, attempt %d", path, response.status_code, attempt + 1
                )
                continue
            if response.status_code >= 400:
                response.read()
                response.close()
                self._raise_for_client_error(response)
            return response
        # The server's address stays in the log: this message reaches job items and merchants.
        raise TransientInferenceError(
            f"The model server did not answer POST {path} ({self.config.max_retries + 1} tries; "
            f"last: {last_problem})."
        )

    def _post_json(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = self._send(path, payload)
        try:
            body = response.json()
        except ValueError:
            raise BackendError(
                f"POST {path} answered something that is not JSON: {response.text[:200]!r}"
            ) from None
        if not isinstance(body, dict):
            raise BackendError(f"POST {path} answered unexpected JSON: {body!r:.200}")
        return body

    # --- generation ---------------------------------------------------------------------

    def _payload(
        self, request: GenerationRequest, spec: ModelSpec, *, stream: bool
    ) -> tuple[str, dict[str, Any]]:
        payload: dict[str, Any] = {
            "model": self._server_model(spec),
            "max_tokens": request.max_new_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "n": request.n,
        }
        if request.stop:
            payload["stop"] = list(request.stop)
        if request.seed is not None:
            payload["seed"] = request.seed
        if stream:
            payload["stream"] = True
            payload["stream_options"] = {"include_usage": True}
        if request.messages is not None:
            payload["messages"] = [{"role": m.role, "content": m.content} for m in request.messages]
            return "chat/completions", payload
        payload["prompt"] = request.prompt
        return "completions", payload

    def _generate_one(self, request: GenerationRequest, spec: ModelSpec) -> Generation:
        path, payload = self._payload(request, spec, stream=False)
        body = self._post_json(path, payload)
        try:
            choices = sorted(body["choices"], key=lambda choice: choice.get("index", 0))
            usage = body.get("usage") or {}
            parsed = [
                Choice(
                    text=(choice["message"]["content"] or "") if "message" in choice else choice["text"],
                    finish_reason=_finish_reason(choice.get("finish_reason")),
                    completion_tokens=0,
                )
                for choice in choices
            ]
        except (KeyError, TypeError) as error:
            raise BackendError(f"POST {path} answered without {error}: {json.dumps(body)[:200]}") from None
        if parsed and usage.get("completion_tokens") is not None:
            # Servers report one total; attribute it evenly, remainder to the first choice.
            total, count = int(usage["completion_tokens"]), len(parsed)
            shares = [total // count + (1 if index < total % count else 0) for index in range(count)]
            parsed = [Choice(c.text, c.finish_reason, share) for c, share in zip(parsed, shares, strict=True)]
        return Generation(model=spec.key, choices=parsed, prompt_tokens=int(usage.get("prompt_tokens") or 0))

    def generate(self, requests: Sequence[GenerationRequest], spec: ModelSpec) -> list[Generation]:
        if len(requests) <= 1 or self.config.concurrency <= 1:
            return [self._generate_one(request, spec) for request in requests]
        # Servers like vLLM batch concurrent requests themselves; keep a few in flight.
        with ThreadPoolExecutor(max_workers=min(self.config.concurrency, len(requests))) as pool:
            return list(pool.map(lambda request: self._generate_one(request, spec), requests))

    def generate_stream(self, request: GenerationRequest, spec: ModelSpec) -> Iterator[StreamEvent]:
        if request.n != 1:
            raise InvalidRequest("Streaming serves one candidate; use generate() for n > 1.")
        path, payload = self._payload(request, spec, stream=True)
        response = self._send(path, payload, stream=True)
        finish: FinishReason | None = None
        usage: dict[str, Any] = {}
        try:
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[len("data:") :].strip()
                if data == "[DONE]":
                    break
                try:
                    chunk = json.loads(data)
                except ValueError:
                    raise BackendError(
                        f"POST {path} streamed a chunk that is not JSON: {data[:200]!r}"
                    ) from None
                usage = chunk.get("usage") or usage
                for choice in chunk.get("choices") or []:
                    delta = (
                        (choice.get("delta") or {}).get("content")
                        if "delta" in choice
                        else choice.get("text")
                    )
                    if choice.get("finish_reason"):
                        finish = _finish_reason(choice["finish_reason"])
                    if delta:
                        yield StreamEvent(delta=delta)
        except httpx.TransportError as error:
            raise TransientInferenceError(f"The stream from {self.config.base_url} broke: {error}") from error
        finally:
            response.close()
        yield StreamEvent(
            delta="",
            finish_reason=finish or "stop",
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
        )

    # --- encoders -----------------------------------------------------------------------

    def embed(self, texts: Sequence[str], spec: ModelSpec, *, kind: EmbedKind = "passage") -> list[Embedding]:
        prefix = spec.query_prefix if kind == "query" else spec.passage_prefix
        body = self._post_json(
            "embeddings", {"model": self._server_model(spec), "input": [prefix + t for t in texts]}
        )
        try:
            rows = sorted(body["data"], key=lambda row: row.get("index", 0))
            vectors = [[float(value) for value in row["embedding"]] for row in rows]
        except (KeyError, TypeError, ValueError) as error:
            raise BackendError(f"POST embeddings answered without {error}") from None
        if len(vectors) != len(texts):
            raise BackendError(f"POST embeddings answered {len(vectors)} vectors for {len(texts)} texts.")
        results = []
        for vector in vectors:
            # Not every server normalises; callers rely on dot product == cosine.
            norm = math.sqrt(sum(value * value for value in vector)) or 1.0
            results.append(Embedding(model=spec.key, vector=[value / norm for value in vector], tokens=0))
        return results

    def classify(self, texts: Sequence[str], spec: ModelSpec) -> list[Classification]:
        raise InvalidRequest(
            "OpenAI-compatible servers have no classification endpoint; classify runs locally."
        )
