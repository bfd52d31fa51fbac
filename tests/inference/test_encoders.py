"""Embeddings and classification on tiny random BERTs, through the same loader as real models."""

from __future__ import annotations

import math

import pytest

from apps.inference.engine.encoders import length_buckets

TEXTS = [
    "the shirt fits well and the fabric is soft the shirt fits well and the fabric is soft",
    "great",
    "delivery was late",
    "customer service answered quickly and kindly",
    "box",
    "colour faded after one wash very disappointed",
    "great price good quality",
]


def test_length_buckets_sort_and_bound_rows_and_tokens() -> None:
    lengths = [9, 2, 5, 2, 7, 3, 9, 1]
    buckets = length_buckets(lengths, max_batch=3, max_tokens=16)
    assert sorted(index for bucket in buckets for index in bucket) == list(range(len(lengths)))
    flattened = [lengths[index] for bucket in buckets for index in bucket]
    assert flattened == sorted(lengths)
    for bucket in buckets:
        assert len(bucket) <= 3
        assert len(bucket) * max(lengths[index] for index in bucket) <= 16 or len(bucket) == 1
    assert buckets == [[7, 1, 3], [5, 2], [4], [0], [6]]


def test_embeddings_are_unit_length_ordered_and_batch_independent(local, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    backend, _ = local
    spec = tiny_specs["encoder"]
    batch = backend.embed(TEXTS, spec)
    assert len(batch) == len(TEXTS)
    for embedding in batch:
        assert embedding.model == "tiny-encoder"
        assert len(embedding.vector) == 32
        assert math.isclose(sum(value * value for value in embedding.vector), 1.0, rel_tol=1e-5)
    singles = [backend.embed([text], spec)[0] for text in TEXTS]
    for together, alone in zip(batch, singles, strict=True):
        assert together.tokens == alone.tokens
        assert together.vector == pytest.approx(alone.vector, abs=1e-5)
    # [CLS] + words + [SEP], cut at max_length (16) for the long first text.
    assert [embedding.tokens for embedding in batch] == [16, 3, 5, 8, 3, 9, 6]


def test_query_prefix_changes_the_vector_and_the_count(local, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    backend, _ = local
    spec = tiny_specs["encoder"]
    passage = backend.embed(["delivery was late"], spec, kind="passage")[0]
    query = backend.embed(["delivery was late"], spec, kind="query")[0]
    assert query.tokens == passage.tokens + 1
    assert query.vector != pytest.approx(passage.vector, abs=1e-4)


def test_classification_gives_labels_from_the_config_and_a_distribution(local, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    backend, _ = local
    spec = tiny_specs["classifier"]
    results = backend.classify(TEXTS, spec)
    singles = [backend.classify([text], spec)[0] for text in TEXTS]
    for result, alone in zip(results, singles, strict=True):
        assert set(result.scores) == {"negative", "neutral", "positive"}
        assert math.isclose(sum(result.scores.values()), 1.0, rel_tol=1e-5)
        assert result.label == max(result.scores, key=result.scores.__getitem__)
        assert result.score == result.scores[result.label]
        assert result.label == alone.label
        assert result.scores == pytest.approx(alone.scores, abs=1e-5)


def test_no_texts_give_no_results(local, tiny_specs) -> None:  # type: ignore[no-untyped-def]
    from apps.inference.engine import encoders
    from apps.inference.engine.loading import load

    assert encoders.embed(load(tiny_specs["encoder"]), []) == []
    assert encoders.classify(load(tiny_specs["classifier"]), []) == []
