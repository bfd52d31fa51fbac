"""The chart component: the spec the canvas carries and the table beside it, in the page's language."""

from __future__ import annotations

import json
from datetime import date

from django.utils import translation

from apps.core.charts import Chart, Series


def _chart() -> Chart:
    return Chart(
        chart_id="c",
        title="Sentiment over time",
        kind="stacked",
        axis="date",
        labels=[date(2026, 11, 2), date(2026, 11, 9)],
        series=[Series("positive", "Positive", [1200, 3]), Series("negative", "Negative", [0, None])],
    )


def test_the_spec_carries_iso_dates_and_plain_numbers() -> None:
    spec = json.loads(_chart().spec)
    assert spec["labels"] == ["2026-11-02", "2026-11-09"]
    assert spec["series"][0] == {"key": "positive", "label": "Positive", "data": [1200, 3]}
    assert (spec["kind"], spec["axis"], spec["values"]) == ("stacked", "date", "count")


def test_the_table_is_in_the_page_language() -> None:
    with translation.override("en"):
        assert _chart().rows == [("11/02/2026", ["1,200", "0"]), ("11/09/2026", ["3", "–"])]
    with translation.override("zh-hans"):
        assert _chart().rows[0] == ("2026年11月2日", ["1200", "0"])


def test_shares_are_percentages_and_an_all_zero_chart_is_empty() -> None:
    chart = Chart(
        chart_id="ab",
        title="Rates",
        kind="bar",
        values="share",
        labels=["Clicks"],
        series=[Series("a", "A", [0.0925]), Series("b", "B", [0.1])],
    )
    with translation.override("en"):
        assert chart.rows == [("Clicks", ["9.2%", "10.0%"])]
    assert not chart.is_empty
    assert Chart(chart_id="e", title="E", kind="bar", labels=["x"], series=[Series("a", "A", [0])]).is_empty
