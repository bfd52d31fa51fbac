"""Counting text the way each channel counts it.

* Display width (search ads, e-mail subjects, push, banners): Google Ads and most mail and phone UIs
  count a double-width character (CJK ideographs, kana, hangul, full-width forms) as two.
* Weighted characters (social posts): X/Twitter's weighting, where code points in the Latin and general
  punctuation ranges weigh 1 and everything else (CJK included) weighs 2, and an emoji sequence 2.
* SMS: GSM 03.38 7-bit when every character is in the default alphabet or its extension table (an
  extension character takes two septets), else UCS-2 (UTF-16 code units: a character outside the BMP
  takes two). A single message holds 160 septets or 70 units; a concatenated message's parts hold
  153 septets or 67 units, because of the user data header. A part never splits an escape pair or a
  surrogate pair.
* Words (e-mail bodies): words in English, hanzi plus Latin words in Chinese.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from apps.core.text import CJK

# GSM 03.38 default alphabet (basic character set), as Unicode.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table, reached through the escape character: each takes two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SMS_SINGLE = {"GSM-7": 160, "UCS-2": 70}
SMS_PART = {"GSM-7": 153, "UCS-2": 67}

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")


def char_width(char: str) -> int:
    """2 for a wide or full-width character, 0 for a combining or invisible one, else 1."""
    if unicodedata.combining(char) or unicodedata.category(char) == "Cf":
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(char) for char in text)


def _light(code_point: int) -> bool:
    # twitter-text v3 config: ranges that weigh 100 (one character); the rest weigh 200.
    return (
        0 <= code_point <= 4351
        or 8192 <= code_point <= 8205
        or 8208 <= code_point <= 8223
        or 8242 <= code_point <= 8247
    )


def weighted_length(text: str) -> int:
    """X/Twitter's weighted length: CJK and emoji weigh 2, Latin 1; URLs count 23."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"https?://\S+", "x" * 23, text)
    total = 0
    previous_joiner = False
    for char in text:
        if char == "\u200d":
            previous_joiner = True
            continue
        modifier = 0xFE00 <= ord(char) <= 0xFE0F or 0x1F3FB <= ord(char) <= 0x1F3FF  # variation, skin tone
        if previous_joiner or unicodedata.category(char) == "Mn" or modifier:
            previous_joiner = False
            continue  # part of the previous emoji sequence or a combining mark
        total += 1 if _light(ord(char)) else 2
    return total


def word_count(text: str) -> int:
    return len(CJK.findall(text)) + len(_WORD.findall(text))


@dataclass(frozen=True)
class SmsCount:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets or UTF-16 code units
    segments: int
    per_segment: int  # what one part holds at this length (160/153 or 70/67)


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _units(text: str, encoding: str) -> list[int]:
    if encoding == "GSM-7":
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def sms_count(text: str) -> SmsCount:
    """Encoding, units and segments of one SMS, as a carrier would bill it."""
    encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    sizes = _units(text, encoding)
    units = sum(sizes)
    if units <= SMS_SINGLE[encoding]:
        return SmsCount(encoding, units, 1 if units else 0, SMS_SINGLE[encoding])
    # Fill parts without splitting a character's units (an escape pair, a surrogate pair).
    capacity, segments, used = SMS_PART[encoding], 1, 0
    for size in sizes:
        if used + size > capacity:
            segments, used = segments + 1, 0
        used += size
    return SmsCount(encoding, units, segments, capacity)
