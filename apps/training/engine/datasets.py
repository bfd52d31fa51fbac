"""Cleaning, splitting and fingerprinting a store's training examples (no Django, no torch).

``clean`` takes raw examples in the order the store's data gave them and drops, counting each
reason: personal data is redacted first (so two texts differing only in an e-mail address are
duplicates), then texts too short or too long, exact duplicates (after normalising case, width
and spaces), examples whose text two people labelled differently, and near-duplicates (MinHash
over character shingles, confirmed by the exact Jaccard similarity of the two texts).

``split`` assigns whole groups (a text, or a product whose descriptions share facts) to train,
validation and test by a seeded hash, so the same data and seed always give the same split and no
text or group is on two sides. ``content_sha256`` fingerprints the frozen result.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

import numpy as np

Split = Literal["train", "valid", "test"]
SPLITS: tuple[Split, ...] = ("train", "valid", "test")
_SPACES = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9']+")
_REDACTION_TAG = re.compile(r"\[(EMAIL|PHONE|ID|CARD|ADDRESS)\]")


@dataclass(frozen=True)
class RawExample:
    """One example before cleaning: ``text`` is what the model reads, ``target`` what it writes
    (a generator's description; empty for classifiers and plain text), ``label`` a class."""

    text: str
    label: str = ""
    target: str = ""
    group: str = ""  # examples with the same group always share a split (empty: the text itself)
    source: str = ""  # where it came from, e.g. "review:12"
    meta: dict[str, object] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class CleanOptions:
    min_length: int = 3  # words in English, characters in Chinese
    max_length: int = 2000
    near_duplicate_threshold: float = 0.85  # Jaccard similarity of character 4-gram sets
    seed: int = 13
    valid_fraction: float = 0.1
    test_fraction: float = 0.1


@dataclass
class CleanReport:
    source_rows: int = 0
    redacted: dict[str, int] = field(default_factory=dict)
    too_short: int = 0
    too_long: int = 0
    exact_duplicates: int = 0
    conflicting_labels: int = 0
    near_duplicates: int = 0
    kept: int = 0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def normalise(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def length_of(text: str) -> int:
    """Words in English, characters (hanzi, plus Latin words) in Chinese and mixed text."""
    return len(_CJK.findall(text)) + len(_WORD.findall(text))


def _key_text(example: RawExample) -> str:
    return normalise(f"{example.text}\n{example.target}" if example.target else example.text)


def _shingles(text: str, size: int = 4) -> set[str]:
    compact = text.replace(" ", "")
    if len(compact) <= size:
        return {compact}
    return {compact[index : index + size] for index in range(len(compact) - size + 1)}


def jaccard(first: set[str], second: set[str]) -> float:
    union = len(first | second)
    return len(first & second) / union if union else 1.0


class NearDuplicateIndex:
    """MinHash signatures banded into buckets (locality-sensitive hashing): texts sharing a bucket
    are candidates, kept apart unless their exact shingle Jaccard reaches the threshold."""

    PERMUTATIONS = 64
    BANDS = 16  # 4 rows a band: pairs at Jaccard 0.85 share a bucket with probability > 0.99
    _PRIME = (1 << 61) - 1

    def __init__(self, threshold: float, seed: int = 1) -> None:
        self.threshold = threshold
        rng = np.random.default_rng(seed)
        self._a = rng.integers(1, self._PRIME, self.PERMUTATIONS, dtype=np.uint64)
        self._b = rng.integers(0, self._PRIME, self.PERMUTATIONS, dtype=np.uint64)
        self._buckets: dict[tuple[int, bytes], list[int]] = {}
        self._sets: list[set[str]] = []

    def _signature(self, shingles: set[str]) -> np.ndarray:
        hashes = np.array(
            [int.from_bytes(hashlib.blake2b(s.encode(), digest_size=7).digest(), "little") for s in shingles],
            dtype=np.uint64,
        )
        # (a * h + b) mod 2^64 is a cheap family of permutations of the 56-bit shingle hashes.
        mixed = hashes[None, :] * self._a[:, None] + self._b[:, None]
        return mixed.min(axis=1)  # type: ignore[no-any-return]

    def add_if_new(self, text: str) -> bool:
        """Add ``text`` unless a near-duplicate of it is already in; True when it was added."""
        shingles = _shingles(text)
        signature = self._signature(shingles)
        rows = self.PERMUTATIONS // self.BANDS
        keys = [(band, signature[band * rows : (band + 1) * rows].tobytes()) for band in range(self.BANDS)]
        candidates = {index for key in keys for index in self._buckets.get(key, [])}
        if any(jaccard(shingles, self._sets[index]) >= self.threshold for index in candidates):
            return False
        position = len(self._sets)
        self._sets.append(shingles)
        for key in keys:
            self._buckets.setdefault(key, []).append(position)
        return True


def clean(
    examples: Iterable[RawExample],
    options: CleanOptions,
    *,
    redact: Callable[[str], str] = lambda text: text,
) -> tuple[list[RawExample], CleanReport]:
    """The examples worth training on, first occurrence kept, and what was dropped or changed."""
    report = CleanReport()
    first: dict[str, RawExample] = {}
    labels: dict[str, set[str]] = {}
    for example in examples:
        report.source_rows += 1
        redacted = replace(example, text=redact(example.text), target=redact(example.target))
        for field_name in ("text", "target"):
            before = _REDACTION_TAG.findall(getattr(example, field_name))
            for tag in _REDACTION_TAG.findall(getattr(redacted, field_name)):
                if tag in before:
                    before.remove(tag)
                else:
                    report.redacted[tag.lower()] = report.redacted.get(tag.lower(), 0) + 1
        measured = redacted.target or redacted.text
        if length_of(measured) < options.min_length:
            report.too_short += 1
            continue
        if len(measured) > options.max_length or len(redacted.text) > options.max_length * 4:
            report.too_long += 1
            continue
        key = _key_text(redacted)
        if key in first:
            report.exact_duplicates += 1
            labels[key].add(redacted.label)
            continue
        first[key] = redacted
        labels[key] = {redacted.label}
    unique = []
    for key, example in first.items():
        if len(labels[key]) > 1:
            report.conflicting_labels += 1
            continue
        unique.append(example)
    index = NearDuplicateIndex(options.near_duplicate_threshold, seed=options.seed)
    kept = []
    for example in unique:
        if index.add_if_new(_key_text(example)):
            kept.append(example)
        else:
            report.near_duplicates += 1
    report.kept = len(kept)
    return kept, report


def _rank(group: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{group}".encode()).hexdigest()


def split(examples: Sequence[RawExample], options: CleanOptions) -> dict[Split, list[RawExample]]:
    """Train / validation / test by seeded hash of each example's group; a group never straddles."""
    groups: dict[str, list[RawExample]] = {}
    for example in examples:
        groups.setdefault(example.group or _key_text(example), []).append(example)
    order = sorted(groups, key=lambda group: _rank(group, options.seed))
    count = len(order)
    test = round(count * options.test_fraction)
    valid = round(count * options.valid_fraction)
    if count >= 3:  # every split gets at least one group once there are three
        test, valid = max(1, test), max(1, valid)
    parts: dict[Split, list[RawExample]] = {"test": [], "valid": [], "train": []}
    for position, group in enumerate(order):
        name: Split = "test" if position < test else "valid" if position < test + valid else "train"
        parts[name].extend(groups[group])
    for name in SPLITS:  # a stable order inside each split, independent of the input's order
        parts[name].sort(key=lambda example: _rank(_key_text(example), options.seed))
    return parts


def content_sha256(parts: dict[Split, list[RawExample]]) -> str:
    """One digest of the split examples: the same data, cleaned and split alike, gives the same hash."""
    digest = hashlib.sha256()
    for name in SPLITS:
        for example in parts.get(name, []):
            row = {"split": name, "text": example.text, "label": example.label, "target": example.target}
            digest.update(json.dumps(row, ensure_ascii=False, sort_keys=True).encode("utf-8"))
            digest.update(b"\n")
    return digest.hexdigest()


def label_balance(examples: Iterable[RawExample]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for example in examples:
        if example.label:
            counts[example.label] = counts.get(example.label, 0) + 1
    return dict(sorted(counts.items()))
