"""Errors the inference layer raises; callers catch these, never a backend's own exceptions.

``TransientInferenceError`` means "try again later" (a busy server, a network fault, a worker
that did not answer in time or was killed while it ran the call): job handlers turn it into
``jobs.registry.TransientItemError``, the API answers it with 503. Everything else is
permanent for the given input.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


class InferenceError(Exception):
    """Base class of every inference failure."""


class InvalidRequest(InferenceError):
    """The request cannot be served as asked (bad parameters, a chat request to a base model)."""


class ModelNotFound(InferenceError):
    """No model is registered under this key."""


class ModelNotInstalled(InferenceError):
    """The model is registered but its weights are not in MODELS_CACHE."""


class BackendError(InferenceError):
    """The backend refused the request; retrying the same request will not help."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class QuotaExceeded(InferenceError):
    """The store has used the generated tokens its plan allows this month."""


class TransientInferenceError(InferenceError):
    """A failure that may go away if the same request is tried again later."""


@dataclass(frozen=True)
class PublicError:
    """What a client is told about an inference failure: an HTTP status, a stable code, a message."""

    status: int
    code: str
    message: str

    @property
    def client_fault(self) -> bool:
        return self.status < 500


def public_error(error: InferenceError) -> PublicError:
    """The answer the API and the dashboard give for ``error``.

    Faults of the request itself are named (the limit or parameter it broke); server-side
    ones (worker names, paths, a model server's reply) belong in the log, and the client
    is told only their kind.
    """
    if isinstance(error, InvalidRequest):
        return PublicError(400, "invalid_inference_request", str(error))
    if isinstance(error, ModelNotFound):
        return PublicError(400, "model_not_found", str(error))
    if isinstance(error, QuotaExceeded):
        return PublicError(429, "quota_exceeded", str(error))
    if isinstance(error, TransientInferenceError):
        return PublicError(
            503, "inference_unavailable", _("The model is unavailable for the moment; try again shortly.")
        )
    if isinstance(error, ModelNotInstalled):
        return PublicError(
            503, "model_not_installed", _("The model is not installed on this server; ask its operator.")
        )
    if isinstance(error, BackendError):
        return PublicError(502, "inference_backend_error", _("The model server refused the request."))
    return PublicError(500, "inference_error", _("The model failed on this request."))
