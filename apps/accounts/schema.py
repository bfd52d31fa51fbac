"""OpenAPI security scheme of the API tokens, so Swagger UI and generated clients can authenticate."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "eco_<prefix>_<secret>",
            "description": "A personal API token (dashboard → API tokens, or POST /api/v1/tokens/): "
            "`Authorization: Bearer eco_…`.",
        }
