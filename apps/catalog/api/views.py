from __future__ import annotations

import json
from typing import Any, ClassVar

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.mixins import StoreScopedMixin
from apps.catalog import description_services, exporting, selectors, services
from apps.catalog.models import (
    BrandVoice,
    CatalogImport,
    Description,
    DescriptionVersion,
    ImportRowError,
    Product,
)
from apps.jobs.api.serializers import JobOutputSerializer

from . import serializers as s


class ProductFilter(django_filters.FilterSet):
    price_min = django_filters.NumberFilter(field_name="price", lookup_expr="gte")
    price_max = django_filters.NumberFilter(field_name="price", lookup_expr="lte")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Product
        fields = ["status", "category", "brand", "language", "currency"]


# The largest id (a 64-bit primary key) and version number (a 32-bit column).
MAX_ID = 2**63 - 1
MAX_VERSION_NUMBER = 2**31 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A whole number within the ids' range: an out-of-range one answers 400, not a database overflow."""

    field_class = forms.IntegerField


VERSION_NUMBER_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_VERSION_NUMBER}


class DescriptionFilter(django_filters.FilterSet):
    # A plain number, not a choice of every store's products: another store's product id must answer
    # like an unknown one (an empty list), not reveal that it exists.
    product = IdFilter(field_name="product_id", min_value=1, max_value=MAX_ID)

    class Meta:
        model = Description
        fields = ["status", "language", "product"]


SEARCH_PARAMETER = OpenApiParameter("search", str, description="Matches SKU, title, brand or category.")


class ProductListCreateApi(StoreScopedMixin, generics.ListAPIView):
    queryset = Product.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.ProductOutputSerializer
    filterset_class = ProductFilter
    api_error_statuses: ClassVar = {"POST": (409,)}  # a duplicate SKU
    ordering_fields = ["sku", "title", "price", "updated_at", "created_at"]

    def get_queryset(self) -> QuerySet[Product]:
        return selectors.product_list(
            store=self.store, search=self.request.query_params.get("search", "").strip()
        )

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
        product = services.product_create(store=self.store, actor=self.actor, **data.validated_data)
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
        product = services.product_update(product=product, actor=self.actor, **data.validated_data)
        return Response(s.ProductOutputSerializer(product).data)

    @extend_schema(responses={204: None}, summary="Delete a product")
    def delete(self, request: Request, store_id: int, product_id: int) -> Response:
        services.product_delete(
            product=selectors.product_get(store=self.store, product_id=product_id), actor=self.actor
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class CatalogImportListCreateApi(StoreScopedMixin, generics.ListAPIView):
    queryset = CatalogImport.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.CatalogImportOutputSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[CatalogImport]:
        return selectors.catalog_import_list(store=self.store)

    @extend_schema(
        request={"multipart/form-data": s.CatalogImportCreateInputSerializer},
        responses={201: s.CatalogImportOutputSerializer},
        summary="Upload a CSV or XLSX catalog",
        description="Detects the format, encoding and delimiter, reads a preview and proposes a column "
        "mapping. Nothing is imported until the import is started.",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.CatalogImportCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        catalog_import = services.catalog_import_create(
            store=self.store, upload=data.validated_data["file"], actor=self.actor
        )
        return Response(s.CatalogImportOutputSerializer(catalog_import).data, status=status.HTTP_201_CREATED)


class CatalogImportDetailApi(StoreScopedMixin, APIView):
    def _import(self, import_id: int) -> CatalogImport:
        return selectors.catalog_import_get(store=self.store, import_id=import_id)

    @extend_schema(responses=s.CatalogImportOutputSerializer, summary="An import with its preview and counts")
    def get(self, request: Request, store_id: int, import_id: int) -> Response:
        return Response(s.CatalogImportOutputSerializer(self._import(import_id)).data)

    @extend_schema(
        request=s.CatalogImportUpdateInputSerializer,
        responses=s.CatalogImportOutputSerializer,
        summary="Override the detected encoding, delimiter or column mapping",
    )
    def patch(self, request: Request, store_id: int, import_id: int) -> Response:
        data = s.CatalogImportUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        catalog_import = services.catalog_import_set_options(
            catalog_import=self._import(import_id),
            actor=self.actor,
            encoding=fields.get("encoding"),
            delimiter=fields.get("delimiter"),
            mapping=fields.get("column_mapping"),
        )
        return Response(s.CatalogImportOutputSerializer(catalog_import).data)


class CatalogImportStartApi(StoreScopedMixin, APIView):
    @extend_schema(
        request=s.CatalogImportStartInputSerializer,
        responses={202: s.CatalogImportOutputSerializer},
        summary="Validate every row and import the good ones as a job",
        description="Rows with errors are reported (see errors/) and skipped; the others are upserted by SKU "
        "by a job whose progress is at /jobs/{job}/.",
    )
    def post(self, request: Request, store_id: int, import_id: int) -> Response:
        data = s.CatalogImportStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        catalog_import = services.catalog_import_start(
            catalog_import=selectors.catalog_import_get(store=self.store, import_id=import_id),
            actor=self.actor,
            mapping=data.validated_data.get("column_mapping"),
        )
        return Response(s.CatalogImportOutputSerializer(catalog_import).data, status=status.HTTP_202_ACCEPTED)


class CatalogImportErrorListApi(StoreScopedMixin, generics.ListAPIView):
    """Why each rejected row was not imported: row number (the header is row 1), column and reason."""

    queryset = ImportRowError.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.ImportRowErrorOutputSerializer

    def get_queryset(self) -> QuerySet[ImportRowError]:
        catalog_import = selectors.catalog_import_get(store=self.store, import_id=self.kwargs["import_id"])
        return selectors.import_row_error_list(catalog_import=catalog_import)


class CatalogImportErrorFileApi(StoreScopedMixin, APIView):
    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        summary="The rejected rows as a CSV file, with the reason for each",
    )
    def get(self, request: Request, store_id: int, import_id: int) -> StreamingHttpResponse:
        catalog_import = selectors.catalog_import_get(store=self.store, import_id=import_id)
        return exporting.import_errors_csv(catalog_import)


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
        return exporting.csv_response(exporting.products_csv(_export_products(self, request)), "products.csv")


class ProductExportXlsxApi(StoreScopedMixin, APIView):
    @extend_schema(
        parameters=EXPORT_PARAMETERS,
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY
        },
        summary="Export products and their approved descriptions as XLSX",
    )
    def get(self, request: Request, store_id: int) -> FileResponse:
        handle = exporting.products_xlsx(_export_products(self, request))
        return FileResponse(handle, as_attachment=True, filename="products.xlsx")


# --- descriptions ---------------------------------------------------------------------------------


class BrandVoiceListCreateApi(StoreScopedMixin, generics.ListAPIView):
    queryset = BrandVoice.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.BrandVoiceSerializer
    api_error_statuses: ClassVar = {"POST": (409,)}  # a duplicate name

    def get_queryset(self) -> QuerySet[BrandVoice]:
        return selectors.brand_voice_list(store=self.store)

    @extend_schema(
        request=s.BrandVoiceSerializer,
        responses={201: s.BrandVoiceSerializer},
        summary="Save a brand voice: description, words to use and avoid, example texts",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.BrandVoiceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        voice = description_services.brand_voice_create(
            store=self.store, actor=self.actor, **data.validated_data
        )
        return Response(s.BrandVoiceSerializer(voice).data, status=status.HTTP_201_CREATED)


class BrandVoiceDetailApi(StoreScopedMixin, APIView):
    api_error_statuses: ClassVar = {"PATCH": (409,)}  # a duplicate name

    def _voice(self, brand_voice_id: int) -> BrandVoice:
        return selectors.brand_voice_get(store=self.store, brand_voice_id=brand_voice_id)

    @extend_schema(responses=s.BrandVoiceSerializer, summary="A brand voice")
    def get(self, request: Request, store_id: int, brand_voice_id: int) -> Response:
        return Response(s.BrandVoiceSerializer(self._voice(brand_voice_id)).data)

    @extend_schema(
        request=s.BrandVoiceSerializer, responses=s.BrandVoiceSerializer, summary="Update a brand voice"
    )
    def patch(self, request: Request, store_id: int, brand_voice_id: int) -> Response:
        data = s.BrandVoiceSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        voice = description_services.brand_voice_update(
            voice=self._voice(brand_voice_id), actor=self.actor, **data.validated_data
        )
        return Response(s.BrandVoiceSerializer(voice).data)

    @extend_schema(responses={204: None}, summary="Delete a brand voice")
    def delete(self, request: Request, store_id: int, brand_voice_id: int) -> Response:
        description_services.brand_voice_delete(voice=self._voice(brand_voice_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductDescribeApi(StoreScopedMixin, APIView):
    api_error_statuses: ClassVar = {"POST": (502, 503)}  # the model's answers

    @extend_schema(
        request=s.GenerationOptionsSerializer,
        responses={
            201: s.DescriptionVersionOutputSerializer,
            (200, "application/x-ndjson"): OpenApiTypes.STR,  # with ?stream=true
        },
        summary="Generate a description draft for one product",
        description="Several candidates are generated in one batch and scored against the product's "
        "attributes; the best is kept as a new draft version with its score, flags and the "
        "other candidates. Add ?stream=1 to receive the text as it is written (NDJSON lines: "
        '{"delta"}, then {"version", "score", "flags"} or {"error"}).',
        parameters=[OpenApiParameter("stream", bool, allow_blank=True)],
    )
    def post(self, request: Request, store_id: int, product_id: int) -> Response | StreamingHttpResponse:
        stream = _flag(request, "stream")
        product = selectors.product_get(store=self.store, product_id=product_id)
        data = s.GenerationOptionsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        options = dict(data.validated_data)
        if options.get("brand_voice"):
            # Looked up here: inside the stream a missing voice would break a 200 already under way.
            selectors.brand_voice_get(store=self.store, brand_voice_id=options["brand_voice"])
        if stream:
            events = description_services.description_generate_stream(
                product=product, actor=self.actor, options=options
            )
            response = StreamingHttpResponse(
                (json.dumps(event, ensure_ascii=False) + "\n" for event in events),
                content_type="application/x-ndjson",
            )
            response["X-Accel-Buffering"] = "no"
            response["Cache-Control"] = "no-cache"
            return response
        version = description_services.description_generate(
            product=product, actor=self.actor, options=options
        )
        return Response(s.DescriptionVersionOutputSerializer(version).data, status=status.HTTP_201_CREATED)


class DescriptionBulkGenerateApi(StoreScopedMixin, APIView):
    @extend_schema(
        request=s.BulkGenerateInputSerializer,
        responses={202: JobOutputSerializer},
        summary="Generate drafts for a selection or the whole catalog, as a job",
        description="Products are generated in batches on the inference queue; follow, cancel or retry the "
        "job at /jobs/{id}/.",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.BulkGenerateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        products = selectors.product_list(
            store=self.store,
            filters={"status": fields.pop("status", None), "category": fields.pop("category", None)},
        )
        product_ids = fields.pop("product_ids", None)
        if product_ids is not None:
            products = products.filter(pk__in=product_ids)
        batch_size = fields.pop("batch_size", None) or description_services.DEFAULT_BATCH_SIZE
        only_missing = fields.pop("only_missing", False)
        job = description_services.descriptions_generate_bulk(
            store=self.store,
            actor=self.actor,
            options=fields,  # what is left: the generation options
            products=products,
            batch_size=batch_size,
            only_missing=only_missing,
        )
        return Response(JobOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class DescriptionListApi(StoreScopedMixin, generics.ListAPIView):
    """Descriptions with their current version; ``?status=draft`` is the review queue."""

    queryset = Description.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.DescriptionOutputSerializer
    filterset_class = DescriptionFilter
    ordering_fields = ["updated_at"]

    def get_queryset(self) -> QuerySet[Description]:
        return selectors.description_list(store=self.store)


class DescriptionDetailApi(StoreScopedMixin, APIView):
    @extend_schema(responses=s.DescriptionOutputSerializer, summary="A description")
    def get(self, request: Request, store_id: int, description_id: int) -> Response:
        return Response(
            s.DescriptionOutputSerializer(
                selectors.description_get(store=self.store, description_id=description_id)
            ).data
        )


class DescriptionVersionListApi(StoreScopedMixin, generics.ListAPIView):
    """Every version of a description, newest first: model, prompt version, options, score, reviewer."""

    queryset = DescriptionVersion.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.DescriptionVersionOutputSerializer

    def get_queryset(self) -> QuerySet[DescriptionVersion]:
        description = selectors.description_get(
            store=self.store, description_id=self.kwargs["description_id"]
        )
        return selectors.description_version_list(description=description)


class DescriptionReviewApi(StoreScopedMixin, APIView):
    api_error_statuses: ClassVar = {"POST": (409,)}  # a version reviewed already

    @extend_schema(
        request=s.ReviewInputSerializer,
        responses=s.DescriptionVersionOutputSerializer,
        summary="Approve, reject or publish a version",
        description="approve / reject act on a draft (the current version unless `version` is given); "
        "a `text` "
        "that differs is kept as a new, edited version (approved, or a new draft on reject). "
        "publish acts on an approved version.",
    )
    def post(self, request: Request, store_id: int, description_id: int) -> Response:
        data = s.ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        version = description_services.description_review(
            description=selectors.description_get(store=self.store, description_id=description_id),
            actor=self.actor,
            action=fields["action"],
            text=fields.get("text"),
            note=fields.get("note", ""),
            version_number=fields.get("version"),
        )
        return Response(s.DescriptionVersionOutputSerializer(version).data)


class DescriptionDiffApi(StoreScopedMixin, APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", VERSION_NUMBER_SCHEMA, required=True, description="A version number."),
            OpenApiParameter("to", VERSION_NUMBER_SCHEMA, required=True, description="A version number."),
        ],
        responses=s.DiffSegmentSerializer(many=True),
        summary="Differences between two versions",
    )
    def get(self, request: Request, store_id: int, description_id: int) -> Response:
        numbers = {name: _version_number(request, name) for name in ("from", "to")}
        description = selectors.description_get(store=self.store, description_id=description_id)
        old = selectors.description_version_get(description=description, number=numbers["from"])
        new = selectors.description_version_get(description=description, number=numbers["to"])
        return Response(description_services.description_diff(old=old, new=new))


def _flag(request: Request, name: str) -> bool:
    """A true/false query parameter; anything else (``?stream=maybe``) is a 400 naming it."""
    raw = request.query_params.get(name, "")
    try:
        return bool(serializers.BooleanField().run_validation(raw)) if raw else False
    except serializers.ValidationError as error:
        raise serializers.ValidationError({name: error.detail}) from None


def _version_number(request: Request, name: str) -> int:
    """A version number from the query string; anything else is a 400 naming the parameter."""
    field = serializers.IntegerField(min_value=1, max_value=MAX_VERSION_NUMBER)
    try:
        return int(field.run_validation(request.query_params.get(name)))
    except serializers.ValidationError as error:
        raise serializers.ValidationError({name: error.detail}) from None
