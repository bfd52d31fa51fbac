"""Text rules every module shares: how text is cleaned before it is stored, and when it is Chinese.

Pure functions with no Django imports, so prompting, checking and parsing code can use them.
"""

from __future__ import annotations

import re
import unicodedata

# Hanzi: the CJK Unified Ideographs, extension A, the compatibility block and the supplementary planes.
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def is_chinese(text: str) -> bool:
    """True when the text is written in Chinese: it has hanzi, and at least one for every two Latin words.

    A Chinese title with an English brand and model ("Apple iPhone 15 黑色手机") is Chinese; an English
    sentence quoting one Chinese word is not.
    """
    hanzi = len(CJK.findall(text))
    return hanzi > 0 and hanzi * 2 >= len(_LATIN_WORD.findall(text))


def clean_text(value: str) -> str:
    """Text as stored: NFC, control characters (NUL included, which PostgreSQL refuses) removed, trimmed."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", value)).strip()
