"""Counting the way each channel counts: SMS encodings and segments, display width, weighted length."""

from __future__ import annotations

import pytest

from apps.marketing.copy.channels import CHANNELS, measure
from apps.marketing.copy.counting import display_width, sms_count, weighted_length, word_count


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),  # 153 + 8
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("a" * 159 + "€", "GSM-7", 161, 2),  # the euro sign takes two septets
        ("a" * 158 + "{", "GSM-7", 160, 1),
        # An escape pair is never split across parts: 152 + [€] does not fit 153, so € opens part two.
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
        ("Façade", "UCS-2", 6, 1),  # ç is not in the GSM alphabet (Ç is)
        ("Ça va", "GSM-7", 5, 1),
        ("限" * 70, "UCS-2", 70, 1),
        ("限" * 71, "UCS-2", 71, 2),  # 67 + 4
        ("限" * 134, "UCS-2", 134, 2),
        ("限" * 135, "UCS-2", 135, 3),
        ("a" * 100 + "限", "UCS-2", 101, 2),  # one hanzi turns the whole message into UCS-2
        ("限" * 68 + "😀", "UCS-2", 70, 1),  # an emoji outside the BMP takes two units
        ("限" * 66 + "😀" + "限" * 67, "UCS-2", 135, 3),  # a surrogate pair is not split either
    ],
)
def test_sms_segments(text: str, encoding: str, units: int, segments: int) -> None:
    count = sms_count(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)


def test_display_width_counts_cjk_and_full_width_as_two() -> None:
    assert display_width("Linen 20% off") == 13
    assert display_width("限时8折") == 7
    assert display_width("ＡＢ") == 4
    assert display_width("a\u200bb") == 2  # zero-width space: nothing


def test_weighted_length_like_x() -> None:
    assert weighted_length("hello") == 5
    assert weighted_length("你好") == 4
    assert weighted_length("see https://example.com/a/very/long/path/that/goes/on") == 4 + 23
    assert weighted_length("👍🏽") == 2  # an emoji with its skin tone is one emoji
    assert weighted_length("👨\u200d👩\u200d👧") == 2  # so is a joined sequence


def test_words_in_english_and_characters_in_chinese() -> None:
    assert word_count("Don't miss our summer sale") == 5
    assert word_count("夏日特卖 Acme 亚麻") == 7


def test_each_channel_measures_in_its_unit() -> None:
    headline = measure("远山亚麻衬衫限时8折", "search_headline", "zh")
    assert (headline.value, headline.limit, headline.fits) == (19, 30, True)
    too_long = measure("远山亚麻衬衫限时八折优惠快来抢购吧", "search_headline", "zh")  # 17 hanzi = 34
    assert (too_long.value, too_long.fits) == (34, False)
    sms = measure("限" * 71, "sms", "zh")
    assert (sms.value, sms.limit, sms.fits, sms.encoding) == (2, 1, False, "UCS-2")
    body = measure("字" * 300, "email_body", "zh")
    assert (body.value, body.limit, body.fits) == (300, 300, True)
    assert measure("word " * 151, "email_body", "en").fits is False
    assert set(CHANNELS) == {
        "search_headline",
        "search_description",
        "email_subject",
        "email_preheader",
        "email_body",
        "sms",
        "social_post",
        "push_title",
        "push_body",
        "banner",
    }
