"""Products API: list, search, create, update, delete, and exports."""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.mixins import StoreScopedMixin
from apps.catalog import exporting, selectors
from apps.catalog.models import Product
from apps.catalog.platforms import exports as platform_exports
from apps.catalog.services import products as product_services
from apps.core.errors import NotFound
from apps.core.spreadsheets import XLSX_CONTENT_TYPE

from . import serializers as s


class ProductFilter(django_filters.FilterSet):
    price_min = django_filters.NumberFilter(field_name="price", lookup_expr="gte")
    price_max = django_filters.NumberFilter(field_name="price", lookup_expr="lte")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Product
        fields = ["status", "category", "brand", "language", "currency"]


SEARCH_PARAMETER = OpenApiParameter(
    "search", str, description="Matches SKU (a variant's SKU too), title, brand or category."
)


class ProductListCreateApi(StoreScopedMixin, generics.ListAPIView):
    queryset = Product.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.ProductOutputSerializer
    filterset_class = ProductFilter
    api_error_statuses: ClassVar = {"POST": (409,)}  # a duplicate SKU
    ordering_fields = ["sku", "title", "price", "updated_at", "created_at"]

    def get_queryset(self) -> QuerySet[Product]:
        return selectors.product_list(
            store=self.store, search=self.request.query_params.get("search", "").strip()
        ).prefetch_related("variants")

    @extend_schema(parameters=[SEARCH_PARAMETER], summary="Products, filtered and searched")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.ProductInputSerializer,
        responses={201: s.ProductOutputSerializer},
        summary="Create a product",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.ProductInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = product_services.product_create(store=self.store, actor=self.actor, **data.validated_data)
        return Response(s.ProductOutputSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailApi(StoreScopedMixin, APIView):
    api_error_statuses: ClassVar = {"PATCH": (409,)}  # a duplicate SKU

    @extend_schema(responses=s.ProductOutputSerializer, summary="A product")
    def get(self, request: Request, store_id: int, product_id: int) -> Response:
        return Response(
            s.ProductOutputSerializer(selectors.product_get(store=self.store, product_id=product_id)).data
        )

    @extend_schema(
        request=s.ProductInputSerializer, responses=s.ProductOutputSerializer, summary="Update a product"
    )
    def patch(self, request: Request, store_id: int, product_id: int) -> Response:
        product = selectors.product_get(store=self.store, product_id=product_id)
        data = s.ProductInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        product = product_services.product_update(product=product, actor=self.actor, **data.validated_data)
        return Response(s.ProductOutputSerializer(product).data)

    @extend_schema(responses={204: None}, summary="Delete a product")
    def delete(self, request: Request, store_id: int, product_id: int) -> Response:
        product_services.product_delete(
            product=selectors.product_get(store=self.store, product_id=product_id), actor=self.actor
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


EXPORT_PARAMETERS = [
    SEARCH_PARAMETER,
    OpenApiParameter("status", str),
    OpenApiParameter("category", str),
    OpenApiParameter("language", str),
]


def _export_products(view: StoreScopedMixin, request: Request) -> QuerySet[Product]:
    params = request.query_params
    return selectors.product_list(
        store=view.store,
        search=params.get("search", "").strip(),
        filters={
            "status": params.get("status"),
            "category": params.get("category"),
            "language": params.get("language"),
        },
    )


class ProductExportCsvApi(StoreScopedMixin, APIView):
    @extend_schema(
        parameters=EXPORT_PARAMETERS,
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        summary="Export products and their approved descriptions as CSV",
    )
    def get(self, request: Request, store_id: int) -> StreamingHttpResponse:
        return exporting.products_csv(_export_products(self, request))


class ProductExportXlsxApi(StoreScopedMixin, APIView):
    @extend_schema(
        parameters=EXPORT_PARAMETERS,
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
        summary="Export products and their approved descriptions as XLSX",
    )
    def get(self, request: Request, store_id: int) -> FileResponse:
        handle = exporting.products_xlsx(_export_products(self, request))
        return FileResponse(handle, as_attachment=True, filename="products.xlsx")


class ProductPublishedTextApi(StoreScopedMixin, APIView):
    @extend_schema(
        request=s.PublishedTextInputSerializer,
        responses=s.ProductOutputSerializer,
        summary="Mark the shop's current description good (a few-shot example) or not",
    )
    def post(self, request: Request, store_id: int, product_id: int) -> Response:
        product = selectors.product_get(store=self.store, product_id=product_id)
        data = s.PublishedTextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        product = product_services.product_mark_published_text(
            product=product, actor=self.actor, good=data.validated_data["good"]
        )
        return Response(s.ProductOutputSerializer(product).data)


class ProductPlatformExportApi(StoreScopedMixin, APIView):
    @extend_schema(
        parameters=EXPORT_PARAMETERS,
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        summary="Approved descriptions in a shop platform's import format (shopify, woocommerce, taobao)",
        description="Shopify: Handle, Title, Body (HTML), SEO Title, SEO Description (UTF-8). WooCommerce: "
        "ID, Type, SKU, Name, Description (UTF-8 with BOM). Taobao: the 淘宝助理 layout (GBK, tabs). "
        "Only products with an approved description are in the file.",
    )
    def get(self, request: Request, store_id: int, platform: str) -> StreamingHttpResponse:
        if platform not in platform_exports.FORMATS:
            raise NotFound(f"No export format {platform!r}.")
        return platform_exports.platform_export_response(_export_products(self, request), platform)
