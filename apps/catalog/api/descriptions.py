"""Descriptions API: drafting (one product, streamed or not, or a selection as a job) and review."""

from __future__ import annotations

from typing import ClassVar

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.mixins import StoreScopedMixin
from apps.catalog import selectors
from apps.catalog.models import Description, DescriptionVersion
from apps.catalog.services import descriptions, drafting, drafting_stream
from apps.core.streaming import ndjson_response, serves_async
from apps.jobs.api.serializers import JobOutputSerializer

from . import serializers as s

# The largest id (a 64-bit primary key) and version number (a 32-bit column).
MAX_ID = 2**63 - 1
MAX_VERSION_NUMBER = 2**31 - 1
VERSION_NUMBER_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_VERSION_NUMBER}


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A whole number within the ids' range: an out-of-range one answers 400, not a database overflow."""

    field_class = forms.IntegerField


class DescriptionFilter(django_filters.FilterSet):
    # A plain number, not a choice of every store's products: another store's product id must answer
    # like an unknown one (an empty list), not reveal that it exists.
    product = IdFilter(field_name="product_id", min_value=1, max_value=MAX_ID)

    class Meta:
        model = Description
        fields = ["status", "language", "product"]


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
        # Built (the brand voice looked up) before answering: inside a stream a missing voice would
        # break a 200 already under way.
        options = data.options(self.store)
        if stream:
            events = (
                drafting_stream.description_generate_stream_async
                if serves_async(request)
                else drafting_stream.description_generate_stream
            )
            return ndjson_response(events(product=product, actor=self.actor, options=options))
        version = drafting.description_generate(product=product, actor=self.actor, options=options)
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
        fields = data.validated_data
        products = selectors.product_list(
            store=self.store, filters={"status": fields.get("status"), "category": fields.get("category")}
        )
        if fields.get("product_ids") is not None:
            products = products.filter(pk__in=fields["product_ids"])
        job = drafting.descriptions_generate_bulk(
            store=self.store,
            actor=self.actor,
            options=data.options(self.store),
            products=products,
            batch_size=fields.get("batch_size") or drafting.DEFAULT_BATCH_SIZE,
            only_missing=fields["only_missing"],
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
        description = selectors.description_get(store=self.store, description_id=description_id)
        return Response(s.DescriptionOutputSerializer(description).data)


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
        "a `text` that differs is kept as a new, edited version (approved, or a new draft on reject). "
        "publish acts on an approved version. Approving a text with invented spans (see the version's "
        "`spans`) answers 409 `invented_unconfirmed` unless `confirm_invented` is true.",
    )
    def post(self, request: Request, store_id: int, description_id: int) -> Response:
        # Looked up before the body is read: another store's id is a 404 whatever is sent.
        description = selectors.description_get(store=self.store, description_id=description_id)
        data = s.ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        version = descriptions.description_review(
            description=description,
            actor=self.actor,
            action=fields["action"],
            text=fields.get("text"),
            note=fields.get("note", ""),
            version_number=fields.get("version"),
            confirm_invented=fields.get("confirm_invented", False),
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
        description = selectors.description_get(store=self.store, description_id=description_id)
        numbers = {name: _version_number(request, name) for name in ("from", "to")}
        old = selectors.description_version_get(description=description, number=numbers["from"])
        new = selectors.description_version_get(description=description, number=numbers["to"])
        return Response(descriptions.description_diff(old=old, new=new))


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
