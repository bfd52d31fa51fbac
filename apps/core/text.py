"""Text rules every module shares: when text is Chinese, and Unicode hygiene for text people type or
upload (identifiers, free text, spreadsheet cells).

Pure functions (no Django), so prompting, checking and parsing code can use them:

- ``is_chinese``: the one rule deciding whether a text is written in Chinese.
- ``clean_text``: free text as stored (titles, names, attribute keys and values). NFC; control
  characters removed (NUL included, which PostgreSQL refuses); bidirectional embedding, override and
  isolate controls removed, so a title cannot display reversed or hide text ("Trojan Source"); byte
  order marks removed (a stray one from a file's start hides a formula from a spreadsheet check).
  Right-to-left marks (U+200E, U+200F, U+061C) and joiners (U+200C, U+200D) stay: Arabic, Hebrew,
  Indic scripts and emoji sequences need them.
- ``clean_identifier``: identifiers compared by people and spreadsheets (SKUs). NFKC (a full-width
  ``Ｕ８`` is ``U8``) and every invisible format character removed (zero-width space, word joiner,
  BOM, soft hyphen, bidi marks), so ``U\u200b8`` and ``U8`` are one SKU.
- ``formula_risk`` / ``neutralise_formula``: whether a spreadsheet would read a cell as a formula,
  looking past the invisible characters and spaces a spreadsheet skips or a reader cannot see.
"""

from __future__ import annotations

import re
import unicodedata

# Hanzi: the CJK Unified Ideographs, extension A, the compatibility block and the supplementary planes.
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI: they reorder what follows them on screen.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
BYTE_ORDER_MARK = "\ufeff"
# Characters that start a formula in Excel, LibreOffice or Google Sheets (the full-width forms too,
# which some spreadsheets fold), and the whitespace that may precede one.
FORMULA_TRIGGERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_FORMULA_LEADING_WHITESPACE = frozenset("\t\r\n")


def is_chinese(text: str) -> bool:
    """True when the text is written in Chinese: it has hanzi, and at least one for every two Latin words.

    A Chinese title with an English brand and model ("Apple iPhone 15 黑色手机") is Chinese; an English
    sentence quoting one Chinese word is not.
    """
    hanzi = len(CJK.findall(text))
    return hanzi > 0 and hanzi * 2 >= len(_LATIN_WORD.findall(text))


def strip_controls(value: str) -> str:
    """``value`` without control characters; tab, line feed and carriage return stay."""
    return _CONTROL.sub("", value)


def strip_bidi_controls(value: str) -> str:
    """``value`` without the bidi embedding, override and isolate controls."""
    return _BIDI.sub("", value)


def is_invisible(char: str) -> bool:
    """A format character (Unicode category Cf: zero-width space, BOM, bidi marks, soft hyphen...)."""
    return unicodedata.category(char) == "Cf"


def clean_text(value: str) -> str:
    """Free text as stored: NFC, no control, bidi override or BOM characters, no surrounding whitespace."""
    text = strip_bidi_controls(strip_controls(unicodedata.normalize("NFC", value)))
    return text.replace(BYTE_ORDER_MARK, "").strip()


def clean_identifier(value: str) -> str:
    """An identifier as compared and stored: NFKC, no control or invisible characters, trimmed."""
    folded = unicodedata.normalize("NFKC", strip_controls(value))
    return "".join(char for char in folded if not is_invisible(char)).strip()


def formula_risk(value: str) -> bool:
    """Whether a spreadsheet could read ``value`` as a formula.

    Leading invisible characters (a BOM, zero-width spaces, bidi marks) and whitespace are skipped
    before looking for ``= + - @``: a reader does not see them and some spreadsheets drop them. A
    value that starts with a tab or carriage return is a risk whatever follows (spreadsheets have
    treated both as a way into a formula).
    """
    if value[:1] in _FORMULA_LEADING_WHITESPACE:
        return True
    for char in value:
        if is_invisible(char) or char.isspace():
            continue
        return char in FORMULA_TRIGGERS
    return False


def neutralise_formula(value: str) -> str:
    """``value`` with an apostrophe in front where a spreadsheet would read it as a formula."""
    return "'" + value if formula_risk(value) else value


def prompt_head(prompt: str, separator: str) -> str:
    """The leading part of a few-shot prompt that other requests share (its instructions and
    examples): everything through the last ``separator``, or "" where there is none. The local
    engine keeps its keys and values once per model (``GenerationRequest.shared_prefix``)."""
    head, found, _own = prompt.rpartition(separator)
    return head + found if found else ""
