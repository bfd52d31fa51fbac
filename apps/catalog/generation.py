"""The catalog's door to the shared inference layer: batched candidates and streaming.

Importing the inference layer never imports torch (the web process relies on that).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass

from asgiref.sync import sync_to_async

from apps import inference
from apps.accounts.models import Store

from . import conf
from .text.drafts import Draft
from .text.options import GenerationOptions
from .text.prompting import max_new_tokens, shared_prefix, stop_strings

TEMPERATURE = 0.8
TOP_P = 0.95


@dataclass(frozen=True)
class DraftBatch:
    model_key: str
    model_version: str
    drafts: list[list[Draft]]  # per prompt, its candidates


def _spec(store: Store) -> inference.ModelSpec | None:
    try:
        return inference.resolve_model(conf.describe_model() or None, task="generate", store=store)
    except inference.InferenceError:  # an unknown key is reported by generate() itself
        return None


def model_identity(*, store: Store) -> tuple[str, str]:
    """The key and version (source revision) of the generator this store uses."""
    spec = _spec(store)
    return (spec.key, spec.revision) if spec else (conf.describe_model(), "")


def model_max_length(*, store: Store) -> int | None:
    """Tokens the store's generator takes (prompt and draft together), where known."""
    spec = _spec(store)
    return spec.max_length if spec else None


def _request(
    prompt: str, options: GenerationOptions, n: int, max_tokens: int | None = None
) -> inference.GenerationRequest:
    return inference.GenerationRequest(
        prompt=prompt,
        max_new_tokens=max_tokens or max_new_tokens(options),
        temperature=TEMPERATURE,
        top_p=TOP_P,
        stop=stop_strings(options.language),
        n=n,
        seed=options.seed,
        shared_prefix=shared_prefix(prompt),
    )


def _requests(
    prompts: list[str], options: GenerationOptions, count: int, max_tokens: list[int] | None
) -> list[inference.GenerationRequest]:
    limits = max_tokens or [0] * len(prompts)
    return [_request(prompt, options, count, limit) for prompt, limit in zip(prompts, limits, strict=True)]


def _batch(generations: Sequence[inference.Generation], key: str, version: str) -> DraftBatch:
    drafts = [
        [Draft(text=choice.text, finish_reason=choice.finish_reason) for choice in generated.choices]
        for generated in generations
    ]
    model = generations[0].model if generations else key
    return DraftBatch(model_key=model, model_version=version, drafts=drafts)


def drafts_generate(
    *,
    prompts: list[str],
    options: GenerationOptions,
    store: Store | None,
    n: int | None = None,
    max_tokens: list[int] | None = None,
) -> DraftBatch:
    """``n`` candidates for each prompt, in one batched call (``max_tokens``: per prompt, where given).

    ``store`` None uses the default generator (benchmarks)."""
    count = n if n is not None else options.candidates
    key, version = model_identity(store=store) if store is not None else ("", "")
    requests = _requests(prompts, options, count, max_tokens)
    return _batch(inference.generate(requests, model=key or None, store=store), key, version)


async def adrafts_generate(
    *, prompts: list[str], options: GenerationOptions, store: Store, n: int, max_tokens: list[int]
) -> DraftBatch:
    """``drafts_generate`` for async views."""
    key, version = await sync_to_async(model_identity)(store=store)
    requests = _requests(prompts, options, n, max_tokens)
    return _batch(await inference.agenerate(requests, model=key or None, store=store), key, version)


def draft_stream(
    *, prompt: str, options: GenerationOptions, store: Store, max_tokens: int | None = None
) -> Iterator[tuple[str, str | None]]:
    """One candidate token by token: (delta, finish_reason); finish_reason is set on the last event."""
    key, _version = model_identity(store=store)
    request = _request(prompt, options, 1, max_tokens)
    for event in inference.generate_stream(request, model=key or None, store=store):
        yield event.delta, event.finish_reason


async def adraft_stream(
    *, prompt: str, options: GenerationOptions, store: Store, max_tokens: int | None = None
) -> AsyncIterator[tuple[str, str | None]]:
    """``draft_stream`` for async views: closing it stops the generation."""
    key, _version = await sync_to_async(model_identity)(store=store)
    events = inference.agenerate_stream(
        _request(prompt, options, 1, max_tokens), model=key or None, store=store
    )
    try:
        async for event in events:
            yield event.delta, event.finish_reason
    finally:
        await events.aclose()  # type: ignore[attr-defined]
