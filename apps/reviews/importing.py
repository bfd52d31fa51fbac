"""Reading review rows of an uploaded file: the fields, their header names, and one row's validation.

Nothing here touches the database; the imports app does the upload, encodings, mapping and job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.imports.targets import ImportField, RowResult, mapped_columns

from .services.reviews import review_language
from .text import fields as f

# Column names a review's SKU and text go by (the labelled-review import reads the same columns).
SKU_SYNONYMS = (
    "sku",
    "productsku",
    "productid",
    "productcode",
    "itemcode",
    "货号",
    "商品编码",
    "商家编码",
    "sku编码",
)
TEXT_SYNONYMS = (
    "text",
    "review",
    "reviewtext",
    "body",
    "content",
    "comment",
    "评价",
    "评价内容",
    "评论",
    "评论内容",
    "内容",
)

REVIEW_FIELDS: tuple[ImportField, ...] = (
    ImportField("sku", "SKU", required=True, synonyms=SKU_SYNONYMS),
    ImportField("text", _("Review text"), required=True, synonyms=TEXT_SYNONYMS),
    ImportField(
        "rating",
        _("Rating"),
        synonyms=("rating", "stars", "star", "score", "reviewrating", "评分", "星级", "打分"),
    ),
    ImportField("title", _("Title"), synonyms=("title", "reviewtitle", "headline", "summary", "标题")),
    ImportField("language", _("Language"), synonyms=("language", "lang", "locale", "语言")),
    ImportField(
        "author",
        _("Author"),
        synonyms=(
            "author",
            "reviewer",
            "user",
            "username",
            "nickname",
            "customer",
            "handle",
            "用户",
            "昵称",
            "买家",
            "用户名",
        ),
    ),
    ImportField(
        "reviewed_at",
        _("Review time"),
        required=True,
        synonyms=(
            "date",
            "time",
            "createdat",
            "created",
            "reviewdate",
            "reviewtime",
            "reviewedat",
            "日期",
            "时间",
            "评价时间",
            "评论时间",
        ),
    ),
    ImportField(
        "source",
        _("Source"),
        synonyms=("source", "channel", "marketplace", "platform", "来源", "平台", "渠道"),
    ),
    ImportField(
        "external_id",
        _("External id"),
        synonyms=("externalid", "reviewid", "id", "评价id", "评论id", "评价编号"),
    ),
)
SHORT_LIMITS = {
    "title": f.TITLE_MAX,
    "author": f.AUTHOR_MAX,
    "source": f.SOURCE_MAX,
    "external_id": f.EXTERNAL_ID_MAX,
}


class ReviewRowValidator:
    """Turns a row's cells into review fields under a mapping, or says per column what is wrong."""

    def __init__(self, *, headers: list[str], mapping: dict[str, str], now: datetime | None = None) -> None:
        self.headers = headers
        self.columns = mapped_columns(headers, mapping)
        self.fields = {target for _index, _header, target in self.columns}
        self.now = now or timezone.now()
        self.timezone = timezone.get_current_timezone()

    def validate(self, cells: list[str]) -> RowResult:
        errors: list[tuple[str, str]] = []
        values: dict[str, Any] = {}
        headers: dict[str, str] = {}
        for index, header, target in self.columns:
            raw = cells[index] if index < len(cells) else ""
            headers[target] = header
            if "\ufffd" in raw:
                errors.append((header, "Contains bytes that are not valid in the file's encoding."))
                continue
            try:
                values[target] = self._field(target, raw)
            except ValueError as error:
                errors.append((header, str(error)))
        if not errors:
            try:
                values["language"] = review_language(values["text"], values.get("language", ""))
            except ValueError as error:
                errors.append((headers.get("language", headers["text"]), str(error)))
        if errors:
            return RowResult(values=None, errors=errors)
        values["reviewed_at"] = values["reviewed_at"].isoformat()
        # Duplicates are skipped when written (and counted), not reported as row errors: no key here.
        return RowResult(values=values)

    def _field(self, target: str, raw: str) -> Any:
        if target == "sku":
            return f.parse_sku(raw)
        if target == "text":
            return f.parse_text(raw)
        if target == "rating":
            return f.parse_rating(raw)
        if target == "language":
            return f.parse_language(raw)
        if target == "reviewed_at":
            return f.parse_reviewed_at(raw, now=self.now, default_timezone=self.timezone)
        return f.parse_short(raw, SHORT_LIMITS[target])
