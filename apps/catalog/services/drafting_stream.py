"""One product's draft streamed as it is written: NDJSON events for the API and the product page.

``description_generate_stream_async`` is what the web server runs (ASGI): the tokens are relayed by
the event loop, so a merchant waiting on the model holds no thread, and the other candidates are
asked for at the same moment as the streamed one, so they share the running batch. The plain
iterator ``description_generate_stream`` serves the same events under WSGI (tests, ``runserver``).
Both share the steps below: the plan (prompt and limits, from the database) and the save.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.utils.translation import gettext as _

from apps import inference
from apps.accounts.actor import Actor
from apps.core.errors import ApplicationError

from .. import generation
from ..models import Product
from ..text.drafts import Draft, drafts_plan
from ..text.options import GenerationOptions
from ..text.planning import planned_max_new_tokens
from ..text.prompting import Prompt
from .drafting import description_draft_save, description_prompt

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Plan:
    product: Product
    options: GenerationOptions
    prompt: Prompt
    limit: int


def _plan(product: Product, options: GenerationOptions) -> _Plan:
    options = options.for_language(product.language)
    prompt = description_prompt(product=product, options=options)
    return _Plan(product, options, prompt, planned_max_new_tokens(prompt.facts, options))


def _saved(plan: _Plan, drafts: list[Draft], model: tuple[str, str], actor: Actor) -> dict[str, Any]:
    """The saved version's event."""
    version = description_draft_save(
        product=plan.product,
        options=plan.options,
        prompt=plan.prompt,
        scored=drafts_plan(prompt=plan.prompt, options=plan.options, drafts=drafts),
        model_key=model[0],
        model_version=model[1],
        actor=actor,
    )
    return {
        "version": version.number,
        "description": version.description_id,
        "text": version.text,
        "score": version.score,
        "coverage": version.coverage,
        "flags": version.flags,
        "spans": version.spans,
    }


def _stream_error(error: Exception) -> dict[str, str]:
    """The event for a failure mid-stream, coded as the API would answer it."""
    if isinstance(error, ApplicationError):
        return {"error": error.message, "code": error.code}
    if isinstance(error, inference.InferenceError):
        public = inference.public_error(error)
        if not public.client_fault:
            logger.warning("catalog: streamed generation failed (%s): %s", public.code, error)
        return {"error": public.message, "code": public.code}
    logger.exception("catalog: streamed generation failed", exc_info=error)
    return {"error": _("Generation failed; the error was logged."), "code": "generation_failed"}


def description_generate_stream(
    *, product: Product, actor: Actor, options: GenerationOptions
) -> Iterator[dict[str, Any]]:
    """The first candidate as it is written ({"delta": ...}), then the others in one batch, then the saved
    version ({"version": n, "score": ..., "flags": [...]}) or an error ({"error": ..., "code": ...})."""
    try:
        plan = _plan(product, options)
        pieces: list[str] = []
        finish = "stop"
        for delta, finish_reason in generation.draft_stream(
            prompt=plan.prompt.text, options=plan.options, store=product.store, max_tokens=plan.limit
        ):
            pieces.append(delta)
            finish = finish_reason or finish
            if delta:
                yield {"delta": delta}
        drafts = [Draft(text="".join(pieces), finish_reason=finish)]
        model = generation.model_identity(store=product.store)
        if plan.options.candidates > 1:
            yield {"status": "scoring"}
            batch = generation.drafts_generate(
                prompts=[plan.prompt.text],
                options=plan.options,
                store=product.store,
                n=plan.options.candidates - 1,
                max_tokens=[plan.limit],
            )
            drafts += batch.drafts[0]
            model = (batch.model_key, batch.model_version)
        saved = _saved(plan, drafts, model, actor)
    except Exception as error:  # the page shows it; the stream must end cleanly
        yield _stream_error(error)
        return
    yield saved


async def description_generate_stream_async(
    *, product: Product, actor: Actor, options: GenerationOptions
) -> AsyncIterator[dict[str, Any]]:
    """The events of ``description_generate_stream``, served by the event loop. A client that goes away
    closes this generator, which closes the worker streams and cancels the other candidates."""
    others: asyncio.Task[generation.DraftBatch] | None = None
    try:
        plan = await sync_to_async(_plan)(product, options)
        if plan.options.candidates > 1:
            others = asyncio.ensure_future(
                generation.adrafts_generate(
                    prompts=[plan.prompt.text],
                    options=plan.options,
                    store=product.store,
                    n=plan.options.candidates - 1,
                    max_tokens=[plan.limit],
                )
            )
        pieces: list[str] = []
        finish = "stop"
        stream = generation.adraft_stream(
            prompt=plan.prompt.text, options=plan.options, store=product.store, max_tokens=plan.limit
        )
        try:
            async for delta, finish_reason in stream:
                pieces.append(delta)
                finish = finish_reason or finish
                if delta:
                    yield {"delta": delta}
        finally:
            await stream.aclose()  # type: ignore[attr-defined]
        drafts = [Draft(text="".join(pieces), finish_reason=finish)]
        model = await sync_to_async(generation.model_identity)(store=product.store)
        if others is not None:
            yield {"status": "scoring"}
            batch = await others
            drafts += batch.drafts[0]
            model = (batch.model_key, batch.model_version)
        saved = await sync_to_async(_saved)(plan, drafts, model, actor)
    except Exception as error:  # the page shows it; the stream must end cleanly
        yield await sync_to_async(_stream_error)(error)
        return
    finally:
        if others is not None and not others.done():
            others.cancel()
    yield saved
