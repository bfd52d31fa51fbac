from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any, ClassVar

import django_filters
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import selectors, services
from apps.accounts.actor import Actor, authenticated_user
from apps.accounts.models import ApiToken, AuditEvent, Invitation, Membership, Role, Store
from apps.accounts.usage import usage_summary

from . import serializers as s
from .mixins import StoreScopedMixin


class MeApi(APIView):
    @extend_schema(responses=s.UserOutputSerializer, summary="The authenticated user")
    def get(self, request: Request) -> Response:
        return Response(s.UserOutputSerializer(request.user).data)


def _role_context(user: Any) -> dict[str, Any]:
    return {"roles": dict(Membership.objects.filter(user=user).values_list("store_id", "role"))}


class StoreListCreateApi(generics.ListAPIView):
    serializer_class = s.StoreOutputSerializer
    api_error_statuses: ClassVar = {"POST": (404,)}  # a merchant that is not the caller's
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> QuerySet[Store]:
        return selectors.store_list_for_user(user=self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), **_role_context(self.request.user)}

    @extend_schema(request=s.StoreCreateInputSerializer, responses={201: s.StoreOutputSerializer})
    def post(self, request: Request) -> Response:
        data = s.StoreCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        actor = Actor.from_request(request)
        language, currency = fields["default_language"], fields["currency"]
        if "merchant" in fields:
            merchant = selectors.merchant_get_for_user(user=request.user, merchant_id=fields["merchant"])
            store = services.store_create(
                merchant=merchant,
                name=fields["name"],
                actor=actor,
                default_language=language,
                currency=currency,
            )
        else:
            store = services.merchant_create(
                name=fields.get("merchant_name") or fields["name"],
                owner=authenticated_user(request),
                store_name=fields["name"],
                actor=actor,
                default_language=language,
                currency=currency,
            )
        context = _role_context(request.user)
        return Response(s.StoreOutputSerializer(store, context=context).data, status=status.HTTP_201_CREATED)


class StoreDetailApi(StoreScopedMixin, APIView):
    write_role = Role.OWNER

    @extend_schema(responses=s.StoreOutputSerializer)
    def get(self, request: Request, store_id: int) -> Response:
        return Response(s.StoreOutputSerializer(self.store, context=_role_context(request.user)).data)

    @extend_schema(request=s.StoreUpdateInputSerializer, responses=s.StoreOutputSerializer)
    def patch(self, request: Request, store_id: int) -> Response:
        data = s.StoreUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        store = services.store_update(store=self.store, actor=self.actor, **data.validated_data)
        return Response(s.StoreOutputSerializer(store, context=_role_context(request.user)).data)


def invitation_link(request: Request) -> Callable[[str], str]:
    """The absolute link of an invitation's token, on the host the request came to."""
    return lambda token: request.build_absolute_uri(reverse("dashboard:invitation", kwargs={"token": token}))


def _invite(view: StoreScopedMixin, request: Request, email: str, role: str) -> dict[str, Any]:
    invitation, link = services.invitation_create(
        store=view.store, email=email, role=role, actor=view.actor, link_for=invitation_link(request)
    )
    invitation.accept_url = link  # type: ignore[attr-defined]
    return s.InvitationCreatedOutputSerializer(invitation).data


class MemberListCreateApi(StoreScopedMixin, generics.ListAPIView):
    queryset = Membership.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.MembershipOutputSerializer
    write_role = Role.OWNER
    filterset_fields = ["role"]
    api_error_statuses: ClassVar = {"POST": (409,)}

    def get_queryset(self) -> QuerySet[Membership]:
        return selectors.membership_list(store=self.store)

    @extend_schema(
        request=s.InvitationCreateInputSerializer,
        responses={202: s.InvitationCreatedOutputSerializer},
        summary="Invite a member (deprecated: use invitations/)",
        description="Sends an invitation, as POST invitations/ does: the person becomes a member when they "
        "accept it. The answer is the same whether the address belongs to an account or not.",
        deprecated=True,
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.InvitationCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = _invite(self, request, data.validated_data["email"], data.validated_data["role"])
        return Response(body, status=status.HTTP_202_ACCEPTED)


class InvitationListCreateApi(StoreScopedMixin, generics.ListAPIView):
    """The store's invitations, newest first; ``?status=pending`` lists those not yet answered."""

    queryset = Invitation.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.InvitationOutputSerializer
    read_role = Role.OWNER
    write_role = Role.OWNER
    filterset_fields = ["status", "role"]
    api_error_statuses: ClassVar = {"POST": (409,)}

    def get_queryset(self) -> QuerySet[Invitation]:
        return selectors.invitation_list(store=self.store)

    @extend_schema(
        request=s.InvitationCreateInputSerializer,
        responses={201: s.InvitationCreatedOutputSerializer},
        summary="Invite someone to the store",
        description="E-mails a link that works once and expires; the person joins with the role when they "
        "accept it (POST invitations/accept/ or the link's page), and may create an account there. "
        "Nothing is looked up by address: the answer is the same whether it belongs to an account "
        "or not. A new invitation to an address replaces its pending one.",
    )
    def post(self, request: Request, store_id: int) -> Response:
        data = s.InvitationCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = _invite(self, request, data.validated_data["email"], data.validated_data["role"])
        return Response(body, status=status.HTTP_201_CREATED)


class InvitationDetailApi(StoreScopedMixin, APIView):
    read_role = Role.OWNER
    write_role = Role.OWNER

    def _invitation(self, invitation_id: int) -> Invitation:
        return selectors.invitation_get_in_store(store=self.store, invitation_id=invitation_id)

    @extend_schema(responses=s.InvitationOutputSerializer, summary="An invitation")
    def get(self, request: Request, store_id: int, invitation_id: int) -> Response:
        return Response(s.InvitationOutputSerializer(self._invitation(invitation_id)).data)

    @extend_schema(responses={204: None}, summary="Revoke an invitation (its link stops working)")
    def delete(self, request: Request, store_id: int, invitation_id: int) -> Response:
        services.invitation_revoke(invitation=self._invitation(invitation_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationAcceptApi(APIView):
    # 404: the link is unknown, used, revoked or expired (one answer for all).
    api_error_statuses: ClassVar = {"POST": (404, 409)}

    @extend_schema(
        request=s.InvitationTokenInputSerializer,
        responses={201: s.StoreOutputSerializer},
        summary="Accept an invitation: the caller joins the store",
    )
    def post(self, request: Request) -> Response:
        data = s.InvitationTokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.invitation_accept(
            token=data.validated_data["token"],
            user=authenticated_user(request),
            actor=Actor.from_request(request),
        )
        body = s.StoreOutputSerializer(membership.store, context=_role_context(request.user)).data
        return Response(body, status=status.HTTP_201_CREATED)


class InvitationDeclineApi(APIView):
    api_error_statuses: ClassVar = {"POST": (404,)}

    @extend_schema(
        request=s.InvitationTokenInputSerializer,
        responses={204: None},
        summary="Decline an invitation (its link stops working)",
    )
    def post(self, request: Request) -> Response:
        data = s.InvitationTokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.invitation_decline(token=data.validated_data["token"], actor=Actor.from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberDetailApi(StoreScopedMixin, APIView):
    write_role = Role.OWNER

    def _membership(self, membership_id: int) -> Membership:
        return selectors.membership_get_in_store(store=self.store, membership_id=membership_id)

    @extend_schema(responses=s.MembershipOutputSerializer)
    def get(self, request: Request, store_id: int, membership_id: int) -> Response:
        return Response(s.MembershipOutputSerializer(self._membership(membership_id)).data)

    @extend_schema(request=s.MembershipUpdateInputSerializer, responses=s.MembershipOutputSerializer)
    def patch(self, request: Request, store_id: int, membership_id: int) -> Response:
        data = s.MembershipUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        membership = self._membership(membership_id)
        if "role" in data.validated_data:
            membership = services.membership_change_role(
                membership=membership, role=data.validated_data["role"], actor=self.actor
            )
        return Response(s.MembershipOutputSerializer(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, store_id: int, membership_id: int) -> Response:
        services.membership_remove(membership=self._membership(membership_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenListCreateApi(generics.ListAPIView):
    queryset = ApiToken.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = s.ApiTokenOutputSerializer

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.api_token_list(user=self.request.user)

    @extend_schema(
        request=s.ApiTokenCreateInputSerializer, responses={201: s.ApiTokenCreatedOutputSerializer}
    )
    def post(self, request: Request) -> Response:
        data = s.ApiTokenCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, secret = services.api_token_create(
            user=authenticated_user(request),
            name=data.validated_data["name"],
            expires_at=data.validated_data.get("expires_at"),
            actor=Actor.from_request(request),
        )
        token.token = secret  # type: ignore[attr-defined]
        return Response(s.ApiTokenCreatedOutputSerializer(token).data, status=status.HTTP_201_CREATED)


class ApiTokenDetailApi(APIView):
    @extend_schema(responses=s.ApiTokenOutputSerializer)
    def get(self, request: Request, token_id: int) -> Response:
        return Response(
            s.ApiTokenOutputSerializer(selectors.api_token_get(user=request.user, token_id=token_id)).data
        )

    @extend_schema(responses={204: None}, summary="Revoke a token")
    def delete(self, request: Request, token_id: int) -> Response:
        token = selectors.api_token_get(user=request.user, token_id=token_id)
        services.api_token_revoke(token=token, actor=Actor.from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(lookup_expr="startswith")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = AuditEvent
        fields = ["action", "source", "object_type", "object_id", "since"]


class AuditEventListApi(StoreScopedMixin, generics.ListAPIView):
    queryset = AuditEvent.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.AuditEventOutputSerializer
    read_role = Role.OWNER
    filterset_class = AuditEventFilter

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return selectors.audit_event_list(store=self.store)


class UsageApi(StoreScopedMixin, APIView):
    @extend_schema(
        responses=s.UsageOutputSerializer,
        summary="This month's model usage and quota",
        description="Generated tokens count against the store's monthly quota; beyond it, generation "
        "answers 429 (code `quota_exceeded`) until `resets_on`.",
    )
    def get(self, request: Request, store_id: int) -> Response:
        summary = usage_summary(store=self.store)
        data = {**asdict(summary), "remaining": summary.remaining}
        return Response(s.UsageOutputSerializer(data).data)
