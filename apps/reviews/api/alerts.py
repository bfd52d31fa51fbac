"""Reviews API: spike alerts and their webhook deliveries, reply drafts, the store's review settings."""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.mixins import StoreScopedMixin
from apps.accounts.models import Role
from apps.reviews import selectors
from apps.reviews.models import ReplyDraft, SpikeAlert, WebhookDelivery
from apps.reviews.services import alerts, replies

from . import serializers as s


class AlertListApi(StoreScopedMixin, generics.ListAPIView):
    queryset = SpikeAlert.objects.none()
    serializer_class = s.SpikeAlertSerializer

    def get_queryset(self) -> Any:
        return selectors.alert_list(store=self.store, status=self.request.query_params.get("status", ""))


class AlertDetectApi(StoreScopedMixin, APIView):
    @extend_schema(
        request=None,
        responses={200: s.SpikeAlertSerializer(many=True)},
        summary="Look for negative spikes now; answers the alerts it raised",
    )
    def post(self, request: Request, store_id: int) -> Response:
        raised = alerts.alerts_detect(store=self.store)
        return Response(s.SpikeAlertSerializer(raised, many=True).data)


class AlertDetailApi(StoreScopedMixin, APIView):
    @extend_schema(responses=s.SpikeAlertSerializer, summary="A spike alert")
    def get(self, request: Request, store_id: int, alert_id: int) -> Response:
        return Response(s.SpikeAlertSerializer(selectors.alert_get(store=self.store, alert_id=alert_id)).data)


class AlertAcknowledgeApi(StoreScopedMixin, APIView):
    @extend_schema(request=None, responses=s.SpikeAlertSerializer, summary="Acknowledge an open alert")
    def post(self, request: Request, store_id: int, alert_id: int) -> Response:
        alert = selectors.alert_get(store=self.store, alert_id=alert_id)
        return Response(s.SpikeAlertSerializer(alerts.alert_acknowledge(alert=alert, actor=self.actor)).data)


class DeliveryListApi(StoreScopedMixin, generics.ListAPIView):
    queryset = WebhookDelivery.objects.none()
    serializer_class = s.WebhookDeliverySerializer

    def get_queryset(self) -> Any:
        return selectors.delivery_list(store=self.store)


class ReplyGenerateApi(StoreScopedMixin, APIView):
    api_error_statuses: ClassVar = {"POST": (502, 503)}

    @extend_schema(
        request=None,
        responses={201: s.ReplyOutputSerializer},
        summary="Draft a reply to a review, in its language",
    )
    def post(self, request: Request, store_id: int, review_id: int) -> Response:
        review = selectors.review_get(store=self.store, review_id=review_id)
        reply = replies.reply_draft_generate(review=review, actor=self.actor)
        return Response(s.ReplyOutputSerializer(reply).data, status=status.HTTP_201_CREATED)


class ReplyListApi(StoreScopedMixin, generics.ListAPIView):
    queryset = ReplyDraft.objects.none()
    serializer_class = s.ReplyOutputSerializer

    def get_queryset(self) -> Any:
        return selectors.reply_list(store=self.store, status=self.request.query_params.get("status", ""))


class ReplyDetailApi(StoreScopedMixin, APIView):
    @extend_schema(responses=s.ReplyOutputSerializer, summary="A reply draft")
    def get(self, request: Request, store_id: int, reply_id: int) -> Response:
        return Response(
            s.ReplyOutputSerializer(selectors.reply_get(store=self.store, reply_id=reply_id)).data
        )

    @extend_schema(
        request=s.ReplyEditSerializer,
        responses=s.ReplyOutputSerializer,
        summary="Edit a reply (checked again; needs approval again)",
    )
    def put(self, request: Request, store_id: int, reply_id: int) -> Response:
        reply = selectors.reply_get(store=self.store, reply_id=reply_id)
        data = s.ReplyEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reply = replies.reply_edit(reply=reply, actor=self.actor, text=data.validated_data["text"])
        return Response(s.ReplyOutputSerializer(reply).data)


class ReplyDecisionApi(StoreScopedMixin, APIView):
    @extend_schema(
        request=s.ReplyDecisionSerializer,
        responses=s.ReplyOutputSerializer,
        summary="Approve or reject a reply draft",
    )
    def post(self, request: Request, store_id: int, reply_id: int) -> Response:
        reply = selectors.reply_get(store=self.store, reply_id=reply_id)
        data = s.ReplyDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reply = replies.reply_review(reply=reply, actor=self.actor, decision=data.validated_data["decision"])
        return Response(s.ReplyOutputSerializer(reply).data)


class ReviewSettingsApi(StoreScopedMixin, APIView):
    write_role = Role.OWNER

    @extend_schema(responses=s.ReviewSettingsSerializer, summary="The store's review settings")
    def get(self, request: Request, store_id: int) -> Response:
        return Response(s.ReviewSettingsSerializer(selectors.review_settings_get(store=self.store)).data)

    @extend_schema(
        request=s.ReviewSettingsSerializer,
        responses=s.ReviewSettingsSerializer,
        summary="Change the policy text, the alert webhook or the spike detection",
    )
    def patch(self, request: Request, store_id: int) -> Response:
        data = s.ReviewSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "webhook_url" in values and values["webhook_url"] is None:
            values["webhook_url"] = ""
        settings = replies.review_settings_update(store=self.store, actor=self.actor, **values)
        return Response(s.ReviewSettingsSerializer(settings).data)
