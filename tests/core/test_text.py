"""Unicode hygiene on plain strings (apps/core/text.py has no Django imports)."""

from __future__ import annotations

import pytest

from apps.core import text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Wool scarf", "Wool scarf"),
        ("  padded\t", "padded"),
        ("NUL\x00inside", "NULinside"),
        ("bell\x07 and del\x7f and c1\x85", "bell and del and c1"),
        ("line\nbreak", "line\nbreak"),  # kept: descriptions and notes have lines
        ("evil\u202etxt.exe", "eviltxt.exe"),  # right-to-left override
        ("\u2066isolated\u2069 \u202aembedded\u202c", "isolated embedded"),
        ("שלום\u200f world", "שלום\u200f world"),  # a right-to-left mark stays: Hebrew needs it
        ("👩\u200d💻 coder", "👩\u200d💻 coder"),  # zero-width joiner of an emoji sequence stays
        ("\ufeffTitle", "Title"),  # a byte order mark left by a file's start
        ("e\u0301te\u0301", "été"),  # NFC
        ("纯棉T恤", "纯棉T恤"),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert text.clean_text(raw) == clean


@pytest.mark.parametrize(
    ("raw", "identifier"),
    [
        ("U8", "U8"),
        ("U\u200b8", "U8"),  # zero-width space
        ("\ufeffU8", "U8"),  # BOM
        ("U\u20608", "U8"),  # word joiner
        ("U\u00ad8", "U8"),  # soft hyphen
        ("U\u200e8\u202e", "U8"),  # bidi mark and override
        ("Ｕ８", "U8"),  # full-width forms (NFKC)
        ("U\x008", "U8"),  # NUL, as for free text
        (" SKU-1 ", "SKU-1"),
        ("货号-01", "货号-01"),
    ],
)
def test_clean_identifier_makes_look_alikes_one(raw: str, identifier: str) -> None:
    assert text.clean_identifier(raw) == identifier


@pytest.mark.parametrize(
    ("cell", "risky"),
    [
        ("=1+1", True),
        ("+33 1 23", True),
        ("-20% off", True),
        ("@SUM(A1)", True),
        ("\tTab first", True),
        ("\r=cmd", True),
        ('\ufeff=HYPERLINK("http://x")', True),  # BOM first
        ("\u200b\u200b+cmd", True),  # zero-width spaces first
        ("\u202e=cmd", True),  # a bidi override first
        ("  =cmd", True),  # spaces first
        ("\u00a0@cmd", True),  # a no-break space first
        ("\uff1dcmd", True),  # full-width equals sign
        ("Wool scarf", False),
        ("2 = 2", False),
        ("a-b", False),
        ("", False),
        ("\u200b", False),
    ],
)
def test_formula_risk_looks_past_invisible_characters(cell: str, risky: bool) -> None:
    assert text.formula_risk(cell) is risky
    assert text.neutralise_formula(cell) == ("'" + cell if risky else cell)
