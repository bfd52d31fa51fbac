# ruff: noqa: E501  (data rows, one product per line, read best unwrapped)
"""Writes the platform test files of this folder (run it to regenerate them; the files are committed).

Each file follows its platform's documented export columns, with the quirks real exports have:
Shopify's rows per variant and per image under one Handle and "Default Title" for a product without
options; WooCommerce's parent / variation rows and its UTF-8 BOM; 淘宝助理's GBK, tab separators and
the two lines above the header. Every file has HTML bodies, multi-line cells and a few broken rows.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

HERE = Path(__file__).parent

SHOPIFY_HEADER = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value",
    "Variant SKU", "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty",
    "Variant Inventory Policy", "Variant Fulfillment Service", "Variant Price", "Variant Compare At Price",
    "Variant Requires Shipping", "Variant Taxable", "Variant Barcode", "Image Src", "Image Position",
    "Image Alt Text", "Gift Card", "SEO Title", "SEO Description", "Variant Image", "Variant Weight Unit",
    "Material (product.metafields.custom.material)", "Status",
]  # fmt: skip

SOCK_BODY = (
    "<p>Merino wool hiking socks with a cushioned sole.</p>\n"
    "<ul>\n  <li>Reinforced heel and toe</li>\n  <li>Flat toe seam</li>\n</ul>\n"
    '<script>alert("x")</script><p onclick="steal()">Machine washable at 30 °C.</p>'
)


def shopify_rows() -> list[dict[str, str]]:
    variant = {"Variant Inventory Tracker": "shopify", "Variant Inventory Policy": "deny",
               "Variant Fulfillment Service": "manual", "Variant Requires Shipping": "TRUE",
               "Variant Taxable": "TRUE", "Variant Weight Unit": "g"}  # fmt: skip
    rows: list[dict[str, str]] = [
        {"Handle": "merino-hiking-socks", "Title": "Merino Hiking Socks", "Body (HTML)": SOCK_BODY,
         "Vendor": "Trailknit", "Product Category": "Apparel & Accessories > Clothing > Underwear & Socks > Socks",
         "Type": "Socks", "Tags": "hiking, merino, winter-sale", "Published": "TRUE", "Option1 Name": "Size",
         "Option1 Value": "S", "Variant SKU": "TK-MERINO-HIKING-SOCK-CHARCOAL-SMALL-EU-35-38-2024-EDITION-RECYCLED",
         "Variant Grams": "85", "Variant Inventory Qty": "12", "Variant Price": "18.00",
         "Variant Compare At Price": "22.00", "Variant Barcode": "4006381333931",
         "Image Src": "https://cdn.example.com/socks-1.jpg", "Image Position": "1",
         "Image Alt Text": "Charcoal socks", "Gift Card": "FALSE", "SEO Title": "Merino hiking socks | Trailknit",
         "SEO Description": "Warm merino socks for long hikes.", "Status": "active",
         "Material (product.metafields.custom.material)": "merino wool", **variant},
        {"Handle": "merino-hiking-socks", "Option1 Value": "M", "Variant SKU": "TK-MHS-M", "Variant Grams": "90",
         "Variant Inventory Qty": "30", "Variant Price": "18.00", "Variant Compare At Price": "22.00",
         "Variant Barcode": "4006381333948", "Image Src": "https://cdn.example.com/socks-2.jpg",
         "Image Position": "2", **variant},
        {"Handle": "merino-hiking-socks", "Option1 Value": "L", "Variant SKU": "TK-MHS-L", "Variant Grams": "95",
         "Variant Inventory Qty": "0", "Variant Price": "19.50", "Variant Barcode": "4006381333955", **variant},
        {"Handle": "merino-hiking-socks", "Image Src": "https://cdn.example.com/socks-3.jpg",
         "Image Position": "3", "Image Alt Text": "Sole detail"},
        {"Handle": "canvas-tote", "Title": "Canvas Tote Bag",
         "Body (HTML)": "<p>Heavy cotton canvas tote,\nlong handles.</p>", "Vendor": "Trailknit",
         "Product Category": "Apparel & Accessories > Handbags, Wallets & Cases > Handbags",
         "Type": "Bags", "Published": "TRUE", "Option1 Name": "Title", "Option1 Value": "Default Title",
         "Variant SKU": "TK-TOTE", "Variant Grams": "300", "Variant Inventory Qty": "8", "Variant Price": "25.00",
         "Image Src": "https://cdn.example.com/tote.jpg", "Image Position": "1", "Status": "active", **variant},
        {"Handle": "trail-tee", "Title": "Trail Tee", "Vendor": "Trailknit",
         "Product Category": "Apparel & Accessories > Clothing > Shirts & Tops", "Type": "T-shirts",
         "Published": "FALSE", "Option1 Name": "Size", "Option1 Value": "M", "Option2 Name": "Color",
         "Option2 Value": "Forest green", "Variant SKU": "TT-M-GRN", "Variant Grams": "160",
         "Variant Inventory Qty": "5", "Variant Price": "29.00", "Status": "draft", **variant},
        {"Handle": "trail-tee", "Option1 Value": "L", "Option2 Value": "Forest green", "Variant SKU": "TT-L-GRN",
         "Variant Grams": "170", "Variant Inventory Qty": "4", "Variant Price": "29.00", **variant},
        # Broken: a price that is not one; a variant row whose product is not in the file.
        {"Handle": "trail-tee", "Option1 Value": "XL", "Option2 Value": "Forest green",
         "Variant SKU": "TT-XL-GRN", "Variant Price": "twenty-nine", **variant},
        {"Handle": "lost-variant", "Option1 Value": "M", "Variant SKU": "LOST-M", "Variant Price": "5.00", **variant},
    ]  # fmt: skip
    return [{header: row.get(header, "") for header in SHOPIFY_HEADER} for row in rows]


def write_shopify() -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SHOPIFY_HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(shopify_rows())
    (HERE / "shopify_products.csv").write_text(buffer.getvalue(), encoding="utf-8")


WOO_HEADER = [
    "ID", "Type", "SKU", "Name", "Published", "Is featured?", "Visibility in catalog", "Short description",
    "Description", "Tax status", "In stock?", "Stock", "Weight (kg)", "Sale price", "Regular price",
    "Categories", "Tags", "Images", "Parent", "Position", "Brands",
    "Attribute 1 name", "Attribute 1 value(s)", "Attribute 1 visible", "Attribute 1 global",
    "Attribute 2 name", "Attribute 2 value(s)", "Attribute 2 visible", "Attribute 2 global",
]  # fmt: skip


def woo_rows() -> list[list[str]]:
    return [
        ["101", "variable", "HOODIE-ALPINE", "Alpine Fleece Hoodie", "1", "0", "visible",
         "Warm fleece hoodie.", "<h3>Alpine fleece</h3>\n<p>Brushed fleece, kangaroo pocket &amp; drawcord hood.</p>",
         "taxable", "1", "", "", "", "", "Clothing > Hoodies", "fleece, winter",
         "https://shop.example.com/hoodie.jpg", "", "0", "Northpeak",
         "Size", "S, M, L", "1", "1", "Material", "Recycled polyester", "1", "0"],
        ["102", "variation", "HOODIE-ALPINE-S", "Alpine Fleece Hoodie - S", "1", "0", "visible", "", "",
         "taxable", "1", "7", "0.55", "", "59", "", "", "", "id:101", "1", "",
         "Size", "S", "", "1", "", "", "", ""],
        ["103", "variation", "HOODIE-ALPINE-M", "Alpine Fleece Hoodie - M", "1", "0", "visible", "", "",
         "taxable", "1", "11", "0.6", "49", "59", "", "", "https://shop.example.com/hoodie-m.jpg", "id:101", "2", "",
         "Size", "M", "", "1", "", "", "", ""],
        ["104", "variation", "HOODIE-ALPINE-L", "Alpine Fleece Hoodie - L", "1", "0", "visible", "", "",
         "taxable", "1", "3", "0.65", "", "59", "", "", "", "HOODIE-ALPINE", "3", "",
         "Size", "L", "", "1", "", "", "", ""],
        ["110", "simple", "MUG-ENAMEL", "Enamel Camp Mug", "1", "0", "visible", "",
         "<p>Enamel steel mug.\nHolds 350 ml.</p>", "taxable", "1", "40", "0.2", "", "12.5",
         "Outdoor > Cookware", "", "https://shop.example.com/mug.jpg", "", "0", "Northpeak",
         "Material", "Enamelled steel", "1", "0", "Capacity", "350 ml", "1", "0"],
        # Broken: a variation whose parent is not in the file; a stock that is not a number.
        ["120", "variation", "GHOST-S", "Ghost - S", "1", "0", "visible", "", "", "taxable", "1", "2", "", "",
         "10", "", "", "", "id:999", "1", "", "Size", "S", "", "1", "", "", "", ""],
        ["105", "variation", "HOODIE-ALPINE-XL", "Alpine Fleece Hoodie - XL", "1", "0", "visible", "", "",
         "taxable", "1", "lots", "", "", "59", "", "", "", "id:101", "4", "", "Size", "XL", "", "1", "", "", "", ""],
    ]  # fmt: skip


def write_woocommerce() -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(WOO_HEADER)
    for row in woo_rows():
        assert len(row) == len(WOO_HEADER), row[:3]
        writer.writerow(row)
    (HERE / "woocommerce_products.csv").write_text(buffer.getvalue(), encoding="utf-8-sig")


TAOBAO_NAMES = [
    ("title", "宝贝名称"), ("cid", "宝贝类目"), ("seller_cids", "店铺类目"), ("stuff_status", "新旧程度"),
    ("location_state", "省"), ("location_city", "城市"), ("price", "宝贝价格"), ("num", "宝贝数量"),
    ("approve_status", "放入仓库"), ("description", "宝贝描述"), ("cateProps", "宝贝属性"),
    ("picture", "新图片"), ("skuProps", "销售属性组合"), ("outer_id", "商家编码"), ("propAlias", "销售属性别名"),
    ("num_id", "数字ID"), ("input_custom_cpv", "自定义属性值"), ("subtitle", "宝贝卖点"), ("barcode", "商品条形码"),
]  # fmt: skip


def taobao_rows() -> list[list[str]]:
    sock_description = (
        "<P><STRONG>精梳棉中筒袜</STRONG></P>\r\n<P>透气吸汗，四季可穿。</P>"
        '<P><IMG src="https://img.alicdn.com/imgextra/i1/socks.jpg"></P>'
    )
    return [
        ["纯棉中筒袜 男女同款 吸汗透气", "50006846", ",1234567,", "1", "浙江", "义乌", "19.90", "300", "0",
         sock_description, "20000:3275069;1627207:28320;", "a1b2c3d4:1:0:|;",
         "19.90:100:SOCK-BLK-M:1627207:28320;20509:28315;19.90:120:SOCK-BLK-L:1627207:28320;20509:28317;"
         "21.90:80:SOCK-WHT-M:1627207:28341;20509:28315;",
         "SOCK-001", "1627207:28320:经典黑;20509:28315:M码;20509:28317:L码;", "612345678901", "1627207:28341:象牙白;",
         "三双装更划算", "6901234567892"],
        ["陶瓷马克杯 350ml 办公室水杯", "50002711", "", "1", "广东", "潮州", "39.00", "50", "0",
         "<P>高温烧制陶瓷，容量350ml。</P>\r\n<P>可用洗碗机清洗。</P>", "", "", "", "", "", "612345678902", "",
         "", ""],
        # Broken: a 销售属性组合 that is not in its shape.
        ["真丝围巾 桑蚕丝", "50010404", "", "1", "江苏", "苏州", "129.00", "20", "0", "<P>桑蚕丝。</P>", "",
         "", "价格待定;颜色多种", "SCARF-01", "", "612345678903", "", "", ""],
    ]  # fmt: skip


def write_taobao() -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\r\n")
    buffer.write("version 1.00\r\n")
    writer.writerow([english for english, _chinese in TAOBAO_NAMES])
    writer.writerow([chinese for _english, chinese in TAOBAO_NAMES])
    for row in taobao_rows():
        assert len(row) == len(TAOBAO_NAMES), row[0]
        writer.writerow(row)
    (HERE / "taobao_items.csv").write_bytes(buffer.getvalue().encode("gbk"))


if __name__ == "__main__":
    write_shopify()
    write_woocommerce()
    write_taobao()
