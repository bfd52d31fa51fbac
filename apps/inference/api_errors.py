"""How the API answers the inference layer's errors; registered with core's handler when Django starts."""

from __future__ import annotations

import logging

from rest_framework.response import Response

from apps.core.api_errors import error_body, register_error_response

from .errors import InferenceError, TransientInferenceError, public_error

logger = logging.getLogger(__name__)
# Seconds a client is asked to wait after a transient inference failure (a worker restarting,
# a busy model server) before it tries again.
RETRY_AFTER_SECONDS = 30


def inference_error_response(exc: Exception) -> Response:
    assert isinstance(exc, InferenceError)
    public = public_error(exc)
    if not public.client_fault:
        logger.warning("API: inference failed (%s): %s", public.code, exc)
    response = Response(error_body(public.code, public.message), status=public.status)
    if isinstance(exc, TransientInferenceError):
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register() -> None:
    register_error_response(InferenceError, inference_error_response)
