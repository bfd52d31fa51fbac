"""Attribute names in the other language: a catalog imported with English columns ("material", "fit")
still gets Chinese descriptions that name the attribute in Chinese ("材质"), and the other way round.

A sentence made from a fact never shows a raw key of the other script; a key this table does not know
is left out of the sentence (the value is said on its own).
"""

from __future__ import annotations

from apps.core.text import CJK

# English attribute name (lower-case) -> its Chinese label.
ZH_LABELS: dict[str, str] = {
    "material": "材质",
    "materials": "材质",
    "fabric": "面料",
    "upper": "鞋面",
    "outer": "外层",
    "shell": "外壳",
    "lining": "内衬",
    "sole": "鞋底",
    "outsole": "大底",
    "midsole": "中底",
    "body": "主体",
    "surface": "表面",
    "finish": "表面工艺",
    "colour": "颜色",
    "color": "颜色",
    "colours": "颜色",
    "colors": "颜色",
    "size": "尺寸",
    "sizes": "尺码",
    "dimensions": "尺寸",
    "length": "长度",
    "width": "宽度",
    "height": "高度",
    "diameter": "直径",
    "depth": "深度",
    "weight": "重量",
    "capacity": "容量",
    "volume": "容量",
    "fit": "版型",
    "cut": "版型",
    "sleeve": "袖型",
    "sleeves": "袖型",
    "collar": "领型",
    "neckline": "领型",
    "closure": "闭合方式",
    "pockets": "口袋",
    "care": "洗涤保养",
    "washing": "洗涤方式",
    "season": "适用季节",
    "style": "风格",
    "pattern": "图案",
    "origin": "产地",
    "includes": "包含",
    "contents": "包含",
    "set": "套装",
    "pieces": "件数",
    "power": "功率",
    "wattage": "功率",
    "voltage": "电压",
    "battery": "电池",
    "battery life": "续航",
    "playtime": "续航",
    "runtime": "续航",
    "charging": "充电",
    "charge time": "充电时间",
    "connectivity": "连接方式",
    "bluetooth": "蓝牙",
    "ports": "接口",
    "port": "接口",
    "water resistance": "防水等级",
    "waterproof": "防水",
    "brightness": "亮度",
    "light": "光源",
    "lumens": "亮度",
    "temperature": "温度",
    "insulation": "保温",
    "lid": "盖子",
    "handle": "把手",
    "heat source": "适用炉具",
    "hob": "适用炉具",
    "compatibility": "适用",
    "compatible": "适用",
    "age": "适用年龄",
    "gender": "适用人群",
    "warranty": "保修",
    "standard": "标准",
    "thickness": "厚度",
    "filling": "填充物",
    "fill": "填充物",
    "cover": "外套",
    "shape": "形状",
    "mount": "安装方式",
    "strap": "肩带",
    "straps": "肩带",
    "compartments": "隔层",
    "noise cancelling": "降噪",
    "features": "特点",
    "feature": "特点",
    "use": "用途",
    "scent": "香型",
    "flavour": "口味",
    "flavor": "口味",
}

# Chinese attribute name -> its English label (the first English name for each label).
EN_LABELS: dict[str, str] = {}
for _english, _chinese in ZH_LABELS.items():
    EN_LABELS.setdefault(_chinese, _english)


def key_label(name: str, language: str) -> str | None:
    """The attribute's name as a description in ``language`` may show it, or None when the name is in
    the other script and this table does not know it."""
    name = name.strip()
    has_cjk = bool(CJK.search(name))
    if language == "zh":
        return name if has_cjk else ZH_LABELS.get(name.lower())
    if not has_cjk:
        return name
    return EN_LABELS.get(name)


def key_labels(names: list[str]) -> list[str]:
    """Both languages' labels of the given attribute names (for the invention check's support)."""
    labels = []
    for name in names:
        label = ZH_LABELS.get(name.strip().lower()) or EN_LABELS.get(name.strip())
        if label:
            labels.append(label)
    return labels
