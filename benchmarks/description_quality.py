"""Description quality before and after span checking and planned drafting, per language.

    MODELS_CACHE=/work/main/models_cache .venv/bin/python benchmarks/description_quality.py \
        [--throughput-products 16] [--batch 8]

Reads the hand-labelled set in tests/data/descriptions/ (products.json, the drafts the default model
wrote with the catalog's drafting before (drafts_before.json) and after (drafts_after.json), and the
invented spans marked by hand in labels_before.json / labels_after.json, see README.md there) and
writes benchmarks/results/description_quality.md:

- silent-invention rate: kept drafts with a hand-marked invented span that the check shipped with
  the drafting did not flag (before: the closed-list check; after: the span check);
- detector recall and precision on hand-marked invented spans (a marked span is found when a flagged
  span overlaps it; a flagged span is right when it overlaps a marked one), both checks on the same
  before drafts, and the span check on the after drafts;
- attribute coverage, the share of drafts within ±30% of the target length;
- products per minute: both drafting paths timed back to back on the same products and batch size
  (``--throughput-products``, 0 to skip; needs the model).

Figures are given for the held-aside part (never looked at while tuning) and the tuning part apart.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data" / "descriptions"
RESULT = ROOT / "benchmarks" / "results" / "description_quality.md"

from description_set import facts_of  # noqa: E402

from apps.catalog.text import grounding  # noqa: E402
from apps.catalog.text.facts import ProductFacts  # noqa: E402
from apps.catalog.text.invention import detect  # noqa: E402

Span = tuple[int, int]


def old_check_spans(text: str, facts: ProductFacts, language: str, target: int) -> list[Span]:
    """The closed-list check's flagged terms, located in the text (it reports terms, not offsets)."""
    report = grounding.check(text, facts, language=language, target_length=target)
    spans = []
    for term in report.unsupported:
        for match in re.finditer(re.escape(term), text, flags=re.IGNORECASE):
            spans.append((match.start(), match.end()))
    return spans


def new_check_spans(text: str, facts: ProductFacts, language: str) -> list[Span]:
    return [(span.start, span.end) for span in detect(text, facts, language=language).invented]


def overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def gold_spans(label: dict[str, Any]) -> list[Span]:
    return [(span["start"], span["end"]) for span in label["spans"] if span["kind"] == "invented"]


def score_detector(items: list[tuple[list[Span], list[Span]]]) -> dict[str, Any]:
    """items: (gold, predicted) per draft."""
    gold_total = sum(len(gold) for gold, _ in items)
    found = sum(1 for gold, pred in items for g in gold if any(overlaps(g, p) for p in pred))
    pred_total = sum(len(pred) for _, pred in items)
    right = sum(1 for gold, pred in items for p in pred if any(overlaps(p, g) for g in gold))
    silent = sum(1 for gold, pred in items if any(not any(overlaps(g, p) for p in pred) for g in gold))
    inventing = sum(1 for gold, _ in items if gold)
    return {
        "drafts": len(items),
        "drafts_with_invention": inventing,
        "gold_spans": gold_total,
        "recall": found / gold_total if gold_total else None,
        "precision": right / pred_total if pred_total else None,
        "silent_rate": silent / len(items) if items else None,
    }


def draft_stats(
    drafts: list[tuple[str, ProductFacts]], language: str, target: int
) -> dict[str, float | None]:
    coverage, lengths, within = [], [], 0
    for text, facts in drafts:
        report = grounding.check(text, facts, language=language, target_length=target)
        coverage.append(report.coverage)
        lengths.append(report.length)
        within += abs(report.length - target) <= 0.3 * target
    return {
        "coverage": sum(coverage) / len(coverage) if coverage else None,
        "within_length": within / len(drafts) if drafts else None,
        "mean_length": sum(lengths) / len(lengths) if lengths else None,
    }


def throughput(products: list[dict[str, Any]], batch: int, candidates: int, target: int) -> dict[str, float]:
    """Both drafting paths on the same products, back to back, in this process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.base")
    os.environ.setdefault("INFERENCE_IN_PROCESS", "1")
    import django

    django.setup()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from description_drafts import generate_after, generate_before

    from apps.catalog.text.options import GenerationOptions

    rates = {}
    for name, run in (("before", generate_before), ("after", generate_after)):
        seconds = 0.0
        for language in ("en", "zh"):
            group = [entry for entry in products if entry["language"] == language]
            options = GenerationOptions(
                language=language, target_length=target, candidates=candidates, seed=7
            )
            for start in range(0, len(group), batch):
                began = time.perf_counter()
                run(group[start : start + batch], options)
                seconds += time.perf_counter() - began
        rates[name] = len(products) / seconds * 60
    return rates


def merged(name: str) -> dict[str, Any]:
    """drafts_<name>*.json together (the parts were written by runs side by side)."""
    parts = [json.loads(path.read_text("utf-8")) for path in sorted(DATA.glob(f"drafts_{name}*.json"))]
    result: dict[str, Any] = {"drafts": {}, "batches": [], "settings": parts[0]["settings"] if parts else {}}
    for part in parts:
        result["drafts"].update(part["drafts"])
        result["batches"] += part["batches"]
    return result


def planned_v1_section(products: dict[str, dict[str, Any]], target: int) -> list[str]:
    """The kept drafts of the planned drafting before the checks of parts, roles and measures were added
    (tests/data/descriptions/planned_v1/): the same model candidates, assembled with the earlier check."""
    folder = DATA / "planned_v1"
    drafts: dict[str, Any] = {}
    for path in sorted(folder.glob("drafts_after*.json")):
        drafts.update(json.loads(path.read_text("utf-8"))["drafts"])
    labels = json.loads((folder / "labels_after.json").read_text("utf-8"))["drafts"]
    lines = [
        "## Planned drafting before the part, role and measure checks (planned_v1/)",
        "",
        "The same model candidates as *after*, assembled with the earlier span check (which flagged none "
        "of the marked spans in its kept drafts, so each one was silent). Labelled by hand (held-aside "
        "part only).",
        "",
        "| language | kept drafts | with a hand-marked invention | coverage | within ±30% |",
        "|---|---|---|---|---|",
    ]
    for language in ("en", "zh"):
        skus = [
            s
            for s, p in products.items()
            if p["split"] == "heldout" and p["language"] == language and s in labels and s in drafts
        ]
        inventing = sum(1 for s in skus if gold_spans(labels[s]))
        stats = draft_stats([(drafts[s]["text"], facts_of(products[s])) for s in skus], language, target)
        share = inventing / len(skus) if skus else None
        lines.append(
            f"| {language} | {len(skus)} | {inventing} ({pct(share)}) | {pct(stats['coverage'])} | "
            f"{pct(stats['within_length'])} |"
        )
    return [*lines, ""]


def num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--throughput-products", type=int, default=0, help="per language; 0: recorded rates")
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()
    products = {p["sku"]: p for p in json.loads((DATA / "products.json").read_text("utf-8"))["products"]}
    before, after = merged("before"), merged("after")
    before_heldout = merged("before_heldout")
    labels_before = json.loads((DATA / "labels_before.json").read_text("utf-8"))["drafts"]
    labels_after = json.loads((DATA / "labels_after.json").read_text("utf-8"))["drafts"]
    target = int(before["settings"]["target_length"])
    command = ".venv/bin/python benchmarks/description_quality.py"
    if args.throughput_products:
        command = f"MODELS_CACHE=/work/main/models_cache {command}"
    lines = [
        "# Description quality",
        "",
        "Written by:",
        "",
        f"`{command} --throughput-products {args.throughput_products} --batch {args.batch}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores. Model: {before['settings']['model']}; "
        f"target length {target} (words in English, characters in Chinese), paragraph format, "
        f"{before['settings']['candidates']} candidate(s) per product, batch {before['settings']['batch']}.",
        "",
        "Set: tests/data/descriptions/ (see its README for how it was made and labelled). "
        "*before*: the closed-list check and the single-prompt drafting; *after*: the span check and "
        "planned drafting. Drafts are labelled by hand; a marked span is found when a flagged span "
        "overlaps it.",
        "",
    ]
    summary: dict[str, Any] = {}
    for split in ("heldout", "tune"):
        lines += [
            f"## {'Held-aside part (reported; never tuned on)' if split == 'heldout' else 'Tuning part'}",
            "",
        ]
        lines += [
            "| language | drafts before / after | silent-invention rate before | after | "
            "recall before | after | precision before | after | after-drafts recall / precision | "
            "coverage before | after | within ±30% before | after |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for language in ("en", "zh"):
            skus = [s for s, p in products.items() if p["split"] == split and p["language"] == language]
            b_items_old, b_items_new, a_items = [], [], []
            b_drafts, a_drafts = [], []
            for sku in skus:
                facts = facts_of(products[sku])
                if sku in before["drafts"] and sku in labels_before:
                    text = before["drafts"][sku]["text"]
                    gold = gold_spans(labels_before[sku])
                    b_items_old.append((gold, old_check_spans(text, facts, language, target)))
                    b_items_new.append((gold, new_check_spans(text, facts, language)))
                    b_drafts.append((text, facts))
                if sku in after["drafts"] and sku in labels_after:
                    text = after["drafts"][sku]["text"]
                    a_items.append((gold_spans(labels_after[sku]), new_check_spans(text, facts, language)))
                    a_drafts.append((text, facts))
            old, new, post = score_detector(b_items_old), score_detector(b_items_new), score_detector(a_items)
            b_stats, a_stats = (
                draft_stats(b_drafts, language, target),
                draft_stats(a_drafts, language, target),
            )
            summary[f"{split}-{language}"] = {"old": old, "new": new, "after": post}
            cells = [
                language,
                f"{old['drafts']} / {post['drafts']}",
                pct(old["silent_rate"]),
                pct(post["silent_rate"]),
                num(old["recall"]),
                num(new["recall"]),
                num(old["precision"]),
                num(new["precision"]),
                f"{num(post['recall'])} / {num(post['precision'])}",
                pct(b_stats["coverage"]),
                pct(a_stats["coverage"]),
                pct(b_stats["within_length"]),
                pct(a_stats["within_length"]),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines += [""]
        for language in ("en", "zh"):
            entry = summary[f"{split}-{language}"]
            lines.append(
                f"- {language}: before drafts with a hand-marked invention "
                f"{entry['old']['drafts_with_invention']} of "
                f"{entry['old']['drafts']} ({entry['old']['gold_spans']} spans); after drafts "
                f"{entry['after']['drafts_with_invention']} of {entry['after']['drafts']} "
                f"({entry['after']['gold_spans']} spans)."
            )
        lines += [""]
    lines += planned_v1_section(products, target)
    lines += [
        "## Products per minute (as recorded while the drafts were written)",
        "",
        "Seconds per batch as the drafting runs recorded them (`batches` in the drafts files), same "
        "batch size and candidates; the 2 shared cores were loaded unevenly by other work meanwhile, "
        "so these compare only roughly.",
        "",
        "| drafts | products | seconds | products/minute |",
        "|---|---|---|---|",
    ]
    after_heldout = json.loads((DATA / "drafts_after.json").read_text("utf-8"))
    for name, data in (
        ("before (held-aside runs)", before_heldout),
        ("after (held-aside runs)", after_heldout),
    ):
        count = sum(batch["products"] for batch in data["batches"])
        seconds = sum(batch["seconds"] for batch in data["batches"])
        rate = count / seconds * 60 if seconds else 0.0
        lines.append(f"| {name} | {count} | {seconds:.0f} | {rate:.2f} |")
    lines.append("")
    if args.throughput_products:
        sample = []
        for language in ("en", "zh"):
            pool = [p for p in products.values() if p["language"] == language and p["split"] == "heldout"]
            sample += pool[: args.throughput_products]
        rates = throughput(sample, args.batch, int(before["settings"]["candidates"]), target)
        lines += [
            "## Products per minute",
            "",
            f"{len(sample)} held-aside products (both languages), batch {args.batch}, both paths timed "
            "back to back in one process (the machine's 2 cores are shared, so compare the two, "
            "not against other files).",
            "",
            "| before | after |",
            "|---|---|",
            f"| {rates['before']:.1f} | {rates['after']:.1f} |",
            "",
        ]
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
