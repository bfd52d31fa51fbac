"""CPU kernel choices: oneDNN Linear layers, encoder attention, int8 weight range.

Each path is checked against what stock torch/transformers compute, on tiny models loaded
through the engine's own loading code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from apps.inference.engine import attention, loading, matmul
from apps.inference.engine.encoders import classify, embed
from apps.inference.engine.quantization import SmoothedInt8Linear, weight_qmax

needs_onednn = pytest.mark.skipif(not matmul.onednn_available(), reason="this torch build has no oneDNN")


@pytest.fixture
def matmul_choice(settings) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """Lets a test set INFERENCE_CPU_MATMUL; the per-process choice is made again after it."""
    matmul.reset_for_tests()
    yield settings
    matmul.reset_for_tests()


def _relative_error(approx: torch.Tensor, exact: torch.Tensor) -> float:
    return float((approx - exact).norm() / exact.norm())


@needs_onednn
@pytest.mark.parametrize("bias", [True, False])
def test_onednn_linear_matches_torch(bias: bool) -> None:
    generator = torch.Generator().manual_seed(0)
    linear = torch.nn.Linear(96, 40, bias=bias)
    x = torch.randn(3, 7, 96, generator=generator)
    with torch.inference_mode():
        exact = linear(x)
        linear.__class__ = matmul.OneDnnLinear
        got = linear(x)
    assert got.shape == exact.shape == (3, 7, 40)
    assert _relative_error(got, exact) < 1e-5


@needs_onednn
def test_onednn_post_ops_and_packed_weights_match_torch() -> None:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(9, 48, generator=generator)
    weight = torch.randn(40, 48, generator=generator) * 0.3
    bias = torch.randn(40, generator=generator)
    residual = torch.randn(9, 40, generator=generator)
    with torch.inference_mode():
        exact = torch.nn.functional.linear(x, weight, bias)
        for w in (weight, matmul.pack_weight(weight, 16)):
            assert _relative_error(matmul.onednn_linear(x, w, bias), exact) < 1e-5
            # The exact GELU: the tanh approximation differs by ~1e-3 at these magnitudes.
            gelu = matmul.onednn_linear(x, w, bias, "gelu")
            assert float((gelu - torch.nn.functional.gelu(exact)).abs().max()) < 1e-4
            assert _relative_error(matmul.onednn_linear_add(x, residual, w, bias), exact + residual) < 1e-5


@needs_onednn
def test_onednn_linear_is_the_stock_layer_under_autograd() -> None:
    linear = torch.nn.Linear(8, 4)
    linear.__class__ = matmul.OneDnnLinear
    x = torch.randn(2, 8, requires_grad=True)
    linear(x).sum().backward()  # the oneDNN op has no backward; the stock one runs instead
    assert x.grad is not None and linear.weight.grad is not None


@needs_onednn
def test_switch_keeps_tied_weights_and_state_dict(tiny_specs, matmul_choice) -> None:  # type: ignore[no-untyped-def]
    matmul_choice.INFERENCE_CPU_MATMUL = "blas"
    reference = loading.load(replace(tiny_specs["lm"], key="lm-ref"))
    keys = set(reference.model.state_dict())
    switched = matmul.use_onednn_linears(reference.model)
    assert switched > 0
    assert not any(type(module) is torch.nn.Linear for module in reference.model.modules())
    assert set(reference.model.state_dict()) == keys
    assert reference.model.lm_head.weight is reference.model.get_input_embeddings().weight


@needs_onednn
def test_loaded_models_follow_the_setting_and_agree(tiny_specs, matmul_choice) -> None:  # type: ignore[no-untyped-def]
    texts = [
        "delivery was late",
        "great price good quality",
        "the shoes are too small but the colour is nice",
    ]
    results = {}
    for choice in ("blas", "onednn"):
        matmul.reset_for_tests()
        matmul_choice.INFERENCE_CPU_MATMUL = choice
        loaded = loading.load(replace(tiny_specs["classifier"], key=f"classifier-{choice}"))
        kinds = {type(module) for module in loaded.model.modules() if isinstance(module, torch.nn.Linear)}
        assert kinds == ({matmul.OneDnnLinear} if choice == "onednn" else {torch.nn.Linear})
        results[choice] = classify(loaded, texts)
    for a, b in zip(results["blas"], results["onednn"], strict=True):
        assert a.label == b.label
        assert b.scores == pytest.approx(a.scores, abs=1e-5)


def test_the_choice_is_measured_per_model_at_its_own_layers_once_and_overridable(  # type: ignore[no-untyped-def]
    tiny_specs, matmul_choice, monkeypatch
) -> None:
    calls: list[tuple[matmul.Items, int, bool]] = []
    seconds = {"blas": 2.0, "onednn": 1.0}

    def measured(items, rows, *, packed=False, repeats=3):  # type: ignore[no-untyped-def]
        calls.append((items, rows, packed))
        return seconds["blas"], seconds["onednn"]

    monkeypatch.setattr(matmul, "onednn_available", lambda: True)
    monkeypatch.setattr(matmul, "measure", measured)
    matmul_choice.INFERENCE_CPU_MATMUL = "auto"
    lm = loading.load(replace(tiny_specs["lm"], key="lm-a"))
    # A generator at one row and at a batch of rows, each time over every Linear layer's own
    # weight (the output projection, tied to the embeddings, included).
    assert [rows for _items, rows, _packed in calls] == [1, tiny_specs["lm"].max_batch]
    linears = [module for module in lm.model.modules() if isinstance(module, torch.nn.Linear)]
    for items, _rows, packed in calls:
        assert not packed
        assert [weight for weight, _bias, _count, _post in items] == [linear.weight for linear in linears]
        assert any(weight is lm.model.get_input_embeddings().weight for weight, *_ in items)
        assert {post for *_, post in items} == {""}
    assert lm.cpu_matmul is not None and lm.cpu_matmul.backend == "onednn"
    assert "BLAS 4000.00 ms, oneDNN 2000.00 ms" in lm.cpu_matmul.reason
    # Same shapes again: no new measurement.
    loading.load(replace(tiny_specs["lm"], key="lm-b"))
    assert len(calls) == 2
    # An encoder: the packed pass's products at a full bucket's tokens, one weight per shape
    # counted as often as it runs, each with what follows it in the pass.
    seconds["onednn"] = 1.95  # within the margin: not worth leaving torch's default
    classifier = loading.load(tiny_specs["classifier"])
    items, rows, packed = calls[2]
    config = classifier.model.config
    assert rows == loading.matmul_rows(tiny_specs["classifier"])[0] and packed
    assert [(weight.shape[1], weight.shape[0], count, post) for weight, _bias, count, post in items] == [
        (config.hidden_size, 3 * config.hidden_size, config.num_hidden_layers, ""),
        (config.hidden_size, config.hidden_size, config.num_hidden_layers, "add"),
        (config.hidden_size, config.intermediate_size, config.num_hidden_layers, "gelu"),
        (config.intermediate_size, config.hidden_size, config.num_hidden_layers, "add"),
    ]
    assert classifier.cpu_matmul is not None and classifier.cpu_matmul.backend == "blas"
    assert classifier.packed is not None and classifier.packed.backend == "blas"
    assert {type(module) for module in classifier.model.modules() if isinstance(module, torch.nn.Linear)} == {
        torch.nn.Linear
    }
    matmul.reset_for_tests()
    matmul_choice.INFERENCE_CPU_MATMUL = "ONEDNN"
    assert matmul.choose_for(lm.model, (1,)).backend == "onednn"
    assert len(calls) == 3
    matmul_choice.INFERENCE_CPU_MATMUL = "gpu"
    with pytest.raises(ValueError, match="INFERENCE_CPU_MATMUL"):
        matmul.choose_for(lm.model, (1,))


def test_many_rows_time_one_layer_per_shape_few_rows_every_layer() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.Linear(4, 8), torch.nn.Linear(8, 4))
    every = matmul.model_items(model, matmul.MEMORY_BOUND_ROWS)
    assert [(weight, count) for weight, _bias, count, _post in every] == [
        (layer.weight, 1) for layer in model
    ]
    one_each = matmul.model_items(model, matmul.MEMORY_BOUND_ROWS + 1)
    assert [(weight, count) for weight, _bias, count, _post in one_each] == [
        (model[0].weight, 2),
        (model[1].weight, 1),
    ]


def test_linear_shapes_count_each_shape_and_skip_other_dtypes() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.Linear(4, 8), torch.nn.Linear(8, 4))
    model.append(torch.nn.Linear(8, 4).to(torch.bfloat16))
    assert matmul.linear_shapes(model) == ((4, 8, 1), (8, 4, 2))


@needs_onednn
def test_the_measurement_runs_both_libraries() -> None:
    for packed in (False, True):
        blas, onednn = matmul.measure(
            matmul.shape_items(((16, 8, 2), (8, 16, 1))), 4, packed=packed, repeats=1
        )
        assert blas > 0 and onednn > 0


@pytest.mark.parametrize("length", [5, attention.SHORT_QUERY_MAX, attention.SHORT_QUERY_MAX + 30])
def test_encoder_attention_matches_sdpa_with_padding(length: int) -> None:
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    generator = torch.Generator().manual_seed(1)
    module = torch.nn.Module().eval()
    module.is_causal = False  # type: ignore[assignment]
    query, key, value = (torch.randn(3, 4, length, 16, generator=generator) for _ in range(3))
    mask = torch.ones(3, 1, length, length, dtype=torch.bool)
    mask[1, :, :, length - 2 :] = False  # padded keys of a shorter row
    mask[2, :, :, 1:] = False
    with torch.inference_mode():
        got, _ = attention.cpu_encoder_attention(module, query, key, value, mask, scaling=0.25)
        exact, _ = sdpa_attention_forward(module, query, key, value, mask, scaling=0.25)
        unmasked, _ = attention.cpu_encoder_attention(module, query, key, value, None, scaling=0.25)
        exact_unmasked, _ = sdpa_attention_forward(module, query, key, value, None, scaling=0.25)
    assert got.shape == exact.shape == (3, length, 4, 16)
    assert torch.allclose(got, exact, atol=1e-5)
    assert torch.allclose(unmasked, exact_unmasked, atol=1e-5)


def test_encoders_load_with_the_cpu_attention_and_match_stock_transformers(tiny_specs) -> None:  # type: ignore[no-untyped-def]
    from transformers import AutoModel, AutoModelForSequenceClassification

    texts = ["great", "the zipper broke after two days and the seller did not answer", "ok"]
    loaded = loading.load(tiny_specs["encoder"])
    assert loaded.model.config._attn_implementation == attention.NAME
    stock = AutoModel.from_pretrained(tiny_specs["encoder"].local_path).eval()
    vectors = [item.vector for item in embed(loaded, texts)]
    with torch.inference_mode():
        for text, vector in zip(texts, vectors, strict=True):
            inputs = loaded.tokenizer(text, return_tensors="pt", truncation=True, max_length=16)
            pooled = stock(**inputs).last_hidden_state.mean(dim=1)
            exact = torch.nn.functional.normalize(pooled, dim=-1)[0]
            assert torch.allclose(torch.tensor(vector), exact, atol=1e-5)

    classifier = loading.load(tiny_specs["classifier"])
    assert classifier.model.config._attn_implementation == attention.NAME
    stock_classifier = AutoModelForSequenceClassification.from_pretrained(
        tiny_specs["classifier"].local_path
    ).eval()
    with torch.inference_mode():
        for text, result in zip(texts, classify(classifier, texts), strict=True):
            inputs = classifier.tokenizer(text, return_tensors="pt", truncation=True, max_length=16)
            probabilities = torch.softmax(stock_classifier(**inputs).logits[0], dim=-1).tolist()
            assert list(result.scores.values()) == pytest.approx(probabilities, abs=1e-5)


def test_generators_keep_their_attention(tiny_specs) -> None:  # type: ignore[no-untyped-def]
    loaded = loading.load(tiny_specs["lm"])
    assert loaded.model.config._attn_implementation != attention.NAME


def test_int8_weights_use_the_range_the_cpu_can_sum() -> None:
    """8-bit weights only where the probe found 32-bit sums; each range is exact on its worst case."""
    assert weight_qmax() in (63, 127)
    linear = torch.nn.Linear(64, 4, bias=False)
    with torch.no_grad():
        linear.weight.fill_(1.0)
    x = torch.full((1, 64), 10.0)
    x[0, 0] = 0.0
    with torch.inference_mode():
        got = SmoothedInt8Linear(linear, None, alpha=0.5)(x)
    assert _relative_error(got, linear(x).detach()) < 0.01


@pytest.mark.skipif(
    "fbgemm" not in torch.backends.quantized.supported_engines
    or " avx2" not in Path("/proc/cpuinfo").read_text(),
    reason="needs fbgemm on an x86 CPU with AVX2",
)
def test_the_probe_finds_saturating_kernels() -> None:
    """fbgemm limited to AVX2 sums pairs in 16 bits: the probe must fall back to 7-bit weights."""
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'ecomai.settings.test'); "
        "django.setup(); "
        "import torch; from apps.inference.engine import quantization as q; "
        "lin = torch.nn.Linear(64, 4, bias=False); torch.nn.init.constant_(lin.weight, 1.0); "
        "x = torch.full((1, 64), 10.0); x[0, 0] = 0.0; "
        "full = torch.ops.quantized.linear_prepack(q._quantized_weight(lin.weight.detach(), 127), None); "
        "wrong = torch.ops.quantized.linear_dynamic(x, full, False)[0, 0].item(); "
        "print(q.weight_qmax(), round(wrong))"
    )
    environment = {**os.environ, "FBGEMM_ENABLE_INSTRUCTIONS": "AVX2"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    qmax, full_range_result = done.stdout.split()[-2:]
    assert int(qmax) == 63
    assert int(full_range_result) < 630  # 630 exactly if the 8-bit products had summed without saturating


def test_system_checks_name_bad_cpu_settings(settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.INFERENCE_CPU_MATMUL, settings.INFERENCE_CPU_DECODE_THREADS = "gpu", -1
    settings.INFERENCE_MAX_ADAPTERS = 0
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    assert "inference.E001" in str(raised.value) and "'gpu'" in str(raised.value)
    assert "inference.E002" in str(raised.value)
    assert "inference.E003" in str(raised.value) and "INFERENCE_MAX_ADAPTERS is 0" in str(raised.value)
    settings.INFERENCE_MAX_ADAPTERS = 32
    settings.INFERENCE_CPU_MATMUL, settings.INFERENCE_CPU_DECODE_THREADS = "oneDNN", 2
    call_command("check")


def test_a_negative_decode_thread_count_is_refused(tiny_specs, settings) -> None:  # type: ignore[no-untyped-def]
    from apps.inference.engine.decode_threads import chooser_for

    settings.INFERENCE_CPU_DECODE_THREADS = -1
    loaded = loading.load(replace(tiny_specs["lm"], key="lm-negative-threads"))
    with pytest.raises(ValueError, match="INFERENCE_CPU_DECODE_THREADS"):
        chooser_for(loaded.model)
