"""Continuous batching for one generation model in one process, with shared-prefix KV reuse.

Every thread of a worker that generates with a model (bulk job items, interactive drafts,
support answers) hands its requests to that model's ``Server``. One loop thread runs the
model: at every decoding step the rows of all callers advance together, a finished row
leaves at once, and a waiting request joins as soon as there is room, so a batch never
waits for its slowest member and requests from several jobs and users share each forward
pass. Interactive requests are admitted before bulk ones, and a few rows are kept free
for them, so a merchant's draft starts while a catalog is being drafted.

Prompts are prefilled once per request, not once per candidate: the ``n`` candidates of a
request copy its prompt's keys and values. A request may name the leading part of its
prompt that other requests share (``GenerationRequest.shared_prefix``, e.g. a store's
few-shot examples); the keys and values of that part are kept in a bounded cache keyed
by its tokens, and a later prompt that starts with the same tokens prefills only the rest.
A changed prefix (a store's new examples) is a new key; the old entry is never matched
again and leaves the cache as the least recently used.

The cache of the running batch is kept left-padded: row ``i`` occupies the last
``lengths[i]`` columns of every layer's keys and values, so a row joining or leaving is a
pad-and-concatenate or a row selection, and columns that no row uses any more are cut.
Every layer keeps full keys and values (sliding-window layers too); their attention masks
still apply the window.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from django.conf import settings

from ..errors import InferenceError, InvalidRequest, TransientInferenceError
from ..lanes import Lane
from ..types import Choice, Generation, GenerationRequest, StreamEvent
from .decode_threads import MIN_STEPS, chooser_for, torch_threads
from .generation import (
    Row,
    _cache_argument,
    _count,
    _generator,
    _held_back,
    _pad_token_id,
    _pick,
    _stop_token_ids,
    _update_text,
    prompt_token_ids,
)
from .loading import LoadedModel
from .runtime import use_configured_threads

logger = logging.getLogger(__name__)

_LANE_ORDER = {"interactive": 0, "bulk": 1}
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
        return int(free)
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # pragma: no cover - psutil missing or unreadable /proc
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def batch_rows_for(loaded: LoadedModel) -> int:
    """How many rows the running batch may hold: what the memory allows, within the configured cap.

    Each row may grow to the model's whole context; the batch gets
    ``INFERENCE_BATCH_MEMORY_FRACTION`` of the memory free when the server starts.
    """
    per_row = kv_bytes_per_token(loaded.model, loaded.dtype) * loaded.spec.max_length
    budget = available_memory_bytes(loaded.device) * float(settings.INFERENCE_BATCH_MEMORY_FRACTION)
    by_memory = max(1, int(budget // max(per_row, 1)))
    cap = int(settings.INFERENCE_MAX_BATCH_ROWS) or loaded.spec.max_batch
    return max(1, min(by_memory, cap))


class PrefixCache:
    """Keys and values of shared prompt prefixes, least recently used out beyond ``budget_bytes``."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._entries: OrderedDict[tuple[int, ...], KV] = OrderedDict()
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

    def get(self, ids: tuple[int, ...]) -> KV | None:
        kv = self._entries.get(ids)
        if kv is None:
            self.misses += 1
            return None
        self._entries.move_to_end(ids)
        self.hits += 1
        return kv

    def put(self, ids: tuple[int, ...], kv: KV) -> None:
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


@dataclass
class Work:
    """One request handed to the server: its candidates' rows and how the caller hears back."""

    request: GenerationRequest
    prompt_ids: list[int]
    prefix_ids: tuple[int, ...]
    lane: Lane
    order: int
    rows: list[Row] = field(default_factory=list)
    events: queue.SimpleQueue[StreamEvent | BaseException] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    sent: int = 0  # characters of row 0 already streamed
    cancelled: bool = False  # the caller stopped listening: its rows leave at the next step

    @property
    def row_count(self) -> int:
        return 1 if self.request.greedy else self.request.n

    def finished(self) -> bool:
        return all(row.finish_reason is not None for row in self.rows)

    def fail(self, error: BaseException) -> None:
        self.error = error
        if self.events is not None:
            self.events.put(error)
        self.done.set()

    def generation(self, model_key: str) -> Generation:
        choices = [
            Choice(text=row.text, finish_reason=row.finish_reason or "length", completion_tokens=_count(row))
            for row in self.rows
        ]
        if self.request.greedy:
            choices = choices * self.request.n
        return Generation(model=model_key, choices=choices, prompt_tokens=len(self.prompt_ids))


@dataclass
class Stats:
    """Counters a benchmark or an operator reads (``Server.stats``)."""

    steps: int = 0
    prefill_tokens: int = 0
    prefix_tokens_reused: int = 0
    generated_tokens: int = 0
    max_rows_seen: int = 0
    busy_seconds: float = 0.0  # time spent prefilling and decoding
    admitted: dict[str, int] = field(default_factory=lambda: {"interactive": 0, "bulk": 0})


class Server:
    """The continuous-batching loop of one loaded generation model (one per model per process)."""

    def __init__(
        self, loaded: LoadedModel, *, max_rows: int | None = None, reserved: int | None = None
    ) -> None:
        self.loaded = loaded
        self.max_rows = max_rows or batch_rows_for(loaded)
        # Rows bulk work may not take, so an interactive request always finds room.
        self.reserved = (
            reserved if reserved is not None else min(self.max_rows - 1, max(1, self.max_rows // 8))
        )
        self.prefixes = PrefixCache(int(settings.INFERENCE_PREFIX_CACHE_BYTES))
        self.stats = Stats()
        self._stop_ids = _stop_token_ids(loaded)
        self._pad_id = _pad_token_id(loaded, self._stop_ids)
        self._cache_argument = _cache_argument(loaded.model)
        self._waiting: list[tuple[int, int, Work]] = []
        self._orders = itertools.count()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        # The running batch.
        self._rows: list[Row] = []
        self._works: dict[int, Work] = {}  # id(row) -> its work
        self._cache: Any = None  # a DynamicCache over the rows' keys and values
        self._timing: list[Any] | None = None  # single-row step timing: chooser, threads, seconds, steps
        self._mask: torch.Tensor | None = None  # [rows, width], 1 where a row has a token
        self._lengths: list[int] = []  # tokens each row has in the cache
        self._next: list[int] = []  # each row's token to feed at the next step

    # --- the callers' side --------------------------------------------------------------

    def submit(
        self,
        requests: Sequence[GenerationRequest],
        *,
        lane: Lane,
        stream: bool = False,
        loaded: LoadedModel | None = None,
    ) -> list[Work]:
        """Queue ``requests`` (validated here, in the caller's thread, against ``loaded``'s spec)."""
        works = []
        for request in requests:
            ids = prompt_token_ids(loaded or self.loaded, request)
            works.append(
                Work(
                    request=request,
                    prompt_ids=ids,
                    prefix_ids=self._prefix_ids(request, ids),
                    lane=lane,
                    order=next(self._orders),
                    events=queue.SimpleQueue() if stream else None,
                )
            )
        with self._condition:
            if self._closed:
                raise TransientInferenceError("The model was unloaded; try again.")
            for work in works:
                heapq.heappush(self._waiting, (_LANE_ORDER[lane], work.order, work))
            self._ensure_thread()
            self._condition.notify()
        return works

    def generate(
        self, requests: Sequence[GenerationRequest], *, lane: Lane = "bulk", loaded: LoadedModel | None = None
    ) -> list[Generation]:
        works = self.submit(requests, lane=lane, loaded=loaded)
        results = []
        for work in works:
            work.done.wait()
            if work.error is not None:
                raise work.error
            results.append(work.generation((loaded or self.loaded).spec.key))
        return results

    def stream(
        self, request: GenerationRequest, *, lane: Lane = "interactive", loaded: LoadedModel | None = None
    ) -> Iterator[StreamEvent]:
        if request.n != 1:
            raise InvalidRequest("Streaming serves one candidate; use generate() for n > 1.")
        (work,) = self.submit([request], lane=lane, stream=True, loaded=loaded)
        assert work.events is not None
        try:
            while True:
                event = work.events.get()
                if isinstance(event, BaseException):
                    raise event
                yield event
                if event.final:
                    return
        finally:
            work.cancelled = not work.done.is_set()

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _prefix_ids(self, request: GenerationRequest, prompt_ids: list[int]) -> tuple[int, ...]:
        if (
            not request.shared_prefix
            or request.prompt is None
            or not request.prompt.startswith(request.shared_prefix)
        ):
            return ()
        ids = list(self.loaded.tokenizer(request.shared_prefix)["input_ids"])
        # The prompt's own tokens decide: a prefix token merged differently at the boundary is not shared.
        common = 0
        for mine, theirs in zip(ids, prompt_ids, strict=False):
            if mine != theirs:
                break
            common += 1
        common = min(common, len(prompt_ids) - 1)  # at least one token is prefilled for the logits
        return tuple(prompt_ids[:common]) if common >= MIN_PREFIX_TOKENS else ()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._run, name=f"inference-serve-{self.loaded.spec.key}", daemon=True
            )
            self._thread.start()

    # --- the loop -----------------------------------------------------------------------

    def _run(self) -> None:
        use_configured_threads()
        while True:
            with self._condition:
                while not self._waiting and not self._rows and not self._closed:
                    self._condition.wait()
                if self._closed:
                    self._fail_all(TransientInferenceError("The model was unloaded; try again."))
                    return
            started = time.perf_counter()
            try:
                self._admit()
                if self._rows:
                    self._step()
                self.stats.busy_seconds += time.perf_counter() - started
            except Exception as error:  # a failed forward pass fails the rows in it, not the server
                logger.exception("inference: the generation loop failed; failing the running requests")
                self._fail_running(error if isinstance(error, InferenceError) else InferenceError(str(error)))

    def _fail_running(self, error: BaseException) -> None:
        for work in {id(work): work for work in self._works.values()}.values():
            work.fail(error)
        self._reset_batch()

    def _fail_all(self, error: BaseException) -> None:
        self._fail_running(error)
        while self._waiting:
            _lane, _order, work = heapq.heappop(self._waiting)
            work.fail(error)

    def _reset_batch(self) -> None:
        self._rows, self._works, self._cache, self._mask = [], {}, None, None
        self._lengths, self._next = [], []

    def _admit(self) -> None:
        while True:
            with self._condition:
                if not self._waiting:
                    return
                _lane_order, _order, work = self._waiting[0]
                limit = self.max_rows - (self.reserved if work.lane == "bulk" else 0)
                # An empty batch takes any request, even one with more candidates than the limit.
                if self._rows and len(self._rows) + work.row_count > limit:
                    return
                heapq.heappop(self._waiting)
            if work.cancelled:
                work.done.set()
                continue
            try:
                self._prefill(work)
            except Exception as error:
                logger.exception("inference: prefill failed")
                work.fail(error if isinstance(error, InferenceError) else InferenceError(str(error)))

    def _forward(
        self, cache: object, input_ids: torch.Tensor, attention_mask: torch.Tensor, positions: torch.Tensor
    ) -> torch.Tensor:
        with torch.inference_mode():
            output = self.loaded.model(
                input_ids=input_ids,
                attention_mask=attention_mask,
                position_ids=positions,
                use_cache=True,
                logits_to_keep=1,
                **{self._cache_argument: cache},
            )
        return output.logits[:, -1, :].float().cpu()

    def _prefill(self, work: Work) -> None:
        device = self.loaded.device
        ids = work.prompt_ids
        reused: KV | None = self.prefixes.get(work.prefix_ids) if work.prefix_ids else None
        start = len(work.prefix_ids) if reused is not None else 0
        cache = _cache_from(reused or [])
        suffix = torch.tensor([ids[start:]], dtype=torch.long, device=device)
        logits = self._forward(
            cache,
            suffix,
            torch.ones((1, len(ids)), dtype=torch.long, device=device),
            torch.arange(start, len(ids), device=device).unsqueeze(0),
        )
        kv = _kv_of(cache)
        if work.prefix_ids and reused is None:
            size = len(work.prefix_ids)
            self.prefixes.put(
                work.prefix_ids, [(k[:, :, :size].clone(), v[:, :, :size].clone()) for k, v in kv]
            )
        self.stats.prefill_tokens += len(ids) - start
        self.stats.prefix_tokens_reused += start
        self.stats.admitted[work.lane] += 1

        request = work.request
        for candidate in range(work.row_count):
            seed = None if request.seed is None else request.seed + candidate
            work.rows.append(Row(0, list(ids), request, None if request.greedy else _generator(seed)))
        # The candidates share the prompt's keys and values; each samples its own first token.
        count = len(work.rows)
        new_kv = [(k.expand(count, -1, -1, -1), v.expand(count, -1, -1, -1)) for k, v in kv]
        joining = []
        for row in work.rows:
            self._advance(row, logits[0])
            joining.append(row.finish_reason is None)
        self._emit(work)
        if work.finished():
            self._complete(work)
            return
        keep = [index for index, alive in enumerate(joining) if alive]
        self._join(
            [work.rows[index] for index in keep], work, [(k[keep], v[keep]) for k, v in new_kv], len(ids)
        )

    def _join(self, rows: list[Row], work: Work, kv: KV, length: int) -> None:
        """Adds rows whose caches are ``kv`` (all ``length`` long) to the running batch, left-padded."""
        width = self._mask.shape[1] if self._mask is not None else 0
        target = max(width, length)
        device = self.loaded.device
        new_mask = torch.ones((len(rows), target), dtype=torch.long, device=device)
        new_mask[:, : target - length] = 0
        if self._mask is None:
            self._cache = _cache_from([(k.contiguous(), v.contiguous()) for k, v in kv])
            self._mask = new_mask
        else:
            grow = target - width
            joined: KV = []
            for (key, value), (new_key, new_value) in zip(_kv_of(self._cache), kv, strict=True):
                pad_old = (0, 0, grow, 0)
                pad_new = (0, 0, target - length, 0)
                joined.append(
                    (
                        torch.cat(
                            [torch.nn.functional.pad(key, pad_old), torch.nn.functional.pad(new_key, pad_new)]
                        ),
                        torch.cat(
                            [
                                torch.nn.functional.pad(value, pad_old),
                                torch.nn.functional.pad(new_value, pad_new),
                            ]
                        ),
                    )
                )
            self._cache = _cache_from(joined)
            old_mask = torch.nn.functional.pad(self._mask, (grow, 0))
            self._mask = torch.cat([old_mask, new_mask])
        for row in rows:
            self._rows.append(row)
            self._works[id(row)] = work
            self._lengths.append(length)
            self._next.append(row.tokens[-1])
        self.stats.max_rows_seen = max(self.stats.max_rows_seen, len(self._rows))

    def _step(self) -> None:
        assert self._mask is not None and self._cache is not None
        device = self.loaded.device
        count = len(self._rows)
        attention_mask = torch.cat([self._mask, self._mask.new_ones((count, 1))], dim=-1)
        positions = torch.tensor(self._lengths, dtype=torch.long, device=device).unsqueeze(-1)
        input_ids = torch.tensor(self._next, dtype=torch.long, device=device).unsqueeze(-1)
        # One row on a CPU: the step runs on the thread count measured fastest for this model.
        threads = self._single_row_threads() if count == 1 and device.type == "cpu" else None
        switched = torch_threads(threads) if threads is not None else contextlib.nullcontext()
        started = time.perf_counter()
        with switched:
            logits = self._forward(self._cache, input_ids, attention_mask, positions)
        self._time_single_row(threads, time.perf_counter() - started)
        self._mask = attention_mask
        self._lengths = [length + 1 for length in self._lengths]
        self.stats.steps += 1
        touched: dict[int, Work] = {}
        for index, row in enumerate(self._rows):
            work = self._works[id(row)]
            if work.cancelled:
                row.finish_reason = row.finish_reason or "length"
            self._advance(row, logits[index])
            self._next[index] = row.tokens[-1] if row.tokens else self._pad_id
            touched[id(work)] = work
        for work in touched.values():
            self._emit(work)
            if work.finished():
                self._complete(work)
        self._drop_finished()

    def _single_row_threads(self) -> int:
        chooser = chooser_for(self.loaded.model, self.loaded.spec.key)
        if self._timing is None or self._timing[0] is not chooser:
            self._timing = [chooser, chooser.pick(), 0.0, 0]
        return int(self._timing[1])

    def _time_single_row(self, threads: int | None, seconds: float) -> None:
        """Records single-row step times per thread count (after a warm-up step), for the chooser."""
        if threads is None:
            self._flush_timing()
            return
        assert self._timing is not None
        self._timing[3] += 1
        if self._timing[3] > 1:  # the first step on a thread count is not typical
            self._timing[2] += seconds
        if self._timing[3] > MIN_STEPS:
            self._flush_timing()

    def _flush_timing(self) -> None:
        if self._timing is not None:
            chooser, threads, seconds, steps = self._timing
            if steps > MIN_STEPS // 2 + 1:
                chooser.record(threads, seconds / (steps - 1))
            self._timing = None

    def _advance(self, row: Row, logits: torch.Tensor) -> None:
        """One token for ``row`` from its next-token ``logits``."""
        if row.finish_reason is not None:
            return
        token = _pick(logits, row.request, row.generator)
        if token in self._stop_ids:
            row.finish_reason = "stop"
            row.ended_by_eos = True
            return
        row.tokens.append(token)
        self.stats.generated_tokens += 1
        _update_text(self.loaded, row)
        if row.finish_reason is None and len(row.tokens) >= row.request.max_new_tokens:
            row.finish_reason = "length"

    def _emit(self, work: Work) -> None:
        if work.events is None:
            return
        row = work.rows[0]
        if row.finish_reason is None:
            visible = len(row.text) - _held_back(row.text, row.request.stop)
            if visible > work.sent:
                work.events.put(StreamEvent(delta=row.text[work.sent : visible]))
                work.sent = visible

    def _complete(self, work: Work) -> None:
        if work.events is not None:
            row = work.rows[0]
            work.events.put(
                StreamEvent(
                    delta=row.text[work.sent :],
                    finish_reason=row.finish_reason or "length",
                    prompt_tokens=len(work.prompt_ids),
                    completion_tokens=_count(row),
                )
            )
        work.done.set()

    def _drop_finished(self) -> None:
        keep = [index for index, row in enumerate(self._rows) if row.finish_reason is None]
        if len(keep) == len(self._rows):
            return
        if not keep:
            self._reset_batch()
            return
        for index, row in enumerate(self._rows):
            if index not in keep:
                self._works.pop(id(row), None)
        self._rows = [self._rows[index] for index in keep]
        self._lengths = [self._lengths[index] for index in keep]
        self._next = [self._next[index] for index in keep]
        assert self._mask is not None
        select = torch.tensor(keep, dtype=torch.long, device=self._mask.device)
        # Columns no remaining row uses any more are cut from the left.
        cut = self._mask.shape[1] - max(self._lengths)
        self._mask = self._mask.index_select(0, select)[:, cut:]
        self._cache = _cache_from(
            [
                (key.index_select(0, select)[:, :, cut:], value.index_select(0, select)[:, :, cut:])
                for key, value in _kv_of(self._cache)
            ]
        )


def _cache_from(kv: KV) -> Any:
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


def _kv_of(cache: Any) -> KV:
    return [(layer.keys, layer.values) for layer in cache.layers]


_servers: dict[int, Server] = {}
_servers_lock = threading.Lock()


def server_for(loaded: LoadedModel) -> Server:
    """The process's server of ``loaded``'s weights (created on first use; dropped with the model).

    Specs that share weights (a store's activated version of a default model) share the server.
    """
    with _servers_lock:
        server = _servers.get(id(loaded.model))
        if server is None or server.loaded.model is not loaded.model:
            server = Server(loaded)
            _servers[id(loaded.model)] = server
        return server


def servers() -> list[Server]:
    with _servers_lock:
        return list(_servers.values())


def drop_server(loaded: LoadedModel) -> None:
    """Stops the server of a model leaving the model cache (requests still in it fail as transient)."""
    with _servers_lock:
        server = _servers.pop(id(loaded.model), None)
    if server is not None:
        server.close()
