"""One rule decides whether a text is Chinese (products, prompts, grounding and imports all use it)."""

from __future__ import annotations

import pytest

from apps.core.text import clean_text, is_chinese


@pytest.mark.parametrize(
    "text",
    [
        "纯棉短袖T恤",
        "Apple iPhone 15 黑色手机",  # a Chinese title with an English brand and model
        "Nike Air 男子跑步鞋",
        "𠮷野家牛肉饭",  # a hanzi outside the basic block (GB18030 only)
        "途伴保温杯，不锈钢杯身，容量500ml。",
    ],
)
def test_chinese_texts_are_chinese(text: str) -> None:
    assert is_chinese(text)


@pytest.mark.parametrize(
    "text",
    [
        "A soft linen shirt for warm days.",
        "The word 茶 means tea in Chinese, and this mug is made for it.",  # English quoting one word
        "Our best-selling cotton tee, known in Shanghai as the 经典 fit, now in white.",
        "",
        "12345 ml",
    ],
)
def test_other_texts_are_not_chinese(text: str) -> None:
    assert not is_chinese(text)


def test_clean_text_normalises_and_drops_control_characters() -> None:
    assert clean_text("  Nul\x00byte\x07 ") == "Nulbyte"
    assert clean_text("Cafe\u0301") == "Café"  # NFC: one code point
    assert clean_text("line\nbreak\ttab") == "line\nbreak\ttab"  # whitespace is text, not control
