"""Reviews API: reviews (list, create, read, delete, export), classification, insights, custom aspects."""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.mixins import StoreScopedMixin
from apps.core.openapi import AutoSchema
from apps.jobs.api.serializers import JobOutputSerializer
from apps.reviews import exporting, insights, selectors
from apps.reviews.models import CustomAspect, Review
from apps.reviews.services import aspects as aspect_services
from apps.reviews.services import classification
from apps.reviews.services import reviews as review_services

from . import serializers as s

# Query filters as the list, insights and export read them; an empty value means "not given" (as DRF reads
# query strings), so each is documented with allowEmptyValue.
FILTER_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Reviews from this day on."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Reviews up to this day."),
    OpenApiParameter("sku", str),
    OpenApiParameter("language", str, enum=["en", "zh"]),
    OpenApiParameter("sentiment", str, enum=["negative", "neutral", "positive"]),
    OpenApiParameter("aspect", str),
    OpenApiParameter("mismatch", bool, description="Only reviews whose stars and text disagree."),
    OpenApiParameter("search", str, description="Words in the title or text."),
]


FILTER_NAMES = {parameter.name for parameter in FILTER_PARAMETERS} | {"bucket"}


class FilteredSchema(AutoSchema):
    """Documents that an empty query value means "not given", as DRF reads query strings."""

    def _get_parameters(self) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super()._get_parameters()
        for parameter in parameters:
            if parameter.get("in") == "query" and parameter["name"] in FILTER_NAMES:
                parameter["allowEmptyValue"] = True
        return parameters


def _filters(request: Request) -> selectors.ReviewFilters:
    data = s.ReviewFilterSerializer(data=request.query_params)
    data.is_valid(raise_exception=True)
    return data.filters()


class ReviewListCreateApi(StoreScopedMixin, generics.ListAPIView):
    schema = FilteredSchema()
    queryset = Review.objects.none()
    serializer_class = s.ReviewOutputSerializer
    api_error_statuses: ClassVar = {"POST": (409,)}

    def get_queryset(self) -> Any:
        return selectors.review_list(store=self.store, filters=_filters(self.request)).prefetch_related(
            "aspects", selectors.approved_replies_prefetch()
        )

    @extend_schema(parameters=FILTER_PARAMETERS, summary="Reviews, filtered")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.ReviewCreateSerializer,
        responses={201: s.ReviewOutputSerializer},
        summary="Create a review (classified automatically)",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.ReviewCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = review_services.review_create(store=self.store, actor=self.actor, **data.validated_data)
        return Response(s.ReviewOutputSerializer(review).data, status=status.HTTP_201_CREATED)


class ReviewDetailApi(StoreScopedMixin, APIView):
    @extend_schema(responses=s.ReviewOutputSerializer, summary="A review with its sentiment and aspects")
    def get(self, request: Request, store_id: int, review_id: int) -> Response:
        return Response(
            s.ReviewOutputSerializer(selectors.review_get(store=self.store, review_id=review_id)).data
        )

    @extend_schema(responses={204: None}, summary="Delete a review")
    def delete(self, request: Request, store_id: int, review_id: int) -> Response:
        review = selectors.review_get(store=self.store, review_id=review_id)
        review_services.review_delete(review=review, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReviewClassifyApi(StoreScopedMixin, APIView):
    @extend_schema(
        request=s.ClassifyInputSerializer,
        responses={202: JobOutputSerializer},
        summary="Classify (again) the reviews matching the filters, as a job",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.ClassifyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data.pop("review_ids", None)
        reviews = selectors.review_list(store=self.store, filters=data.filters())
        if ids is not None:
            reviews = reviews.filter(pk__in=ids)
        job = classification.reviews_classify_start(store=self.store, actor=self.actor, reviews=reviews)
        return Response(JobOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class InsightsApi(StoreScopedMixin, APIView):
    schema = FilteredSchema()

    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter(
                "bucket",
                str,
                enum=["day", "week", "month"],
                description="Chart periods; by the date range if empty.",
            ),
        ],
        responses=OpenApiTypes.OBJECT,
        summary="Sentiment over time, by product and aspect, top aspects, mismatches",
    )
    def get(self, request: Request, store_id: int) -> Response:
        reviews = selectors.review_list(store=self.store, filters=_filters(request))
        bucket = request.query_params.get("bucket", "")
        if bucket not in ("", "day", "week", "month"):
            raise ValidationError({"bucket": ["Choose day, week or month."]})
        data = insights.insights(reviews, bucket=bucket)
        data["mismatches"] = [
            {"id": r.pk, "sku": r.sku, "rating": r.rating, "sentiment": r.sentiment, "text": r.text[:300]}
            for r in data["mismatches"]
        ]
        return Response(data)


class ReviewExportCsvApi(StoreScopedMixin, APIView):
    schema = FilteredSchema()

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        summary="Export reviews with sentiment, aspects and approved replies as CSV",
    )
    def get(self, request: Request, store_id: int) -> StreamingHttpResponse:
        return exporting.reviews_csv(selectors.review_list(store=self.store, filters=_filters(request)))


class CustomAspectListCreateApi(StoreScopedMixin, generics.ListAPIView):
    queryset = CustomAspect.objects.none()
    serializer_class = s.CustomAspectSerializer
    api_error_statuses: ClassVar = {"POST": (409,)}

    def get_queryset(self) -> Any:
        return selectors.custom_aspect_list(store=self.store)

    @extend_schema(
        request=s.CustomAspectSerializer,
        responses={201: s.CustomAspectSerializer},
        summary="Add a custom aspect (a name and example phrases)",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.CustomAspectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        aspect = aspect_services.custom_aspect_create(
            store=self.store, actor=self.actor, **data.validated_data
        )
        return Response(s.CustomAspectSerializer(aspect).data, status=status.HTTP_201_CREATED)


class CustomAspectDetailApi(StoreScopedMixin, APIView):
    api_error_statuses: ClassVar = {"PUT": (409,)}

    @extend_schema(responses=s.CustomAspectSerializer, summary="A custom aspect")
    def get(self, request: Request, store_id: int, aspect_id: int) -> Response:
        aspect = selectors.custom_aspect_get(store=self.store, aspect_id=aspect_id)
        return Response(s.CustomAspectSerializer(aspect).data)

    @extend_schema(
        request=s.CustomAspectSerializer,
        responses=s.CustomAspectSerializer,
        summary="Rename a custom aspect or change its examples",
    )
    def put(self, request: Request, store_id: int, aspect_id: int) -> Response:
        aspect = selectors.custom_aspect_get(store=self.store, aspect_id=aspect_id)
        data = s.CustomAspectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        aspect = aspect_services.custom_aspect_update(aspect=aspect, actor=self.actor, **data.validated_data)
        return Response(s.CustomAspectSerializer(aspect).data)

    @extend_schema(responses={204: None}, summary="Delete a custom aspect")
    def delete(self, request: Request, store_id: int, aspect_id: int) -> Response:
        aspect = selectors.custom_aspect_get(store=self.store, aspect_id=aspect_id)
        aspect_services.custom_aspect_delete(aspect=aspect, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
