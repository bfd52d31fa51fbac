"""The packed encoder pass against the stock transformers forward pass, on tiny random models."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
import torch

from apps.inference.engine import loading, matmul
from apps.inference.engine.encoders import classify, embed
from apps.inference.engine.packed_encoder import SHORT_ATTENTION_MAX, PackedEncoder

pytestmark = pytest.mark.skipif(not matmul.onednn_available(), reason="this torch build has no oneDNN")

# Unsorted, with runs of equal lengths, a single token and texts past the short-attention path
# (two side by side, which share one call).
LONG = SHORT_ATTENTION_MAX + 9
LENGTHS = [7, 3, 3, 1, 12, 7, 7, LONG, LONG, 2, SHORT_ATTENTION_MAX, 12]
PAD_ID = 1


def _config(model_type: str, **overrides: Any) -> Any:
    from transformers import BertConfig, RobertaConfig, XLMRobertaConfig

    config_class = {"bert": BertConfig, "roberta": RobertaConfig, "xlm-roberta": XLMRobertaConfig}[model_type]
    values: dict[str, Any] = {
        "vocab_size": 60,
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 48,
        "max_position_embeddings": 128,
        "num_labels": 3,
        "pad_token_id": PAD_ID,
    }
    values.update(overrides)
    return config_class(**values)


def _model(model_type: str, classifier: bool, **overrides: Any) -> Any:
    from transformers import AutoModel, AutoModelForSequenceClassification

    torch.manual_seed(0)
    auto = AutoModelForSequenceClassification if classifier else AutoModel
    model = auto.from_config(_config(model_type, **overrides), attn_implementation="eager")
    # Non-zero biases and norms, so a term dropped from the packed pass shows, and weights large
    # enough for peaked attention and for GELU's curve to matter (the default init keeps both
    # near their linear range, where a wrong scale or approximation goes unseen).
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "bias" in name or "LayerNorm" in name:
                parameter.add_(torch.randn_like(parameter) * 0.1)
            elif parameter.dim() == 2 and "embeddings" not in name:
                parameter.normal_(std=0.25)
    return model.eval()


def _token_ids(lengths: list[int]) -> list[list[int]]:
    """Random ids; two texts hold the padding id mid-text, as a literal "<pad>" in a review does
    (RoBERTa positions skip it)."""
    generator = torch.Generator().manual_seed(1)
    texts = [torch.randint(3, 60, (length,), generator=generator).tolist() for length in lengths]
    for text in texts[0:1] + texts[4:5]:
        text[len(text) // 2] = PAD_ID
    return texts


def _stock(model: Any, token_ids: list[list[int]], pad_id: int = PAD_ID) -> tuple[Any, torch.Tensor]:
    """The transformers forward pass over the texts right-padded to the longest."""
    longest = max(len(ids) for ids in token_ids)
    ids = torch.tensor([row + [pad_id] * (longest - len(row)) for row in token_ids])
    mask = torch.tensor([[1] * len(row) + [0] * (longest - len(row)) for row in token_ids])
    with torch.inference_mode():
        return model(input_ids=ids, attention_mask=mask), mask


def _close(got: torch.Tensor, want: torch.Tensor) -> None:
    assert got.shape == want.shape
    assert float((got - want).abs().max()) < 1e-4 * max(1.0, float(want.abs().max()))


def _packed_and_stock(
    model_type: str, classifier: bool, backend: str = "onednn"
) -> tuple[PackedEncoder, list[list[int]], Any, Any]:
    """A tiny model's packed pass, the test texts, and the stock outputs and mask for them."""
    model = _model(model_type, classifier=classifier)
    packed = PackedEncoder.build(model, backend)
    assert packed is not None and packed.backend == backend
    token_ids = _token_ids(LENGTHS)
    stock, mask = _stock(model, token_ids)
    return packed, token_ids, stock, mask


@pytest.mark.parametrize("backend", ["onednn", "blas"])
@pytest.mark.parametrize("model_type", ["bert", "roberta", "xlm-roberta"])
def test_hidden_states_and_pooling_match_transformers(model_type: str, backend: str) -> None:
    packed, token_ids, stock, mask = _packed_and_stock(model_type, classifier=False, backend=backend)
    with torch.inference_mode():
        batch = packed.encode(token_ids)
        for text, (start, length) in enumerate(
            zip(batch.starts.tolist(), batch.lengths.tolist(), strict=True)
        ):
            _close(batch.hidden[start : start + length], stock.last_hidden_state[text, :length])
        means = (stock.last_hidden_state * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
        _close(packed.pooled(token_ids, "mean"), means)
        _close(packed.pooled(token_ids, "cls"), stock.last_hidden_state[:, 0])


@pytest.mark.parametrize("backend", ["onednn", "blas"])
@pytest.mark.parametrize("model_type", ["bert", "roberta", "xlm-roberta"])
def test_classification_logits_match_transformers(model_type: str, backend: str) -> None:
    packed, token_ids, stock, _mask = _packed_and_stock(model_type, classifier=True, backend=backend)
    with torch.inference_mode():
        _close(packed.classify_logits(token_ids), stock.logits)


def test_the_model_is_left_as_it_was() -> None:
    model = _model("bert", classifier=True)
    before = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    packed = PackedEncoder.build(model)
    assert packed is not None
    with torch.inference_mode():
        packed.classify_logits(_token_ids([4, 9]))
    after = model.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[name], after[name]) for name in before)


def test_an_empty_batch_or_text_is_refused() -> None:
    packed = PackedEncoder.build(_model("bert", classifier=False))
    assert packed is not None
    with pytest.raises(ValueError, match="at least one token"):
        packed.encode([])
    with pytest.raises(ValueError, match="at least one token"):
        packed.encode([[5, 6], []])


def _int8_like(model: Any) -> Any:
    class Replaced(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    model.base_model.encoder.layer[0].intermediate.dense = Replaced()
    return model


def _without_pooler(model: Any) -> Any:
    model.bert.pooler = None
    return model


@pytest.mark.parametrize(
    "make",
    [
        # transformers 5 ignores the position type, 4.x (which pyproject allows) does not.
        pytest.param(lambda: _model("bert", False, position_embedding_type="relative_key"), id="relative"),
        pytest.param(lambda: _model("bert", False, hidden_act="relu"), id="relu"),
        pytest.param(lambda: _model("bert", False).to(torch.bfloat16), id="bf16"),
        pytest.param(lambda: _model("bert", False, is_decoder=True), id="decoder"),
        pytest.param(lambda: _int8_like(_model("bert", False)), id="replaced-linear"),
        pytest.param(lambda: _without_pooler(_model("bert", True)), id="no-pooler"),
        pytest.param(lambda: _model("bert", True).train(), id="training"),
    ],
)
def test_other_encoders_keep_the_transformers_pass(make: Callable[[], Any]) -> None:
    assert PackedEncoder.build(make()) is None


def test_other_architectures_keep_the_transformers_pass() -> None:
    from transformers import DistilBertConfig, DistilBertModel

    config = DistilBertConfig(vocab_size=60, dim=32, n_layers=1, n_heads=4, hidden_dim=48)
    assert PackedEncoder.build(DistilBertModel(config).eval()) is None


@pytest.fixture
def engine_settings(settings) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    matmul.reset_for_tests()
    settings.INFERENCE_CPU_MATMUL = "onednn"
    yield settings
    matmul.reset_for_tests()


TEXTS = [
    "the shirt fits well and the fabric is soft, the shirt fits well",
    "great",
    "delivery was late",
    "box",
    "great price good quality",
    "colour faded after one wash very disappointed",
]


@pytest.mark.parametrize("backend", ["onednn", "blas"])
def test_the_engine_packs_encoders_on_either_library_and_agrees_with_the_stock_pass(
    tiny_specs, engine_settings, backend
) -> None:  # type: ignore[no-untyped-def]
    engine_settings.INFERENCE_CPU_MATMUL = backend
    packed_classifier = loading.load(tiny_specs["classifier"])
    packed_encoder = loading.load(tiny_specs["encoder"])
    assert packed_classifier.packed is not None and packed_encoder.packed is not None
    assert packed_classifier.packed.backend == packed_encoder.packed.backend == backend
    engine_settings.INFERENCE_CPU_PACKED_ENCODERS = False
    stock_classifier = loading.load(replace(tiny_specs["classifier"], key="stock-classifier"))
    stock_encoder = loading.load(replace(tiny_specs["encoder"], key="stock-encoder"))
    assert stock_classifier.packed is None and stock_encoder.packed is None

    for got, want in zip(classify(packed_classifier, TEXTS), classify(stock_classifier, TEXTS), strict=True):
        assert got.label == want.label
        assert got.scores == pytest.approx(want.scores, abs=1e-5)
    for kind in ("passage", "query"):
        pairs = zip(
            embed(packed_encoder, TEXTS, kind=kind), embed(stock_encoder, TEXTS, kind=kind), strict=True
        )
        for got_vector, want_vector in pairs:
            assert got_vector.tokens == want_vector.tokens
            assert got_vector.vector == pytest.approx(want_vector.vector, abs=1e-5)


def test_int8_linear_layers_keep_the_transformers_pass(tiny_specs, engine_settings) -> None:  # type: ignore[no-untyped-def]
    int8 = loading.load(replace(tiny_specs["classifier"], key="int8-classifier", cpu_quantization="int8"))
    assert int8.quantized and int8.packed is None


def test_the_cache_makes_room_for_the_packed_copy(tiny_specs, engine_settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from apps.inference.engine.sizing import PACKED_ENCODER_TENSORS, weights_nbytes

    spec = tiny_specs["classifier"]
    estimates: list[int | None] = []

    class Recording:
        def get(self, key: Any, load: Callable[[], Any], *, expected_bytes: Callable[[], int | None]) -> Any:
            estimates.append(expected_bytes())
            return load()

    monkeypatch.setattr(loading, "_cache", Recording())
    loaded = loading.get_loaded(spec)
    assert loaded.packed is not None
    copied = weights_nbytes(spec.local_path, torch.float32, only=PACKED_ENCODER_TENSORS)
    assert copied == loaded.packed.nbytes
    assert estimates == [weights_nbytes(spec.local_path, torch.float32) + copied]  # type: ignore[operator]
