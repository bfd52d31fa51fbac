"""The shopper's chat API, behind the store's public widget key: no account, a secret per conversation.

Calls from a browser must come from the widget's own page (this site) or a site the store allowed;
another site's page gets 403. Answers stream as NDJSON (``?stream=0`` for one JSON answer).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from apps.accounts.actor import client_ip
from apps.core.selectors import get_or_not_found
from apps.core.streaming import ndjson_response_for
from apps.support import selectors
from apps.support.models import Conversation, Message, SupportSettings
from apps.support.services import assistant, inbox
from apps.support.services.settings import normalise_origin, origin_allowed

from . import serializers as s


class WidgetRateThrottle(SimpleRateThrottle):
    """Per address: generous enough for a widget polling for staff replies."""

    scope = "support-widget"

    def get_rate(self) -> str:
        return str(settings.SUPPORT_WIDGET_RATE)

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def own_origin(request: Request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def check_origin(request: Request, widget: SupportSettings) -> None:
    """A browser call from a page that is neither the widget's own nor an allowed site is refused."""
    origin = request.headers.get("Origin", "")
    if origin and origin != own_origin(request) and not origin_allowed(settings=widget, origin=origin):
        raise exceptions.PermissionDenied("This site may not use the store's chat widget.")


def shown_on(widget: SupportSettings, site: str) -> str:
    """The allowed site the widget says it is shown on (for the inbox), or "" for anything else."""
    try:
        origin = normalise_origin(site)
    except ValueError:
        return ""
    return origin if origin in (widget.allowed_origins or []) else ""


class ShopperApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [WidgetRateThrottle]
    api_error_statuses: ClassVar = {"*": (403, 404)}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.widget = selectors.widget_settings_by_key(widget_key=kwargs["widget_key"])
        check_origin(request, self.widget)

    def conversation(self) -> Conversation:
        return selectors.shopper_conversation_get(settings=self.widget, token=self.kwargs["token"])


def _stream_flag(request: Request) -> bool:
    value = request.query_params.get("stream", "1").lower()
    if value not in ("", "1", "true", "0", "false"):
        raise exceptions.ValidationError({"stream": "Use 1 or 0."})
    return value in ("", "1", "true")


def _respond(request: Request, events: Any, stream: bool) -> HttpResponseBase:
    if stream:
        # Under ASGI the events are sent one by one as the answer is made, not gathered first.
        return ndjson_response_for(request, events)
    return Response({"events": list(events)})


STREAM_DOC = (
    "NDJSON events, one per line: received (the stored shopper message), typing, delta (a piece of the "
    "answer), message (a stored assistant message with its citations), handoff (passed to a person, and "
    'why), waiting (a person holds the conversation). ?stream=0 answers {"events": [...]} at once.'
)


class ConversationStartApi(ShopperApi):
    @extend_schema(
        request=s.ShopperStartSerializer,
        responses={201: OpenApiTypes.OBJECT},
        summary="Start a conversation (answers its secret token)",
    )
    def post(self, request: Request, widget_key: str) -> Response:
        data = s.ShopperStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = inbox.conversation_start(
            store=self.widget.store,
            origin=shown_on(self.widget, data.validated_data.get("site", "")),
            language=data.validated_data.get("language", ""),
        )
        return Response(
            {"token": conversation.token, "greeting": self.widget.greeting, "status": conversation.status},
            status=status.HTTP_201_CREATED,
        )


class ShopperMessagesApi(ShopperApi):
    api_error_statuses: ClassVar = {"*": (403, 404), "POST": (400, 429)}

    @extend_schema(
        parameters=[OpenApiParameter("after", int, description="Only messages after this id (polling).")],
        responses=s.MessageSerializer(many=True),
        summary="The conversation's messages (the shopper's, the assistant's and staff replies)",
    )
    def get(self, request: Request, widget_key: str, token: str) -> Response:
        conversation = self.conversation()
        messages = selectors.conversation_messages(
            conversation=conversation, after=request.query_params.get("after")
        ).exclude(role=Message.Role.SYSTEM)
        return Response(
            {
                "status": conversation.status,
                "messages": [assistant.message_serialize(message) for message in messages[:200]],
            }
        )

    @extend_schema(
        request=s.TextInputSerializer,
        parameters=[OpenApiParameter("stream", bool, allow_blank=True)],
        responses={
            (200, "application/x-ndjson"): OpenApiTypes.STR,
            (200, "application/json"): OpenApiTypes.OBJECT,
        },
        summary="Send a message; the assistant's answer streams back",
        description=STREAM_DOC,
    )
    def post(self, request: Request, widget_key: str, token: str) -> HttpResponseBase:
        stream = _stream_flag(request)
        data = s.TextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = self.conversation()
        message = assistant.shopper_message_receive(
            conversation=conversation, text=data.validated_data["text"]
        )
        events = assistant.assistant_turn(
            conversation=conversation, message=message, ip_address=client_ip(request)
        )
        return _respond(request, events, stream)


class ShopperFeedbackApi(ShopperApi):
    @extend_schema(
        request=s.ShopperFeedbackSerializer,
        responses={200: OpenApiTypes.OBJECT},
        summary="Say whether an answer helped (two unhelpful answers bring a person)",
    )
    def post(self, request: Request, widget_key: str, token: str, message_id: int) -> Response:
        data = s.ShopperFeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversation = self.conversation()
        message = get_or_not_found(conversation.messages.all(), pk=message_id)
        events = assistant.answer_feedback(
            conversation=conversation, message=message, helpful=data.validated_data["helpful"]
        )
        return Response({"events": list(events)})


class ShopperHandoffApi(ShopperApi):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT}, summary="Ask for a person")
    def post(self, request: Request, widget_key: str, token: str) -> Response:
        return Response({"events": list(assistant.shopper_asks_for_person(conversation=self.conversation()))})
