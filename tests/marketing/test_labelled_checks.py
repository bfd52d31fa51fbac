"""The compliance and fact checks against the hand-labelled texts of tests/data/marketing/labelled_copy.json.

Only the dev part is asserted here; the held part is reported by benchmarks/marketing_checks.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from apps.catalog.text.facts import ProductFacts
from apps.marketing.copy.facts import PromotionTerms
from apps.marketing.copy.pipeline import BANNED_CODES, FACT_CODES, CopyContext, check

DATA_PATH = Path(__file__).parents[1] / "data" / "marketing" / "labelled_copy.json"
DATA = json.loads(DATA_PATH.read_text("utf-8"))


def found_labels(item: dict[str, Any], context: dict[str, Any]) -> set[tuple[str, str]]:
    language = item["language"]
    checked = check(
        item["text"],
        CopyContext(
            channel="banner" if language == "en" else "push_body",
            language=language,
            products=[ProductFacts(**context["products"][language])],
            promotion=PromotionTerms.from_dict(context["promotion"]),
            store_banned=context["store_banned"][language],
        ),
    )
    labels = set()
    for violation in checked.violations:
        if violation.code in BANNED_CODES:
            labels.add(("banned", violation.found))
        elif violation.code in FACT_CODES:
            labels.add(("fact", violation.found))
    return labels


@pytest.mark.parametrize(
    "item", [item for item in DATA["items"] if item["split"] == "dev"], ids=lambda item: item["text"][:30]
)
def test_dev_labels(item: dict[str, Any]) -> None:
    assert found_labels(item, DATA["context"]) == {tuple(label) for label in item["labels"]}
