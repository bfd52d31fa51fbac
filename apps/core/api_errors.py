"""The one error body every API answer uses.

Every error answers ``{"error": {"code": ..., "message": ..., "details": ...}}``: code is a
stable machine-readable string, message is for people, details carries per-field errors.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from apps.inference import errors as inference_errors

from .errors import ApplicationError

logger = logging.getLogger(__name__)
# Seconds a client is asked to wait after a transient inference failure (a worker restarting,
# a busy model server) before it tries again.
INFERENCE_RETRY_AFTER_SECONDS = 30


def _error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(_error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, inference_errors.InferenceError):
        return _inference_error_response(exc)
    if isinstance(exc, RequestDataTooBig):
        # Django raises it while DRF reads the body; unanswered, Django's HTML 400 page went out.
        return Response(
            _error_body("request_too_large", "The request body is larger than the server accepts."),
            status=413,
        )
    if isinstance(exc, SuspiciousOperation):
        return Response(_error_body("bad_request", "The request is malformed."), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response

    if isinstance(exc, exceptions.ValidationError):
        response.data = _error_body("validation_error", "The request is not valid.", exc.detail)
        return response
    detail = exc.detail
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    message = str(detail) if not isinstance(detail, (dict, list)) else str(exc.default_detail)
    response.data = _error_body(str(code), message)
    return response


def _inference_error_response(exc: inference_errors.InferenceError) -> Response:
    public = inference_errors.public_error(exc)
    if not public.client_fault:
        logger.warning("API: inference failed (%s): %s", public.code, exc)
    response = Response(_error_body(public.code, public.message), status=public.status)
    if isinstance(exc, inference_errors.TransientInferenceError):
        response["Retry-After"] = str(INFERENCE_RETRY_AFTER_SECONDS)
    return response
