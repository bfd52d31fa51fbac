"""The one entry point every module calls: ``generate``, ``generate_stream``, ``classify``, ``embed``.

Where the work runs is decided per call, never by the caller:

* ``INFERENCE_BACKEND=openai``: generation and embeddings go to the OpenAI-compatible
  server; classification (which such servers do not offer) still runs on local models.
* local models, inside a Celery worker (or with ``INFERENCE_IN_PROCESS``): run in this
  process with transformers + torch;
* local models anywhere else (the web process): sent to the inference worker's own endpoint
  where ``INFERENCE_SERVER_URL`` is set (interactive lane, no queue; server.py), else to the
  ``inference`` queue, so the web process never imports torch.

``agenerate`` and ``agenerate_stream`` are the same calls for async views: where the backend can
await the worker (the endpoint), the wait holds no thread; other backends run in a thread.

Tests swap the whole decision for a fake with ``use_backend`` (the suite's is tests/inference_fake.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager

from asgiref.sync import sync_to_async
from django.conf import settings

from apps.core.streaming import iterate_in_thread

from . import usage
from .backends.base import Backend, EmbedKind
from .errors import InvalidRequest
from .registry import ModelSpec, Task, resolve_model
from .types import Classification, Embedding, Generation, GenerationRequest, StoreRef, StreamEvent

_override: Backend | None = None
_openai: Backend | None = None


@contextmanager
def use_backend(backend: Backend) -> Iterator[Backend]:
    """Route every call to ``backend`` inside the block (tests, benchmarks, scripts)."""
    global _override
    previous, _override = _override, backend
    try:
        yield backend
    finally:
        _override = previous


def runs_in_process() -> bool:
    """True where local models may be loaded here: a Celery worker executing a task, or opted in."""
    if settings.INFERENCE_IN_PROCESS:
        return True
    from celery import current_task

    # current_task is a proxy: falsy outside a task; called_directly when a task function is
    # simply called (not executed by a worker).
    return bool(current_task) and not current_task.request.called_directly


def backend_for(task: Task) -> Backend:
    global _openai
    if _override is not None:
        return _override
    if settings.INFERENCE_BACKEND == "openai" and task != "classify":
        if _openai is None:
            from .backends.openai import OpenAIBackend

            _openai = OpenAIBackend.from_settings()
        return _openai
    if settings.INFERENCE_BACKEND not in ("local", "openai"):
        raise ValueError(
            f"INFERENCE_BACKEND must be 'local' or 'openai', not {settings.INFERENCE_BACKEND!r}."
        )
    if runs_in_process():
        from .backends.local import LocalBackend

        return LocalBackend()
    if settings.INFERENCE_SERVER_URL:
        from .backends.server import ServerBackend

        return ServerBackend()
    from .backends.queue import QueueBackend

    return QueueBackend()


def generate(
    requests: Sequence[GenerationRequest], *, model: str | None = None, store: StoreRef | None = None
) -> list[Generation]:
    """One ``Generation`` per request, in order. ``model=None`` uses the store's or the default generator."""
    if not requests:
        return []
    spec = resolve_model(model, task="generate", store=store)
    usage.check(store)
    generations = backend_for("generate").generate(list(requests), spec)
    _record_generations(store, generations)
    return generations


def _record_generations(store: StoreRef | None, generations: Sequence[Generation]) -> None:
    usage.record(
        store,
        prompt_tokens=sum(generation.prompt_tokens for generation in generations),
        generated_tokens=sum(
            choice.completion_tokens for generation in generations for choice in generation.choices
        ),
    )


def _checked_spec(model: str | None, store: StoreRef | None) -> ModelSpec:
    spec = resolve_model(model, task="generate", store=store)
    usage.check(store)
    return spec


async def agenerate(
    requests: Sequence[GenerationRequest], *, model: str | None = None, store: StoreRef | None = None
) -> list[Generation]:
    """``generate`` for async code."""
    if not requests:
        return []
    spec = await sync_to_async(_checked_spec)(model, store)
    backend = backend_for("generate")
    awaitable = getattr(backend, "agenerate", None)
    if awaitable is not None:
        generations = await awaitable(list(requests), spec)
    else:  # a backend with no async form runs in a thread
        generations = await sync_to_async(backend.generate, thread_sensitive=False)(list(requests), spec)
    await sync_to_async(_record_generations)(store, generations)
    return generations


async def agenerate_stream(
    request: GenerationRequest, *, model: str | None = None, store: StoreRef | None = None
) -> AsyncIterator[StreamEvent]:
    """``generate_stream`` for async code: closing it stops the generation."""
    spec = await sync_to_async(_checked_spec)(model, store)
    backend = backend_for("generate")
    streaming = getattr(backend, "agenerate_stream", None)
    events: AsyncIterator[StreamEvent] = (
        streaming(request, spec)
        if streaming is not None
        else iterate_in_thread(backend.generate_stream(request, spec))
    )
    try:
        async for event in events:
            if event.final:
                await sync_to_async(usage.record)(
                    store,
                    prompt_tokens=event.prompt_tokens or 0,
                    generated_tokens=event.completion_tokens or 0,
                )
            yield event
    finally:
        await events.aclose()  # type: ignore[attr-defined]


def generate_stream(
    request: GenerationRequest, *, model: str | None = None, store: StoreRef | None = None
) -> Iterator[StreamEvent]:
    """Text pieces as they are produced; the last event carries the finish reason and counts."""
    spec = resolve_model(model, task="generate", store=store)
    usage.check(store)
    return _metered(backend_for("generate").generate_stream(request, spec), store)


def _metered(events: Iterator[StreamEvent], store: StoreRef | None) -> Iterator[StreamEvent]:
    for event in events:
        if event.final:
            usage.record(
                store, prompt_tokens=event.prompt_tokens or 0, generated_tokens=event.completion_tokens or 0
            )
        yield event


def _spec(model: str | ModelSpec | None, task: Task, store: StoreRef | None) -> ModelSpec:
    """A spec given by the caller (resolved once for several calls, e.g. a batch job) is used as it is."""
    if isinstance(model, ModelSpec):
        if model.task != task:
            raise InvalidRequest(f"Model {model.key!r} is a {model.task} model, not a {task} model.")
        return model
    return resolve_model(model, task=task, store=store)


def classify(
    texts: Sequence[str], *, model: str | ModelSpec | None = None, store: StoreRef | None = None
) -> list[Classification]:
    """The label and label probabilities of each text, in order."""
    if not texts:
        return []
    spec = _spec(model, "classify", store)
    return backend_for("classify").classify(list(texts), spec)


def embed(
    texts: Sequence[str],
    *,
    model: str | ModelSpec | None = None,
    store: StoreRef | None = None,
    kind: EmbedKind = "passage",
) -> list[Embedding]:
    """Unit-length vectors, in order. ``kind="query"`` for search queries (models with prefixes differ)."""
    if not texts:
        return []
    spec = _spec(model, "embed", store)
    return backend_for("embed").embed(list(texts), spec, kind=kind)
