"""The product files shop platforms export, as import profiles: headers that identify each, and columns.

Columns a profile does not list are platform-only ("platform"): kept with the product, shown, and
never given to the generator as facts. Publication state, stock, image positions, SEO fields, tags
and internal ids are all of that kind.

- Shopify product CSV (help.shopify.com, "Using CSV files to import and export products").
- WooCommerce product CSV (the built-in product CSV importer / exporter's default column names).
- 淘宝助理 / 千牛 item export (GBK, tab-separated, a "version 1.00" line and a line of internal names
  above the Chinese header).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.imports.profiles import ImportProfile

SHOPIFY = ImportProfile(
    name="shopify",
    label=_("Shopify product CSV"),
    signature=("Handle", "Title", "Body (HTML)"),
    columns={
        "Handle": "sku",
        "Title": "title",
        "Body (HTML)": "description",
        "Vendor": "brand",
        "Product Category": "category",
        "Type": "attribute",
        "Status": "status",
        "Image Src": "image_urls",
        "Variant Image": "variant_image",
        "Variant SKU": "variant_sku",
        "Variant Price": "variant_price",
        "Variant Compare At Price": "variant_compare_at_price",
        "Variant Barcode": "variant_barcode",
        "Variant Grams": "variant_weight",
        "Variant Inventory Qty": "variant_stock",
        **{f"Option{n} Name": f"option{n}_name" for n in (1, 2, 3)},
        **{f"Option{n} Value": f"option{n}_value" for n in (1, 2, 3)},
    },
    attribute_pattern=r"(.+?)\s*\(product\.metafields\..+\)",
    help_text=_("Rows with the same Handle are one product; each is a variant or an extra image."),
)

WOOCOMMERCE = ImportProfile(
    name="woocommerce",
    label=_("WooCommerce product CSV"),
    signature=("ID", "Type", "SKU", "Name"),
    columns={
        "Type": "row_type",
        "SKU": "sku",
        "Name": "title",
        "Description": "description",
        "Regular price": "price",
        "Categories": "category",
        "Brands": "brand",
        "Images": "image_urls",
        "Parent": "parent",
        "Stock": "variant_stock",
        "Weight (kg)": "variant_weight",
        "Weight (lbs)": "variant_weight",
        "GTIN, UPC, EAN, or ISBN": "variant_barcode",
        **{f"Attribute {n} name": f"option{n}_name" for n in (1, 2, 3)},
        **{f"Attribute {n} value(s)": f"option{n}_value" for n in (1, 2, 3)},
    },
    help_text=_("Variation rows join the variable product named in their Parent column."),
)

TAOBAO = ImportProfile(
    name="taobao",
    label=_("Taobao / Tmall item export (淘宝助理)"),
    signature=("宝贝名称", "宝贝描述"),
    columns={
        "宝贝名称": "title",
        "宝贝价格": "price",
        "商家编码": "sku",
        "宝贝描述": "description",
        "销售属性组合": "sale_combinations",
        "销售属性别名": "sale_aliases",
        "品牌": "brand",
    },
    help_text=_("One row per item; its SKUs come from 销售属性组合 and their names from 销售属性别名."),
)

PROFILES = (SHOPIFY, WOOCOMMERCE, TAOBAO)
