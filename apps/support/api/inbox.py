"""The agent inbox API: conversations, assign, reply, internal note, resolve; the widget's settings."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.mixins import StoreScopedMixin
from apps.support import selectors
from apps.support.models import Conversation
from apps.support.services import inbox
from apps.support.services import settings as support_settings

from . import serializers as s


class ConversationListApi(StoreScopedMixin, generics.ListAPIView):
    queryset = Conversation.objects.none()  # for the schema; get_queryset scopes to the store
    serializer_class = s.ConversationSerializer

    def get_queryset(self) -> QuerySet[Conversation]:
        query = s.ConversationStatusFilter(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.conversation_list(store=self.store, status=query.validated_data.get("status", ""))

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=["open", "pending", "resolved"])],
        summary="Conversations, most recent first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class _ConversationMixin(StoreScopedMixin):
    def conversation(self) -> Conversation:
        return selectors.conversation_get(store=self.store, conversation_id=self.kwargs["conversation_id"])

    def detail(self) -> Response:
        return Response(s.ConversationDetailSerializer(self.conversation()).data)


class ConversationDetailApi(_ConversationMixin, APIView):
    @extend_schema(
        responses=s.ConversationDetailSerializer, summary="A conversation with its messages and notes"
    )
    def get(self, request: Request, store_id: int, conversation_id: int) -> Response:
        return self.detail()


class ConversationAssignApi(_ConversationMixin, APIView):
    @extend_schema(
        request=s.AssignInputSerializer, responses=s.ConversationDetailSerializer, summary="Assign"
    )
    def post(self, request: Request, store_id: int, conversation_id: int) -> Response:
        conversation = self.conversation()  # looked up before the input is read: another store's is a 404
        data = s.AssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inbox.conversation_assign(
            conversation=conversation, actor=self.actor, assignee_id=data.validated_data["assignee"]
        )
        return self.detail()


class ConversationReplyApi(_ConversationMixin, APIView):
    @extend_schema(
        request=s.TextInputSerializer,
        responses={201: s.MessageSerializer},
        summary="Reply to the shopper (shown in the widget)",
    )
    def post(self, request: Request, store_id: int, conversation_id: int) -> Response:
        conversation = self.conversation()
        data = s.TextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = inbox.agent_reply(
            conversation=conversation, actor=self.actor, text=data.validated_data["text"]
        )
        return Response(s.MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class ConversationNoteApi(_ConversationMixin, APIView):
    @extend_schema(
        request=s.TextInputSerializer,
        responses={201: s.NoteSerializer},
        summary="Add an internal note (staff only)",
    )
    def post(self, request: Request, store_id: int, conversation_id: int) -> Response:
        conversation = self.conversation()
        data = s.TextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = inbox.note_add(conversation=conversation, actor=self.actor, text=data.validated_data["text"])
        return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class ConversationResolveApi(_ConversationMixin, APIView):
    @extend_schema(request=None, responses=s.ConversationDetailSerializer, summary="Resolve")
    def post(self, request: Request, store_id: int, conversation_id: int) -> Response:
        inbox.conversation_resolve(conversation=self.conversation(), actor=self.actor)
        return self.detail()


class WidgetSettingsApi(StoreScopedMixin, APIView):
    write_role = "owner"

    @extend_schema(responses=s.WidgetSettingsSerializer, summary="The chat widget's key and allowed sites")
    def get(self, request: Request, store_id: int) -> Response:
        return Response(
            s.WidgetSettingsSerializer(support_settings.support_settings_for(store=self.store)).data
        )

    @extend_schema(
        request=s.WidgetSettingsSerializer,
        responses=s.WidgetSettingsSerializer,
        summary="Set the allowed sites",
    )
    def patch(self, request: Request, store_id: int) -> Response:
        data = s.WidgetSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        updated = support_settings.widget_settings_update(
            store=self.store, actor=self.actor, **data.validated_data
        )
        return Response(s.WidgetSettingsSerializer(updated).data)
