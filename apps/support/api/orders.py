"""Orders API (the staff's): list, search, create, update, delete. Imports: apps.imports' routes."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.mixins import StoreScopedMixin
from apps.support import selectors
from apps.support.models import Order
from apps.support.services import orders

from . import serializers as s


def _order_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = dict(data)
    if "items" in fields:
        fields["items"] = [dict(item) for item in fields["items"]]
    return fields


class OrderListCreateApi(StoreScopedMixin, generics.ListAPIView):
    queryset = Order.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.OrderSerializer
    api_error_statuses: ClassVar = {"POST": (409,)}  # a duplicate number

    def get_queryset(self) -> QuerySet[Order]:
        return selectors.order_list(
            store=self.store, search=self.request.query_params.get("search", "").strip()
        )

    @extend_schema(
        parameters=[OpenApiParameter("search", str, description="Matches number, customer e-mail or name.")],
        summary="Orders",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.OrderSerializer, responses={201: s.OrderSerializer}, summary="Create an order")
    def post(self, request: Request, store_id: int) -> Response:
        data = s.OrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = orders.order_create(store=self.store, actor=self.actor, **_order_fields(data.validated_data))
        return Response(
            s.OrderSerializer(selectors.order_get(store=self.store, order_id=order.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class OrderDetailApi(StoreScopedMixin, APIView):
    api_error_statuses: ClassVar = {"PATCH": (409,)}

    def _order(self, order_id: int) -> Order:
        return selectors.order_get(store=self.store, order_id=order_id)

    @extend_schema(responses=s.OrderSerializer, summary="An order")
    def get(self, request: Request, store_id: int, order_id: int) -> Response:
        return Response(s.OrderSerializer(self._order(order_id)).data)

    @extend_schema(request=s.OrderSerializer, responses=s.OrderSerializer, summary="Update an order")
    def patch(self, request: Request, store_id: int, order_id: int) -> Response:
        order = self._order(order_id)
        data = s.OrderSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        orders.order_update(order=order, actor=self.actor, **_order_fields(data.validated_data))
        return Response(s.OrderSerializer(self._order(order_id)).data)

    @extend_schema(responses={204: None}, summary="Delete an order")
    def delete(self, request: Request, store_id: int, order_id: int) -> Response:
        orders.order_delete(order=self._order(order_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
