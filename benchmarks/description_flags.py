"""The span check against hand-labelled flags on the tuning part's candidate sentences.

    .venv/bin/python benchmarks/description_flags.py [--show false|new|lost]

tests/data/descriptions/flags_tune.json holds every span the check flagged (when the file was made) in
the sentences the planned drafting read for the tuning products (the model's candidates in
drafts_after_tune.json), each labelled by hand as invented, supported, puffery or gibberish (see the
README there). This re-runs the current check on every candidate sentence of the tuning products and
writes benchmarks/results/description_flags_tune.md, per language:

- labelled invented flags still flagged (a current flag overlaps the labelled span): the check's
  recall on this material;
- labelled not-invented flags still flagged (false flags) and current flags that overlap no labelled
  span (new flags, not labelled: read them with ``--show new`` before trusting a change);
- precision: still-flagged invented over all current flags (new flags counted as wrong).

Only tuning products are read (split ``tune``); held-aside products are never opened here.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data" / "descriptions"
RESULT = ROOT / "benchmarks" / "results" / "description_flags_tune.md"

from description_set import facts_of  # noqa: E402

from apps.catalog.text.invention import detect, support_build  # noqa: E402
from apps.catalog.text.planning import _lines, _sentences_of  # noqa: E402


def candidate_sentences(
    language_of: dict[str, str], candidates: dict[str, list[str]]
) -> list[tuple[str, str]]:
    """(sku, sentence) for every distinct sentence the planned drafting reads from the candidates."""
    found = []
    for sku, texts in candidates.items():
        seen: set[str] = set()
        for candidate in texts:
            for line in _lines(candidate):
                for piece in _sentences_of(line, language_of[sku]):
                    key = re.sub(r"\W+", "", piece.lower())
                    if key not in seen:
                        seen.add(key)
                        found.append((sku, piece))
    return found


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", choices=["false", "new", "lost"], action="append", default=[])
    args = parser.parse_args()
    products = {p["sku"]: p for p in json.loads((DATA / "products.json").read_text("utf-8"))["products"]}
    tune = {sku: p for sku, p in products.items() if p["split"] == "tune"}
    drafts = json.loads((DATA / "drafts_after_tune.json").read_text("utf-8"))["drafts"]
    labelled = {
        (entry["sku"], entry["text"]): entry["flags"]
        for entry in json.loads((DATA / "flags_tune.json").read_text("utf-8"))["sentences"]
    }
    sentences = candidate_sentences(
        {sku: p["language"] for sku, p in tune.items()},
        {sku: entry["candidates"] for sku, entry in drafts.items() if sku in tune},
    )
    supports = {sku: support_build(facts_of(p)) for sku, p in tune.items()}
    counts: dict[str, dict[str, int]] = {}
    shown: list[str] = []
    for sku, sentence in sentences:
        language = tune[sku]["language"]
        row = counts.setdefault(
            language,
            {"sentences": 0, "labelled": 0, "invented": 0, "kept": 0, "false": 0, "new": 0, "flags": 0},
        )
        row["sentences"] += 1
        flags = labelled.get((sku, sentence), [])
        current = detect(sentence, facts_of(tune[sku]), language=language, support=supports[sku]).invented
        row["flags"] += len(current)
        row["labelled"] += len(flags)
        for flag in flags:
            hit = any(overlaps((flag["start"], flag["end"]), (s.start, s.end)) for s in current)
            if flag["label"] == "invented":
                row["invented"] += 1
                row["kept"] += hit
                if not hit and "lost" in args.show:
                    shown.append(f"lost  {sku} {flag['text']!r} in {sentence}")
            elif hit:
                row["false"] += 1
                if "false" in args.show:
                    shown.append(f"false {sku} {flag['label']} {flag['text']!r} in {sentence}")
        for span in current:
            if not any(overlaps((f["start"], f["end"]), (span.start, span.end)) for f in flags):
                row["new"] += 1
                if "new" in args.show:
                    shown.append(f"new   {sku} {span.text!r} ({span.reason}) in {sentence}")
    lines = [
        "# Span check on the tuning part's labelled flags",
        "",
        "Written by `.venv/bin/python benchmarks/description_flags.py` from "
        "tests/data/descriptions/flags_tune.json (tuning products only; see its README).",
        "",
        "| language | sentences | labelled flags | of them invented | invented still flagged | "
        "not-invented still flagged | new flags (unlabelled) | precision (new counted wrong) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for language, row in sorted(counts.items()):
        precision = row["kept"] / row["flags"] if row["flags"] else None
        recall = row["kept"] / row["invented"] if row["invented"] else None
        lines.append(
            f"| {language} | {row['sentences']} | {row['labelled']} | {row['invented']} | "
            f"{row['kept']} ({recall:.2f}) | {row['false']} | {row['new']} | "
            f"{'n/a' if precision is None else f'{precision:.2f}'} |"
        )
    RESULT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join([*shown, "", *lines]))


if __name__ == "__main__":
    main()
