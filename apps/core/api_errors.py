"""The one error body every API answer uses.

Every error answers ``{"error": {"code": ..., "message": ..., "details": ...}}``: code is a
stable machine-readable string, message is for people, details carries per-field errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from .errors import ApplicationError

ErrorResponder = Callable[[Exception], Response]
# Error types of layers below the domain (the inference layer's, say) and how the API answers them;
# each layer registers its own when Django starts, so core imports none of them.
_responders: list[tuple[type[Exception], ErrorResponder]] = []


def register_error_response(error_type: type[Exception], responder: ErrorResponder) -> None:
    """Answer ``error_type`` (and its subclasses) with ``responder(error)`` in every API view."""
    _responders[:] = [entry for entry in _responders if entry[0] is not error_type]
    _responders.append((error_type, responder))


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    for error_type, responder in _responders:
        if isinstance(exc, error_type):
            return responder(exc)
    if isinstance(exc, RequestDataTooBig):
        # Django raises it while DRF reads the body; unanswered, Django's HTML 400 page went out.
        return Response(
            error_body("request_too_large", gettext("The request body is larger than the server accepts.")),
            status=413,
        )
    if isinstance(exc, SuspiciousOperation):
        return Response(error_body("bad_request", gettext("The request is malformed.")), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response

    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("validation_error", gettext("The request is not valid."), exc.detail)
        return response
    detail = exc.detail
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    message = str(detail) if not isinstance(detail, (dict, list)) else str(exc.default_detail)
    response.data = error_body(str(code), message)
    return response
