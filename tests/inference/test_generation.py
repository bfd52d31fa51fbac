"""Batched generation on a tiny random Gemma 3: left padding, stop strings, seeds, streaming."""

from __future__ import annotations

import pytest
import torch

from apps.inference.errors import InvalidRequest
from apps.inference.types import GenerationRequest

PROMPTS = [
    "the shirt fits",
    "delivery was late and the box was damaged please",
    "great",
    "write a short title for a red leather bag and",
    "colour faded after one",
]


def test_greedy_batch_equals_each_prompt_alone(local, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    backend, _ = local
    spec = tiny_specs["lm"]  # max_batch 4: five prompts also cross a batch boundary
    requests = [GenerationRequest(prompt=prompt, max_new_tokens=6) for prompt in PROMPTS]
    batch = backend.generate(requests, spec)
    alone = [backend.generate([request], spec)[0] for request in requests]
    assert [(r.text, r.finish_reason, r.completion_tokens) for r in batch] == [
        (r.text, r.finish_reason, r.completion_tokens) for r in alone
    ]
    for result in batch:
        words = len(result.text.split())
        if result.finish_reason == "length":
            assert (words, result.completion_tokens) == (6, 6)
        else:  # the end-of-sequence token: counted, not shown
            assert result.completion_tokens == words + 1 <= 6


def test_left_padded_greedy_matches_transformers_generate(local, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    backend, get_loaded = local
    spec = tiny_specs["lm"]
    loaded = get_loaded(spec)
    results = backend.generate([GenerationRequest(prompt=p, max_new_tokens=5) for p in PROMPTS[:3]], spec)
    for prompt, result in zip(PROMPTS[:3], results, strict=True):
        ids = loaded.tokenizer(prompt, return_tensors="pt")
        output = loaded.model.generate(**ids, max_new_tokens=5, do_sample=False)
        expected = loaded.tokenizer.decode(output[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)
        assert result.text == expected
        assert result.prompt_tokens == ids["input_ids"].shape[1]


def test_stop_string_cuts_the_text_and_sets_the_reason(local, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    backend, _ = local
    spec = tiny_specs["lm"]
    free = backend.generate([GenerationRequest(prompt=PROMPTS[1], max_new_tokens=8)], spec)[0].text
    words = free.split()
    stop = " " + words[2]  # the third generated word, with its leading space
    cut = backend.generate([GenerationRequest(prompt=PROMPTS[1], max_new_tokens=8, stop=(stop,))], spec)[0]
    assert cut.finish_reason == "stop"
    assert cut.text == free[: free.index(stop)]
    assert stop not in cut.text


def test_seeded_sampling_repeats_and_candidates_differ(local, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    backend, _ = local
    spec = tiny_specs["lm"]
    request = GenerationRequest(prompt="great", max_new_tokens=8, temperature=5.0, seed=11, n=3)
    first = backend.generate([request], spec)[0]
    second = backend.generate([GenerationRequest(prompt="the shirt fits", max_new_tokens=8), request], spec)[
        1
    ]
    assert [choice.text for choice in first.choices] == [choice.text for choice in second.choices]
    assert len({choice.text for choice in first.choices}) == 3
    other_seed = backend.generate(
        [GenerationRequest(prompt="great", max_new_tokens=8, temperature=5.0, seed=12)], spec
    )
    assert other_seed[0].text == first.choices[1].text  # candidate i uses seed + i


def test_top_p_near_zero_is_greedy(local, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    backend, _ = local
    spec = tiny_specs["lm"]
    prompt = PROMPTS[1]
    greedy = backend.generate([GenerationRequest(prompt=prompt, max_new_tokens=6)], spec)[0]
    nucleus = backend.generate(
        [GenerationRequest(prompt=prompt, max_new_tokens=6, temperature=1.0, top_p=1e-6, seed=1)], spec
    )[0]
    hot = backend.generate(
        [GenerationRequest(prompt=prompt, max_new_tokens=6, temperature=50.0, seed=1)], spec
    )[0]
    assert len(greedy.text.split()) == 6
    assert nucleus.text == greedy.text
    assert hot.text != greedy.text


def test_streaming_yields_the_same_text_without_leaking_a_stop_string(local, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    backend, _ = local
    spec = tiny_specs["lm"]
    free = backend.generate([GenerationRequest(prompt=PROMPTS[3], max_new_tokens=8)], spec)[0]
    events = list(backend.generate_stream(GenerationRequest(prompt=PROMPTS[3], max_new_tokens=8), spec))
    assert "".join(event.delta for event in events) == free.text
    assert len(events) >= 3 and [event.final for event in events].count(True) == 1 and events[-1].final
    assert (events[-1].finish_reason, events[-1].completion_tokens, events[-1].prompt_tokens) == (
        "length",
        8,
        free.prompt_tokens,
    )
    stop = " " + free.text.split()[3]
    streamed = list(
        backend.generate_stream(GenerationRequest(prompt=PROMPTS[3], max_new_tokens=8, stop=(stop,)), spec)
    )
    text = "".join(event.delta for event in streamed)
    assert text == free.text[: free.text.index(stop)]
    assert streamed[-1].finish_reason == "stop"


def test_chat_messages_use_the_template_and_base_models_refuse_them(local, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    backend, get_loaded = local
    messages = ({"role": "user", "content": "the shirt fits"},)
    result = backend.generate([GenerationRequest(messages=messages, max_new_tokens=3)], tiny_specs["chat"])[0]
    loaded = get_loaded(tiny_specs["chat"])
    # "user the shirt fits assistant" -> 5 words, no special tokens added by the template path
    assert result.prompt_tokens == len(
        loaded.tokenizer("user the shirt fits assistant", add_special_tokens=False)["input_ids"]
    )
    assert result.completion_tokens == 3
    with pytest.raises(InvalidRequest, match="no chat template"):
        backend.generate([GenerationRequest(messages=messages)], tiny_specs["lm"])


def test_prompt_longer_than_the_model_limit_is_refused(local, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    backend, _ = local
    with pytest.raises(InvalidRequest, match="exceeds"):
        backend.generate([GenerationRequest(prompt="great " * 60, max_new_tokens=40)], tiny_specs["lm"])


def test_generation_runs_under_inference_mode(local, tiny_specs, on_forward) -> None:  # type: ignore[no-untyped-def]
    backend, get_loaded = local
    loaded = get_loaded(tiny_specs["lm"])
    seen = on_forward(loaded.model, torch.is_inference_mode_enabled)
    backend.generate([GenerationRequest(prompt="great", max_new_tokens=2)], tiny_specs["lm"])
    assert seen and all(seen)


@pytest.mark.parametrize("scale", [0.5, 4.0, 12.0])
def test_nucleus_sampling_draws_only_from_the_exact_nucleus(scale: float) -> None:
    """The top-k shortcut keeps exactly the tokens a full sort would keep (flat and peaked alike)."""
    from apps.inference.engine.generation import _generator, _pick

    logits = torch.randn(5000, generator=torch.Generator().manual_seed(0)) * scale
    request = GenerationRequest(prompt="x", temperature=0.7, top_p=0.9)
    probabilities = torch.softmax(logits / request.temperature, dim=-1)
    ordered, order = torch.sort(probabilities, descending=True)
    inside = (torch.cumsum(ordered, dim=-1) - ordered) < request.top_p
    nucleus = set(order[inside].tolist())
    generator = _generator(7)
    drawn = {_pick(logits, request, generator) for _ in range(300)}
    assert drawn <= nucleus
    # Flat distributions have a nucleus far beyond the first 64 tokens: the draws reach past them.
    if scale == 0.5:
        assert len(nucleus) > 64 and len(drawn) > 64


def test_tokens_picked_for_the_whole_batch_equal_those_picked_row_by_row() -> None:
    """pick_tokens (the serving loop's batched pick) chooses what _pick would for each row: greedy rows,
    nucleus rows whose top tokens hold top_p, flat rows that need the wider search, plain sampling,
    and finished rows (None)."""
    import torch

    from apps.inference.engine.generation import Row, _generator, _pick, pick_tokens

    torch.manual_seed(0)
    vocabulary = 5000
    logits = torch.randn(6, vocabulary) * 4
    logits[3] = torch.randn(vocabulary) * 0.01  # flat: 64 tokens hold far less than top_p
    requests = [
        GenerationRequest(prompt="a"),  # greedy
        GenerationRequest(prompt="a", temperature=0.8, top_p=0.95, seed=1),
        GenerationRequest(prompt="a", temperature=1.3, top_p=0.5, seed=2),
        GenerationRequest(prompt="a", temperature=1.0, top_p=0.9, seed=3),
        GenerationRequest(prompt="a", temperature=0.7, seed=4),  # no top_p
        GenerationRequest(prompt="a", temperature=0.7, top_p=0.9, seed=5),
    ]

    def rows() -> list[Row]:
        made = [Row(0, [1], r, None if r.greedy else _generator(r.seed)) for r in requests]
        made[5].finish_reason = "stop"
        return made

    for _shift in range(3):  # three sets of logits
        batched, single = rows(), rows()
        expected = [
            None if row.finish_reason else _pick(logits[i].clone(), row.request, row.generator)
            for i, row in enumerate(single)
        ]
        assert pick_tokens(logits, batched) == expected
        logits = logits.roll(1, dims=-1)
