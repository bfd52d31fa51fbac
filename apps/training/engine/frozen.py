"""An encoder split in two: a frozen bottom whose output is computed once per text, and the top
layers, pooler and head that train on those cached states.

Training only the top ``k`` of ``n`` layers skips the backward pass through the bottom, and caching
the bottom's output skips its forward pass in every epoch after the first: per example and epoch
the work falls from three forward passes' worth of the whole encoder to about three of ``k/n`` of
it. Used by the default classifier's recipe (``classifier.Classifier``) and by a store's sentiment
runs with ``method="top"`` (``finetune.train_classifier``). BERT-family encoders only (the model's
``base_model.encoder.layer``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch

__all__ = [
    "StatesCollator",
    "frozen_states",
    "layer_count",
    "length_batches",
    "pad_states",
    "top_only",
    "with_states",
]


class _PassThrough(torch.nn.Module):
    """Stands in for the embeddings while training on cached states: returns them unchanged."""

    def forward(self, inputs_embeds: torch.Tensor | None = None, **_: Any) -> torch.Tensor | None:
        return inputs_embeds


def length_batches(lengths: Sequence[int], size: int, rng: random.Random) -> list[list[int]]:
    """Batches of similar length (little padding), in a shuffled order."""
    order = sorted(range(len(lengths)), key=lambda index: (lengths[index], index))
    batches = [order[start : start + size] for start in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def _layers(model: torch.nn.Module) -> torch.nn.ModuleList:
    encoder = getattr(getattr(model, "base_model", None), "encoder", None)
    layers = getattr(encoder, "layer", None)
    if not isinstance(layers, torch.nn.ModuleList):
        raise ValueError(f"{type(model).__name__} has no BERT-style layer list to split")
    return layers


def layer_count(model: torch.nn.Module) -> int:
    return len(_layers(model))


@contextmanager
def _bottom_only(model: Any, frozen: int) -> Iterator[None]:
    layers = _layers(model)
    model.base_model.encoder.layer = torch.nn.ModuleList(list(layers)[:frozen])
    try:
        yield
    finally:
        model.base_model.encoder.layer = layers


def frozen_states(
    model: Any,
    tokenizer: Any,
    token_ids: Sequence[Sequence[int]],
    frozen: int,
    *,
    batch: int = 64,
    done: Callable[[int], Any] | None = None,
) -> list[torch.Tensor]:
    """The output of the bottom ``frozen`` layers for every text: unpadded, float16 (half the
    memory), in the order of ``token_ids``. ``done`` hears how many texts each batch finished."""
    states: list[torch.Tensor | None] = [None] * len(token_ids)
    lengths = [len(ids) for ids in token_ids]
    device = next(model.parameters()).device
    model.eval()
    with _bottom_only(model, frozen), torch.inference_mode():
        for rows in length_batches(lengths, batch, random.Random(0)):
            inputs = tokenizer.pad({"input_ids": [list(token_ids[i]) for i in rows]}, return_tensors="pt")
            hidden = model.base_model(**{k: v.to(device) for k, v in inputs.items()}).last_hidden_state
            for row, index in enumerate(rows):
                states[index] = hidden[row, : lengths[index]].to("cpu", torch.float16).clone()
            if done is not None:
                done(len(rows))
    return [state for state in states if state is not None]


def pad_states(states: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Cached states as one float32 batch, right-padded, with its attention mask."""
    width = max(state.shape[0] for state in states)
    hidden = torch.zeros(len(states), width, states[0].shape[1])
    mask = torch.zeros(len(states), width, dtype=torch.long)
    for row, state in enumerate(states):
        hidden[row, : state.shape[0]] = state.float()
        mask[row, : state.shape[0]] = 1
    return hidden, mask


@contextmanager
def top_only(model: Any, frozen: int) -> Iterator[None]:
    """Inside, ``model`` is its top layers, pooler and head, fed cached states as ``inputs_embeds``;
    the modules are the model's own, so what trains here is what the whole model holds after."""
    layers = _layers(model)
    embeddings = model.base_model.embeddings
    model.base_model.embeddings = _PassThrough()
    model.base_model.encoder.layer = torch.nn.ModuleList(list(layers)[frozen:])
    try:
        yield
    finally:
        model.base_model.embeddings = embeddings
        model.base_model.encoder.layer = layers


class StatesCollator:
    """Rows of ``{"states", "labels"}`` into the top model's batch."""

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        hidden, mask = pad_states([row["states"] for row in rows])
        labels = torch.tensor([row["labels"] for row in rows], dtype=torch.long)
        return {"inputs_embeds": hidden, "attention_mask": mask, "labels": labels}


def with_states(
    model: Any, tokenizer: Any, rows: Sequence[dict[str, Any]], frozen: int, stop: Callable[[], bool]
) -> list[dict[str, Any]]:
    """``rows`` (``input_ids``, ``labels``) with their cached bottom states added (``input_ids`` stays
    for length-grouped batches). Stops early, with what it has, when ``stop()`` turns true."""

    def done(_: int) -> None:
        if stop():
            raise _Stopped

    try:
        states = frozen_states(model, tokenizer, [row["input_ids"] for row in rows], frozen, done=done)
    except _Stopped:
        return []
    return [{**row, "states": state} for row, state in zip(rows, states, strict=True)]


class _Stopped(Exception):
    pass
