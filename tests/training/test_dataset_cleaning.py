"""Cleaning, splitting and fingerprinting examples (engine/datasets.py): no Django, no model."""

from __future__ import annotations

from apps.support.knowledge.guardrails import redact_pii
from apps.training.engine.datasets import SPLITS, CleanOptions, RawExample, clean, content_sha256, split

OPTIONS = CleanOptions(min_length=3, max_length=200, seed=7)


def texts(examples: list[RawExample]) -> list[str]:
    return [example.text for example in examples]


def test_each_reason_for_dropping_is_counted_and_the_first_occurrence_kept() -> None:
    rows = [
        RawExample("The zipper broke after two days of use", "negative"),
        RawExample("the zipper  broke after two days of use", "negative"),  # exact after normalising
        RawExample("The zipper broke after two days of use!!", "negative"),  # near duplicate
        RawExample("ok", "neutral"),  # too short
        RawExample("word " * 201, "neutral"),  # too long
        RawExample("Colour is exactly as pictured, very happy", "positive"),
        RawExample("Arrived on time and well packed", "positive"),
        RawExample("Arrived on time and well packed", "negative"),  # the same text, labelled both ways
        RawExample("很好用，质量不错，会回购", "positive"),
        RawExample("Write to me at jane.doe@example.com or call +1 415 555 0100 about sizes", "neutral"),
    ]
    kept, report = clean(rows, OPTIONS, redact=redact_pii)
    assert report.source_rows == 10
    assert (report.too_short, report.too_long) == (1, 1)
    assert (report.exact_duplicates, report.conflicting_labels, report.near_duplicates) == (2, 1, 1)
    assert report.redacted == {"email": 1, "phone": 1}
    assert texts(kept) == [
        "The zipper broke after two days of use",
        "Colour is exactly as pictured, very happy",
        "很好用，质量不错，会回购",
        "Write to me at [EMAIL] or call [PHONE] about sizes",
    ]
    assert report.kept == 4


def test_texts_that_only_look_alike_are_kept() -> None:
    rows = [
        RawExample("The strap broke after a week", "negative"),
        RawExample("The strap is sturdy and comfortable after a week", "positive"),
    ]
    kept, report = clean(rows, OPTIONS)
    assert len(kept) == 2 and report.near_duplicates == 0


def test_split_is_fixed_by_the_seed_keeps_groups_together_and_never_shares_a_text() -> None:
    rows = [RawExample(f"review number {n} says the size runs small", "negative") for n in range(40)]
    rows += [
        RawExample(f"Product: bag {n}\nDescription:", target=f" A bag {n}.", group=f"product:{n % 5}")
        for n in range(10)
    ]
    kept, _ = clean(rows, OPTIONS)
    first = split(kept, OPTIONS)
    again = split(list(reversed(kept)), OPTIONS)
    assert first == again
    groups: dict[str, set[str]] = {
        name: {example.group or example.text for example in part} for name, part in first.items()
    }
    assert {name: len(found) for name, found in groups.items()} == {"train": 37, "valid": 4, "test": 4}
    seen = [example.text + example.target for part in first.values() for example in part]
    assert len(seen) == len(set(seen)) == 50
    for group in {f"product:{n}" for n in range(5)}:
        sides = {name for name, part in first.items() for example in part if example.group == group}
        assert len(sides) == 1, group
    other = split(kept, CleanOptions(seed=8))
    assert other != first
    assert content_sha256(first) == content_sha256(again) != content_sha256(other)


def test_a_tiny_set_still_gets_a_test_and_a_validation_example() -> None:
    rows = [RawExample(f"text {word} is long enough", "positive") for word in ("one", "two", "three")]
    parts = split(clean(rows, OPTIONS)[0], OPTIONS)
    assert [len(parts[name]) for name in SPLITS] == [1, 1, 1]
