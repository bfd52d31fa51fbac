"""Streamed drafts under ASGI (the web server ``serve`` and compose run): served from the event loop, with
the same events as under WSGI, and many merchants' streams open at once without one waiting on another."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient

from apps.accounts.actor import Actor
from apps.accounts.models import Role
from apps.accounts.services import api_token_create
from apps.catalog.models import Description
from apps.catalog.services import products
from apps.inference import GenerationRequest, ModelSpec, StreamEvent, use_backend
from apps.inference.types import Generation
from tests.async_run import run_async
from tests.factories import MembershipFactory
from tests.inference_fake import FakeBackend

from .fakes import draft

pytestmark = pytest.mark.django_db(transaction=True)


def run(scenario: Any) -> None:
    run_async(scenario)


@dataclass
class GatedBackend(FakeBackend):
    """The fake writer with the async forms the worker's endpoint offers: each stream sends its first
    piece, then waits for ``gate`` before the rest, as a model still decoding would."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    first_pieces: int = 0
    closed: int = 0

    async def agenerate(self, requests: Sequence[GenerationRequest], spec: ModelSpec) -> list[Generation]:
        await self.gate.wait()
        return self.generate(requests, spec)

    async def agenerate_stream(
        self, request: GenerationRequest, spec: ModelSpec
    ) -> AsyncIterator[StreamEvent]:
        events = list(self.generate_stream(request, spec))
        try:
            yield events[0]
            self.first_pieces += 1
            await self.gate.wait()
            for event in events[1:]:
                yield event
        finally:
            self.closed += 1


def _owner_with_product(sku: str) -> tuple[str, str]:
    membership = MembershipFactory(role=Role.OWNER)
    _token, secret = api_token_create(user=membership.user, name="asgi", actor=Actor.system())
    product = products.product_create(
        store=membership.store,
        actor=Actor.system(),
        sku=sku,
        title="Stoneware mug",
        attributes={"capacity": "350 ml", "material": "stoneware", "colour": "blue"},
    )
    return secret, f"/api/v1/stores/{membership.store_id}/catalog/products/{product.pk}/describe/?stream=1"


async def _events(client: AsyncClient, url: str, secret: str) -> list[dict[str, Any]]:
    response = await client.post(
        url,
        {"target_length": 20, "candidates": 2},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200
    assert response.is_async, "under ASGI the stream is served from an async iterator"
    body = b"".join([chunk async for chunk in response.streaming_content])
    return [json.loads(line) for line in body.decode().splitlines()]


def test_many_streams_are_open_at_once_and_each_is_saved() -> None:
    run(_many_streams_are_open_at_once_and_each_is_saved)


async def _many_streams_are_open_at_once_and_each_is_saved() -> None:
    streams = 12
    users = [await sync_to_async(_owner_with_product)(f"M{n}") for n in range(streams)]
    backend = GatedBackend(writer=draft)
    with use_backend(backend):
        client = AsyncClient()
        running = [asyncio.ensure_future(_events(client, url, secret)) for secret, url in users]
        # Every stream has sent its first piece while none could finish: none waits for a free thread.
        for _ in range(600):
            if backend.first_pieces == streams:
                break
            await asyncio.sleep(0.05)
        assert backend.first_pieces == streams
        assert not any(task.done() for task in running)
        backend.gate.set()
        results = await asyncio.gather(*running)
    for events in results:
        assert events[0]["delta"]
        assert {"status": "scoring"} in events
        assert events[-1]["version"] == 1 and events[-1]["text"]
        # The streamed text is one of the two candidates the version keeps.
        streamed = "".join(event.get("delta", "") for event in events)
        assert streamed.strip()
    assert await sync_to_async(Description.objects.count)() == streams
    assert backend.closed == streams


def test_the_asgi_stream_sends_the_same_events_as_the_wsgi_one() -> None:
    run(_the_asgi_stream_sends_the_same_events_as_the_wsgi_one)


async def _the_asgi_stream_sends_the_same_events_as_the_wsgi_one() -> None:
    secret, url = await sync_to_async(_owner_with_product)("SAME")
    backend = GatedBackend(writer=draft)
    backend.gate.set()
    with use_backend(backend):
        asgi_events = await _events(AsyncClient(), url, secret)

    def wsgi_events() -> list[dict[str, Any]]:
        from django.test import Client

        response = Client().post(
            url,
            {"target_length": 20, "candidates": 2},
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert not response.is_async
        return [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]

    with use_backend(FakeBackend(writer=draft)):
        plain = await sync_to_async(wsgi_events)()
    strip = [{key: value for key, value in event.items() if key != "version"} for event in plain]
    assert [{k: v for k, v in e.items() if k != "version"} for e in asgi_events] == strip
    assert (asgi_events[-1]["version"], plain[-1]["version"]) == (1, 2)


def test_a_failure_mid_stream_ends_with_a_coded_error() -> None:
    run(_a_failure_mid_stream_ends_with_a_coded_error)


async def _a_failure_mid_stream_ends_with_a_coded_error() -> None:
    secret, url = await sync_to_async(_owner_with_product)("ERR")

    @dataclass
    class Failing(GatedBackend):
        async def agenerate_stream(  # type: ignore[override]
            self, request: GenerationRequest, spec: ModelSpec
        ) -> AsyncIterator[StreamEvent]:
            from apps.inference import TransientInferenceError

            yield StreamEvent(delta="Blue")
            raise TransientInferenceError("the worker went away: /secret/path")

    backend = Failing(writer=draft)
    backend.gate.set()
    with use_backend(backend):
        events = await _events(AsyncClient(), url, secret)
    assert events[0] == {"delta": "Blue"}
    assert events[-1]["code"] and "/secret/path" not in events[-1]["error"]
    assert await sync_to_async(Description.objects.count)() == 0


def test_bad_options_and_another_stores_product_are_refused_before_any_stream() -> None:
    run(_bad_options_and_another_stores_product_are_refused_before_any_stream)


async def _bad_options_and_another_stores_product_are_refused_before_any_stream() -> None:
    secret, url = await sync_to_async(_owner_with_product)("MINE")
    other_secret, other_url = await sync_to_async(_owner_with_product)("THEIRS")
    backend = GatedBackend(writer=draft)
    backend.gate.set()
    client = AsyncClient()
    headers = {"Authorization": f"Bearer {secret}"}
    with use_backend(backend):
        malformed = await client.post(url, "{not json", content_type="application/json", headers=headers)
        wrong = await client.post(
            url, {"target_length": "long", "candidates": -3}, content_type="application/json", headers=headers
        )
        # The other merchant's product, through my store's URL and through theirs.
        mine_with_theirs = url.replace(
            url.split("/products/")[1].split("/")[0], other_url.split("/products/")[1].split("/")[0]
        )
        foreign = await client.post(mine_with_theirs, {}, content_type="application/json", headers=headers)
        their_store = await client.post(other_url, {}, content_type="application/json", headers=headers)
    assert malformed.status_code == 400 and not malformed.streaming
    details = wrong.json()["error"]["details"]
    assert wrong.status_code == 400 and {"target_length", "candidates"} <= set(details)
    assert (foreign.status_code, their_store.status_code) == (404, 404)
    assert backend.calls == []  # nothing reached the model
    assert other_secret  # the other merchant exists with a token of their own
    assert await sync_to_async(Description.objects.count)() == 0
