"""Compliance matching: the ad-law absolute claims, English equivalents and the store's own words,
seen through spaces, full-width characters and invisible characters between the characters."""

from __future__ import annotations

import pytest

from apps.marketing.copy.compliance import LEGAL_SOURCE, ZH_ABSOLUTE_TERMS, compliance_check


def found(text: str, **kwargs: list[str]) -> list[tuple[str, str]]:
    return [(violation.code, violation.found) for violation in compliance_check(text, **kwargs)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全网最好的T恤", [("ad_law", "最好")]),
        ("国家级品质", [("ad_law", "国家级")]),
        ("国 家 级品质", [("ad_law", "国 家 级")]),
        ("国\u3000家\u3000级品质", [("ad_law", "国\u3000家\u3000级")]),  # ideographic spaces
        ("国\u200b家\u200d级品质", [("ad_law", "国\u200b家\u200d级")]),  # zero-width characters
        ("销量第·一", [("ad_law", "第·一")]),
        ("极致体验，顶级面料", [("ad_law", "极致"), ("ad_law", "顶级")]),
        ("绝对划算", [("ad_law", "绝对")]),
        ("最 佳 选择", [("ad_law", "最 佳")]),
        ("最近上新，第一次购买送礼", []),  # 最近 = recently, 第一次 = the first time
    ],
)
def test_chinese_absolute_claims(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The best shirt", [("absolute_claim", "The best")]),
        ("ＢＥＳＴ shirt", [("absolute_claim", "ＢＥＳＴ")]),  # full-width letters
        ("b\u200be\u200bs\u200bt shirt", [("absolute_claim", "b\u200be\u200bs\u200bt")]),
        ("b e s t shirt", [("absolute_claim", "b e s t")]),
        ("b.e.s.t shirt", [("absolute_claim", "b.e.s.t")]),
        ("Our #1 seller, guaranteed", [("absolute_claim", "#1"), ("absolute_claim", "guaranteed")]),
        ("Try it risk free", [("absolute_claim", "risk free")]),
        ("Try it risk-free", [("absolute_claim", "risk-free")]),
        ("A bestowed asbestos-free jobs estimate", []),  # words that merely contain a term
        ("Best-selling linen", [("absolute_claim", "Best-selling")]),
    ],
)
def test_english_absolute_claims(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_store_banned_words_and_brand_voice_avoid_list() -> None:
    result = found("Cheap deals on 便 宜 shirts", store_banned=["cheap", "便宜"], brand_voice_avoid=["deals"])
    assert result == [("store_banned", "Cheap"), ("store_banned", "便 宜"), ("brand_voice", "deals")]


def test_the_source_of_the_list_is_cited() -> None:
    assert "广告法" in LEGAL_SOURCE and "第九条" in LEGAL_SOURCE
    assert {"最", "第一", "国家级", "极致", "顶级", "绝对"} <= set(ZH_ABSOLUTE_TERMS)
    violation = compliance_check("顶级")[0]
    assert violation.blocking and LEGAL_SOURCE in violation.message
