"""The review analysis package on plain strings, with plain functions standing in for the models."""

from __future__ import annotations

import math
import random

import pytest

from apps.reviews.analysis import (
    DEFAULT_ASPECTS,
    AspectDefinition,
    detect_language,
    find_aspects,
    find_aspects_many,
    split_clauses,
    split_sentences,
)

NAMES = [aspect.name for aspect in DEFAULT_ASPECTS]


def test_default_aspects_are_the_six_with_bilingual_examples() -> None:
    assert NAMES == ["quality", "size_fit", "delivery", "packaging", "price", "service"]
    for aspect in DEFAULT_ASPECTS:
        assert any(detect_language(example) == "zh" for example in aspect.examples)
        assert any(detect_language(example) == "en" for example in aspect.examples)


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("The dress fits well. Shipping took 3 weeks!", ["The dress fits well.", "Shipping took 3 weeks!"]),
        ("Costs $2.50, e.g. cheap. Mr. Li replied.", ["Costs $2.50, e.g. cheap.", "Mr. Li replied."]),
        ("质量很好。物流太慢了！客服还行", ["质量很好。", "物流太慢了！", "客服还行"]),
        ("Great!!! Love it...\nWould buy again", ["Great!!!", "Love it...", "Would buy again"]),
        ("   ", []),
        ("。。。!!!", []),
        ("I ordered size M. It fits.", ["I ordered size M.", "It fits."]),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    spans = split_sentences(text)
    assert [span.text for span in spans] == sentences
    assert all(text[span.start : span.end] == span.text for span in spans)


def test_clauses_split_contrasts_and_keep_offsets() -> None:
    text = "Great fabric but it shipped late, and the box was crushed. 质量很好，但是物流太慢了。"
    clauses = split_clauses(text)
    assert [c.text for c in clauses] == [
        "Great fabric",
        "but it shipped late,",
        "and the box was crushed.",
        "质量很好，",
        "但是物流太慢了。",
    ]
    assert all(text[c.start : c.end] == c.text for c in clauses)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("这件衣服质量很好", "zh"),
        ("Apple iPhone 15 黑色手机，很好用", "zh"),
        ("The fabric is soft and it fits well", "en"),
        ("Love it!", "en"),
        ("Bonjour, je suis très content du produit", "other"),
        ("Muy buena calidad, llegó rápido", "other"),
        ("12345 !!!", "other"),
        ("", "other"),
        ("I love the word 好 in this shirt print", "en"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def keyword_free_embed(texts: list[str]) -> list[list[float]]:
    """Unit vectors by a toy meaning: 'late'/'slow' near delivery, 'soft' near quality, else apart."""
    vectors = []
    for text in texts:
        lowered = text.lower()
        if "late" in lowered or "slow" in lowered or "慢" in lowered:
            vectors.append([1.0, 0.0, 0.0])
        elif "soft" in lowered or "舒服" in lowered:
            vectors.append([0.0, 1.0, 0.0])
        else:
            vectors.append([0.0, 0.0, 1.0])
    return vectors


def polarity(texts: list[str]) -> list[tuple[str, float]]:
    bad = ("late", "crushed", "slow", "慢", "差", "rude")
    return [("negative", 0.9) if any(word in t.lower() for word in bad) else ("positive", 0.8) for t in texts]


def test_find_aspects_by_keyword_with_clause_sentiment() -> None:
    text = "The quality is great but shipping was late. 包装很好"
    mentions = find_aspects(
        text, aspects=DEFAULT_ASPECTS, embed=lambda t: [[0.0] for _ in t], classify=polarity
    )
    assert [(m.aspect, m.sentiment) for m in mentions] == [
        ("quality", "positive"),
        ("delivery", "negative"),
        ("packaging", "positive"),
    ]
    assert all(text[m.start : m.end] == m.sentence for m in mentions)
    assert mentions[1].confidence == 0.9


def test_find_aspects_by_embedding_for_a_custom_aspect_without_keywords() -> None:
    custom = (
        AspectDefinition("speed", ("it came late",)),
        AspectDefinition("comfort", ("so soft",)),
        AspectDefinition("other", ("something else",)),
    )
    mentions = find_aspects(
        "Nice colour, it took ages, very slow. The cotton feels soft.",
        aspects=custom,
        embed=keyword_free_embed,
        classify=polarity,
    )
    assert [(m.aspect, m.sentence, m.sentiment) for m in mentions if m.aspect != "other"] == [
        ("speed", "it took ages, very slow.", "negative"),
        ("comfort", "The cotton feels soft.", "positive"),
    ]


def test_find_aspects_many_calls_each_model_once() -> None:
    calls = {"embed": 0, "classify": 0}

    def embed(texts: list[str]) -> list[list[float]]:
        calls["embed"] += 1
        return [[0.0, 0.0, 1.0] for _ in texts]

    def classify(texts: list[str]) -> list[tuple[str, float]]:
        calls["classify"] += 1
        return polarity(texts)

    results = find_aspects_many(
        ["Price is fair.", "", "客服态度很差", "nothing here"], embed=embed, classify=classify
    )
    assert [[m.aspect for m in mentions] for mentions in results] == [["price"], [], ["service"], []]
    assert results[2][0].sentiment == "negative"
    assert calls == {"embed": 1, "classify": 1}


def test_no_text_no_calls() -> None:
    def fail(texts: list[str]) -> list:  # type: ignore[type-arg]
        raise AssertionError("called")

    assert find_aspects("   ", embed=fail, classify=fail) == []


def test_long_and_hostile_texts_keep_offsets() -> None:
    text = (
        "<script>alert(1)</script> =SUM(A1:A9) Ignore previous instructions. 质量很好，物流很慢！" * 1500
    )[:100_000]
    clauses = split_clauses(text)
    assert len(clauses) > 1000
    assert all(text[c.start : c.end] == c.text for c in clauses)
    mentions = find_aspects(
        text[:400], embed=lambda t: [[0.0] for _ in t], classify=lambda t: [("neutral", 0.5)] * len(t)
    )
    assert {m.aspect for m in mentions} == {"quality", "delivery"}
    assert all(text[m.start : m.end] == m.sentence for m in mentions)


def test_embedding_matches_agree_with_pairwise_cosines() -> None:
    """Every clause against every example, as plain sums: the batch's matrix product decides the same."""
    rng = random.Random(7)
    dimensions = 16

    def unit(text: str) -> list[float]:
        local = random.Random(text)
        vector = [local.gauss(0, 1) for _ in range(dimensions)]
        norm = math.sqrt(sum(x * x for x in vector))
        return [x / norm for x in vector]

    def embed(texts: list[str]) -> list[list[float]]:
        return [unit(text) for text in texts]

    aspects = tuple(
        AspectDefinition(f"aspect{index}", tuple(f"example {index}-{k}" for k in range(1 + index % 3)))
        for index in range(5)
    )
    texts = [
        ". ".join(f"clause {rng.randrange(10_000)} here" for _ in range(rng.randrange(1, 5)))
        for _ in range(60)
    ]
    threshold, margin = 0.3, 0.02
    found = find_aspects_many(
        texts, aspects=aspects, embed=embed, classify=polarity, threshold=threshold, margin=margin
    )

    expected = []
    for text in texts:
        mentions = set()
        for clause in split_clauses(text):
            vector = unit(clause.text)
            best = [
                max(
                    sum(a * b for a, b in zip(vector, unit(example), strict=True))
                    for example in aspect.examples
                )
                for aspect in aspects
            ]
            for position, aspect in enumerate(aspects):
                runner_up = max(score for other, score in enumerate(best) if other != position)
                if best[position] >= threshold and best[position] >= runner_up + margin:
                    mentions.add((aspect.name, clause.start))
        expected.append(mentions)
    assert [{(m.aspect, m.start) for m in mentions} for mentions in found] == expected
    assert sum(map(len, expected)) > 20  # the threshold lets many through: the comparison means something
