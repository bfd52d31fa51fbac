"""Repair: texts cut at a sentence or phrase boundary to fit, never inside a word."""

from __future__ import annotations

import random
import re

import pytest

from apps.marketing.copy.counting import display_width
from apps.marketing.copy.repair import drop_spans, trim_to_fit

ENGLISH = (
    "Our white linen shirts are 30% off this week, with code XMAS30. Light linen keeps you cool on warm "
    "days; the relaxed cut fits over a tee. Shop now: the offer ends on Dec 12."
)
CHINESE = (
    "北原纯棉T恤限时7折，输入优惠码XMAS30立享优惠。纯棉面料柔软透气，日常穿着舒适；"
    "白色百搭，通勤休闲都合适。活动12月12日截止。"
)


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9']+", text)


@pytest.mark.parametrize("limit", range(12, 170, 7))
def test_english_is_never_cut_inside_a_word(limit: int) -> None:
    result = trim_to_fit(ENGLISH, lambda text: display_width(text) <= limit, language="en")
    if result is None:
        return  # nothing fits at a boundary: the caller regenerates
    text, cut = result
    assert display_width(text) <= limit
    original = _words(ENGLISH)
    kept = _words(text)
    assert kept == original[: len(kept)]  # whole words, in order, from the start
    assert cut in ("", "sentence", "phrase", "word")
    assert not text.endswith((",", ";", ":", " and", " the"))


@pytest.mark.parametrize("limit", range(10, 130, 6))
def test_chinese_is_cut_at_phrases_or_words_only(limit: int) -> None:
    import jieba

    boundaries = {0}
    position = 0
    for word in jieba.cut(CHINESE, HMM=False):
        position += len(word)
        boundaries.add(position)
    result = trim_to_fit(CHINESE, lambda text: display_width(text) <= limit, language="zh")
    if result is None:
        return
    text, cut = result
    assert display_width(text) <= limit
    body = text.rstrip("。")
    assert CHINESE.startswith(body)
    assert len(body) in boundaries  # the cut falls between two words
    if cut in ("sentence", "phrase"):
        assert CHINESE[len(body)] in "，。；"


def test_the_coarsest_boundary_that_fits_is_used() -> None:
    text, cut = trim_to_fit(ENGLISH, lambda text: display_width(text) <= 70, language="en") or ("", "")
    assert (text, cut) == ("Our white linen shirts are 30% off this week, with code XMAS30.", "sentence")
    text, cut = trim_to_fit(CHINESE, lambda text: display_width(text) <= 24, language="zh") or ("", "")
    assert (text, cut) == ("北原纯棉T恤限时7折。", "phrase")


def test_a_fitting_text_is_left_alone_and_an_impossible_one_gives_up() -> None:
    assert trim_to_fit("Short.", lambda text: len(text) <= 10, language="en") == ("Short.", "")
    assert trim_to_fit("Supercalifragilistic", lambda text: len(text) <= 5, language="en") is None


def test_random_texts_and_limits_never_split_a_word() -> None:
    rng = random.Random(7)
    vocabulary = _words(ENGLISH)
    for _ in range(200):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(3, 30))]
        text = " ".join(words)
        text = re.sub(r"(\w) ", lambda m: m.group(1) + rng.choice([" ", ", ", ". ", " "]), text)
        limit = rng.randint(5, 120)
        result = trim_to_fit(text, lambda candidate, limit=limit: len(candidate) <= limit, language="en")
        if result is not None:
            assert _words(result[0]) == _words(text)[: len(_words(result[0]))]


def test_dropping_the_phrase_with_a_banned_term() -> None:
    text = "The best linen shirt ever, now 30% off. Shop today."
    start = text.index("best")
    assert drop_spans(text, [(start, start + 4)], language="en") == "now 30% off. Shop today."
    chinese = "全网最好的T恤，限时7折。快来选购！"
    start = chinese.index("最好")
    assert drop_spans(chinese, [(start, start + 2)], language="zh") == "限时7折。快来选购！"
    assert drop_spans("最好。", [(0, 2)], language="zh") is None
