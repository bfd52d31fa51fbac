"""One chart component for every page: a spec drawn by static/js/charts.js (Chart.js, vendored) with axes
and dates in the page's language, and the same numbers as a table (templates/_chart.html) for screen
readers and for anyone who would rather read them.

Sentiment over time and by aspect, job throughput, A/B results and training curves all go through it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from django.utils import formats
from django.utils.functional import Promise

ChartKind = Literal["line", "bar", "stacked", "stacked-horizontal"]
AxisKind = Literal["category", "date", "datetime"]
ValueKind = Literal["count", "number", "share"]

Label = str | date | datetime


@dataclass(frozen=True)
class Series:
    """``key`` picks a colour (positive, neutral, negative, succeeded, failed; else a palette colour)."""

    key: str
    label: str | Promise
    data: Sequence[float | int | None]


@dataclass(frozen=True)
class Chart:
    """``values``: "count" (whole numbers), "number", or "share" (0-1, shown as a percentage)."""

    chart_id: str
    title: str | Promise
    kind: ChartKind
    labels: Sequence[Label]
    series: Sequence[Series]
    axis: AxisKind = "category"
    values: ValueKind = "count"
    x_title: str | Promise = ""
    y_title: str | Promise = ""
    extra: dict[str, object] = field(default_factory=dict)

    def _label_key(self, label: Label) -> str:
        if isinstance(label, datetime):
            return label.isoformat()
        if isinstance(label, date):
            return label.isoformat()
        return str(label)

    def _label_text(self, label: Label) -> str:
        if isinstance(label, datetime):
            return formats.date_format(label, "SHORT_DATETIME_FORMAT")
        if isinstance(label, date):
            return formats.date_format(label, "SHORT_DATE_FORMAT")
        return str(label)

    def _value_text(self, value: float | int | None) -> str:
        if value is None:
            return "–"
        if self.values == "share":
            return f"{formats.number_format(100 * value, 1)}%"
        if self.values == "count":
            return formats.number_format(int(value), force_grouping=True)
        return formats.number_format(value, 3)

    @property
    def is_empty(self) -> bool:
        return not self.labels or all(value in (None, 0) for series in self.series for value in series.data)

    @property
    def spec(self) -> str:
        """The JSON the canvas carries (data-chart): plain values, labels as ISO dates where dates."""
        return json.dumps(
            {
                "kind": self.kind,
                "axis": self.axis,
                "values": self.values,
                "title": str(self.title),
                "xTitle": str(self.x_title),
                "yTitle": str(self.y_title),
                "labels": [self._label_key(label) for label in self.labels],
                "series": [
                    {"key": series.key, "label": str(series.label), "data": list(series.data)}
                    for series in self.series
                ],
                **self.extra,
            },
            ensure_ascii=False,
        )

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        """The table under the chart: one row a label, one column a series, in the page's formats."""
        return [
            (self._label_text(label), [self._value_text(series.data[index]) for series in self.series])
            for index, label in enumerate(self.labels)
        ]
