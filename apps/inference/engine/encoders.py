"""Encoder passes (embeddings, classification) over length-sorted buckets.

Padding a batch to its longest text wastes most of the compute when lengths vary (reviews
run from three words to three paragraphs): an unsorted batch of 32 can cost more than 32
single passes. Sorting by token count first makes every bucket nearly rectangular. BERT-family
encoders on CPU then run without any padding, on fused kernels (``packed_encoder.py``); other
models get each bucket padded to its longest text and the transformers forward pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import torch

from ..types import Classification, Embedding
from .loading import LoadedModel
from .runtime import use_configured_threads

# Upper bound of padded tokens in one forward pass. Long texts get smaller buckets, and a
# bucket's activations stay in the CPU caches: on the review benchmark 2,048 tokens per pass
# classified clearly faster than 16,384 on Intel and AMD CPUs; 512-1,536 were within noise of
# 2,048 there, and with the Linear layers on oneDNN (engine/matmul.py) so were 1,024 and 4,096,
# as they were for the packed encoder on an AMD EPYC with Zen 4 cores.
MAX_TOKENS_PER_BATCH = 2048


def length_buckets(lengths: Sequence[int], max_batch: int, max_tokens: int) -> list[list[int]]:
    """Indices grouped by ascending length; each group's rows x longest stays within bounds."""
    order = sorted(range(len(lengths)), key=lambda index: lengths[index])
    buckets: list[list[int]] = []
    current: list[int] = []
    for index in order:
        longest = lengths[index]  # ascending order: the newest row is the longest
        if current and (len(current) >= max_batch or (len(current) + 1) * longest > max_tokens):
            buckets.append(current)
            current = []
        current.append(index)
    if current:
        buckets.append(current)
    return buckets


def _buckets(
    loaded: LoadedModel, texts: Sequence[str], prefix: str
) -> Iterator[tuple[list[int], list[list[int]]]]:
    """Yields (original indices, token ids of those texts) per bucket, shortest texts first."""
    if not texts:
        return  # the tokenizers raise IndexError on an empty batch
    use_configured_threads()
    encoded = loaded.tokenizer(
        [prefix + text for text in texts], truncation=True, max_length=loaded.spec.max_length, padding=False
    )
    token_ids: list[list[int]] = encoded["input_ids"]
    lengths = [len(ids) for ids in token_ids]
    for bucket in length_buckets(lengths, loaded.spec.max_batch, MAX_TOKENS_PER_BATCH):
        yield bucket, [token_ids[index] for index in bucket]


def _padded(loaded: LoadedModel, token_ids: list[list[int]]) -> dict[str, torch.Tensor]:
    batch = loaded.tokenizer.pad({"input_ids": token_ids}, padding=True, return_tensors="pt")
    return {name: tensor.to(loaded.device) for name, tensor in batch.items()}


def _pooled(loaded: LoadedModel, token_ids: list[list[int]]) -> torch.Tensor:
    """One vector per text: the first token's or the mean of its tokens' final states."""
    pooling = loaded.spec.pooling
    if loaded.packed is not None:
        return loaded.packed.pooled(token_ids, pooling)
    inputs = _padded(loaded, token_ids)
    hidden = loaded.model(**inputs).last_hidden_state.float()
    if pooling == "cls":
        return hidden[:, 0]
    mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


def _logits(loaded: LoadedModel, token_ids: list[list[int]]) -> torch.Tensor:
    if loaded.packed is not None:
        return loaded.packed.classify_logits(token_ids)
    return loaded.model(**_padded(loaded, token_ids)).logits


def embed(loaded: LoadedModel, texts: Sequence[str], *, kind: str = "passage") -> list[Embedding]:
    spec = loaded.spec
    prefix = spec.query_prefix if kind == "query" else spec.passage_prefix
    results: list[Embedding | None] = [None] * len(texts)
    with torch.inference_mode():
        for bucket, token_ids in _buckets(loaded, texts, prefix):
            pooled = _pooled(loaded, token_ids).float()
            vectors = torch.nn.functional.normalize(pooled, p=2, dim=-1).cpu().tolist()
            for index, vector, ids in zip(bucket, vectors, token_ids, strict=True):
                results[index] = Embedding(model=spec.key, vector=vector, tokens=len(ids))
    return [result for result in results if result is not None]


def _labels(config: Any, count: int) -> list[str]:
    id2label = getattr(config, "id2label", None) or {}
    return [str(id2label.get(index, f"LABEL_{index}")) for index in range(count)]


def classify(loaded: LoadedModel, texts: Sequence[str]) -> list[Classification]:
    spec = loaded.spec
    multi_label = getattr(loaded.model.config, "problem_type", None) == "multi_label_classification"
    results: list[Classification | None] = [None] * len(texts)
    with torch.inference_mode():
        for bucket, token_ids in _buckets(loaded, texts, ""):
            logits = _logits(loaded, token_ids).float()
            probabilities = torch.sigmoid(logits) if multi_label else torch.softmax(logits, dim=-1)
            labels = _labels(loaded.model.config, probabilities.shape[-1])
            for index, row in zip(bucket, probabilities.cpu().tolist(), strict=True):
                best = max(range(len(row)), key=row.__getitem__)
                results[index] = Classification(
                    model=spec.key,
                    label=labels[best],
                    score=row[best],
                    scores=dict(zip(labels, row, strict=True)),
                )
    return [result for result in results if result is not None]
