"""Marketing API: settings, campaigns, copy requests, variants (edit, review, results), A/B tests, export."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.mixins import StoreScopedMixin
from apps.core.spreadsheets import csv_response

from .. import exporting, selectors
from ..models import ABTest, Campaign, Variant
from ..services import campaigns, generation, variants
from . import serializers as s


def _settings_data(store: Any) -> dict[str, Any]:
    rules = selectors.marketing_settings_get(store=store)
    return s.MarketingSettingsSerializer(rules).data


class SettingsApi(StoreScopedMixin, APIView):
    write_role = "owner"

    @extend_schema(responses=s.MarketingSettingsSerializer, summary="The store's marketing rules")
    def get(self, request: Request, store_id: int) -> Response:
        return Response(_settings_data(self.store))

    @extend_schema(
        request=s.MarketingSettingsSerializer,
        responses=s.MarketingSettingsSerializer,
        summary="Change banned words, SMS opt-out text and sender",
    )
    def patch(self, request: Request, store_id: int) -> Response:
        data = s.MarketingSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        campaigns.marketing_settings_update(store=self.store, actor=self.actor, **data.validated_data)
        return Response(_settings_data(self.store))


class CampaignListCreateApi(StoreScopedMixin, generics.ListAPIView):
    queryset = Campaign.objects.none()
    serializer_class = s.CampaignOutputSerializer

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaign_list(store=self.store)

    @extend_schema(
        request=s.CampaignInputSerializer,
        responses={201: s.CampaignOutputSerializer},
        summary="Create a campaign",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.CampaignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = campaigns.campaign_create(store=self.store, actor=self.actor, **data.validated_data)
        return Response(s.CampaignOutputSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailApi(StoreScopedMixin, APIView):
    def _campaign(self, campaign_id: int) -> Campaign:
        return selectors.campaign_get(store=self.store, campaign_id=campaign_id)

    @extend_schema(responses=s.CampaignOutputSerializer, summary="A campaign")
    def get(self, request: Request, store_id: int, campaign_id: int) -> Response:
        return Response(s.CampaignOutputSerializer(self._campaign(campaign_id)).data)

    @extend_schema(
        request=s.CampaignInputSerializer,
        responses=s.CampaignOutputSerializer,
        summary="Rename a campaign or change its notes",
    )
    def patch(self, request: Request, store_id: int, campaign_id: int) -> Response:
        data = s.CampaignInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        campaign = campaigns.campaign_update(
            campaign=self._campaign(campaign_id), actor=self.actor, **data.validated_data
        )
        return Response(s.CampaignOutputSerializer(campaign).data)

    @extend_schema(responses={204: None}, summary="Delete a campaign with its requests, variants and tests")
    def delete(self, request: Request, store_id: int, campaign_id: int) -> Response:
        campaigns.campaign_delete(campaign=self._campaign(campaign_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CopyRequestListCreateApi(StoreScopedMixin, generics.ListAPIView):
    queryset = Campaign.objects.none()
    serializer_class = s.CopyRequestOutputSerializer
    api_error_statuses: ClassVar = {"POST": (502, 503)}

    def get_queryset(self) -> QuerySet[Any]:
        campaign = selectors.campaign_get(store=self.store, campaign_id=self.kwargs["campaign_id"])
        return selectors.copy_request_list(store=self.store, campaign=campaign).prefetch_related(
            "products", "variants__request"
        )

    @extend_schema(
        request=s.CopyRequestInputSerializer,
        responses={201: s.CopyRequestOutputSerializer, 202: s.CopyRequestOutputSerializer},
        summary="Ask for copy: variants written in one batch, checked, repaired (201); bulk (202) is a job",
    )
    def post(self, request: Request, store_id: int, campaign_id: int) -> Response:
        campaign = selectors.campaign_get(store=self.store, campaign_id=campaign_id)
        data = s.CopyRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        copy_request = generation.copy_request_create(campaign=campaign, actor=self.actor, **data.options())
        code = status.HTTP_202_ACCEPTED if copy_request.per_product else status.HTTP_201_CREATED
        return Response(s.CopyRequestOutputSerializer(copy_request).data, status=code)


class CopyRequestDetailApi(StoreScopedMixin, APIView):
    @extend_schema(responses=s.CopyRequestOutputSerializer, summary="A copy request with its variants")
    def get(self, request: Request, store_id: int, request_id: int) -> Response:
        copy_request = selectors.copy_request_get(store=self.store, request_id=request_id)
        return Response(s.CopyRequestOutputSerializer(copy_request).data)


class VariantDetailApi(StoreScopedMixin, APIView):
    def _variant(self, variant_id: int) -> Variant:
        return selectors.variant_get(store=self.store, variant_id=variant_id)

    @extend_schema(responses=s.CopyVariantOutputSerializer, summary="A variant with its count and violations")
    def get(self, request: Request, store_id: int, variant_id: int) -> Response:
        return Response(s.CopyVariantOutputSerializer(self._variant(variant_id)).data)

    @extend_schema(
        request=s.CopyVariantEditSerializer,
        responses=s.CopyVariantOutputSerializer,
        summary="Edit a variant's text (checked again)",
    )
    def patch(self, request: Request, store_id: int, variant_id: int) -> Response:
        data = s.CopyVariantEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        variant = self._variant(variant_id)
        if "text" in data.validated_data:
            variant = variants.variant_edit(
                variant=variant, actor=self.actor, text=data.validated_data["text"]
            )
        return Response(s.CopyVariantOutputSerializer(variant).data)


class VariantReviewApi(StoreScopedMixin, APIView):
    api_error_statuses: ClassVar = {"POST": (409,)}

    @extend_schema(
        request=s.CopyVariantReviewSerializer,
        responses=s.CopyVariantOutputSerializer,
        summary="Approve, reject or reopen a variant",
    )
    def post(self, request: Request, store_id: int, variant_id: int) -> Response:
        variant = selectors.variant_get(store=self.store, variant_id=variant_id)  # 404 before the body
        data = s.CopyVariantReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        variant = variants.variant_review(
            variant=variant, actor=self.actor, action=data.validated_data["action"]
        )
        return Response(s.CopyVariantOutputSerializer(variant).data)


class VariantResultsApi(StoreScopedMixin, APIView):
    @extend_schema(
        request=s.VariantResultsSerializer,
        responses=s.CopyVariantOutputSerializer,
        summary="Record impressions, clicks and conversions",
    )
    def post(self, request: Request, store_id: int, variant_id: int) -> Response:
        variant = selectors.variant_get(store=self.store, variant_id=variant_id)  # 404 before the body
        data = s.VariantResultsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        variant = variants.variant_results_record(variant=variant, actor=self.actor, **data.validated_data)
        return Response(s.CopyVariantOutputSerializer(variant).data)


def _ab_data(test: ABTest) -> dict[str, Any]:
    summary = variants.ab_test_summary(test=test)
    return s.ABTestOutputSerializer(
        {
            "id": test.pk,
            "name": test.name,
            "metric": test.metric,
            "variant_a": test.variant_a,
            "variant_b": test.variant_b,
            "summary": summary.to_dict(),
        }
    ).data


class ABTestListCreateApi(StoreScopedMixin, APIView):
    @extend_schema(
        responses=s.ABTestOutputSerializer(many=True), summary="The campaign's A/B tests with their verdicts"
    )
    def get(self, request: Request, store_id: int, campaign_id: int) -> Response:
        campaign = selectors.campaign_get(store=self.store, campaign_id=campaign_id)
        return Response(
            [_ab_data(test) for test in selectors.ab_test_list(store=self.store, campaign=campaign)]
        )

    @extend_schema(
        request=s.ABTestInputSerializer,
        responses={201: s.ABTestOutputSerializer},
        summary="Pair two variants as an A/B test",
    )
    def post(self, request: Request, store_id: int, campaign_id: int) -> Response:
        campaign = selectors.campaign_get(store=self.store, campaign_id=campaign_id)
        data = s.ABTestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        test = variants.ab_test_create(
            campaign=campaign,
            actor=self.actor,
            name=values.get("name", ""),
            metric=values["metric"],
            variant_a=selectors.variant_get(store=self.store, variant_id=values["variant_a"]),
            variant_b=selectors.variant_get(store=self.store, variant_id=values["variant_b"]),
        )
        return Response(_ab_data(test), status=status.HTTP_201_CREATED)


class ABTestDetailApi(StoreScopedMixin, APIView):
    @extend_schema(
        responses=s.ABTestOutputSerializer, summary="An A/B test: rates, z-test, p-value and winner"
    )
    def get(self, request: Request, store_id: int, ab_test_id: int) -> Response:
        return Response(_ab_data(selectors.ab_test_get(store=self.store, ab_test_id=ab_test_id)))


class CampaignExportCsvApi(StoreScopedMixin, APIView):
    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        summary="The campaign's approved variants as CSV (?status=all for every one)",
    )
    def get(self, request: Request, store_id: int, campaign_id: int) -> StreamingHttpResponse:
        campaign = selectors.campaign_get(store=self.store, campaign_id=campaign_id)
        wanted = request.query_params.get("status", Variant.Status.APPROVED)
        wanted = "" if wanted == "all" else wanted
        if wanted not in ("", *Variant.Status.values):
            wanted = Variant.Status.APPROVED
        return csv_response(
            exporting.campaign_csv(campaign=campaign, status=wanted), f"campaign-{campaign.pk}.csv"
        )
