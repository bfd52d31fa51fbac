"""The web process's backend for interactive calls: the inference worker's own endpoint.

Used when ``INFERENCE_SERVER_URL`` is set (``manage.py serve`` and docker-compose set it):
a call goes straight to the worker that holds the models (apps/inference/server.py) and
joins its running batch in the interactive lane; a stream arrives token by token over the
open connection. Where nothing listens (the worker is restarting, or runs without the
endpoint) the call goes through the ``inference`` queue instead, as without the setting.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import httpx
from asgiref.sync import sync_to_async
from django.conf import settings

from apps.core.streaming import iterate_in_thread

from .. import errors
from ..registry import ModelSpec, spec_to_dict
from ..types import Classification, Embedding, Generation, GenerationRequest, StreamEvent
from .base import EmbedKind
from .queue import QueueBackend

logger = logging.getLogger(__name__)

CONNECT_SECONDS = 2.0


def _raise_remote(error: dict[str, str]) -> None:
    cls = getattr(errors, error.get("type", ""), None)
    if not (isinstance(cls, type) and issubclass(cls, errors.InferenceError)):
        cls = errors.InferenceError
    raise cls(error.get("message", "inference failed on the worker"))


def _client_options(url: str) -> dict[str, Any]:
    timeout = httpx.Timeout(float(settings.INFERENCE_QUEUE_TIMEOUT_SECONDS), connect=CONNECT_SECONDS)
    token = str(settings.INFERENCE_SERVER_TOKEN or "")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if url.startswith("unix:"):
        return {"base_url": "http://inference", "timeout": timeout, "headers": headers}
    return {"base_url": url.rstrip("/"), "timeout": timeout, "headers": headers}


def _client(url: str) -> httpx.Client:
    if url.startswith("unix:"):
        transport = httpx.HTTPTransport(uds=url.removeprefix("unix:"))
        return httpx.Client(transport=transport, **_client_options(url))
    return httpx.Client(**_client_options(url))


def _async_client(url: str) -> httpx.AsyncClient:
    """The async views' client: waiting on the worker holds no thread."""
    if url.startswith("unix:"):
        transport = httpx.AsyncHTTPTransport(uds=url.removeprefix("unix:"))
        return httpx.AsyncClient(transport=transport, **_client_options(url))
    return httpx.AsyncClient(**_client_options(url))


def _results(result: dict[str, Any]) -> list[dict[str, Any]]:
    if "error" in result:
        _raise_remote(result["error"])
    return list(result["ok"])


def _stream_event(line: str) -> StreamEvent | None:
    """The event a line of the worker's stream carries (None for a blank line); raises its error."""
    if not line:
        return None
    event = json.loads(line)
    if "error" in event:
        _raise_remote(event["error"])
    if "final" in event:
        return StreamEvent(**event["final"])
    return StreamEvent(delta=str(event["delta"]))


def _ended_early() -> errors.TransientInferenceError:
    return errors.TransientInferenceError("The inference worker ended the stream early.")


def _timed_out(error: Exception) -> errors.TransientInferenceError:
    return errors.TransientInferenceError(f"The inference worker stopped answering: {error}")


def _went_away(error: Exception) -> errors.TransientInferenceError:
    return errors.TransientInferenceError(f"The inference worker went away: {error}")


class ServerBackend:
    name = "server"

    def __init__(self, url: str | None = None) -> None:
        self.url = url or str(settings.INFERENCE_SERVER_URL)
        self.fallback = QueueBackend()

    def _run(self, operation: str, spec: ModelSpec, payload: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The results, or None where no worker listens (the caller falls back to the queue)."""
        body = {"operation": operation, "spec": spec_to_dict(spec), "payload": payload}
        try:
            with _client(self.url) as client:
                response = client.post("/v1/run", json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            logger.info("inference server %s unreachable (%s); using the queue", self.url, error)
            return None
        except httpx.TimeoutException as error:
            raise _timed_out(error) from None
        return _results(response.json())

    def generate(self, requests: Sequence[GenerationRequest], spec: ModelSpec) -> list[Generation]:
        rows = self._run("generate", spec, {"requests": [request.to_dict() for request in requests]})
        if rows is None:
            return self.fallback.generate(requests, spec)
        return [Generation.from_dict(row) for row in rows]

    def classify(self, texts: Sequence[str], spec: ModelSpec) -> list[Classification]:
        rows = self._run("classify", spec, {"texts": list(texts)})
        if rows is None:
            return self.fallback.classify(texts, spec)
        return [Classification.from_dict(row) for row in rows]

    def embed(self, texts: Sequence[str], spec: ModelSpec, *, kind: EmbedKind = "passage") -> list[Embedding]:
        rows = self._run("embed", spec, {"texts": list(texts), "kind": kind})
        if rows is None:
            return self.fallback.embed(texts, spec, kind=kind)
        return [Embedding.from_dict(row) for row in rows]

    def generate_stream(self, request: GenerationRequest, spec: ModelSpec) -> Iterator[StreamEvent]:
        body = {"spec": spec_to_dict(spec), "request": request.to_dict()}
        with _client(self.url) as client:
            try:
                context = client.stream("POST", "/v1/stream", json=body)
                response = context.__enter__()
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                logger.info("inference server %s unreachable (%s); using the queue", self.url, error)
                yield from self.fallback.generate_stream(request, spec)
                return
            try:
                for line in response.iter_lines():
                    event = _stream_event(line)
                    if event is not None:
                        yield event
                        if event.final:
                            return
                raise _ended_early()
            except httpx.TimeoutException as error:
                raise _timed_out(error) from None
            except httpx.RemoteProtocolError as error:
                raise _went_away(error) from None
            finally:
                context.__exit__(None, None, None)

    async def agenerate(self, requests: Sequence[GenerationRequest], spec: ModelSpec) -> list[Generation]:
        """As ``generate``, awaited; where no worker listens, the queue's answer, waited for in a thread."""
        body = {
            "operation": "generate",
            "spec": spec_to_dict(spec),
            "payload": {"requests": [request.to_dict() for request in requests]},
        }
        try:
            async with _async_client(self.url) as client:
                response = await client.post("/v1/run", json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            logger.info("inference server %s unreachable (%s); using the queue", self.url, error)
            return await sync_to_async(self.fallback.generate, thread_sensitive=False)(requests, spec)
        except httpx.TimeoutException as error:
            raise _timed_out(error) from None
        return [Generation.from_dict(row) for row in _results(response.json())]

    async def agenerate_stream(
        self, request: GenerationRequest, spec: ModelSpec
    ) -> AsyncIterator[StreamEvent]:
        """As ``generate_stream``, relayed by the event loop; closing it closes the connection, which
        cancels the request's rows on the worker."""
        body = {"spec": spec_to_dict(spec), "request": request.to_dict()}
        async with _async_client(self.url) as client:
            try:
                context = client.stream("POST", "/v1/stream", json=body)
                response = await context.__aenter__()
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                logger.info("inference server %s unreachable (%s); using the queue", self.url, error)
                async for queued in iterate_in_thread(self.fallback.generate_stream(request, spec)):
                    yield queued
                return
            try:
                async for line in response.aiter_lines():
                    event = _stream_event(line)
                    if event is not None:
                        yield event
                        if event.final:
                            return
                raise _ended_early()
            except httpx.TimeoutException as error:
                raise _timed_out(error) from None
            except httpx.RemoteProtocolError as error:
                raise _went_away(error) from None
            finally:
                await context.__aexit__(None, None, None)
