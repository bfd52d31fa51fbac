"""The OpenAPI schema matches the API: no generator warning, a token scheme, nullable fields, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")
# The shopper's chat API (apps/support/api/shopper.py) is public by design: a widget key and a
# conversation's secret, no account.
PUBLIC_PREFIXES = ("/api/v1/widget/",)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return dict(SchemaGenerator().get_schema(request=None, public=True))


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_the_schema_generates_and_validates_without_a_warning(tmp_path: Path) -> None:
    # Raises SchemaGenerationError on the first warning (an unresolved view, a collision, ...).
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_the_token_authentication_has_a_security_scheme(schema: dict[str, Any]) -> None:
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "eco_<prefix>_<secret>",
        "description": "A personal API token (dashboard → API tokens, or POST /api/v1/tokens/): "
        "`Authorization: Bearer eco_…`.",
    }
    for path, method, operation in operations(schema):
        if path.startswith(PUBLIC_PREFIXES):
            assert {"apiToken": []} not in operation.get("security", [{}]), (method, path)
            continue
        assert {"apiToken": []} in operation["security"], (method, path)


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("AuditEventOutput", "actor"),
        ("AuditEventOutput", "token_prefix"),
        ("DescriptionOutput", "approved_text"),
        ("DescriptionOutput", "published_text"),
        ("DescriptionVersionOutput", "created_by"),
        ("DescriptionVersionOutput", "reviewed_by"),
        ("DescriptionVersionOutput", "parent_version"),
        ("ImportOutput", "job_status"),
        ("JobOutput", "created_by"),
        ("InvitationOutput", "invited_by"),
        ("InvitationOutput", "accepted_by"),
        ("StoreOutput", "role"),
    ],
)
def test_fields_that_can_be_null_are_declared_nullable(
    schema: dict[str, Any], component: str, field: str
) -> None:
    assert schema["components"]["schemas"][component]["properties"][field].get("nullable") is True


def test_a_nullable_nested_object_is_declared_so(schema: dict[str, Any]) -> None:
    current = schema["components"]["schemas"]["DescriptionOutput"]["properties"]["current_version"]
    assert current.get("nullable") is True or {"type": "null"} in current.get("oneOf", [])


def test_the_error_body_is_one_shared_component(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    assert components["Error"]["properties"] == {"error": {"$ref": "#/components/schemas/ErrorDetail"}}
    assert set(components["ErrorDetail"]["properties"]) == {"code", "message", "details"}
    assert set(components["ErrorDetail"]["required"]) == {"code", "message"}


def test_every_operation_documents_its_error_answers(schema: dict[str, Any]) -> None:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        where = f"{method.upper()} {path}"
        expected = {"429"} if path.startswith(PUBLIC_PREFIXES) else {"401", "429"}
        if "{" in path:
            expected.add("404")
        if method != "get" or any(p["in"] == "query" for p in operation.get("parameters", [])):
            expected.add("400")
        if method != "get":
            expected.add("403")
        assert expected <= set(responses), (where, sorted(responses))
        for status in [code for code in responses if code >= "400"]:
            assert responses[status]["content"] == error, (where, status)
        assert "Retry-After" in responses["429"]["headers"], where
    conflicts = {
        ("post", "/api/v1/stores/{store_id}/catalog/products/"),
        ("patch", "/api/v1/stores/{store_id}/catalog/brand-voices/{brand_voice_id}/"),
        ("post", "/api/v1/stores/{store_id}/invitations/"),
        ("post", "/api/v1/invitations/accept/"),
    }
    for method, path in conflicts:
        assert "409" in schema["paths"][path][method]["responses"], (method, path)
    describe = schema["paths"]["/api/v1/stores/{store_id}/catalog/products/{product_id}/describe/"]["post"]
    assert {"502", "503"} <= set(describe["responses"])
    assert "Retry-After" in describe["responses"]["503"]["headers"]
