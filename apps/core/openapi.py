"""The OpenAPI schema documents every error answer, once for all operations (drf-spectacular).

Every API error answers the one body of apps/core/api_errors.py. Which statuses an operation may
answer follows from what it is, so no view repeats them:

- 401 where authentication is required, 429 everywhere (rate limits);
- 400 where the request carries a body or query parameters;
- 403 on writes (roles, and CSRF for session callers), 404 where the path names an object or a
  list is paginated (a page past the last);
- 413 where the request carries a body (over DATA_UPLOAD_MAX_MEMORY_SIZE);
- and what a view declares in ``api_error_statuses`` (``{"*" or a method: statuses}``, gathered from
  the view's classes): 403 / 404 for store-scoped views, 409 where a service raises a conflict,
  502 / 503 where a model answers (``inference_unavailable``, with Retry-After).
"""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular import openapi
from rest_framework import permissions, serializers

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
BODY_METHODS = ("POST", "PUT", "PATCH")

ERROR_DESCRIPTIONS = {
    400: "The request is not valid (`validation_error` with per-field `details`, or a rule of the domain).",
    401: "No credentials, or an invalid, expired or revoked token.",
    403: "The caller's role in this store does not allow this (or a session caller's CSRF token is missing).",
    404: "No such object for this caller (another store's ids answer the same), or no such page.",
    409: "Conflicts with the current state (a duplicate name or SKU, an action the object's status forbids).",
    413: "The request body is larger than the server accepts.",
    429: "Rate limit reached; wait for Retry-After seconds.",
    502: "The model server refused the request (`inference_backend_error`).",
    503: "A model is unavailable for the moment (`inference_unavailable`); send the same request again "
    "after Retry-After seconds.",
}
RETRY_AFTER_HEADER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}
}


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable and machine-readable: validation_error, not_found, ...")
    message = serializers.CharField(help_text="For people.")
    details = serializers.JSONField(
        required=False, help_text="Per-field messages of a validation_error; other facts of the error."
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer of the API."""

    error = ErrorDetailSerializer()


# Python's whitespace (str.isspace), which DRF trims from text before "may not be blank": a required
# text field needs one character outside it. Written out because a schema regex's \s differs.
NOT_ONLY_WHITESPACE = (
    "[^\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
)


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and isinstance(schema, dict)
            and schema.get("type") == "string"
            and "pattern" not in schema
            and not any(isinstance(validator, RegexValidator) for validator in field.validators)
        ):
            schema["pattern"] = NOT_ONLY_WHITESPACE
        return schema

    def _get_filter_parameters(self) -> list[dict[str, Any]]:
        # django-filter, ordering and search treat an empty value as "not given"; say so. And
        # django-filter's NumberFilter refuses numbers over 1e50 (a guard against huge decimals).
        parameters: list[dict[str, Any]] = super()._get_filter_parameters()
        for parameter in parameters:
            if parameter.get("in") == "query":
                parameter["allowEmptyValue"] = True
            schema = parameter.get("schema", {})
            if schema.get("type") == "number" and "maximum" not in schema:
                schema["maximum"] = 1e50
        return parameters

    def error_statuses(self) -> set[int]:
        statuses = {429}
        if not any(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()):
            statuses.add(401)
        has_query = any(parameter.get("in") == "query" for parameter in self._get_parameters())
        if self.method in UNSAFE_METHODS or has_query:
            statuses.add(400)
        if self.method in UNSAFE_METHODS:
            statuses.add(403)
        if self.method in BODY_METHODS:
            statuses.add(413)
        if "{" in self.path or (self._is_list_view() and self._get_paginator()):
            statuses.add(404)  # an object that is not the caller's, or a page past the last
        for klass in type(self.view).__mro__:
            declared = vars(klass).get("api_error_statuses") or {}
            statuses.update(declared.get("*", ()), declared.get(self.method, ()))
        return statuses

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for status in sorted(self.error_statuses()):
            code = str(status)
            if code in responses:
                continue
            response = self._get_response_for_code(
                ErrorSerializer, code, media_types=["application/json"], direction=direction
            )
            response["description"] = ERROR_DESCRIPTIONS[status]
            if status in (429, 503):
                response["headers"] = dict(RETRY_AFTER_HEADER)
            responses[code] = response
        return responses
