"""Single-row decoding picks its thread count from measured steps and leaves torch as it was."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from apps.inference.engine import decode_threads, loading
from apps.inference.engine.decode_threads import DecodeThreads, chooser_for
from apps.inference.engine.encoders import embed
from apps.inference.engine.generation import _rows_for, decode, generate
from apps.inference.engine.runtime import configured_threads
from apps.inference.types import GenerationRequest


def test_candidates_alternate_then_the_fastest_is_kept() -> None:
    chooser = DecodeThreads(4, "m")
    assert chooser.candidates == (4, 1)
    seen = []
    per_step = {4: 0.030, 1: 0.020}
    while chooser.choice is None:
        threads = chooser.pick()
        seen.append(threads)
        chooser.record(threads, per_step[threads])
    assert seen == [4, 1] * decode_threads.SAMPLES
    assert chooser.choice == 1
    assert chooser.pick() == 1
    chooser.record(4, 0.001)  # later calls no longer change the choice
    assert chooser.choice == 1
    assert chooser.medians() == {4: pytest.approx(0.030), 1: pytest.approx(0.020)}


def test_slower_single_thread_keeps_every_thread() -> None:
    chooser = DecodeThreads(2)
    for _ in range(decode_threads.SAMPLES):
        chooser.record(2, 0.047)
        chooser.record(1, 0.060)
    assert chooser.choice == 2


def test_one_core_has_nothing_to_measure() -> None:
    chooser = DecodeThreads(1)
    assert chooser.candidates == (1,) and chooser.choice == 1


def test_the_setting_pins_the_count(tiny_specs, settings) -> None:  # type: ignore[no-untyped-def]
    settings.INFERENCE_CPU_DECODE_THREADS = 1
    loaded = loading.load(replace(tiny_specs["lm"], key="lm-pinned"))
    assert chooser_for(loaded.model).choice == 1


def test_single_row_calls_measure_restore_threads_and_keep_outputs(tiny_specs) -> None:  # type: ignore[no-untyped-def]
    loaded = loading.load(replace(tiny_specs["lm"], key="lm-threads", max_batch=1))
    before = torch.get_num_threads()
    chooser = chooser_for(loaded.model)
    steps = decode_threads.MIN_STEPS + 3
    request = GenerationRequest(prompt="the blue linen shirt", max_new_tokens=steps)
    texts = []
    for _ in range(2 * decode_threads.SAMPLES):
        (result,) = generate(loaded, [request])
        texts.append(result.choices[0].text)
        assert torch.get_num_threads() == before
    if before > 1:
        assert chooser.choice in (before, 1)
        assert set(chooser.medians()) == {before, 1}
    # Greedy decoding gives the same text on either thread count.
    assert len(set(texts)) == 1


def test_only_the_forward_passes_run_on_the_switched_count(tiny_specs, settings, on_forward) -> None:  # type: ignore[no-untyped-def]
    settings.INFERENCE_CPU_DECODE_THREADS = 1
    loaded = loading.load(replace(tiny_specs["lm"], key="lm-stream-threads"))
    configured = torch.get_num_threads()
    during_forward = on_forward(loaded.model, torch.get_num_threads)
    between_steps: list[int] = []
    for _ in decode(
        loaded, _rows_for(loaded, [GenerationRequest(prompt="the shirt", max_new_tokens=6, stop=[])])
    ):
        between_steps.append(torch.get_num_threads())  # the caller's code between steps
    assert during_forward[0] == configured  # the prompt pass
    assert set(during_forward[1:]) == {1}
    assert len(during_forward) >= 2
    assert set(between_steps) == {configured}

    stream = decode(loaded, _rows_for(loaded, [GenerationRequest(prompt="the shirt", max_new_tokens=6)]))
    next(stream)
    next(stream)
    stream.close()
    assert torch.get_num_threads() == configured


def test_a_thread_started_during_a_switch_gets_the_configured_count_back(tiny_specs) -> None:  # type: ignore[no-untyped-def]
    """A thread whose first torch call copies a switched default is reset by the engine."""
    import threading

    loaded = loading.load(tiny_specs["encoder"])
    configured = configured_threads()
    seen: list[int] = []

    def work() -> None:
        torch.set_num_threads(1)  # as if it had copied the default while a decode had switched it
        embed(loaded, ["a warm scarf"])
        seen.append(torch.get_num_threads())

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    torch.set_num_threads(configured)  # the process-wide default, moved by the call above
    assert seen == [configured]


def test_batches_of_several_rows_use_every_thread(tiny_specs, settings, on_forward) -> None:  # type: ignore[no-untyped-def]
    settings.INFERENCE_CPU_DECODE_THREADS = 1  # what a single row would get
    loaded = loading.load(replace(tiny_specs["lm"], key="lm-batch-threads", max_batch=4))
    counts = on_forward(loaded.model, torch.get_num_threads)
    requests = [GenerationRequest(prompt=prompt, max_new_tokens=6) for prompt in ("a shirt", "blue linen")]
    generate(loaded, requests)
    assert len(counts) >= 2 and set(counts) == {configured_threads()}
