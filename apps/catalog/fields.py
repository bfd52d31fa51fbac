"""The product fields, named once: import mapping, the edit form and API, and exports all read this list."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ProductField:
    name: str
    label: str | Promise
    max_length: int | None = None
    required: bool = False
    # Header names an uploaded file may use for it (compared without case, spaces or punctuation).
    synonyms: tuple[str, ...] = ()


PRODUCT_FIELDS: tuple[ProductField, ...] = (
    ProductField(
        "sku",
        "SKU",
        max_length=255,
        required=True,
        synonyms=(
            "sku",
            "code",
            "skucode",
            "skuid",
            "itemcode",
            "productcode",
            "productid",
            "货号",
            "商品编码",
            "商家编码",
            "编码",
            "商品货号",
            "款号",
            "sku编码",
        ),
    ),
    ProductField(
        "title",
        _("Title"),
        max_length=300,
        required=True,
        synonyms=(
            "title",
            "name",
            "productname",
            "producttitle",
            "itemname",
            "商品名称",
            "名称",
            "标题",
            "商品标题",
            "品名",
            "产品名称",
        ),
    ),
    ProductField(
        "category",
        _("Category"),
        max_length=200,
        synonyms=(
            "category",
            "categories",
            "productcategory",
            "producttype",
            "类目",
            "分类",
            "品类",
            "商品分类",
            "商品类目",
        ),
    ),
    ProductField(
        "brand",
        _("Brand"),
        max_length=200,
        synonyms=("brand", "brandname", "manufacturer", "品牌", "品牌名称"),
    ),
    ProductField(
        "price",
        _("Price"),
        synonyms=(
            "price",
            "saleprice",
            "retailprice",
            "unitprice",
            "价格",
            "售价",
            "单价",
            "零售价",
            "销售价",
        ),
    ),
    ProductField("currency", _("Currency"), max_length=3, synonyms=("currency", "币种", "货币")),
    ProductField("language", _("Language"), synonyms=("language", "lang", "locale", "语言")),
    ProductField("status", _("Status"), synonyms=("status", "state", "状态", "商品状态")),
    ProductField(
        "image_urls",
        _("Image URLs"),
        synonyms=(
            "image",
            "images",
            "imageurl",
            "imageurls",
            "imagelink",
            "picture",
            "photo",
            "图片",
            "图片链接",
            "主图",
            "图片地址",
        ),
    ),
    ProductField(
        "attributes",
        _("Attributes (name: value; …)"),
        synonyms=("attributes", "specs", "specifications", "属性", "规格参数", "商品属性"),
    ),
)
PRODUCT_FIELD_NAMES: tuple[str, ...] = tuple(spec.name for spec in PRODUCT_FIELDS)
FIELD_MAX_LENGTH = {spec.name: spec.max_length for spec in PRODUCT_FIELDS if spec.max_length}
# Columns an import reads besides the product's own fields: the shop's current description (kept as
# published text, never a fact), the rows' grouping, and variants (options, SKU, prices, stock...).
IMPORT_FIELDS: tuple[ProductField, ...] = (
    ProductField(
        "description",
        _("Current description (kept as published text, not a fact)"),
        synonyms=("description", "desc", "productdescription", "bodyhtml", "描述", "商品描述", "详情"),
    ),
    ProductField("parent", _("Parent product (variant rows)"), synonyms=("parent", "parentsku")),
    ProductField("row_type", _("Row type (simple, variable, variation)"), synonyms=("rowtype",)),
    ProductField("option1_name", _("Option 1 name"), synonyms=("option1name",)),
    ProductField("option1_value", _("Option 1 value"), synonyms=("option1value",)),
    ProductField("option2_name", _("Option 2 name"), synonyms=("option2name",)),
    ProductField("option2_value", _("Option 2 value"), synonyms=("option2value",)),
    ProductField("option3_name", _("Option 3 name"), synonyms=("option3name",)),
    ProductField("option3_value", _("Option 3 value"), synonyms=("option3value",)),
    ProductField("variant_sku", _("Variant SKU"), max_length=255, synonyms=("variantsku",)),
    ProductField("variant_price", _("Variant price"), synonyms=("variantprice",)),
    ProductField("variant_compare_at_price", _("Variant compare-at price"), synonyms=("compareatprice",)),
    ProductField("variant_barcode", _("Variant barcode"), max_length=64, synonyms=("variantbarcode",)),
    ProductField("variant_weight", _("Variant weight"), synonyms=("variantweight",)),
    ProductField("variant_weight_unit", _("Variant weight unit"), synonyms=("variantweightunit",)),
    ProductField("variant_stock", _("Variant stock"), synonyms=("variantstock",)),
    ProductField("variant_image", _("Variant image URL"), synonyms=("variantimage",)),
    ProductField("sale_combinations", _("Sale-property combinations (Taobao)"), synonyms=("销售属性组合",)),
    ProductField("sale_aliases", _("Sale-property names (Taobao)"), synonyms=("销售属性别名",)),
)
IMPORT_FIELD_NAMES: tuple[str, ...] = tuple(spec.name for spec in IMPORT_FIELDS)
IGNORED_HEADERS: tuple[str, ...] = ()
ATTRIBUTE_KEY_MAX = 64
ATTRIBUTE_VALUE_MAX = 1000


class ProductDetails(TypedDict, total=False):
    """A product's fields other than its SKU and title, as services take them (keyword arguments)."""

    category: str
    brand: str
    price: Decimal | None
    currency: str
    language: str
    status: str
    image_urls: list[str]
    attributes: dict[str, str]


class ProductValues(ProductDetails, total=False):
    """Every product field; its keys are PRODUCT_FIELD_NAMES."""

    sku: str
    title: str
