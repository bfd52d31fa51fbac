"""The support module's import target: rows of an orders file become orders, upserted by number."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from apps.accounts.models import Store
from apps.imports.targets import ImportField, ImportTarget, WriteCounts, register_import_target

from .ordering import OrderRowValidator
from .services.orders import orders_upsert

ORDER_IMPORT_FIELDS = (
    ImportField(
        "number",
        _("Order number"),
        required=True,
        synonyms=("number", "order", "ordernumber", "orderno", "orderid", "订单号", "订单编号", "订单"),
    ),
    ImportField(
        "customer_name", _("Customer name"), synonyms=("name", "customer", "customername", "收货人", "客户")
    ),
    ImportField(
        "customer_email",
        _("Customer e-mail"),
        synonyms=("email", "e-mail", "customeremail", "mail", "邮箱", "电子邮件"),
    ),
    ImportField(
        "customer_phone",
        _("Customer phone"),
        synonyms=("phone", "mobile", "telephone", "customerphone", "手机", "电话", "手机号"),
    ),
    ImportField("status", _("Status"), synonyms=("status", "orderstatus", "状态", "订单状态")),
    ImportField("currency", _("Currency"), synonyms=("currency", "币种")),
    ImportField(
        "total_amount", _("Total"), synonyms=("total", "amount", "totalamount", "金额", "总额", "实付")
    ),
    ImportField("shipping_amount", _("Shipping"), synonyms=("shipping", "shippingamount", "运费")),
    ImportField("carrier", _("Carrier"), synonyms=("carrier", "courier", "快递", "快递公司", "物流公司")),
    ImportField(
        "tracking_number",
        _("Tracking number"),
        synonyms=("tracking", "trackingnumber", "trackingno", "运单号", "快递单号", "物流单号"),
    ),
    ImportField("placed_at", _("Placed"), synonyms=("placed", "placedat", "orderdate", "date", "下单时间")),
    ImportField("shipped_at", _("Shipped"), synonyms=("shipped", "shippedat", "shipdate", "发货时间")),
    ImportField("delivered_at", _("Delivered"), synonyms=("delivered", "deliveredat", "签收时间")),
    ImportField("items", _("Items"), synonyms=("items", "products", "lineitems", "商品", "商品明细")),
)


@register_import_target
class OrderImport(ImportTarget):
    name = "support.orders"
    label = _("Orders")
    audit_prefix = "support"
    fields = ORDER_IMPORT_FIELDS
    key_field = "number"
    key_label = "order number"
    dashboard_namespace = "support"
    list_template = "support/import_list.html"
    detail_template = "support/import_detail.html"

    def row_validator(
        self, *, store: Store, headers: list[str], mapping: dict[str, str]
    ) -> OrderRowValidator:
        return OrderRowValidator(headers=headers, mapping=mapping, default_currency=store.currency)

    def write_rows(self, *, store: Store, rows: list[dict[str, Any]], fields: Sequence[str]) -> WriteCounts:
        created, updated = orders_upsert(store=store, rows=rows, fields=fields)
        return WriteCounts(created=created, updated=updated)
