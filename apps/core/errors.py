"""Domain errors. Services raise them; the API answers them (apps/core/api_errors.py)."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A rule of the domain was broken; the API answers it as 400 with this code."""

    code = "invalid"
    status_code = 400

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class ConflictError(ApplicationError):
    code = "conflict"
    status_code = 409


class NotFound(ApplicationError):
    """The object does not exist for this caller (another store's ids included): 404 in the API and pages.

    Selectors raise it instead of Django's ``Http404``, so the read layer knows nothing of HTTP.
    """

    code = "not_found"
    status_code = 404
