"""The continuous-batching server on a tiny random Gemma 3: same text as one-at-a-time decoding,
requests joining a running batch, shared prefixes prefilled once, interactive work first."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from apps.inference.engine import generation
from apps.inference.engine.kv_cache import PrefixCache, kv_bytes_per_token
from apps.inference.engine.serving import Server
from apps.inference.errors import InferenceError
from apps.inference.types import GenerationRequest

from .test_generation import PROMPTS

# The tiny model's sliding window is 16 tokens: 20 new tokens take every prompt past it.
NEW = 20


@pytest.fixture
def loaded(local, tiny_specs):  # type: ignore[no-untyped-def]
    _backend, get_loaded = local
    return get_loaded(tiny_specs["lm"])


def _alone(loaded: Any, request: GenerationRequest) -> list[tuple[str, str, int]]:
    (result,) = generation.generate(loaded, [request])
    return [(c.text, c.finish_reason, c.completion_tokens) for c in result.choices]


def _texts(result: Any) -> list[tuple[str, str, int]]:
    return [(c.text, c.finish_reason, c.completion_tokens) for c in result.choices]


def test_greedy_rows_joining_a_running_batch_decode_as_alone(loaded) -> None:  # type: ignore[no-untyped-def]
    server = Server(loaded, max_rows=3, reserved=0)
    try:
        requests = [GenerationRequest(prompt=p, max_new_tokens=NEW - i) for i, p in enumerate(PROMPTS)]
        first = server.submit(requests[:2], lane="bulk")
        # Joining while the first two decode; three rows at most, so the others wait for a free slot.
        later = server.submit(requests[2:], lane="bulk")
        for work in first + later:
            assert work.done.wait(60)
            assert work.error is None
        for request, work in zip(requests, first + later, strict=True):
            assert _texts(work.generation("tiny-lm")) == _alone(loaded, request)
        assert server.stats.max_rows_seen <= 3
        assert server._rows == [] and server._batch.empty  # every row left; nothing held
    finally:
        server.close()


def test_seeded_candidates_share_the_prompt_and_match_separate_decoding(loaded) -> None:  # type: ignore[no-untyped-def]
    server = Server(loaded, max_rows=8, reserved=0)
    try:
        request = GenerationRequest(
            prompt=PROMPTS[3], max_new_tokens=NEW, temperature=0.9, top_p=0.9, n=3, seed=7
        )
        other = GenerationRequest(prompt=PROMPTS[1], max_new_tokens=NEW, temperature=1.1, n=2, seed=1)
        results = server.generate([request, other])
        assert _texts(results[0]) == _alone(loaded, request)
        assert _texts(results[1]) == _alone(loaded, other)
        # One prefill per request, not per candidate.
        prompt_tokens = results[0].prompt_tokens + results[1].prompt_tokens
        assert server.stats.prefill_tokens == prompt_tokens
    finally:
        server.close()


def test_shared_prefix_is_prefilled_once_and_changes_nothing(loaded) -> None:  # type: ignore[no-untyped-def]
    server = Server(loaded, max_rows=4, reserved=0)
    try:
        prefix = "examples: a red bag. a blue shirt that fits. a green cup for tea.\n"
        requests = [
            GenerationRequest(prompt=prefix + tail, max_new_tokens=NEW, shared_prefix=prefix)
            for tail in ("the shirt fits", "colour faded after one", "great")
        ]
        results = [server.generate([request])[0] for request in requests]
        for request, result in zip(requests, results, strict=True):
            assert _texts(result) == _alone(loaded, request)
        assert server.prefixes.misses == 1 and server.prefixes.hits == 2
        assert server.stats.prefix_tokens_reused >= 2 * 8
        # A changed prefix is another entry; the old one is not matched.
        changed = "examples: a black bag. a blue shirt that fits. a green cup for tea.\n"
        server.generate(
            [GenerationRequest(prompt=changed + "great", max_new_tokens=3, shared_prefix=changed)]
        )
        assert server.prefixes.misses == 2 and len(server.prefixes) == 2
    finally:
        server.close()


def test_prefix_cache_drops_least_recently_used_beyond_its_budget(loaded) -> None:  # type: ignore[no-untyped-def]
    import torch

    one = [(torch.zeros(1, 1, 10, 4), torch.zeros(1, 1, 10, 4))]  # 320 bytes
    cache = PrefixCache(budget_bytes=700)
    cache.put((1,), one)
    cache.put((2,), one)
    assert cache.get((1,)) is not None  # (1,) is now the most recently used
    cache.put((3,), one)
    assert cache.get((2,)) is None and cache.get((1,)) is not None and cache.get((3,)) is not None
    assert kv_bytes_per_token(loaded.model, loaded.dtype) > 0


def test_interactive_requests_are_admitted_before_waiting_bulk_work(loaded) -> None:  # type: ignore[no-untyped-def]
    # Two rows, one kept for interactive work: bulk requests run one at a time.
    server = Server(loaded, max_rows=2, reserved=1)
    admitted: list[str] = []
    original = server._prefill

    def record(work):  # type: ignore[no-untyped-def]
        admitted.append(work.lane if work.lane == "interactive" else work.request.prompt)
        original(work)

    server._prefill = record  # type: ignore[method-assign]
    try:
        bulk = server.submit([GenerationRequest(prompt=p, max_new_tokens=NEW) for p in PROMPTS], lane="bulk")
        interactive = server.stream(GenerationRequest(prompt="great", max_new_tokens=5))
        text = "".join(event.delta for event in interactive)
        for work in bulk:
            assert work.done.wait(60)
        assert "interactive" in admitted
        # At most the bulk request running when it arrived (and the one admitted beside it) came first.
        assert admitted.index("interactive") <= 2
        assert text == _alone(loaded, GenerationRequest(prompt="great", max_new_tokens=5))[0][0]
    finally:
        server.close()


def test_a_failing_forward_pass_fails_its_requests_and_the_server_goes_on(loaded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    server = Server(loaded, max_rows=4, reserved=0)
    calls = {"n": 0}
    original = server._forward

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("out of memory")
        return original(*args, **kwargs)

    monkeypatch.setattr(server, "_forward", flaky)
    try:
        with pytest.raises(InferenceError, match="out of memory"):
            server.generate([GenerationRequest(prompt=PROMPTS[0], max_new_tokens=NEW)])
        request = GenerationRequest(prompt=PROMPTS[1], max_new_tokens=NEW)
        assert _texts(server.generate([request])[0]) == _alone(loaded, request)
    finally:
        server.close()


def test_many_threads_share_one_server(loaded) -> None:  # type: ignore[no-untyped-def]
    server = Server(loaded, max_rows=4, reserved=1)
    requests = [GenerationRequest(prompt=p, max_new_tokens=NEW) for p in PROMPTS]
    results: dict[int, Any] = {}

    def call(index: int) -> None:
        lane = "interactive" if index % 2 else "bulk"
        results[index] = server.generate([requests[index]], lane=lane)[0]  # type: ignore[arg-type]

    threads = [threading.Thread(target=call, args=(index,)) for index in range(len(requests))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for index, request in enumerate(requests):
            assert _texts(results[index]) == _alone(loaded, request)
    finally:
        server.close()


def test_rows_come_from_memory_within_the_cap_of_the_device(local, tiny_specs, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """On a CPU the spec's max_batch caps the rows; on a GPU the free memory decides up to GPU_MAX_ROWS."""
    import dataclasses

    import torch

    from apps.inference.engine import kv_cache

    _backend, get_loaded = local
    loaded = get_loaded(tiny_specs["lm"])
    per_row = kv_cache.kv_bytes_per_token(loaded.model, loaded.dtype) * loaded.spec.max_length
    settings.INFERENCE_BATCH_MEMORY_FRACTION = 0.5
    settings.INFERENCE_MAX_BATCH_ROWS = 0
    cpu = dataclasses.replace(loaded, device=torch.device("cpu"))
    gpu = dataclasses.replace(loaded, device=torch.device("cuda"))
    free = {"bytes": per_row * 1000}
    monkeypatch.setattr(kv_cache, "available_memory_bytes", lambda device: free["bytes"])
    assert kv_cache.batch_rows_for(cpu) == loaded.spec.max_batch == 4
    assert kv_cache.batch_rows_for(gpu) == kv_cache.GPU_MAX_ROWS
    free["bytes"] = per_row * 20  # half of it holds 10 rows at the full context
    assert kv_cache.batch_rows_for(gpu) == 10
    assert kv_cache.batch_rows_for(cpu) == 4
    settings.INFERENCE_MAX_BATCH_ROWS = 6
    assert kv_cache.batch_rows_for(gpu) == 6
    free["bytes"] = per_row  # too little for even one row at the full context: still one
    assert kv_cache.batch_rows_for(gpu) == 1


def test_a_batch_that_empties_is_sized_again_from_the_memory_free_then(
    local, tiny_specs, settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import dataclasses
    import time

    import torch

    from apps.inference.engine import kv_cache

    _backend, get_loaded = local
    loaded = dataclasses.replace(get_loaded(tiny_specs["lm"]), device=torch.device("cpu"))
    per_row = kv_cache.kv_bytes_per_token(loaded.model, loaded.dtype) * loaded.spec.max_length
    settings.INFERENCE_BATCH_MEMORY_FRACTION = 1.0
    settings.INFERENCE_MAX_BATCH_ROWS = 0
    free = {"bytes": per_row * 2}
    monkeypatch.setattr(kv_cache, "available_memory_bytes", lambda device: free["bytes"])
    server = Server(loaded)
    try:
        assert (server.max_rows, server.reserved) == (2, 1)
        free["bytes"] = per_row * 3  # something else let go of its memory
        server.generate([GenerationRequest(prompt=PROMPTS[0], max_new_tokens=3)])
        deadline = time.monotonic() + 30  # the loop empties its batch just after answering
        while server.max_rows != 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert (server.max_rows, server.reserved) == (3, 1)
    finally:
        server.close()
    fixed = Server(loaded, max_rows=2, reserved=0)  # sizes given by the caller stay
    try:
        fixed.generate([GenerationRequest(prompt=PROMPTS[0], max_new_tokens=3)])
        assert (fixed.max_rows, fixed.reserved) == (2, 0)
    finally:
        fixed.close()
