"""The pure parts of platform files: HTML in and out, 淘宝助理's packed SKUs, option alignment."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree

import pytest

from apps.catalog.platforms.profiles import PROFILES
from apps.catalog.platforms.rows import align_options
from apps.catalog.platforms.taobao import parse_aliases, parse_combinations
from apps.catalog.text.html import html_to_text, sanitize_html, text_to_html
from apps.imports.profiles import detect_header


def test_sanitising_keeps_structure_and_drops_scripts_handlers_and_bad_urls() -> None:
    raw = (
        '<div style="color:red"><p onclick="x()">A <b>bold</b> claim</p><script>steal()</script>'
        '<img src="javascript:alert(1)"><img src="https://cdn.example.com/a.jpg" onerror="x()">'
        '<a href="http://shop.example.com">link</a><iframe src="https://evil"></iframe><!-- note --></div>'
    )
    assert sanitize_html(raw) == (
        '<div><p>A <b>bold</b> claim</p><img><img src="https://cdn.example.com/a.jpg">'
        '<a href="http://shop.example.com" rel="noopener noreferrer nofollow">link</a></div>'
    )
    assert sanitize_html("   ") == ""


def test_html_to_text_keeps_paragraphs_and_list_items() -> None:
    markup = (
        "<h3>Title</h3><p>One<br>two &amp; three</p><ul><li>a</li><li>b</li></ul>"
        "<table><tr><td>x</td><td>y</td></tr></table>"
    )
    assert html_to_text(markup) == "Title\n\nOne\ntwo & three\n\n- a\n- b\n\nx y"


@pytest.mark.parametrize(
    "text",
    [
        "Plain & simple <b>not bold</b> \"quoted\" 'single'",
        "第一段。\n第二行\n\n- 要点一\n- 要点二",
        "</p><script>alert(1)</script><p>",
        "1. first\n2) second",
        '=HYPERLINK("http://evil")\n\n\n\n',
    ],
)
def test_text_to_html_is_escaped_well_formed_and_stable_under_sanitising(text: str) -> None:
    markup = text_to_html(text)
    ElementTree.fromstring(f"<div>{markup.replace('<br>', '<br/>')}</div>")  # noqa: S314  (our own markup)
    assert "<script" not in markup
    assert sanitize_html(markup) == markup  # what the shop stores is what we sent
    # The text a shopper reads is the text that was approved (bullets shown as "- ").
    expected = [line.strip() for line in text.strip().splitlines() if line.strip()]
    read_back = [line for line in html_to_text(markup).splitlines() if line]
    assert [line.removeprefix("- ") for line in read_back] == [
        line.removeprefix("- ").removeprefix("1. ").removeprefix("2) ") for line in expected
    ]


def test_bullets_become_a_list() -> None:
    assert text_to_html("Intro\n\n- a\n- b") == "<p>Intro</p><ul><li>a</li><li>b</li></ul>"


def test_taobao_combinations_are_unpacked_and_named() -> None:
    aliases = parse_aliases("1627207:28320:经典黑;20509:28315:M码;")
    names, variants = parse_combinations(
        "19.90:100:SOCK-BLK-M:1627207:28320;20509:28315;25:5::1627207:3232483;20509:28315;", aliases
    )
    assert names == ["颜色分类", "尺码"]
    assert variants == [
        {
            "options": [["颜色分类", "经典黑"], ["尺码", "M码"]],
            "sku": "SOCK-BLK-M",
            "price": Decimal("19.90"),
            "stock": 100,
        },
        # a value without a name keeps its id, marked, so nothing is invented
        {
            "options": [["颜色分类", "#3232483"], ["尺码", "M码"]],
            "sku": "",
            "price": Decimal("25.00"),
            "stock": 5,
        },
    ]
    with pytest.raises(ValueError, match="not 'price:quantity:code:pid:vid'"):
        parse_combinations("20509:28315;", aliases)  # a pair before any SKU entry


def test_option_values_are_aligned_by_name_then_position() -> None:
    assert align_options(["Size", "Color"], [["Color", "Red"], ["Size", "M"]]) == ["M", "Red"]
    assert align_options(["Size", "Color"], [["", "L"], ["", "Blue"]]) == ["L", "Blue"]
    assert align_options(["Size"], []) == [""]


def test_the_header_is_found_below_platform_lines_and_a_chosen_profile_is_honoured() -> None:
    rows = [(0, ["version 1.00"]), (1, ["title", "description"]), (2, ["宝贝名称", "宝贝描述", "宝贝价格"])]
    index, profile = detect_header(PROFILES, rows)
    assert index == 2 and profile is not None and profile.name == "taobao"
    index, profile = detect_header(PROFILES, [(0, ["sku", "title"])])
    assert (index, profile) == (0, None)
    index, profile = detect_header(PROFILES, [(3, ["sku", "title"])], chosen="shopify")
    assert index == 3 and profile is not None and profile.name == "shopify"
