"""Locates the hand-marked phrases of tests/data/descriptions/labels_src_<name>.json in their drafts and
writes labels_<name>.json with character offsets; fails on a phrase that is not in its draft.

    .venv/bin/python benchmarks/description_labels.py before after
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "descriptions"


def locate(text: str, phrase: str) -> tuple[int, int]:
    occurrence = 1
    if "@" in phrase and phrase.rsplit("@", 1)[1].isdigit():
        phrase, number = phrase.rsplit("@", 1)
        occurrence = int(number)
    start = -1
    for _ in range(occurrence):
        start = text.find(phrase, start + 1)
        if start < 0:
            raise ValueError(f"{phrase!r} (occurrence {occurrence}) is not in {text!r}")
    return start, start + len(phrase)


def build(name: str) -> int:
    drafts: dict[str, dict] = {}
    for path in sorted(DATA.glob(f"drafts_{name}*.json")):
        drafts.update(json.loads(path.read_text("utf-8"))["drafts"])
    source = json.loads((DATA / f"labels_src_{name}.json").read_text("utf-8"))
    out = {}
    for sku, marked in source["drafts"].items():
        text = drafts[sku]["text"]
        spans = []
        for kind in ("invented", "puffery"):
            for phrase in marked[kind]:
                start, end = locate(text, phrase)
                spans.append({"start": start, "end": end, "text": text[start:end], "kind": kind})
        out[sku] = {"text": text, "spans": sorted(spans, key=lambda span: span["start"])}
    about = f"{source['about']} Written by benchmarks/description_labels.py from labels_src_{name}.json."
    (DATA / f"labels_{name}.json").write_text(
        json.dumps({"about": about, "drafts": out}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return len(out)


if __name__ == "__main__":
    for name in sys.argv[1:] or ["before", "after"]:
        print(name, build(name))
