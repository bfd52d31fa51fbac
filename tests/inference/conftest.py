from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from apps.inference.registry import ModelSpec, register_model, unregister_model

from .tiny_models import build_causal_lm, build_encoder

CHAT_TEMPLATE = (
    "{% for message in messages %}{{ message['role'] }} {{ message['content'] }} {% endfor %}"
    "{% if add_generation_prompt %}assistant{% endif %}"
)


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny checkpoints, built once per test session."""
    root = tmp_path_factory.mktemp("tiny_models")
    build_causal_lm(root / "lm")
    build_encoder(root / "encoder", classifier=False)
    build_encoder(root / "classifier", classifier=True)
    chat = build_causal_lm(root / "chat-lm")
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(chat)
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(chat)
    return root


@pytest.fixture(scope="session")
def tiny_specs(tiny_dir: Path) -> dict[str, ModelSpec]:
    return {
        "lm": ModelSpec(
            key="tiny-lm", task="generate", path=str(tiny_dir / "lm"), max_length=96, max_batch=4
        ),
        "chat": ModelSpec(key="tiny-chat", task="generate", path=str(tiny_dir / "chat-lm"), max_length=96),
        "encoder": ModelSpec(
            key="tiny-encoder",
            task="embed",
            path=str(tiny_dir / "encoder"),
            max_length=16,
            max_batch=3,
            query_prefix="great ",
            passage_prefix="",
        ),
        "classifier": ModelSpec(
            key="tiny-classifier",
            task="classify",
            path=str(tiny_dir / "classifier"),
            max_length=16,
            max_batch=3,
        ),
    }


@pytest.fixture
def registered(tiny_specs: dict[str, ModelSpec]) -> Iterator[dict[str, ModelSpec]]:
    """The tiny models registered in the model registry for the duration of a test."""
    for spec in tiny_specs.values():
        register_model(spec)
    yield tiny_specs
    for spec in tiny_specs.values():
        unregister_model(spec.key)


@pytest.fixture
def local(tiny_specs: dict[str, ModelSpec]):  # type: ignore[no-untyped-def]
    """(LocalBackend, loader) for tests that drive the engine directly."""
    from apps.inference.backends.local import LocalBackend
    from apps.inference.engine.loading import get_loaded

    return LocalBackend(), get_loaded


@pytest.fixture
def on_forward(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any, Callable[[], Any]], list[Any]]:
    """``seen = on_forward(model, probe)`` records ``probe()`` at each call of the model's forward."""

    def attach(model: Any, probe: Callable[[], Any]) -> list[Any]:
        seen: list[Any] = []
        original = model.forward

        def forward(*args: Any, **kwargs: Any) -> Any:
            seen.append(probe())
            return original(*args, **kwargs)

        monkeypatch.setattr(model, "forward", forward)
        return seen

    return attach
