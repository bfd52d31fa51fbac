from __future__ import annotations

from typing import Any

import pytest

from apps.inference import registry
from apps.inference.errors import InvalidRequest, ModelNotFound
from apps.inference.registry import ModelSpec, resolve_model, set_store_resolver, spec_from_dict, spec_to_dict
from apps.inference.types import ChatMessage, Generation, GenerationRequest


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"prompt": "a", "messages": [{"role": "user", "content": "b"}]},
        {"prompt": "a", "max_new_tokens": 0},
        {"prompt": "a", "temperature": -0.1},
        {"prompt": "a", "top_p": 0.0},
        {"prompt": "a", "n": 0},
    ],
)
def test_invalid_generation_requests_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        GenerationRequest(**kwargs)


def test_request_round_trips_through_json_form() -> None:
    request = GenerationRequest(
        messages=[{"role": "user", "content": "hi"}],
        stop=["\n"],
        temperature=0.7,
        seed=3,
        n=2,  # type: ignore[arg-type]
    )
    assert request.messages == (ChatMessage("user", "hi"),)
    assert request.stop == ("\n",)
    assert GenerationRequest.from_dict(request.to_dict()) == request
    generation = Generation.from_dict(
        {
            "model": "m",
            "prompt_tokens": 3,
            "choices": [{"text": "x", "finish_reason": "stop", "completion_tokens": 1}],
        }
    )
    assert (generation.text, generation.finish_reason, generation.completion_tokens) == ("x", "stop", 1)


def test_defaults_per_task() -> None:
    assert resolve_model(None, task="generate").key == "gemma-3-270m"
    assert resolve_model(None, task="embed").key == "all-minilm-l6-v2"
    assert resolve_model("multilingual-e5-small", task="embed").query_prefix == "query: "
    # The training app registers the default classifier (apps/training/sentiment.py).
    assert resolve_model(None, task="classify").key == "sentiment-zh-en"
    registry.unregister_model("sentiment-zh-en")
    try:
        with pytest.raises(ModelNotFound):
            resolve_model(None, task="classify")
    finally:
        from apps.training.sentiment import SENTIMENT_ZH_EN

        registry.register_model(SENTIMENT_ZH_EN, default=True)


def test_unknown_model_and_wrong_task_are_errors() -> None:
    with pytest.raises(ModelNotFound, match="nope"):
        resolve_model("nope", task="embed")
    with pytest.raises(InvalidRequest, match="generate model"):
        resolve_model("gemma-3-270m", task="embed")


def test_store_resolver_wins_and_falls_back() -> None:
    activated = ModelSpec(key="store-7-sentiment-v2", task="classify", path="versions/7/2")

    def resolver(store: Any, key: str | None, task: str) -> ModelSpec | None:
        return activated if store == "store-7" and task == "classify" else None

    installed = registry._store_resolver  # the training app's, put back afterwards
    set_store_resolver(resolver)
    try:
        assert resolve_model(None, task="classify", store="store-7") is activated
        assert resolve_model(None, task="generate", store="store-7").key == "gemma-3-270m"
        assert resolve_model(None, task="generate", store="store-8").key == "gemma-3-270m"
        set_store_resolver(None)
        assert resolve_model(None, task="classify", store="store-7").key == "sentiment-zh-en"
    finally:
        set_store_resolver(installed)


def test_spec_travels_as_json_and_resolves_under_models_cache(settings: Any, tmp_path: Any) -> None:
    settings.MODELS_CACHE = tmp_path
    spec = registry.get_spec("all-minilm-l6-v2")
    assert spec_from_dict(spec_to_dict(spec)) == spec
    assert spec.local_path == tmp_path / "all-minilm-l6-v2"
    assert not spec.is_installed()
