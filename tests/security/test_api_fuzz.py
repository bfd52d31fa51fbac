"""API fuzzing: schemathesis against the project's own OpenAPI schema, every operation.

Each operation is called with generated requests (the schema's examples, boundary and invalid
values from its coverage phase, then random valid and invalid data) through the WSGI application,
authenticated with a real API token of a store owner, on real objects of that store. Every answer
must be documented and match the schema (status, content type, body, headers), and none may be a
5xx. A second tenant's objects are then requested with the first tenant's token: every operation
that names an object answers 404 and leaves it as it was.

FUZZ_MAX_EXAMPLES (default 6) and FUZZ_SEED set how many random cases per operation and which
(the coverage phase's boundary and invalid values come on top, a few dozen per operation);
FUZZ_CASES_LOG names a file that gets one line per request sent (for the security report).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import hypothesis
import pytest
import schemathesis
from celery import current_app
from celery.app.task import Task
from django.core.files.base import ContentFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from rest_framework.test import APIClient
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from apps.accounts.models import ApiToken, Invitation, Membership, Role, Store
from apps.accounts.throttling import AnonymousRateThrottle, ApiTokenRateThrottle
from apps.catalog.models import BrandVoice, Description, DescriptionVersion, Product
from apps.imports.models import DataImport
from apps.inference import use_backend
from apps.jobs.models import Job, JobItem
from apps.marketing.models import ABTest, Campaign, CopyRequest, Variant
from apps.reviews.models import CustomAspect, ReplyDraft, Review, SpikeAlert
from tests.catalog.fakes import draft
from tests.factories import MembershipFactory, StoreFactory
from tests.inference_fake import FakeBackend

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "6"))
SEED = int(os.environ.get("FUZZ_SEED", "20261130"))


@dataclass(frozen=True)
class Tenant:
    """A store with one object of each kind an API path can name, and its owner's API token.

    Ids and the token are fixed, so the schema's configuration names them before the database
    holds them (each test gets a fresh database).
    """

    sku: str
    base_id: int

    @property
    def secret(self) -> str:
        return f"eco_fuzz{self.sku.lower()}_{self.sku * 16}"

    @property
    def ids(self) -> dict[str, int]:
        names = ["store", "product", "description", "brand_voice", "import", "job", "membership"]
        ids = {f"{name}_id": self.base_id + offset for offset, name in enumerate(names)}
        reviews = {"review_id": 12, "aspect_id": 13, "alert_id": 14, "reply_id": 15}
        marketing = {"campaign_id": 20, "request_id": 21, "variant_id": 22, "ab_test_id": 24}
        return {
            **ids,
            "invitation_id": self.base_id + 10,
            "token_id": self.base_id + 11,
            **{name: self.base_id + offset for name, offset in reviews.items()},
            **{name: self.base_id + offset for name, offset in marketing.items()},
        }

    def create(self) -> Store:
        ids = self.ids
        store = cast(Store, StoreFactory(pk=ids["store_id"]))
        owner = MembershipFactory(store=store, role=Role.OWNER).user
        ApiToken.objects.create(
            user=owner,
            name="fuzz",
            prefix=self.secret.split("_")[1],
            key_hash=hashlib.sha256(self.secret.encode()).hexdigest(),
        )
        ApiToken.objects.create(
            pk=ids["token_id"],
            user=owner,
            name="spare",
            prefix=f"spare{self.sku.lower()}",
            key_hash=self.sku * 64,
        )
        MembershipFactory(pk=ids["membership_id"], store=store, role=Role.OPERATOR)
        product = Product.objects.create(
            pk=ids["product_id"],
            store=store,
            sku=self.sku,
            title="Wool scarf",
            attributes={"material": "wool"},
        )
        description = Description.objects.create(
            pk=ids["description_id"], store=store, product=product, language="en"
        )
        first = DescriptionVersion.objects.create(
            description=description, number=1, text="A warm wool scarf."
        )
        description.current_version = DescriptionVersion.objects.create(
            description=description, number=2, text="A warm, soft wool scarf.", parent=first
        )
        description.save()
        BrandVoice.objects.create(pk=ids["brand_voice_id"], store=store, name="Calm")
        data = b"sku,title,colour\nC1,Teapot,blue\n"
        catalog_import = DataImport(
            pk=ids["import_id"],
            store=store,
            target="catalog.products",
            original_name="catalog.csv",
            file_format="csv",
            size=len(data),
            encoding="utf-8",
            delimiter=",",
            headers=["sku", "title", "colour"],
            preview_rows=[["C1", "Teapot", "blue"]],
            column_mapping={"sku": "sku", "title": "title", "colour": "attribute:colour"},
        )
        catalog_import.file.save(f"fuzz-{self.sku}.csv", ContentFile(data), save=False)
        catalog_import.save()
        job = Job.objects.create(pk=ids["job_id"], store=store, kind="test.square", total=1)
        JobItem.objects.create(job=job, position=0, key="a", payload={"n": 2})
        Invitation.objects.create(
            pk=ids["invitation_id"],
            store=store,
            email=f"guest-{self.sku.lower()}@example.com",
            token_hash=self.sku * 64,
            expires_at=timezone.now() + timedelta(days=7),
        )
        review = Review.objects.create(
            pk=ids["review_id"],
            store=store,
            sku=self.sku,
            text="The zipper broke.",
            text_hash=self.sku * 64,
            language="en",
            rating=2,
            reviewed_at=timezone.now(),
            sentiment="negative",
            sentiment_confidence=0.9,
        )
        CustomAspect.objects.create(
            pk=ids["aspect_id"], store=store, name="battery", examples=["battery life"]
        )
        SpikeAlert.objects.create(
            pk=ids["alert_id"],
            store=store,
            scope="product",
            key=self.sku,
            window_start=timezone.now(),
            window_end=timezone.now(),
            window_negative=10,
            window_total=20,
            baseline_negative=2,
            baseline_total=40,
            z_score=4.0,
            p_value=0.0001,
        )
        ReplyDraft.objects.create(
            pk=ids["reply_id"], store=store, review=review, language="en", text="Sorry about the zipper."
        )
        campaign = Campaign.objects.create(pk=ids["campaign_id"], store=store, name="Double 12")
        copy_request = CopyRequest.objects.create(
            pk=ids["request_id"], store=store, campaign=campaign, channel="sms", language="en"
        )
        variant_a = Variant.objects.create(
            pk=ids["variant_id"], store=store, request=copy_request, text="Wool scarves 20% off."
        )
        variant_b = Variant.objects.create(
            pk=ids["variant_id"] + 1, store=store, request=copy_request, text="Warm wool scarves."
        )
        ABTest.objects.create(
            pk=ids["ab_test_id"], store=store, campaign=campaign, variant_a=variant_a, variant_b=variant_b
        )
        return store


OWN = Tenant(sku="A", base_id=9_100_000)
OTHER = Tenant(sku="B", base_id=9_200_000)


def openapi_document() -> dict[str, Any]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return dict(json.loads(OpenApiJsonRenderer().render(schema)))


def load_schema(*, token_of: Tenant, ids_of: Tenant) -> Any:
    schema = schemathesis.openapi.from_dict(openapi_document())
    schema.app = get_wsgi_application()
    schema.config.update(
        headers={"Authorization": f"Bearer {token_of.secret}"},
        # Every path names a real object; the body and the query are what is fuzzed.
        parameters={f"path.{name}": value for name, value in ids_of.ids.items()},
    )
    # No NUL in generated text: DRF refuses it in every text field, a rule the schema cannot state.
    schema.config.generation.update(
        max_examples=MAX_EXAMPLES, database="none", deterministic=True, allow_x00=False
    )
    schema.config.seed = SEED
    return schema


@pytest.fixture
def quiet_side_effects(monkeypatch: Any) -> Iterator[list[str]]:
    """No task leaves for a broker (none runs here), no model is loaded, no rate limit interferes."""
    sent: list[str] = []
    monkeypatch.setattr(Task, "apply_async", lambda self, *args, **kwargs: sent.append(self.name))
    monkeypatch.setattr(current_app, "send_task", lambda name, *args, **kwargs: sent.append(name))
    monkeypatch.setattr(ApiTokenRateThrottle, "rate", "1000000/hour", raising=False)
    monkeypatch.setattr(AnonymousRateThrottle, "rate", "1000000/hour", raising=False)
    with use_backend(FakeBackend(writer=draft)):
        yield sent


@pytest.fixture
def in_process_requests(db: Any) -> Iterator[None]:
    """Requests through the WSGI application share the test's transaction, as the test client's do.

    Django closes the connection at each request's end when it is not in autocommit mode (it is
    not, inside the test's transaction); the test client stops that, and so does this.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def own_tenant(
    in_process_requests: None, quiet_side_effects: list[str], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    OWN.create()


@pytest.fixture
def tenants(own_tenant: None) -> None:
    OTHER.create()


# The objects are made once per operation and the generated requests act on them in turn.
FUZZ_SETTINGS = hypothesis.settings(
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ]
)


fuzzed = load_schema(token_of=OWN, ids_of=OWN)


def input_validation_agrees_with_the_schema(ctx: Any, response: Any, case: Any) -> None:
    """A request the schema calls valid is not refused as invalid input (400 ``validation_error``).

    Stands in for schemathesis' positive_data_acceptance, which wants every valid request accepted:
    a rule of the domain may still refuse one (``job_not_active``, ``invalid_mapping``), with its
    own code, but the input checks and the schema must agree.
    """
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return
    error = response.json().get("error", {})
    if error.get("code") != "validation_error":
        return
    # JSON Schema formats (uri, email) are checked loosely by schema validators and by the RFCs in
    # Django's (a 900-character host name is a "uri" to one, not to the other).
    if isinstance(error.get("details"), dict) and set(error["details"]) <= formatted_fields(case):
        return
    raise AssertionError(f"A request valid by the schema was refused as invalid: {error}")


def formatted_fields(case: Any) -> set[str]:
    """Fields of the request body whose schema (or whose items' schema) names a format."""
    document = case.operation.schema.raw_schema

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return schema

    operation = document["paths"][case.operation.path][case.method.lower()]
    content = operation.get("requestBody", {}).get("content", {}).get(case.media_type, {})
    properties = resolve(content.get("schema", {})).get("properties", {})
    return {
        name
        for name, prop in properties.items()
        if "format" in resolve(prop) or "format" in resolve(resolve(prop).get("items", {}))
    }


def invalid_input_is_refused(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' negative_data_rejection, less one leniency of DRF that is kept on purpose.

    DRF reads a JSON number sent for a text field as its text (``"name": 0`` is the name "0");
    a request that is invalid only in that way is not held against the API. Any other request
    the schema calls invalid must be refused.
    """
    meta = case.meta
    if (
        meta is not None
        and meta.generation.mode.is_negative
        and all(info.mode.is_positive for where, info in meta.components.items() if where != "body")
        and body_valid_once_numbers_are_text(case)
    ):
        return None
    result: bool | None = negative_data_rejection(ctx, response, case)
    return result


def body_valid_once_numbers_are_text(case: Any) -> bool:
    """Whether the body's only faults are JSON numbers where the schema wants text."""
    if not isinstance(case.body, dict | list) or case.media_type != "application/json":
        return False  # a malformed or missing body, or a form with a file: not this (JSON) leniency
    validators = [body.get_validator() for body in case.operation.body if body.media_type == case.media_type]
    if not validators:
        return False
    document = copy.deepcopy(case.body)
    for _ in range(100):
        errors = list(validators[0].iter_errors(document))
        if not errors:
            return True
        changed = False
        for error in errors:
            *parents, last = list(error.instance_path) or [None]
            container = document
            for key in parents:
                container = container[key]
            value = container[last] if last is not None else None
            if isinstance(value, int | float) and not isinstance(value, bool):
                container[last] = str(value)
                changed = True
        if not changed:
            return False
    return False


def log_case(case: Any) -> None:
    """One line per generated request, where FUZZ_CASES_LOG names a file (benchmarks/security_report.py)."""
    path = os.environ.get("FUZZ_CASES_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"{case.operation.label}\n")  # "GET /api/v1/stores/{store_id}/...": the operation


@fuzzed.parametrize()
@FUZZ_SETTINGS
def test_every_operation_answers_as_documented_and_never_5xx(case: Any, own_tenant: None) -> None:
    log_case(case)
    case.call_and_validate(
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
        additional_checks=[input_validation_agrees_with_the_schema, invalid_input_is_refused],
    )


# --- tenant isolation ------------------------------------------------------------------------------

# The other tenant's ids with this tenant's token, in valid requests only (an invalid body may be
# refused before the lookup; the lookup is what is tested here).
intruding = load_schema(token_of=OWN, ids_of=OTHER).include(path_regex=r"\{(store_id|token_id)\}")
intruding.config.generation.update(modes=["positive"], max_examples=3)
intruding.config.phases.update(phases=["examples", "fuzzing"])  # a few valid requests suffice here


@intruding.parametrize()
@FUZZ_SETTINGS
def test_another_tenants_ids_answer_404(case: Any, tenants: None) -> None:
    log_case(case)
    before = tenant_state(OTHER)
    response = case.call()
    assert response.status_code == 404, (case.method, case.formatted_path, response.status_code)
    assert response.json()["error"]["code"] == "not_found"
    assert tenant_state(OTHER) == before


def tenant_state(tenant: Tenant) -> dict[str, Any]:
    store = Store.objects.get(pk=tenant.ids["store_id"])
    return {
        "store": (store.name, store.currency, store.default_language),
        "members": sorted(Membership.objects.filter(store=store).values_list("user_id", "role")),
        "invitations": sorted(Invitation.objects.filter(store=store).values_list("pk", "status")),
        "jobs": sorted(Job.objects.filter(store=store).values_list("pk", "status")),
        "products": sorted(store.products.values_list("pk", "sku", "title")),
        "voices": sorted(store.brand_voices.values_list("pk", "name")),
        "descriptions": sorted(store.descriptions.values_list("pk", "status")),
        "imports": sorted(DataImport.objects.filter(store=store).values_list("pk", "status")),
        "tokens": sorted(
            ApiToken.objects.filter(user__memberships__store=store).values_list("pk", "revoked_at")
        ),
    }


@pytest.mark.django_db
def test_the_other_tenants_own_token_reaches_the_same_ids(quiet_side_effects: list[str]) -> None:
    """The isolation test's ids are real: their owner reads every one of them."""
    OTHER.create()
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {OTHER.secret}")
    ids = OTHER.ids
    store = f"/api/v1/stores/{ids['store_id']}"
    for path in [
        f"{store}/",
        f"{store}/members/{ids['membership_id']}/",
        f"{store}/invitations/{ids['invitation_id']}/",
        f"{store}/jobs/{ids['job_id']}/",
        f"{store}/catalog/products/{ids['product_id']}/",
        f"{store}/catalog/imports/{ids['import_id']}/",
        f"{store}/catalog/descriptions/{ids['description_id']}/",
        f"{store}/catalog/brand-voices/{ids['brand_voice_id']}/",
        f"/api/v1/tokens/{ids['token_id']}/",
    ]:
        assert client.get(path).status_code == 200, path
