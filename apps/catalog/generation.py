"""The catalog's door to the shared inference layer (apps.inference): batched candidates and streaming.

The inference layer is imported when first needed, so importing the catalog never loads torch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import conf
from .prompting import GenerationOptions, max_new_tokens, stop_strings

TEMPERATURE = 0.8
TOP_P = 0.95


@dataclass
class Draft:
    text: str
    finish_reason: str


@dataclass
class DraftBatch:
    model_key: str
    model_version: str
    drafts: list[list[Draft]]  # per prompt, its candidates


def _inference() -> Any:
    import apps.inference as layer

    return layer


def model_identity(*, store: Any) -> tuple[str, str]:
    """The key and version (source revision) of the generator this store uses."""
    key = conf.describe_model() or None
    try:
        from apps.inference.registry import resolve_model

        spec = resolve_model(key, task="generate", store=store)
    except Exception:  # an unknown key is reported by generate() itself
        return key or "", ""
    return spec.key, spec.revision


def model_max_length(*, store: Any) -> int | None:
    """Tokens the store's generator takes (prompt and draft together), where known."""
    try:
        from apps.inference.registry import resolve_model

        return resolve_model(conf.describe_model() or None, task="generate", store=store).max_length
    except Exception:
        return None


def _request(prompt: str, options: GenerationOptions, n: int) -> Any:
    from apps.inference.types import GenerationRequest

    return GenerationRequest(
        prompt=prompt,
        max_new_tokens=max_new_tokens(options),
        temperature=TEMPERATURE,
        top_p=TOP_P,
        stop=stop_strings(options.language),
        n=n,
        seed=options.seed,
    )


def drafts_generate(
    *, prompts: list[str], options: GenerationOptions, store: Any, n: int | None = None
) -> DraftBatch:
    """``n`` candidates for each prompt, in one batched call."""
    count = n if n is not None else options.candidates
    key, version = model_identity(store=store)
    requests = [_request(prompt, options, count) for prompt in prompts]
    generations = _inference().generate(requests, model=key or None, store=store)
    drafts = [
        [Draft(text=choice.text, finish_reason=choice.finish_reason) for choice in generation.choices]
        for generation in generations
    ]
    model = generations[0].model if generations else key
    return DraftBatch(model_key=model, model_version=version, drafts=drafts)


def draft_stream(*, prompt: str, options: GenerationOptions, store: Any) -> Iterator[tuple[str, str | None]]:
    """One candidate token by token: (delta, finish_reason); finish_reason is set on the last event."""
    key, _version = model_identity(store=store)
    for event in _inference().generate_stream(_request(prompt, options, 1), model=key or None, store=store):
        yield event.delta, event.finish_reason
