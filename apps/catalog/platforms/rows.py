"""What a row of each platform's file means: which rows are variants of the product above, and how.

Nothing here touches the database. The catalog's row validator reads a row's cells into a
``ParsedRow`` (product fields, attributes, import-only columns, platform-only columns); the rules of
the file's profile then say whether it starts a product or joins one (and under which key), read its
variants, and merge a joining row into its product's record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from apps.core.text import clean_identifier

from . import taobao

OPTION_SLOTS = (1, 2, 3)
_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
MAX_VARIANTS = 500


@dataclass
class ParsedRow:
    values: dict[str, Any]  # product fields, parsed
    attributes: dict[str, str]
    extra: dict[str, str]  # import-only columns (description, options, variant fields...), as text
    platform: dict[str, str]  # platform-only columns: kept, never facts
    variants: list[dict[str, Any]] = field(default_factory=list)
    option_names: list[str] = field(default_factory=list)

    def joined_values(self) -> dict[str, Any]:
        """What a joining row adds to its product: variants, images, option names, attributes."""
        return {
            "variants": self.variants,
            "option_names": self.option_names,
            "image_urls": self.values.get("image_urls") or [],
            "attributes": self.attributes,
        }


def _decimal(text: str, *, places: str = "0.01") -> Decimal:
    from apps.catalog.importing import parse_price  # the catalog's one price reader

    if places == "0.01":
        return parse_price(text)[0] or Decimal(0)
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not number.is_finite() or number < 0 or number > Decimal("999999999"):
        raise ValueError(f"{text!r} is not a weight")
    return number.quantize(Decimal(places))


def align_options(option_names: list[str], options: list[list[str]]) -> list[str]:
    """A variant's values in the order of its product's option names (by name, else by position)."""
    by_name = {name: value for name, value in options if name}
    aligned = []
    for position, name in enumerate(option_names):
        if name in by_name:
            aligned.append(by_name[name])
        elif position < len(options) and not options[position][0]:
            aligned.append(options[position][1])
        else:
            aligned.append("")
    return aligned


class RowRules:
    """The generic rules: a row with a parent joins it; option and variant columns make one variant."""

    name = "generic"
    weight_unit = ""

    def classify(self, row: ParsedRow) -> str | None:
        """The key of the product this row joins, or None when the row is a product of its own."""
        parent = clean_identifier(row.extra.get("parent", ""))
        return parent or None

    def options(self, row: ParsedRow) -> list[list[str]]:
        pairs = [
            [row.extra.get(f"option{n}_name", ""), row.extra.get(f"option{n}_value", "")]
            for n in OPTION_SLOTS
        ]
        while pairs and not any(pairs[-1]):
            pairs.pop()
        return pairs

    def read_variants(self, row: ParsedRow, header_of: dict[str, str]) -> list[tuple[str, str]]:
        """Reads the row's variant (if it has one) into ``row.variants``; errors by column."""
        options = self.options(row)
        row.option_names = [name for name, _value in options]
        errors: list[tuple[str, str]] = []
        variant: dict[str, Any] = {"options": [pair for pair in options if pair[1]]}
        readers = {
            "variant_price": ("price", "0.01"),
            "variant_compare_at_price": ("compare_at_price", "0.01"),
            "variant_weight": ("weight", "0.001"),
        }
        for source, (name, places) in readers.items():
            text = row.extra.get(source, "")
            if text:
                try:
                    variant[name] = _decimal(text, places=places)
                except ValueError as error:
                    errors.append((header_of.get(source, source), f"Not a valid number: {error}."))
        if text := row.extra.get("variant_stock", ""):
            if re.fullmatch(r"-?\d{1,9}", text.replace(",", "")):
                variant["stock"] = int(text.replace(",", ""))
            else:
                errors.append(
                    (header_of.get("variant_stock", "variant_stock"), f"{text!r} is not a whole number.")
                )
        for source, name, limit in (("variant_sku", "sku", 255), ("variant_barcode", "barcode", 64)):
            text = clean_identifier(row.extra.get(source, ""))
            if len(text) > limit:
                errors.append((header_of.get(source, source), f"Longer than {limit} characters."))
            elif text:
                variant[name] = text
        if image := row.extra.get("variant_image", ""):
            if _URL.match(image) and len(image) <= 1000:
                variant["image_url"] = image
            else:
                errors.append((header_of.get("variant_image", "variant_image"), "Not an http(s) URL."))
        unit = row.extra.get("variant_weight_unit", "")[:8] or (
            self.unit_for(header_of.get("variant_weight", "")) if "weight" in variant else ""
        )
        if unit:
            variant["weight_unit"] = unit
        if len(variant) > 1 or variant["options"]:
            row.variants = [variant]
        return errors

    def unit_for(self, header: str) -> str:
        """The weight unit a weight column is in: named in its header ("Weight (lbs)"), else the format's."""
        match = re.search(r"\((kg|g|lbs?|oz)\)", header, re.IGNORECASE)
        if match:
            return {"lbs": "lb"}.get(match.group(1).lower(), match.group(1).lower())
        return self.weight_unit

    def merge(self, record: dict[str, Any], values: dict[str, Any]) -> str:
        variants = record.setdefault("variants", [])
        if len(variants) + len(values.get("variants") or []) > MAX_VARIANTS:
            return f"A product has at most {MAX_VARIANTS} variants."
        variants.extend(values.get("variants") or [])
        names = record.setdefault("option_names", [])
        for position, name in enumerate(values.get("option_names") or []):
            if not name or name in names:
                continue
            names.extend([""] * (position + 1 - len(names)))
            if not names[position]:
                names[position] = name
            else:
                names.append(name)
        images = record.setdefault("image_urls", [])
        images.extend(url for url in values.get("image_urls") or [] if url not in images)
        if record.get("price") is None:
            record["price"] = next((v.get("price") for v in variants if v.get("price") is not None), None)
        return ""


class ShopifyRules(RowRules):
    """Shopify: rows of one product share its Handle; only the first has the Title. A single-variant
    product has the option "Title" = "Default Title", which is no option at all. Weights are grams."""

    name = "shopify"
    weight_unit = "g"

    def classify(self, row: ParsedRow) -> str | None:
        category = row.values.get("category", "")
        if " > " in category:
            row.values["category"] = category.rsplit(" > ", 1)[1].strip()
        return None if row.values.get("title") else (row.values.get("sku") or None)

    def options(self, row: ParsedRow) -> list[list[str]]:
        pairs = super().options(row)
        if pairs and pairs[0][1] == "Default Title" and pairs[0][0] in ("", "Title"):
            return []
        return pairs


class WooCommerceRules(RowRules):
    """WooCommerce: a variable product's row, then its variation rows (Type "variation") naming it in
    Parent as "id:<ID>" or by SKU. "Attribute N name / value(s)" are facts on a product's row (the values
    a variable product offers) and a variation's option values on a variation's row."""

    name = "woocommerce"
    weight_unit = "kg"

    def __init__(self) -> None:
        self.sku_by_id: dict[str, str] = {}

    def classify(self, row: ParsedRow) -> str | None:
        kind = row.extra.get("row_type", "").lower()
        category = row.values.get("category", "")
        if category:
            first = category.split(",")[0]
            row.values["category"] = first.rsplit(">", 1)[-1].strip()
        if sale := row.platform.get("Sale price", ""):
            regular = row.values.get("price")
            try:
                row.values["price"] = _decimal(sale)
            except ValueError:
                pass
            else:
                row.extra.setdefault("variant_compare_at_price", str(regular) if regular is not None else "")
        if "variation" not in kind:
            row.platform["Type"] = kind
            if "variable" in kind:  # its variations carry the stock, weights and prices
                for name in [name for name in row.extra if name.startswith("variant_")]:
                    del row.extra[name]
            elif any(name.startswith("variant_") for name in row.extra):  # a simple product's one variant
                row.extra.setdefault("variant_sku", row.values.get("sku", ""))
                if row.values.get("price") is not None:
                    row.extra.setdefault("variant_price", str(row.values["price"]))
            if row.platform.get("ID") and row.values.get("sku"):
                self.sku_by_id[row.platform["ID"].strip()] = row.values["sku"]
            for n in OPTION_SLOTS:  # a product's attributes are its facts
                name, value = row.extra.pop(f"option{n}_name", ""), row.extra.pop(f"option{n}_value", "")
                if name and value:
                    row.attributes[name] = value
            return None
        parent = clean_identifier(row.extra.get("parent", ""))
        if parent.lower().startswith("id:"):
            parent = self.sku_by_id.get(parent[3:].strip(), parent)
        row.extra.setdefault("variant_sku", row.values.get("sku", ""))
        if row.values.get("price") is not None:
            row.extra.setdefault("variant_price", str(row.values["price"]))
        images = row.values.pop("image_urls", None) or []
        if images:
            row.extra.setdefault("variant_image", images[0])
        return parent or "(no parent)"

    def merge(self, record: dict[str, Any], values: dict[str, Any]) -> str:
        reason = super().merge(record, values)
        for name in values.get("option_names") or []:
            (record.get("attributes") or {}).pop(name, None)  # an option, not a fact of the product
        return reason


class TaobaoRules(RowRules):
    """淘宝助理: one row per item; its SKUs are packed into 销售属性组合 and named by 销售属性别名."""

    name = "taobao"

    def classify(self, row: ParsedRow) -> str | None:
        if not row.values.get("sku") and (number := row.platform.get("宝贝ID") or row.platform.get("数字ID")):
            row.values["sku"] = f"TB{clean_identifier(number)}"
        if row.values.get("price") is not None and not row.values.get("currency"):
            row.values["currency"] = "CNY"
        return None

    def read_variants(self, row: ParsedRow, header_of: dict[str, str]) -> list[tuple[str, str]]:
        combinations = row.extra.get("sale_combinations", "")
        if not combinations:
            return []
        aliases = taobao.parse_aliases(row.extra.get("sale_aliases", ""))
        aliases.update(taobao.parse_aliases(row.platform.get("自定义属性值", "")))
        try:
            names, variants = taobao.parse_combinations(combinations, aliases)
        except ValueError as error:
            return [(header_of.get("sale_combinations", "sale_combinations"), str(error))]
        row.option_names, row.variants = names, variants[:MAX_VARIANTS]
        return []


def rules_for(profile: str) -> RowRules:
    """Fresh rules for one file (WooCommerce's remember the file's product ids)."""
    rules: dict[str, type[RowRules]] = {
        "shopify": ShopifyRules,
        "woocommerce": WooCommerceRules,
        "taobao": TaobaoRules,
    }
    return rules.get(profile, RowRules)()
