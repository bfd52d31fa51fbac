"""Continuous batching for one generation model in one process, with shared-prefix KV reuse.

Every thread of a worker that generates with a model (bulk job items, interactive drafts, support
answers) hands its requests to that model's ``Server``; one loop thread runs the model. At every
step the rows of all callers advance together, a finished row leaves at once and a waiting request
joins when there is room, so a batch never waits for its slowest member. Interactive requests are
admitted before bulk ones and a few rows are kept for them. A request's prompt is prefilled once
for all its candidates; the prompt part it shares with others (``GenerationRequest.shared_prefix``,
a store's few-shot examples) keeps its keys and values in a bounded cache keyed by its tokens, so a
changed prefix is a new entry and the old one ages out unmatched. The cache layout: kv_cache.py.

Stores' fine-tuned generators are LoRA adapters on the same base (adapters.py) and share its
server: each row carries its adapter's name and every forward pass names them row by row (peft's
``adapter_names``), so requests of different stores decode side by side in one batch. A shared
prefix's keys and values depend on the adapter, so the prefix cache keys them by adapter too.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Iterator, Sequence

import torch
from django.conf import settings

from ..errors import InferenceError, InvalidRequest, TransientInferenceError
from ..lanes import Lane
from ..types import Generation, GenerationRequest, StreamEvent
from . import adapters, kv_cache
from .decode_threads import torch_threads
from .generation import (
    Row,
    _cache_argument,
    _generator,
    _pad_token_id,
    _stop_token_ids,
    _update_text,
    pick_tokens,
    prompt_token_ids,
)
from .kv_cache import KV, BatchCache, PrefixCache, batch_rows_for, cache_from, kv_of, shared_prefix_ids
from .loading import LoadedModel
from .runtime import use_configured_threads
from .serving_work import _LANE_ORDER, SingleRowTimer, Stats, Work

logger = logging.getLogger(__name__)


class Server:
    """The continuous-batching loop of one loaded generation model (one per model per process)."""

    def __init__(
        self, loaded: LoadedModel, *, max_rows: int | None = None, reserved: int | None = None
    ) -> None:
        self.loaded = loaded
        self._sized_by_memory = not max_rows and reserved is None
        self.max_rows = max_rows or batch_rows_for(loaded)
        # Rows bulk work may not take, so an interactive request always finds room.
        self.reserved = reserved if reserved is not None else kv_cache.reserved_rows(self.max_rows)
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
        self._batch = BatchCache()
        self._timer = SingleRowTimer()
        self._lengths: list[int] = []  # tokens each row has in the cache
        self._adapters: list[str] = []  # each row's adapter (adapters.BASE: none)
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
        own = loaded or self.loaded
        for request in requests:
            ids = prompt_token_ids(own, request)
            works.append(
                Work(
                    request=request,
                    prompt_ids=ids,
                    prefix_ids=shared_prefix_ids(own.tokenizer, request, ids),
                    adapter=own.adapter,
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
        self._rows, self._works = [], {}
        self._batch.clear()
        self._lengths, self._next, self._adapters = [], [], []
        if self._sized_by_memory:  # the batch is empty: size it again from what is free now
            self.max_rows = batch_rows_for(self.loaded)
            self.reserved = kv_cache.reserved_rows(self.max_rows)

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
        self,
        cache: object,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        positions: torch.Tensor,
        names: list[str],
    ) -> torch.Tensor:
        with torch.inference_mode(), adapters.rows(self.loaded.adapters, names):
            output = self.loaded.model(
                input_ids=input_ids,
                attention_mask=attention_mask,
                position_ids=positions,
                use_cache=True,
                logits_to_keep=1,
                **{self._cache_argument: cache},
            )
        # Kept where they are: the next tokens are picked there for the whole batch (pick_tokens).
        return output.logits[:, -1, :].float()

    def _prefill(self, work: Work) -> None:
        device = self.loaded.device
        ids = work.prompt_ids
        prefix_key: tuple[int | str, ...] = (work.adapter, *work.prefix_ids)
        reused: KV | None = self.prefixes.get(prefix_key) if work.prefix_ids else None
        start = len(work.prefix_ids) if reused is not None else 0
        cache = cache_from(reused or [])
        suffix = torch.tensor([ids[start:]], dtype=torch.long, device=device)
        logits = self._forward(
            cache,
            suffix,
            torch.ones((1, len(ids)), dtype=torch.long, device=device),
            torch.arange(start, len(ids), device=device).unsqueeze(0),
            [work.adapter],
        )
        kv = kv_of(cache)
        if work.prefix_ids and reused is None:
            size = len(work.prefix_ids)
            self.prefixes.put(prefix_key, [(k[:, :, :size].clone(), v[:, :, :size].clone()) for k, v in kv])
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
        tokens = pick_tokens(logits[:1].expand(count, -1), work.rows)
        for row, token in zip(work.rows, tokens, strict=True):
            self._advance(row, token)
            joining.append(row.finish_reason is None)
        work.emit()
        if work.finished():
            work.complete()
            return
        keep = [index for index, alive in enumerate(joining) if alive]
        self._join(
            [work.rows[index] for index in keep], work, [(k[keep], v[keep]) for k, v in new_kv], len(ids)
        )

    def _join(self, rows: list[Row], work: Work, kv: KV, length: int) -> None:
        """Adds rows whose caches are ``kv`` (all ``length`` long) to the running batch."""
        self._batch.join(kv, length, self.loaded.device)
        for row in rows:
            self._rows.append(row)
            self._works[id(row)] = work
            self._lengths.append(length)
            self._next.append(row.tokens[-1])
            self._adapters.append(work.adapter)
        self.stats.max_rows_seen = max(self.stats.max_rows_seen, len(self._rows))

    def _step(self) -> None:
        device = self.loaded.device
        count = len(self._rows)
        attention_mask = self._batch.grow()
        positions = torch.tensor(self._lengths, dtype=torch.long, device=device).unsqueeze(-1)
        input_ids = torch.tensor(self._next, dtype=torch.long, device=device).unsqueeze(-1)
        # One row on a CPU: the step runs on the thread count measured fastest for this model.
        threads = self._timer.pick(self.loaded) if count == 1 and device.type == "cpu" else None
        switched = torch_threads(threads) if threads is not None else contextlib.nullcontext()
        started = time.perf_counter()
        with switched:
            logits = self._forward(self._batch.cache, input_ids, attention_mask, positions, self._adapters)
        self._timer.record(threads, time.perf_counter() - started)
        self._lengths = [length + 1 for length in self._lengths]
        self.stats.steps += 1
        touched: dict[int, Work] = {}
        for row in self._rows:
            if self._works[id(row)].cancelled:
                row.finish_reason = row.finish_reason or "length"
        tokens = pick_tokens(logits, self._rows)
        for index, row in enumerate(self._rows):
            work = self._works[id(row)]
            self._advance(row, tokens[index])
            self._next[index] = row.tokens[-1] if row.tokens else self._pad_id
            touched[id(work)] = work
        for work in touched.values():
            work.emit()
            if work.finished():
                work.complete()
        self._drop_finished()

    def _advance(self, row: Row, token: int | None) -> None:
        """``row`` takes ``token`` (None: the row has finished)."""
        if row.finish_reason is not None or token is None:
            return
        if token in self._stop_ids:
            row.finish_reason = "stop"
            row.ended_by_eos = True
            return
        row.tokens.append(token)
        self.stats.generated_tokens += 1
        _update_text(self.loaded, row)
        if row.finish_reason is None and len(row.tokens) >= row.request.max_new_tokens:
            row.finish_reason = "length"

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
        self._adapters = [self._adapters[index] for index in keep]
        # Columns no remaining row uses any more are cut from the left.
        self._batch.keep(keep, max(self._lengths))


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
