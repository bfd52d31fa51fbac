"""Reading labelled reviews from an uploaded file: the fields, the label words, one row's validation.

A row names one of the store's reviews, by its review id (with its source where two sources
share ids) or by SKU and text, and gives the sentiment a person chose for it. Finding the review
is the caller's (``find``, scoped to the store); nothing else here touches the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from apps.imports.targets import ImportField, RowResult, mapped_columns
from apps.reviews.importing import SKU_SYNONYMS, TEXT_SYNONYMS
from apps.reviews.models import Sentiment
from apps.reviews.text import fields as f

LABEL_FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "external_id",
        _("Review id"),
        synonyms=("externalid", "reviewid", "id", "评价id", "评论id", "评价编号"),
    ),
    ImportField(
        "source", _("Source"), synonyms=("source", "channel", "marketplace", "platform", "来源", "平台")
    ),
    ImportField("sku", "SKU", synonyms=SKU_SYNONYMS),
    ImportField("text", _("Review text"), synonyms=TEXT_SYNONYMS),
    ImportField(
        "label",
        _("Label"),
        required=True,
        synonyms=("label", "sentiment", "polarity", "class", "标签", "情感", "情感倾向", "标注"),
    ),
)

# The words a label cell may hold (compared case-blind, spaces trimmed), English and Chinese.
LABEL_WORDS: dict[str, str] = {
    **{word: Sentiment.POSITIVE for word in ("positive", "pos", "good", "正面", "正向", "积极", "好评")},
    **{word: Sentiment.NEUTRAL for word in ("neutral", "neu", "mixed", "中性", "中立", "一般", "中评")},
    **{word: Sentiment.NEGATIVE for word in ("negative", "neg", "bad", "负面", "负向", "消极", "差评")},
}

# (external id, source, sku, text) -> the ids of the store's reviews the row names, or a reason it names none.
ReviewFinder = Callable[[str, str, str, str], "list[int] | str"]


def parse_label(raw: str) -> str:
    word = raw.strip().casefold()
    if not word:
        raise ValueError("Required; the label is empty.")
    label = LABEL_WORDS.get(word)
    if label is None:
        raise ValueError(f"Unknown label {raw.strip()!r}: use positive, neutral or negative.")
    return str(label)


class LabelRowValidator:
    """Turns a row's cells into (reviews, label) under a mapping, or says per column what is wrong."""

    def __init__(self, *, headers: Sequence[str], mapping: dict[str, str], find: ReviewFinder) -> None:
        self.columns = mapped_columns(headers, mapping)
        self.fields = {target for _index, _header, target in self.columns}
        self.find = find

    def validate(self, cells: list[str]) -> RowResult:
        errors: list[tuple[str, str]] = []
        values: dict[str, Any] = {}
        headers: dict[str, str] = {}
        for index, header, target in self.columns:
            raw = cells[index] if index < len(cells) else ""
            headers[target] = header
            try:
                values[target] = self._field(target, raw)
            except ValueError as error:
                errors.append((header, str(error)))
        if errors:
            return RowResult(values=None, errors=errors)
        external_id, source = values.get("external_id", ""), values.get("source", "")
        sku, text = values.get("sku", ""), values.get("text", "")
        if not external_id and not (sku and text):
            column = headers.get("external_id") or headers.get("sku") or headers.get("text", "")
            return RowResult(values=None, errors=[(column, "Give the review id, or its SKU and text.")])
        found = self.find(external_id, source, sku, text)
        if isinstance(found, str):
            column = headers["external_id"] if external_id else headers["text"]
            return RowResult(values=None, errors=[(column, found)])
        # A later row naming the same review is reported as a duplicate, not applied over this one.
        key = ",".join(f"#{review_id}" for review_id in found)
        return RowResult(values={"reviews": found, "label": values["label"]}, key=key)

    def _field(self, target: str, raw: str) -> Any:
        if target == "label":
            return parse_label(raw)
        if target == "text":
            return f.parse_text(raw) if raw.strip() else ""
        if target == "sku":
            return f.parse_sku(raw) if raw.strip() else ""
        return f.parse_short(raw, f.EXTERNAL_ID_MAX if target == "external_id" else f.SOURCE_MAX)
