"""Batched text generation: left padding, one KV cache per batch, per-row sampling.

Rows of a batch share every forward pass but keep their own sampling parameters, stop
strings and random generator, so a seeded request gives the same text whether it runs
alone or beside others, and a batch of 16 costs little more per step than one row.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field

import torch

from ..errors import InvalidRequest
from ..types import Choice, FinishReason, Generation, GenerationRequest, StreamEvent
from . import adapters
from .decode_threads import MIN_STEPS, chooser_for, torch_threads
from .loading import LoadedModel
from .runtime import use_configured_threads


@dataclass
class Row:
    """One sequence being decoded: a request's candidate."""

    request_index: int
    prompt_ids: list[int]
    request: GenerationRequest
    generator: torch.Generator | None
    tokens: list[int] = field(default_factory=list)
    text: str = ""
    finish_reason: FinishReason | None = None
    ended_by_eos: bool = False


def prompt_token_ids(loaded: LoadedModel, request: GenerationRequest) -> list[int]:
    tokenizer, spec = loaded.tokenizer, loaded.spec
    if request.messages is not None:
        if not getattr(tokenizer, "chat_template", None):
            raise InvalidRequest(
                f"Model {spec.key!r} has no chat template (it is a base model): send a prompt, not messages."
            )
        text = tokenizer.apply_chat_template(
            [asdict(message) for message in request.messages], add_generation_prompt=True, tokenize=False
        )
        ids = list(tokenizer(text, add_special_tokens=False)["input_ids"])
    else:
        ids = list(tokenizer(request.prompt)["input_ids"])
    if not ids:
        raise InvalidRequest("The prompt is empty.")
    if len(ids) + request.max_new_tokens > spec.max_length:
        raise InvalidRequest(
            f"Prompt of {len(ids)} tokens + {request.max_new_tokens} new tokens exceeds "
            f"{spec.key!r}'s limit of {spec.max_length}."
        )
    return ids


def _stop_token_ids(loaded: LoadedModel) -> set[int]:
    ids: set[int] = set()
    for source in (
        loaded.tokenizer.eos_token_id,
        getattr(loaded.model.generation_config, "eos_token_id", None),
    ):
        if isinstance(source, int):
            ids.add(source)
        elif source:
            ids.update(int(token) for token in source)
    return ids


def _pad_token_id(loaded: LoadedModel, stop_ids: set[int]) -> int:
    pad = loaded.tokenizer.pad_token_id
    if pad is None:
        pad = min(stop_ids) if stop_ids else 0
    return int(pad)


def _generator(seed: int | None) -> torch.Generator:
    generator = torch.Generator()
    generator.manual_seed(seed if seed is not None else int.from_bytes(os.urandom(8), "little") >> 1)
    return generator


# Nucleus sampling looks at this many of the most likely tokens first (and more only where they hold
# less than top_p of the mass): a full sort of a 262k-token vocabulary per row per step cost more than
# the model's forward pass.
NUCLEUS_FIRST_K = 64


def _pick(logits: torch.Tensor, request: GenerationRequest, generator: torch.Generator | None) -> int:
    if request.greedy or generator is None:
        return int(torch.argmax(logits))
    probabilities = torch.softmax(logits / request.temperature, dim=-1)
    if request.top_p < 1.0:
        size, k = probabilities.shape[-1], NUCLEUS_FIRST_K
        while True:
            # The k most likely tokens, most likely first: the nucleus (the shortest such prefix whose
            # mass reaches top_p) lies inside them once their mass reaches top_p, so this is exact.
            top, order = torch.topk(probabilities, min(k, size))
            if float(top.sum()) >= request.top_p or k >= size:
                break
            k *= 8
        return _nucleus_choice(top, order, request.top_p, generator)
    return int(torch.multinomial(probabilities, 1, generator=generator))


def _nucleus_choice(top: torch.Tensor, order: torch.Tensor, top_p: float, generator: torch.Generator) -> int:
    """A token from the most likely ``top`` probabilities (token ids ``order``) whose mass reaches top_p."""
    # Keep the smallest prefix whose mass reaches top_p (always at least the top token).
    outside = torch.cumsum(top, dim=-1) - top >= top_p
    top[outside] = 0.0
    choice = torch.multinomial(top, 1, generator=generator)
    return int(order[choice])


def pick_tokens(logits: torch.Tensor, rows: Sequence[Row]) -> list[int | None]:
    """The next token of each unfinished row (None for finished ones) from ``logits`` (rows x vocabulary,
    on the model's device), as ``_pick`` would choose it row by row.

    The vocabulary-wide work (argmax, softmax, the top tokens) runs once for the whole batch where the
    logits are; only the few top tokens of each sampled row come to the CPU, where its own seeded
    generator draws. A row whose top tokens hold less than its top_p (or that samples without top_p)
    takes the row-by-row path."""
    picks: list[int | None] = [None] * len(rows)
    live = [index for index, row in enumerate(rows) if row.finish_reason is None]
    greedy = [index for index in live if rows[index].request.greedy or rows[index].generator is None]
    sampled = [index for index in live if not (rows[index].request.greedy or rows[index].generator is None)]
    if greedy:
        for index, token in zip(greedy, logits[greedy].argmax(dim=-1).tolist(), strict=True):
            picks[index] = int(token)
    if sampled:
        temperatures = torch.tensor(
            [rows[index].request.temperature for index in sampled], dtype=logits.dtype, device=logits.device
        )
        probabilities = torch.softmax(logits[sampled] / temperatures.unsqueeze(-1), dim=-1)
        top, order = (
            part.cpu() for part in torch.topk(probabilities, min(NUCLEUS_FIRST_K, logits.shape[-1]))
        )
        for position, index in enumerate(sampled):
            row = rows[index]
            generator = row.generator
            assert generator is not None
            if row.request.top_p < 1.0 and float(top[position].sum()) >= row.request.top_p:
                picks[index] = _nucleus_choice(top[position], order[position], row.request.top_p, generator)
            else:
                picks[index] = _pick(logits[index].cpu(), row.request, generator)
    return picks


def _update_text(loaded: LoadedModel, row: Row) -> None:
    text = loaded.tokenizer.decode(row.tokens, skip_special_tokens=True)
    cut = min(
        (index for index in (text.find(stop) for stop in row.request.stop if stop) if index >= 0), default=-1
    )
    if cut >= 0:
        row.text = text[:cut]
        row.finish_reason = "stop"
    else:
        row.text = text


def decode(loaded: LoadedModel, rows: list[Row]) -> Iterator[list[Row]]:
    """Decode ``rows`` together, yielding the rows after every step until all are finished."""
    model, device = loaded.model, loaded.device
    stop_ids = _stop_token_ids(loaded)
    pad_id = _pad_token_id(loaded, stop_ids)
    width = max(len(row.prompt_ids) for row in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
    for index, row in enumerate(rows):
        # Left padding: every row's last prompt token sits in the last column, so the
        # next-token logits of all rows come from the same position.
        input_ids[index, width - len(row.prompt_ids) :] = torch.tensor(row.prompt_ids)
        attention_mask[index, width - len(row.prompt_ids) :] = 1
    position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)
    input_ids, attention_mask, position_ids = (
        input_ids.to(device),
        attention_mask.to(device),
        position_ids.to(device),
    )
    past = None
    cache_argument = _cache_argument(model)
    steps = max(row.request.max_new_tokens for row in rows)
    # One row on a CPU: the decode steps run on the thread count measured fastest for this model.
    use_configured_threads()
    chooser = chooser_for(model, loaded.spec.key) if len(rows) == 1 and device.type == "cpu" else None
    threads = chooser.pick() if chooser is not None else None
    timed_seconds, timed_steps = 0.0, 0
    try:
        for step in range(steps):
            started = time.perf_counter()
            # Switched for the forward pass only: the caller runs between steps on the usual count.
            switched = (
                torch_threads(threads) if threads is not None and step >= 1 else contextlib.nullcontext()
            )
            with (
                torch.inference_mode(),
                switched,
                adapters.rows(loaded.adapters, [loaded.adapter] * len(rows)),
            ):
                output = model(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    position_ids=position_ids,
                    use_cache=True,
                    logits_to_keep=1,
                    **{cache_argument: past},
                )
                past = getattr(output, cache_argument)
                logits = output.logits[:, -1, :].float().cpu()
            next_tokens = []
            for index, row in enumerate(rows):
                if row.finish_reason is not None:
                    next_tokens.append(pad_id)
                    continue
                token = _pick(logits[index], row.request, row.generator)
                next_tokens.append(token)
                if token in stop_ids:
                    row.finish_reason = "stop"
                    row.ended_by_eos = True
                    continue
                row.tokens.append(token)
                _update_text(loaded, row)
                if row.finish_reason is None and len(row.tokens) >= row.request.max_new_tokens:
                    row.finish_reason = "length"
            if step >= 2:  # the prompt pass and the first step on new threads are not typical
                timed_seconds += time.perf_counter() - started
                timed_steps += 1
            yield rows
            if all(row.finish_reason is not None for row in rows):
                return
            input_ids = torch.tensor(next_tokens, dtype=torch.long, device=device).unsqueeze(-1)
            attention_mask = torch.cat([attention_mask, attention_mask.new_ones((len(rows), 1))], dim=-1)
            position_ids = position_ids[:, -1:] + 1
    finally:
        if chooser is not None and threads is not None and timed_steps >= MIN_STEPS:
            chooser.record(threads, timed_seconds / timed_steps)


def _cache_argument(model: torch.nn.Module) -> str:
    """The KV-cache keyword: ``cache`` in recent transformers, ``past_key_values`` before."""
    return "cache" if "cache" in inspect.signature(type(model).forward).parameters else "past_key_values"


def _rows_for(loaded: LoadedModel, requests: Sequence[GenerationRequest]) -> list[Row]:
    rows: list[Row] = []
    for request_index, request in enumerate(requests):
        ids = prompt_token_ids(loaded, request)
        # Greedy candidates are identical: decode one and copy it.
        candidates = 1 if request.greedy else request.n
        for candidate in range(candidates):
            seed = None if request.seed is None else request.seed + candidate
            generator = None if request.greedy else _generator(seed)
            rows.append(Row(request_index, ids, request, generator))
    return rows


def generate(loaded: LoadedModel, requests: Sequence[GenerationRequest]) -> list[Generation]:
    rows = _rows_for(loaded, requests)
    # Similar prompt lengths share a batch, so left padding wastes little.
    ordered = sorted(rows, key=lambda row: len(row.prompt_ids))
    batch_size = loaded.spec.max_batch
    for start in range(0, len(ordered), batch_size):
        for _ in decode(loaded, ordered[start : start + batch_size]):
            pass
    results: list[Generation] = []
    for request_index, request in enumerate(requests):
        own = [row for row in rows if row.request_index == request_index]
        choices = [
            Choice(text=row.text, finish_reason=row.finish_reason or "length", completion_tokens=_count(row))
            for row in own
        ]
        if request.greedy:
            choices = choices * request.n
        results.append(
            Generation(model=loaded.spec.key, choices=choices, prompt_tokens=len(own[0].prompt_ids))
        )
    return results


def _count(row: Row) -> int:
    """Generated tokens, the end-of-sequence token included, as OpenAI-compatible servers count."""
    return len(row.tokens) + (1 if row.ended_by_eos else 0)


def _held_back(text: str, stops: Sequence[str]) -> int:
    """Trailing characters not to stream yet: a possible start of a stop string, a partial character."""
    hold = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), 0, -1):
            if text.endswith(stop[:size]):
                hold = max(hold, size)
                break
    if text.endswith("\ufffd"):
        hold = max(hold, 1)
    return hold


def generate_stream(loaded: LoadedModel, request: GenerationRequest) -> Iterator[StreamEvent]:
    if request.n != 1:
        raise InvalidRequest("Streaming serves one candidate; use generate() for n > 1.")
    (row,) = _rows_for(loaded, [request])
    sent = 0
    for _ in decode(loaded, [row]):
        if row.finish_reason is not None:
            break
        visible = len(row.text) - _held_back(row.text, row.request.stop)
        if visible > sent:
            yield StreamEvent(delta=row.text[sent:visible])
            sent = visible
    yield StreamEvent(
        delta=row.text[sent:],
        finish_reason=row.finish_reason or "length",
        prompt_tokens=len(row.prompt_ids),
        completion_tokens=_count(row),
    )
