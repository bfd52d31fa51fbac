"""Errors the inference layer raises; callers catch these, never a backend's own exceptions.

``TransientInferenceError`` means "try again later" (a busy server, a network fault, a worker
that did not answer in time or was killed while it ran the call): job handlers turn it into
``jobs.registry.TransientItemError``, the API answers it with 503. Everything else is
permanent for the given input.
"""

from __future__ import annotations


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


class TransientInferenceError(InferenceError):
    """A failure that may go away if the same request is tried again later."""
