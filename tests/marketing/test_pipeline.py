"""A variant from the model's text to what is kept: composition, checks and repair (pure, no database)."""

from __future__ import annotations

from datetime import date

from apps.catalog.text.facts import ProductFacts
from apps.marketing.copy.facts import PromotionTerms
from apps.marketing.copy.pipeline import CopyContext, check_text, finish

XMAS = PromotionTerms(discount_percent=30, starts=date(2026, 12, 1), ends=date(2026, 12, 12), code="XMAS30")
TEE = ProductFacts(title="纯棉T恤", brand="北原", category="T恤", attributes={"材质": "纯棉"})
SHIRT = ProductFacts(title="Linen shirt", brand="Acme", category="Shirts", attributes={"material": "linen"})


def sms_zh(**extra: object) -> CopyContext:
    values: dict = {
        "channel": "sms",
        "language": "zh",
        "products": [TEE],
        "promotion": XMAS,
        "opt_out_text": "回T退订",
        "sender": "北原",
    } | extra
    return CopyContext(**values)


def test_an_sms_gets_the_sender_and_opt_out_text_and_is_counted_with_them() -> None:
    outcome = finish("纯棉T恤7折，优惠码XMAS30。", sms_zh())
    assert outcome.kept and outcome.repair == ""
    assert outcome.final.text == "【北原】纯棉T恤7折，优惠码XMAS30。 回T退订"
    assert outcome.final.measure.to_dict() == {
        "unit": "sms_segments",
        "value": 1,
        "limit": 1,
        "fits": True,
        "encoding": "UCS-2",
        "units": 26,
        "per_segment": 70,
    }


def test_an_sms_that_needs_two_segments_is_cut_at_a_sentence() -> None:
    raw = (
        "纯棉T恤限时7折，12月12日截止，优惠码XMAS30。"
        + "纯棉面料柔软透气，日常穿着很舒服，通勤休闲都合适，欢迎选购。快来店里看看吧。"
    )
    outcome = finish(raw, sms_zh())
    assert not outcome.first.measure.fits and outcome.first.measure.value == 2
    assert outcome.kept and outcome.repair == "sentence"
    assert outcome.final.text == (
        "【北原】纯棉T恤限时7折，12月12日截止，优惠码XMAS30。"
        "纯棉面料柔软透气，日常穿着很舒服，通勤休闲都合适，欢迎选购。 回T退订"
    )


def test_a_banned_claim_is_dropped_with_its_phrase() -> None:
    outcome = finish("全网最好的纯棉T恤，限时7折，优惠码XMAS30。", sms_zh())
    assert [(v.code, v.found) for v in outcome.first.violations] == [("ad_law", "最好")]
    assert outcome.kept and outcome.repair == "dropped"
    assert "最" not in outcome.final.text


def test_nothing_left_after_dropping_is_not_kept() -> None:
    outcome = finish("全网第一！", sms_zh())
    assert not outcome.kept
    assert {v.code for v in outcome.final.blocking} == {"ad_law", "off_topic"}


def test_a_wrong_discount_is_dropped_where_the_rest_stands() -> None:
    outcome = finish("北原纯棉T恤舒适透气。现在8折！", sms_zh())
    assert [(v.code, v.found) for v in outcome.first.violations] == [("wrong_discount", "8折")]
    assert outcome.final.text == "【北原】北原纯棉T恤舒适透气。 回T退订" and outcome.final.facts_ok


def test_social_posts_get_hashtags_from_the_facts_when_the_model_wrote_none() -> None:
    context = CopyContext(
        channel="social_post",
        language="en",
        products=[SHIRT],
        promotion=XMAS,
        fallback_hashtags=["Shirts", "Acme"],
    )
    outcome = finish("Acme linen shirts are 30% off until Dec 12 with code XMAS30.", context)
    assert outcome.kept
    assert outcome.final.text.endswith("#shirts")
    written = finish("Linen shirts, 30% off until Dec 12. #linen #summer #sale #more", context)
    assert written.final.text.endswith("#linen #summer #sale")  # at most three


def test_the_wrong_language_is_blocking() -> None:
    outcome = finish("Linen shirt, 30% off", sms_zh())
    assert not outcome.kept and "wrong_language" in {v.code for v in outcome.final.blocking}


def test_store_words_count_and_a_reviewer_edit_is_checked_without_doubling_the_opt_out() -> None:
    context = sms_zh(store_banned=("便宜",))
    edited = check_text("【北原】纯棉T恤超便宜，7折。 回T退订", context)
    assert edited.text == "【北原】纯棉T恤超便宜，7折。 回T退订"
    assert [(v.code, v.found) for v in edited.violations] == [("store_banned", "便宜")]


def test_english_over_the_limit_is_trimmed_at_a_boundary() -> None:
    context = CopyContext(channel="search_headline", language="en", products=[SHIRT], promotion=XMAS)
    outcome = finish("Acme Linen Shirts, 30% Off Until Dec 12", context)
    assert outcome.kept and outcome.final.text == "Acme Linen Shirts." and outcome.repair == "phrase"


def test_a_text_that_repeats_the_prompt_or_says_nothing_of_the_offer_is_not_kept() -> None:
    context = CopyContext(channel="banner", language="en", products=[SHIRT], promotion=XMAS)
    echo = finish("Linen shirt | Brand: Acme | Facts: material", context)
    assert not echo.kept and "prompt_echo" in {v.code for v in echo.final.blocking}
    chinese = finish("纯棉T恤 | 品牌: 北原 | 参数: 材质: 纯棉", sms_zh())
    assert not chinese.kept and "prompt_echo" in {v.code for v in chinese.final.blocking}
    unrelated = finish("16 months later", context)
    assert not unrelated.kept and "off_topic" in {v.code for v in unrelated.final.blocking}
    assert finish("All 30% off until Dec 12.", context).kept  # the promotion alone is on topic
    assert finish("北原新品上市。", sms_zh()).kept  # the brand


def test_the_goal_as_the_prompt_words_it_is_an_echo_and_yi_liu_is_an_absolute_claim() -> None:
    echoed = finish("召回老客户 纯棉T恤。", sms_zh())
    assert not echoed.kept and "prompt_echo" in {v.code for v in echoed.final.blocking}
    claimed = finish("一流品质的纯棉T恤。", sms_zh())
    assert [(v.code, v.found) for v in claimed.first.violations] == [("ad_law", "一流")]


SPEAKER = ProductFacts(title="蓝牙音箱", brand="声悦", attributes={"续航": "10小时", "颜色": "黑色"})


def test_generated_copy_with_an_invented_fact_is_not_kept_but_a_reviewers_text_may_state_one() -> None:
    context = sms_zh(products=[SPEAKER], promotion=None, sender="")
    invented = finish("声悦蓝牙音箱续航20小时。", context)
    assert [(v.code, v.found) for v in invented.final.violations] == [("invented_fact", "20")]
    assert not invented.final.blocking and not invented.kept  # nothing else is wrong, and yet
    dropped = finish("声悦蓝牙音箱到货了，续航20小时。", context)  # the phrase with the claim goes
    assert dropped.kept and dropped.final.text == "声悦蓝牙音箱到货了。 回T退订"
    edited = check_text("声悦蓝牙音箱续航20小时。 回T退订", context)  # the reviewer may know better
    assert not edited.blocking and not edited.facts_ok


def test_the_prompt_examples_products_and_facts_copied_into_the_copy_are_invented_facts() -> None:
    context = sms_zh(products=[SPEAKER], promotion=None, sender="")
    copied = finish("窑里350ml灰绿色蓝牙音箱到货了。", context)  # the mug example's brand and facts
    assert {(v.term, v.found) for v in copied.first.violations if v.code == "invented_fact"} >= {
        ("example_fact", "窑里"),
        ("unsupported_number", "350"),
    }
    assert not copied.kept
    english = CopyContext(channel="banner", language="en", products=[SHIRT], promotion=XMAS)
    # The example's own product is no invention when it is the request's product.
    assert finish("Acme linen shirts, 30% off", english).kept
    mug = finish("Acme linen shirts and a Kiln mug", english)
    assert {v.found for v in mug.first.violations} == {"Kiln", "mug"} and not mug.kept
