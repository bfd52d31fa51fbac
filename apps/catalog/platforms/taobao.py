"""淘宝助理 (Taobao Assistant) files: the SKUs packed in 销售属性组合 and their names in 销售属性别名.

销售属性组合 (skuProps) holds one entry per SKU, "price:quantity:merchant code:" followed by the SKU's
property-value pairs "pid:vid;" — e.g. ``59:100:SOCK-B-M:1627207:28341;20509:28315;``. The ids are
Taobao's; 销售属性别名 (propAlias) and 自定义属性值 give the seller's names for them
(``1627207:28341:黑色;20509:28315:M;``). Property ids without a name here are given the common
ones (颜色分类, 尺码...); a value without a name keeps its id, marked, so nothing is invented.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

# Taobao's ids of the common sale properties (its open-platform category property ids).
PROPERTY_NAMES = {
    "1627207": "颜色分类",
    "20509": "尺码",
    "20549": "鞋码",
    "122216343": "套餐类型",
    "122216507": "尺寸",
    "21921": "容量",
}
_ENTRY_HEAD = re.compile(
    r"^(?P<price>[\d.]*):(?P<quantity>-?\d*):(?P<code>[^:]*):(?P<pid>-?\d+):(?P<vid>-?\d+)$"
)
_PAIR = re.compile(r"^(?P<pid>-?\d+):(?P<vid>-?\d+)$")


def parse_aliases(raw: str) -> dict[tuple[str, str], str]:
    """``pid:vid:name;`` entries as {(pid, vid): name}."""
    aliases: dict[tuple[str, str], str] = {}
    for part in raw.replace("；", ";").split(";"):
        pieces = part.strip().split(":", 2)
        if len(pieces) == 3 and pieces[0].strip().lstrip("-").isdigit() and pieces[2].strip():
            aliases[(pieces[0].strip(), pieces[1].strip())] = pieces[2].strip()
    return aliases


def parse_combinations(
    raw: str, aliases: dict[tuple[str, str], str]
) -> tuple[list[str], list[dict[str, Any]]]:
    """(option names, variants) from a 销售属性组合 cell; ValueError when it is not in that shape."""
    variants: list[dict[str, Any]] = []
    names: list[str] = []
    current: dict[str, Any] | None = None
    for token in (part.strip() for part in raw.replace("；", ";").split(";")):
        if not token:
            continue
        head = _ENTRY_HEAD.match(token)
        pair = None if head else _PAIR.match(token)
        if head:
            current = {"options": [], "sku": head["code"].strip()[:255]}
            try:
                if head["price"]:
                    current["price"] = Decimal(head["price"]).quantize(Decimal("0.01"))
            except InvalidOperation:
                raise ValueError(f"{head['price']!r} is not a price.") from None
            if head["quantity"]:
                current["stock"] = int(head["quantity"])
            variants.append(current)
            pid, vid = head["pid"], head["vid"]
        elif pair and current is not None:
            pid, vid = pair["pid"], pair["vid"]
        else:
            raise ValueError(f"{token[:40]!r} is not 'price:quantity:code:pid:vid' or 'pid:vid'.")
        name = PROPERTY_NAMES.get(pid, f"属性{pid}")
        if name not in names:
            names.append(name)
        current["options"].append([name, aliases.get((pid, vid), f"#{vid}")])
    return names, variants
