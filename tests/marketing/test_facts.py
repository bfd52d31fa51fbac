"""Fact checks: promotion terms stated wrongly (discount, date, code) and invented product claims."""

from __future__ import annotations

from datetime import date

import pytest

from apps.catalog.text.facts import ProductFacts
from apps.marketing.copy.facts import PromotionTerms, fact_check, promotion_check

XMAS = PromotionTerms(discount_percent=30, starts=date(2026, 12, 1), ends=date(2026, 12, 12), code="XMAS30")
TEE = ProductFacts(title="纯棉T恤", brand="北原", attributes={"材质": "纯棉", "颜色": "白色"})
SHIRT = ProductFacts(title="Linen shirt", brand="Acme", attributes={"material": "linen", "colour": "white"})


def codes(text: str, promotion: PromotionTerms | None = XMAS) -> list[tuple[str, str]]:
    return [(violation.code, violation.found) for violation in promotion_check(text, promotion)]


@pytest.mark.parametrize(
    "text",
    [
        "纯棉T恤7折，12月1日至12月12日，优惠码 XMAS30",
        "30% off until Dec 12 with code XMAS30",
        "Save 30% from December 1st, code: xmas30",
        "七折 12/12 前有效",
        "2026-12-12 ends: 30% discount",
    ],
)
def test_true_statements_of_the_promotion_pass(text: str) -> None:
    assert codes(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("纯棉T恤8折", [("wrong_discount", "8折")]),
        ("now 20% off", [("wrong_discount", "20% off")]),
        ("满200立减50元", [("unknown_promotion", "立减50元")]),  # no amount discount in this promotion
        ("12月15日截止", [("wrong_date", "12月15日")]),
        ("ends Dec 24", [("wrong_date", "Dec 24")]),
        ("use code XMAS50", [("wrong_code", "XMAS50")]),
        ("优惠码：SALE2026", [("wrong_code", "SALE2026")]),
    ],
)
def test_wrong_terms_are_flagged_with_the_offending_words(text: str, expected: list[tuple[str, str]]) -> None:
    assert codes(text) == expected


def test_without_a_promotion_any_discount_date_or_code_is_invented() -> None:
    assert codes("20% off until Dec 12, code SAVE20", None) == [
        ("unknown_promotion", "20% off"),
        ("unknown_promotion", "Dec 12"),
        ("unknown_promotion", "SAVE20"),
    ]


def test_product_claims_go_through_the_catalog_grounding_checks() -> None:
    flagged = fact_check("北原真丝T恤，7折，保修5年", [TEE], XMAS, language="zh")
    assert [(v.code, v.term, v.found) for v in flagged] == [
        ("invented_fact", "unsupported_number", "5"),
        ("invented_fact", "unsupported_material", "真丝"),
        ("invented_fact", "unsupported_certification", "保修"),  # a guarantee the facts do not give
    ]
    assert all(not violation.blocking for violation in flagged)
    assert fact_check("Acme linen shirt in white, 30% off until Dec 12.", [SHIRT], XMAS, language="en") == []


def test_a_wrong_discount_is_flagged_once_not_again_as_an_unknown_number() -> None:
    flagged = fact_check("Acme linen shirt, 40% off", [SHIRT], XMAS, language="en")
    assert [(v.code, v.found) for v in flagged] == [("wrong_discount", "40% off")]


def test_promotion_terms_described_for_the_prompt() -> None:
    assert XMAS.describe("en") == "30% off, Dec 1 to Dec 12, code XMAS30"
    assert XMAS.describe("zh") == "7折，12月1日至12月12日，优惠码 XMAS30"
    assert PromotionTerms.from_dict(XMAS.to_dict()) == XMAS


def test_words_of_the_prompts_examples_are_invented_unless_the_facts_give_them() -> None:
    from apps.marketing.copy.prompting import example_terms

    bottle = ProductFacts(title="Water bottle", brand="Rillo", attributes={"capacity": "750 ml"})
    found = fact_check(
        "Rillo bottle in sage green, 350 ml", [bottle], None, language="en", example_terms=example_terms("en")
    )
    assert [(v.code, v.term, v.found) for v in found] == [
        ("invented_fact", "unsupported_number", "350"),
        ("invented_fact", "unsupported_colour", "green"),
    ]  # "350 ml" and "sage green" are flagged once, as the number and the colour
    kiln = fact_check("A Kiln-style bottle", [bottle], None, language="en", example_terms=example_terms("en"))
    assert [(v.term, v.found) for v in kiln] == [("example_fact", "Kiln")]
    assert (
        fact_check("Acme linen shirt", [SHIRT], None, language="en", example_terms=example_terms("en")) == []
    )
