"""Compliance and fact checks against hand-labelled texts (tests/data/marketing/labelled_copy.json).

    .venv/bin/python benchmarks/marketing_checks.py

Per split (dev is asserted by tests/marketing/test_labelled_checks.py; held is never tuned on) and per
kind (banned: advertising-law absolute claims, English equivalents, store words; fact: wrong or unknown
promotion terms and product claims the facts do not give): precision and recall of the flagged words,
and the share of texts whose flags equal their labels. Writes benchmarks/results/marketing_checks.md.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.base")

from tests.marketing.test_labelled_checks import DATA, found_labels  # noqa: E402


def main() -> None:
    lines = [
        "# Marketing checks on hand-labelled texts",
        "",
        "Command: `.venv/bin/python benchmarks/marketing_checks.py`  ",
        "Data: tests/data/marketing/labelled_copy.json (labelling rules in its `about`).",
        "",
        "| split | kind | labelled | flagged | correct | precision | recall |",
        "|---|---|---|---|---|---|---|",
    ]
    exact_lines = []
    for split in ("dev", "held"):
        items = [item for item in DATA["items"] if item["split"] == split]
        exact = 0
        totals = {kind: [0, 0, 0] for kind in ("banned", "fact")}
        for item in items:
            expected = {tuple(label) for label in item["labels"]}
            found = found_labels(item, DATA["context"])
            exact += expected == found
            for kind, counts in totals.items():
                mine = {label for label in found if label[0] == kind}
                theirs = {label for label in expected if label[0] == kind}
                counts[0] += len(theirs)
                counts[1] += len(mine)
                counts[2] += len(mine & theirs)
        for kind, (labelled, flagged, correct) in totals.items():
            precision = f"{100 * correct / flagged:.1f}%" if flagged else "n/a"
            recall = f"{100 * correct / labelled:.1f}%" if labelled else "n/a"
            row = [split, kind, labelled, flagged, correct, precision, recall]
            lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
        exact_lines.append(f"- {split}: {exact} of {len(items)} texts flagged exactly as labelled.")
    text = "\n".join([*lines, "", *exact_lines]) + "\n"
    (ROOT / "benchmarks" / "results" / "marketing_checks.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    import django

    django.setup()
    main()
