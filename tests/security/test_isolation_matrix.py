"""The tenant isolation matrix, built from the URL configuration itself.

Every route under a store (API and dashboard; reads, writes, deletes, exports, job actions) is called
by a member of another store, and by a member of the right store with another store's object ids:
each answers 404 and changes nothing. A viewer's writes are refused. A new route is covered the day
it is added; a route with an id of a new kind fails here until ``OBJECTS`` knows how to make one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.views import APIView

from apps.accounts.actor import Actor
from apps.accounts.models import Invitation, Membership, Role, Store
from apps.accounts.services import api_token_create
from apps.imports.models import DataImport
from apps.jobs.models import Job
from tests.factories import MembershipFactory

from .conftest import Catalog, make_catalog

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
METHODS = ("get", *WRITE_METHODS)


def _job(store: Store) -> int:
    return Job.objects.create(store=store, kind="catalog.describe", title="Describe").pk


def _import(store: Store) -> int:
    return DataImport.objects.create(
        store=store, target="catalog.products", original_name="a.csv", file_format="csv", size=1, file="x.csv"
    ).pk


def _membership(store: Store) -> int:
    return Membership.objects.filter(store=store).values_list("pk", flat=True).first() or 0


def _invitation(store: Store) -> int:
    return Invitation.objects.create(
        store=store,
        email="guest@example.com",
        role=Role.VIEWER,
        token_hash=f"{store.pk:064d}",
        expires_at=timezone.now() + timedelta(days=1),
    ).pk


_catalogs: dict[int, Catalog] = {}


def _catalog(store: Store) -> Catalog:
    if store.pk not in _catalogs:
        _catalogs[store.pk] = make_catalog(store)
    return _catalogs[store.pk]


def _support_document(store: Store) -> int:
    from apps.support.services import knowledge

    document = knowledge.document_create(
        store=store, actor=Actor.system(), data=b"# Returns\n\nWithin 30 days.", filename="returns.md"
    )
    return document.pk


def _support_faq(store: Store) -> int:
    from apps.support.services import knowledge

    return knowledge.faq_create(store=store, actor=Actor.system(), question="Gift wrap?", answer="Yes.").pk


def _support_order(store: Store) -> int:
    from apps.support.services import orders

    return orders.order_create(store=store, actor=Actor.system(), number=f"M-{store.pk}").pk


def _target_import(store: Store, target: str) -> int:
    return DataImport.objects.create(
        store=store, target=target, original_name="a.csv", file_format="csv", size=1, file="a.csv"
    ).pk


def _review(store: Store) -> Any:
    from apps.reviews.models import Review

    return Review.objects.get_or_create(
        store=store,
        sku="ISO-R",
        text_hash=f"{store.pk:064d}",
        defaults={
            "text": "The zipper broke.",
            "language": "en",
            "rating": 2,
            "reviewed_at": timezone.now(),
            "sentiment": "negative",
            "sentiment_confidence": 0.9,
        },
    )[0]


def _aspect(store: Store) -> int:
    from apps.reviews.models import CustomAspect

    return CustomAspect.objects.create(store=store, name="battery", examples=["battery life"]).pk


def _alert(store: Store) -> int:
    from apps.reviews.models import SpikeAlert

    now = timezone.now()
    return SpikeAlert.objects.create(
        store=store,
        scope="product",
        key="ISO-R",
        window_start=now,
        window_end=now,
        window_negative=10,
        window_total=20,
        baseline_negative=2,
        baseline_total=40,
        z_score=4.0,
        p_value=0.0001,
    ).pk


def _reply(store: Store) -> int:
    from apps.reviews.models import ReplyDraft

    return ReplyDraft.objects.create(store=store, review=_review(store), language="en", text="Sorry.").pk


def _campaign(store: Store) -> Any:
    from apps.marketing.models import Campaign

    return Campaign.objects.get_or_create(store=store, name="Double 12")[0]


def _copy_request(store: Store) -> Any:
    from apps.marketing.models import CopyRequest

    return CopyRequest.objects.get_or_create(
        store=store, campaign=_campaign(store), channel="sms", defaults={"language": "en"}
    )[0]


def _copy_variant(store: Store, text: str = "Wool scarves 20% off.") -> Any:
    from apps.marketing.models import Variant

    return Variant.objects.get_or_create(store=store, request=_copy_request(store), text=text)[0]


def _ab_test(store: Store) -> int:
    from apps.marketing.models import ABTest

    return ABTest.objects.create(
        store=store,
        campaign=_campaign(store),
        variant_a=_copy_variant(store),
        variant_b=_copy_variant(store, "Warm wool scarves."),
    ).pk


def _support_conversation(store: Store) -> int:
    from apps.support.services import inbox

    return inbox.conversation_start(store=store).pk


def _dataset(store: Store) -> Any:
    from apps.training.models import TrainingDataset

    return TrainingDataset.objects.get_or_create(
        store=store, kind="sentiment", name="Stars", defaults={"content_sha256": "0" * 64}
    )[0]


def _training_run(store: Store) -> Any:
    from apps.training.models import TrainingRun

    return TrainingRun.objects.get_or_create(
        store=store, kind="sentiment", dataset=_dataset(store), defaults={"base_model": "sentiment-zh-en"}
    )[0]


def _model_version(store: Store) -> int:
    from apps.training.models import ModelVersion

    return ModelVersion.objects.get_or_create(
        store=store,
        kind="sentiment",
        number=1,
        defaults={
            "key": f"store{store.pk}-sentiment-v1",
            "run": _training_run(store),
            "base_model": "sentiment-zh-en",
            "dataset": _dataset(store),
            "path": f"versions/store-{store.pk}/v1",
        },
    )[0].pk


# How to make (or find) an object of a store for each id a route takes.
OBJECTS: dict[str, Callable[[Store], int | str]] = {
    "product_id": lambda store: _catalog(store).product.pk,
    "description_id": lambda store: _catalog(store).description.pk,
    "brand_voice_id": lambda store: _catalog(store).voice.pk,
    "job_id": _job,
    "import_id": _import,
    "membership_id": _membership,
    "invitation_id": _invitation,
    "platform": lambda store: "shopify",  # not an object: the format of an export
    "document_id": _support_document,
    "faq_id": _support_faq,
    "order_id": _support_order,
    "conversation_id": _support_conversation,
    "review_id": lambda store: _review(store).pk,
    "aspect_id": _aspect,
    "alert_id": _alert,
    "reply_id": _reply,
    "campaign_id": lambda store: _campaign(store).pk,
    "request_id": lambda store: _copy_request(store).pk,
    "variant_id": lambda store: _copy_variant(store).pk,
    "ab_test_id": _ab_test,
    "dataset_id": lambda store: _dataset(store).pk,
    "run_id": lambda store: _training_run(store).pk,
    "version_id": _model_version,
}
# An import belongs to one target: each import route is given an import of its own target.
IMPORT_TARGETS = ("catalog.products", "reviews.reviews", "support.orders", "training.review_labels")
# Route values that name no object of a store.
NOT_OBJECTS = {"store_id", "platform"}


@dataclass(frozen=True)
class Route:
    template: str  # "api/v1/stores/{store_id}/catalog/products/{product_id}/"
    name: str
    kwargs: tuple[str, ...]
    api: bool
    methods: tuple[str, ...]

    target: str = ""  # an import route's import target

    def path(self, values: dict[str, int | str]) -> str:
        if self.target and f"import:{self.target}" in values:
            values = {**values, "import_id": values[f"import:{self.target}"]}
        return "/" + self.template.format(**values)

    def __str__(self) -> str:
        return self.template


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def _template(route: str) -> tuple[str, tuple[str, ...]]:

    names = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route), names


def store_routes() -> list[Route]:
    routes = []
    for raw, pattern in _walk(get_resolver().url_patterns):
        if "<int:store_id>" not in raw:
            continue
        template, names = _template(raw)
        view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
        api = isinstance(view, type) and issubclass(view, APIView)
        if isinstance(view, type):
            methods = tuple(method for method in METHODS if hasattr(view, method))
        else:
            methods = ("get", "post")  # function views: both are tried
        # Import views are given their target by the URL configuration (pages) or as_view (API).
        target = pattern.default_args.get("target") or getattr(pattern.callback, "view_initkwargs", {}).get(
            "target", ""
        )
        routes.append(Route(template, raw, names, api, methods, target))
    return routes


ROUTES = store_routes()


def test_every_route_under_a_store_is_in_the_matrix() -> None:
    assert len(ROUTES) > 40
    unknown = {name for route in ROUTES for name in route.kwargs if name != "store_id"} - set(OBJECTS)
    assert not unknown, f"add a maker to OBJECTS for these route ids: {sorted(unknown)}"


def store_fingerprint(store: Store) -> str:
    """A digest of every row that belongs to the store, in every model with a store."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        fields = {field.name for field in model._meta.get_fields()}
        if "store" not in fields:
            continue
        rows = model.objects.filter(store=store).order_by("pk").values_list()
        digest.update(f"{model._meta.label}:{list(rows)!r}".encode())
    return digest.hexdigest()


@dataclass
class Tenant:
    store: Store
    ids: dict[str, int | str]
    api: APIClient
    web: Client


def tenant(role: str = Role.OWNER, store: Store | None = None) -> Tenant:
    membership = MembershipFactory(role=role, **({"store": store} if store else {}))
    user = membership.user
    _token, secret = api_token_create(user=user, name="matrix", actor=Actor.system())
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    web = Client()
    web.force_login(user)
    # A tenant of its own gets one object of each kind; a member joining a store uses the store's.
    ids = {} if store else {name: make(membership.store) for name, make in OBJECTS.items()}
    if not store:
        ids.update(
            {f"import:{target}": _target_import(membership.store, target) for target in IMPORT_TARGETS}
        )
    _catalogs.clear()
    return Tenant(membership.store, ids, api, web)


def call(client: APIClient | Client, method: str, path: str, *, api: bool) -> int:
    if api:
        return client.generic(method.upper(), path, data="{}", content_type="application/json").status_code
    return getattr(client, method)(path).status_code


@pytest.fixture
def mine(db: Any) -> Tenant:
    return tenant()


@pytest.fixture
def theirs(db: Any) -> Tenant:
    return tenant()


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_another_stores_routes_answer_404_and_change_nothing(
    route: Route, mine: Tenant, theirs: Tenant
) -> None:
    before = store_fingerprint(theirs.store)
    cases = {"their store": {**theirs.ids, "store_id": theirs.store.pk}}
    if set(route.kwargs) - NOT_OBJECTS:
        cases["my store, their ids"] = {**theirs.ids, "store_id": mine.store.pk}
    for case, values in cases.items():
        answers = {
            method: call(mine.api if route.api else mine.web, method, route.path(values), api=route.api)
            for method in route.methods
        }
        if route.api:
            assert set(answers.values()) == {404}, (case, answers)
        else:
            assert set(answers.values()) <= {404, 405} and 404 in answers.values(), (case, answers)
    assert store_fingerprint(theirs.store) == before


@pytest.mark.parametrize(
    "route", [route for route in ROUTES if route.api and set(route.methods) & set(WRITE_METHODS)], ids=str
)
def test_a_viewer_cannot_write(route: Route, mine: Tenant) -> None:
    viewer = tenant(Role.VIEWER, store=mine.store)
    writes = [method for method in route.methods if method in WRITE_METHODS]
    before = store_fingerprint(mine.store)
    values = {**mine.ids, "store_id": mine.store.pk}
    answers = {method: call(viewer.api, method, route.path(values), api=True) for method in writes}
    assert set(answers.values()) == {403}, answers
    assert store_fingerprint(mine.store) == before


@pytest.mark.parametrize(
    "route", [route for route in ROUTES if not route.api and route.methods == ("get", "post")], ids=str
)
def test_a_viewers_posts_to_pages_change_nothing(route: Route, mine: Tenant) -> None:
    viewer = tenant(Role.VIEWER, store=mine.store)
    before = store_fingerprint(mine.store)
    values = {**mine.ids, "store_id": mine.store.pk}
    status = call(viewer.web, "post", route.path(values), api=False)
    assert status != 404 and status < 500, status
    assert store_fingerprint(mine.store) == before
