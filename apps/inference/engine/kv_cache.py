"""Keys and values of generation: the running batch's left-padded cache, shared prefixes, sizing.

Row ``i`` of the running batch occupies the last ``lengths[i]`` columns of every layer's keys and
values (left padding), so a row joining is a pad-and-concatenate, a row leaving a selection, and
columns no row uses any more are cut. Every layer is a full-attention cache layer (sliding-window
layers too); their attention masks still apply the window.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Any

import torch
from django.conf import settings

from ..types import GenerationRequest
from .loading import LoadedModel

# A shared prefix shorter than this is not worth a cache entry.
MIN_PREFIX_TOKENS = 8

KV = list[tuple[torch.Tensor, torch.Tensor]]


def kv_bytes_per_token(model: Any, dtype: torch.dtype) -> int:
    """Bytes of keys and values one token takes across all layers of ``model``."""
    config: Any = (
        model.config.get_text_config(decoder=True)
        if hasattr(model.config, "get_text_config")
        else model.config
    )
    layers = int(config.num_hidden_layers)
    heads = int(getattr(config, "num_key_value_heads", None) or config.num_attention_heads)
    head_dim = int(getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads)
    return 2 * layers * heads * head_dim * dtype.itemsize


def available_memory_bytes(device: torch.device) -> int:
    """Memory free for new tensors on ``device``: the GPU's free memory, or the host's available RAM."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        # What torch's allocator holds but no tensor uses (a finished batch's cache) is free to us too.
        return int(free + torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device))
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # pragma: no cover - psutil missing or unreadable /proc
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def batch_rows_for(loaded: LoadedModel) -> int:
    """How many rows the running batch may hold: what the memory allows, within the configured cap.

    Each row may grow to the model's whole context; the batch gets
    ``INFERENCE_BATCH_MEMORY_FRACTION`` of the memory free when the server starts, and again
    whenever its batch has emptied.
    """
    per_row = kv_bytes_per_token(loaded.model, loaded.dtype) * loaded.spec.max_length
    budget = available_memory_bytes(loaded.device) * float(settings.INFERENCE_BATCH_MEMORY_FRACTION)
    by_memory = max(1, int(budget // max(per_row, 1)))
    return max(1, min(by_memory, rows_cap(loaded)))


def reserved_rows(rows: int) -> int:
    """Rows of a batch of ``rows`` that bulk work may not take, so an interactive request finds room."""
    return min(rows - 1, max(1, rows // 8))


# On a GPU a decoding step costs about the same for 1 row as for hundreds (it is bound by reading the
# weights), so there the memory decides, up to this many rows; on a CPU the spec's max_batch (where
# more rows stop paying) does.
GPU_MAX_ROWS = 256


def rows_cap(loaded: LoadedModel) -> int:
    """INFERENCE_MAX_BATCH_ROWS where set, else the spec's max_batch on a CPU and GPU_MAX_ROWS on a GPU."""
    configured = int(settings.INFERENCE_MAX_BATCH_ROWS)
    if configured:
        return configured
    return GPU_MAX_ROWS if loaded.device.type == "cuda" else loaded.spec.max_batch


class PrefixCache:
    """Keys and values of shared prompt prefixes, least recently used out beyond ``budget_bytes``."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._entries: OrderedDict[tuple[int | str, ...], KV] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _nbytes(kv: KV) -> int:
        return sum(
            key.numel() * key.element_size() + value.numel() * value.element_size() for key, value in kv
        )

    @property
    def total_bytes(self) -> int:
        return sum(self._nbytes(kv) for kv in self._entries.values())

    def get(self, ids: tuple[int | str, ...]) -> KV | None:
        kv = self._entries.get(ids)
        if kv is None:
            self.misses += 1
            return None
        self._entries.move_to_end(ids)
        self.hits += 1
        return kv

    def put(self, ids: tuple[int | str, ...], kv: KV) -> None:
        size = self._nbytes(kv)
        if size > self.budget_bytes:
            return
        self._entries[ids] = kv
        self._entries.move_to_end(ids)
        while self.total_bytes > self.budget_bytes:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def cache_from(kv: KV) -> Any:
    """A DynamicCache over these keys and values (no copy); every layer is a full-attention layer."""
    from transformers import DynamicCache
    from transformers.cache_utils import DynamicLayer

    cache = DynamicCache()
    for key, value in kv:
        layer = DynamicLayer()
        layer.lazy_initialization(key, value)
        layer.keys, layer.values = key, value
        cache.layers.append(layer)
    return cache


def kv_of(cache: Any) -> KV:
    return [(layer.keys, layer.values) for layer in cache.layers]


class BatchCache:
    """The running batch's keys and values (a DynamicCache) and its attention mask."""

    def __init__(self) -> None:
        self.cache: Any = None
        self.mask: torch.Tensor | None = None  # [rows, width], 1 where a row has a token

    @property
    def empty(self) -> bool:
        return self.mask is None

    def clear(self) -> None:
        self.cache, self.mask = None, None

    def join(self, kv: KV, length: int, device: torch.device) -> None:
        """Adds rows whose caches are ``kv`` (all ``length`` tokens) at the bottom, left-padded."""
        rows = kv[0][0].shape[0]
        width = self.mask.shape[1] if self.mask is not None else 0
        target = max(width, length)
        new_mask = torch.ones((rows, target), dtype=torch.long, device=device)
        new_mask[:, : target - length] = 0
        if self.mask is None:
            self.cache = cache_from([(k.contiguous(), v.contiguous()) for k, v in kv])
            self.mask = new_mask
            return
        pad_old, pad_new = (0, 0, target - width, 0), (0, 0, target - length, 0)
        pad = torch.nn.functional.pad
        self.cache = cache_from(
            [
                (
                    torch.cat([pad(key, pad_old), pad(new_key, pad_new)]),
                    torch.cat([pad(value, pad_old), pad(new_value, pad_new)]),
                )
                for (key, value), (new_key, new_value) in zip(kv_of(self.cache), kv, strict=True)
            ]
        )
        self.mask = torch.cat([pad(self.mask, (target - width, 0)), new_mask])

    def grow(self) -> torch.Tensor:
        """The mask with a column for the step about to run (kept as the mask once it ran)."""
        assert self.mask is not None
        self.mask = torch.cat([self.mask, self.mask.new_ones((self.mask.shape[0], 1))], dim=-1)
        return self.mask

    def keep(self, rows: list[int], longest: int) -> None:
        """Keeps only ``rows``; columns before the longest remaining row's tokens are cut."""
        assert self.mask is not None
        select = torch.tensor(rows, dtype=torch.long, device=self.mask.device)
        cut = self.mask.shape[1] - longest
        self.mask = self.mask.index_select(0, select)[:, cut:]
        self.cache = cache_from(
            [
                (key.index_select(0, select)[:, :, cut:], value.index_select(0, select)[:, :, cut:])
                for key, value in kv_of(self.cache)
            ]
        )


def shared_prefix_ids(tokenizer: Any, request: GenerationRequest, prompt_ids: list[int]) -> tuple[int, ...]:
    """The prompt tokens that ``request.shared_prefix`` covers (the key of its cache entry), or ()."""
    prefix = request.shared_prefix
    if not prefix or request.prompt is None or not request.prompt.startswith(prefix):
        return ()
    # The prompt's own tokens decide: a prefix token merged differently at the boundary is not shared.
    common = 0
    for mine, theirs in zip(tokenizer(prefix)["input_ids"], prompt_ids, strict=False):
        if mine != theirs:
            break
        common += 1
    common = min(common, len(prompt_ids) - 1)  # at least one token is prefilled for the logits
    return tuple(prompt_ids[:common]) if common >= MIN_PREFIX_TOKENS else ()
