"""The top-layers split: cached bottom states feed the top exactly like the whole model."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.inference.tiny_models import build_encoder

TEXTS = ["great price good quality", "delivery was late", "ok", "质量很好，物流很快"]


@pytest.fixture
def encoder(tmp_path: Path) -> tuple[object, object]:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = build_encoder(tmp_path / "encoder", classifier=True)
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    model.eval()
    return model, AutoTokenizer.from_pretrained(folder)


@pytest.mark.parametrize("frozen", [0, 1, 2])
def test_the_top_on_cached_states_gives_the_whole_models_logits(
    encoder: tuple[object, object], frozen: int
) -> None:
    import torch

    from apps.training.engine.frozen import frozen_states, pad_states, top_only

    model, tokenizer = encoder
    ids = [tokenizer(text)["input_ids"] for text in TEXTS]  # type: ignore[operator]
    states = frozen_states(model, tokenizer, ids, frozen, batch=3)
    assert [state.shape[0] for state in states] == [len(row) for row in ids]  # unpadded, in order
    with torch.inference_mode():
        whole = [model.base_model(input_ids=torch.tensor([row])).last_hidden_state[0] for row in ids]  # type: ignore[attr-defined]
        with top_only(model, frozen):
            hidden, mask = pad_states(states)
            top = model.base_model(inputs_embeds=hidden, attention_mask=mask).last_hidden_state  # type: ignore[attr-defined]
    assert len(model.base_model.encoder.layer) == 2  # type: ignore[attr-defined]  # restored after
    for row, states_whole in enumerate(whole):
        # The last layer's output is layer-normed (values of order 1); float16 states keep it to ~1e-3.
        assert torch.allclose(top[row, : len(ids[row])], states_whole, atol=1e-2)


def test_the_top_on_states_of_another_split_does_not_match(encoder: tuple[object, object]) -> None:
    import torch

    from apps.training.engine.frozen import frozen_states, pad_states, top_only

    model, tokenizer = encoder
    ids = [tokenizer(TEXTS[0])["input_ids"]]  # type: ignore[operator]
    states = frozen_states(model, tokenizer, ids, 1)
    with torch.inference_mode():
        whole = model.base_model(input_ids=torch.tensor(ids)).last_hidden_state[0]  # type: ignore[attr-defined]
        with top_only(model, 0):  # both layers again on states that already went through one
            hidden, mask = pad_states(states)
            top = model.base_model(inputs_embeds=hidden, attention_mask=mask).last_hidden_state[0]  # type: ignore[attr-defined]
    assert not torch.allclose(top, whole, atol=1e-2)


def test_caching_stops_with_nothing_when_the_run_is_cancelled(encoder: tuple[object, object]) -> None:
    from apps.training.engine.frozen import with_states

    model, tokenizer = encoder
    rows = [{"input_ids": tokenizer(text)["input_ids"], "labels": 0} for text in TEXTS * 40]  # type: ignore[operator]
    asked = []

    def stop() -> bool:
        asked.append(True)
        return True

    assert with_states(model, tokenizer, rows, 1, stop) == []
    assert len(asked) == 1  # checked after the first batch, not after all of them
    kept = with_states(model, tokenizer, rows, 1, lambda: False)
    assert len(kept) == len(rows) and all(row["states"].shape[0] == len(row["input_ids"]) for row in kept)
