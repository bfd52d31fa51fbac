from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.accounts.actor import Actor
from apps.accounts.models import Role
from apps.accounts.services import api_token_create
from apps.inference import use_backend

from .factories import MembershipFactory, StoreFactory, UserFactory
from .inference_fake import FakeBackend


@pytest.fixture
def owner_membership(db: Any) -> Any:
    return MembershipFactory(role=Role.OWNER)


@pytest.fixture
def store(owner_membership: Any) -> Any:
    return owner_membership.store


@pytest.fixture
def owner(owner_membership: Any) -> Any:
    return owner_membership.user


@pytest.fixture
def other_store(db: Any) -> Any:
    """A store of another merchant, with its own owner, that the tests' users must never see."""
    return MembershipFactory(role=Role.OWNER, store=StoreFactory()).store


@pytest.fixture
def api_client(owner: Any) -> APIClient:
    """An API client authenticated with a real API token of the store owner."""
    _token, secret = api_token_create(user=owner, name="tests", actor=Actor.system())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def member_client(store: Any) -> Any:
    """Returns a factory: an API client for a new member of ``store`` with the given role."""

    def make(role: str) -> APIClient:
        user = UserFactory()
        MembershipFactory(user=user, store=store, role=role)
        _token, secret = api_token_create(user=user, name="tests", actor=Actor.system())
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Rate-limit counters and other cached values never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake_inference() -> Any:
    """Every inference call in the test goes to a fresh FakeBackend (tests/inference_fake.py)."""
    backend = FakeBackend()
    with use_backend(backend):
        yield backend


@pytest.fixture
def sent_tasks(monkeypatch: Any) -> list[tuple[str, tuple[Any, ...], str]]:
    """Tasks queued by name (``apps.core.tasks.enqueue_on_commit``), recorded instead of reaching the broker.

    Each is ``(name, args, queue)``; a test runs the task function itself with those arguments.
    """
    from celery import current_app

    sent: list[tuple[str, tuple[Any, ...], str]] = []

    def send_task(name: str, args: Any = (), queue: str = "default", **options: Any) -> None:
        sent.append((name, tuple(args), queue))

    monkeypatch.setattr(current_app, "send_task", send_task)
    return sent
