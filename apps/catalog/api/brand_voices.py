"""Brand voices API: how a store's descriptions should sound."""

from __future__ import annotations

from typing import ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.mixins import StoreScopedMixin
from apps.catalog import selectors
from apps.catalog.models import BrandVoice
from apps.catalog.services import brand_voices

from . import serializers as s


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
        voice = brand_voices.brand_voice_create(store=self.store, actor=self.actor, **data.validated_data)
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
        voice = brand_voices.brand_voice_update(
            voice=self._voice(brand_voice_id), actor=self.actor, **data.validated_data
        )
        return Response(s.BrandVoiceSerializer(voice).data)

    @extend_schema(responses={204: None}, summary="Delete a brand voice")
    def delete(self, request: Request, store_id: int, brand_voice_id: int) -> Response:
        brand_voices.brand_voice_delete(voice=self._voice(brand_voice_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
