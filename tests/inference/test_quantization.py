"""Smoothed int8 Linear layers against float, on inputs with the outliers transformers have."""

from __future__ import annotations

import pytest
import torch

from apps.inference.engine.quantization import Int8Embedding, SmoothedInt8Linear, weight_qmax


def _relative_error(approx: torch.Tensor, exact: torch.Tensor) -> float:
    return float((approx - exact).norm() / exact.norm())


@pytest.fixture
def outlier_inputs() -> tuple[torch.nn.Linear, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    linear = torch.nn.Linear(256, 128)
    with torch.no_grad():
        linear.weight.copy_(torch.randn(128, 256, generator=generator) * 0.05)
    x = torch.randn(16, 256, generator=generator)
    x[:, [3, 77, 200]] *= 200.0  # a few channels hundreds of times larger than the rest
    return linear, x


def test_smoothing_keeps_outlier_inputs_accurate(outlier_inputs) -> None:  # type: ignore[no-untyped-def]
    linear, x = outlier_inputs
    exact = linear(x).detach()
    absmax = x.abs().amax(dim=0)
    smoothed = SmoothedInt8Linear(linear, absmax, alpha=0.5)
    plain = SmoothedInt8Linear(linear, None, alpha=0.5)  # same kernel, no smoothing
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    stock = quantize_dynamic(torch.nn.Sequential(linear), {torch.nn.Linear: per_channel_dynamic_qconfig})
    with torch.inference_mode():
        smoothed_error = _relative_error(smoothed(x), exact)
        plain_error = _relative_error(plain(x), exact)
        stock_error = _relative_error(stock(x), exact)
    assert smoothed_error < 0.02
    # The outliers set the activation scale: without smoothing the small channels round away.
    assert plain_error > 3 * smoothed_error
    assert stock_error > 3 * smoothed_error


def test_full_range_inputs_do_not_saturate() -> None:
    """Large same-signed inputs and weights: 8-bit x 8-bit pair sums would overflow 16 bits."""
    linear = torch.nn.Linear(64, 8, bias=False)
    with torch.no_grad():
        linear.weight.fill_(0.5)
        linear.weight[:, ::2] = 1.0
    x = torch.full((4, 64), 3.0)
    x[:, ::2] = 5.0
    x[0, 0] = -5.0  # the row's minimum sets the zero point; the rest sit at the top of the range
    exact = linear(x).detach()
    with torch.inference_mode():
        got = SmoothedInt8Linear(linear, None, alpha=0.5)(x)
    assert _relative_error(got, exact) < 0.02


def test_bias_and_shapes_are_kept() -> None:
    linear = torch.nn.Linear(32, 16)
    x = torch.randn(2, 5, 32)
    layer = SmoothedInt8Linear(linear, x.abs().amax(dim=(0, 1)), alpha=0.5)
    with torch.inference_mode():
        out = layer(x)
    assert out.shape == (2, 5, 16)
    assert _relative_error(out, linear(x).detach()) < 0.02
    assert layer.int8_weight().dtype == torch.qint8
    assert int(layer.int8_weight().int_repr().int().abs().max()) <= weight_qmax() + 1


def test_int8_embedding_rows_and_scale_factor() -> None:
    generator = torch.Generator().manual_seed(1)
    embedding = torch.nn.Embedding(500, 48)
    with torch.no_grad():
        embedding.weight.copy_(torch.randn(500, 48, generator=generator))
        embedding.weight[7] *= 1000.0  # one row far larger: per-row scales keep the others exact
    ids = torch.tensor([[0, 7, 499], [3, 3, 42]])
    quantized = Int8Embedding(embedding)
    with torch.inference_mode():
        got, exact = quantized(ids), embedding(ids)
    assert got.shape == exact.shape == (2, 3, 48)
    for row in range(2):
        for column in range(3):
            assert _relative_error(got[row, column], exact[row, column]) < 0.01
    assert quantized.qweight.dtype == torch.int8

    # Scaled word embeddings (Gemma) multiply every row by a constant after the lookup.
    embedding.register_buffer("embed_scale", torch.tensor(8.0), persistent=False)
    with torch.inference_mode():
        scaled = Int8Embedding(embedding)(ids)
    assert torch.allclose(scaled, got * 8.0)
