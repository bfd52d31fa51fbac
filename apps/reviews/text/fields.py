"""Reading a review's fields from text, the same for imported rows and API requests: ratings, times,
languages, texts. Each parser returns the value or raises ValueError with what a person should fix."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo

from apps.core.text import clean_identifier, clean_text

TEXT_MAX_CHARS = 20_000  # a 100 KB review is not a review: refused per row, not truncated
TITLE_MAX = 300
AUTHOR_MAX = 100
SOURCE_MAX = 64
EXTERNAL_ID_MAX = 128
SKU_MAX = 64
# A review dated a little ahead is a time-zone difference; further ahead, a wrong date.
FUTURE_TOLERANCE = timedelta(hours=14)

LANGUAGE_ALIASES = {
    "en": "en",
    "english": "en",
    "en-us": "en",
    "en-gb": "en",
    "英文": "en",
    "英语": "en",
    "zh": "zh",
    "zh-cn": "zh",
    "zh-hans": "zh",
    "zh-tw": "zh",
    "zh-hant": "zh",
    "chinese": "zh",
    "cn": "zh",
    "中文": "zh",
    "简体中文": "zh",
}
_STARS = re.compile(r"^[★☆]+$")
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d/%m/%Y",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)


def parse_text(raw: str) -> str:
    text = clean_text(raw)
    if not text:
        raise ValueError("Required; the review text is empty.")
    if len(text) > TEXT_MAX_CHARS:
        raise ValueError(f"The review text is {len(text)} characters; the limit is {TEXT_MAX_CHARS}.")
    return text


def parse_sku(raw: str) -> str:
    sku = clean_identifier(raw)
    if not sku:
        raise ValueError("Required; the cell is empty.")
    if len(sku) > SKU_MAX or re.search(r"\s", sku):
        raise ValueError(f"A SKU is at most {SKU_MAX} characters, without spaces.")
    return sku


def parse_rating(raw: str) -> int | None:
    """1 to 5 stars from '4', '4.0', '4/5', '★★★★'; empty is no rating."""
    text = clean_text(raw).replace("星", "").strip()
    if not text:
        return None
    if _STARS.match(text):
        value = float(text.count("★"))
    else:
        text = re.sub(r"\s*/\s*5$", "", text)
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{raw.strip()[:20]!r} is not a rating from 1 to 5.") from None
    if not value.is_integer() or not 1 <= value <= 5:
        raise ValueError(f"{raw.strip()[:20]!r} is out of range: ratings are whole stars from 1 to 5.")
    return int(value)


def parse_language(raw: str) -> str:
    """'en' or 'zh' from a code or a name; '' when the cell is empty (then it is detected)."""
    text = clean_text(raw).lower()
    if not text:
        return ""
    language = LANGUAGE_ALIASES.get(text)
    if not language:
        raise ValueError(f"{raw.strip()[:20]!r} is not a supported language (en, zh).")
    return language


def parse_reviewed_at(raw: str, *, now: datetime, default_timezone: tzinfo = UTC) -> datetime:
    """An aware time from ISO 8601 or the usual spreadsheet forms; not in the future."""
    text = clean_text(raw)
    if not text:
        raise ValueError("Required; the cell is empty.")
    value: datetime | None = None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for pattern in _DATE_FORMATS:
            try:
                value = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if value is None:
        raise ValueError(f"{text[:30]!r} is not a date (use 2024-05-31 or 2024-05-31 14:05).")
    if value.tzinfo is None:
        value = value.replace(tzinfo=default_timezone)
    if value > now + FUTURE_TOLERANCE:
        raise ValueError(f"{text[:30]!r} is in the future.")
    if value.date() < date(1990, 1, 1):
        raise ValueError(f"{text[:30]!r} is too far in the past.")
    return value


def parse_short(raw: str, limit: int) -> str:
    text = clean_text(raw)
    if len(text) > limit:
        raise ValueError(f"Longer than {limit} characters.")
    return text
