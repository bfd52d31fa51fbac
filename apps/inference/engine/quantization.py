"""CPU int8 for Linear layers: smoothed dynamic quantization (SmoothQuant-style).

Plain dynamic int8 quantizes each Linear's input with one scale per row. Transformer inputs
carry a few channels hundreds of times larger than the rest (Gemma's residual stream is a
known case), so that one scale wipes out the small channels: perplexity on product copy rose
steeply with every decoder Linear in int8, and even with the most sensitive layers kept float
the change is perplexity_change_without_smoothing 0.0477 against perplexity_change -0.0049
smoothed (benchmarks/results/inference.md). Smoothing moves the outliers into the weights
before quantizing: input channel ``j`` is divided by ``s_j`` and weight column ``j``
multiplied by it, an exact identity in float, with ``s_j = amax(x_j)^alpha / amax(W_j)^(1-alpha)``
from a few calibration passes. Both sides then quantize well.

The int8 matmul is fbgemm's (``quantized::linear_dynamic``), vectorised on AVX2 and newer.
On CPUs without VNNI it multiplies unsigned 8-bit activations by signed 8-bit weights and
adds pairs of products in 16 bits, which can saturate when both are full range; torch's own
dynamic Linear avoids that with 7-bit activations. Here, on such CPUs, the weights get 7 bits
instead (-64..63): activations keep full resolution, which matters more once outliers are
smoothed, and no pair of products can leave the 16-bit range. Where the kernel accumulates
in 32 bits (AVX-512 VNNI) the weights keep all 8 bits; a probe at first use tells which
(``weight_qmax``). On Gemma 3 270M the 8-bit weights changed perplexity less than 7-bit ones.

fbgemm picks its kernels by instruction set: on an Intel Xeon with AVX-512 VNNI and AMX it ran
its AVX-512 VNNI kernels (and the probe kept 8 bits); ``FBGEMM_ENABLE_INSTRUCTIONS=AVX2``
limits it to AVX2 (and the probe then gives 7 bits). torch's oneDNN int8 kernels, which use
VNNI and AMX-INT8, were timed against it on int8 Gemma's layers (benchmarks/int8_kernels_bench.py):
on that Xeon, one decode step's int8 layers at one row took 17.19 ms with fbgemm, 19.54 ms
with oneDNN's dynamic Linear (the ``onednn`` quantized engine) and 22.34 ms with
``onednn::qlinear_pointwise`` (44.76 ms in fp32), so single-row decoding stays on fbgemm; at
16 rows oneDNN was the faster (25.64 and 30.45 against 35.77 ms:
benchmarks/results/int8_kernels_intel-avx512-amx.md).
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import torch

from .matmul import OneDnnLinear

logger = logging.getLogger(__name__)

# Short texts of the kinds ecomai runs through its models, English and Chinese; the channel
# maxima they produce set the smoothing factors (a rough magnitude per channel is enough:
# activations are still quantized with a scale measured on every call).
CALIBRATION_TEXTS = (
    "Product: merino wool scarf\nAttributes: grey, 180 cm, soft brushed finish\n"
    "Description: A warm merino scarf in soft grey, long enough to wrap twice.",
    "产品：不锈钢保温杯\n属性：500 毫升，保冷 24 小时，防漏杯盖\n"
    "描述：双层真空不锈钢保温杯，冷饮保冷一整天，杯盖防漏，通勤出行都方便。",
    "The shoes arrived two days late and the left one has a scuff on the toe. Otherwise comfortable.",
    "质量很好，物流也快，就是颜色比图片上暗一点，总体满意，会回购。",
    "Customer: Can I return a jacket I have worn once? Agent: Items can be returned within 30 days "
    "if they are unworn and have their tags; a worn jacket can be exchanged only for a defect.",
    "客服：您好，订单已发货，快递单号可在“我的订单”中查看，预计三天内送达。",
    "Summer sale: 20% off all linen shirts this weekend only. Free shipping on orders over $50.",
    "新品上市！纯棉T恤三件装，透气舒适，多色可选，限时八折。",
)
# Weights quantized to -64..63 where fbgemm's 16-bit pair sums could saturate, else -127..127.
SAFE_WEIGHT_QMAX = 63
FULL_WEIGHT_QMAX = 127
DEFAULT_ALPHA = 0.5


def _quantized_weight(weight: torch.Tensor, qmax: int) -> torch.Tensor:
    scales = (weight.abs().amax(dim=1) / qmax).clamp(min=1e-12).double()
    with warnings.catch_warnings():
        # torch marks quantized tensor constructors deprecated (they move to torchao); the
        # pinned torch has them, and fbgemm's prepack takes nothing else.
        warnings.simplefilter("ignore", UserWarning)
        return torch.quantize_per_channel(
            weight, scales, torch.zeros_like(scales, dtype=torch.long), 0, torch.qint8
        )


@functools.cache
def weight_qmax() -> int:
    """127 where fbgemm's int8 kernel cannot saturate on this CPU, else 63.

    The probe is the worst case: full-range weights times inputs that all quantize to the top
    of the unsigned range, so every pair of products would overflow a 16-bit sum.
    """
    full_range = True
    # A tiny shape and one of a real layer: fbgemm may pick other kernels by shape.
    for rows, inputs, outputs in ((1, 64, 4), (16, 640, 2048)):
        x = torch.full((rows, inputs), 10.0)
        x[:, 0] = 0.0  # the zero point sits at 0, every other input at 255
        weight = torch.ones(outputs, inputs)
        packed = torch.ops.quantized.linear_prepack(_quantized_weight(weight, FULL_WEIGHT_QMAX), None)
        with torch.inference_mode():
            got = torch.ops.quantized.linear_dynamic(x, packed, False)
        exact = 10.0 * (inputs - 1)
        full_range = full_range and bool(torch.allclose(got, torch.full_like(got, exact), rtol=1e-3))
    logger.info("inference: int8 weights use %s bits on this CPU", 8 if full_range else 7)
    return FULL_WEIGHT_QMAX if full_range else SAFE_WEIGHT_QMAX


class SmoothedInt8Linear(torch.nn.Module):
    """A Linear layer run in int8: ``linear_dynamic(x * inv_scale, int8(W * scale))``."""

    def __init__(self, linear: torch.nn.Linear, input_absmax: torch.Tensor | None, alpha: float) -> None:
        super().__init__()
        weight = linear.weight.detach().float()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        if input_absmax is None:  # never calibrated: no smoothing
            smoothing = torch.ones(self.in_features)
        else:
            weight_absmax = weight.abs().amax(dim=0).clamp(min=1e-5)
            smoothing = (input_absmax.float().clamp(min=1e-5) ** alpha / weight_absmax ** (1 - alpha)).clamp(
                min=1e-5, max=1e5
            )
        self.inv_smoothing: torch.Tensor
        self.register_buffer("inv_smoothing", (1.0 / smoothing).contiguous())
        smoothed = weight * smoothing
        qweight = _quantized_weight(smoothed, weight_qmax())
        bias = None if linear.bias is None else linear.bias.detach().float()
        self._packed = torch.ops.quantized.linear_prepack(qweight, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.quantized.linear_dynamic(x * self.inv_smoothing, self._packed, False)  # type: ignore[no-any-return]

    def int8_weight(self) -> torch.Tensor:
        """The quantized weight (as packed), for size accounting and inspection."""
        weight, _bias = torch.ops.quantized.linear_unpack(self._packed)
        return weight  # type: ignore[no-any-return]

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, int8"


class Int8Embedding(torch.nn.Module):
    """An embedding table kept as int8 rows with one scale per row, dequantized on lookup.

    Used for an input embedding tied to an output projection that went int8: the 262k x 640
    table of Gemma would otherwise stay in fp32 (670 MB) only to look up a few rows per step.
    Scaled word embeddings (Gemma multiplies rows by ``embed_scale``) keep their factor.
    """

    def __init__(self, embedding: torch.nn.Embedding) -> None:
        super().__init__()
        weight = embedding.weight.detach().float()
        self.num_embeddings, self.embedding_dim = weight.shape
        self.padding_idx = embedding.padding_idx
        scales = (weight.abs().amax(dim=1) / 127).clamp(min=1e-12)
        self.qweight: torch.Tensor
        self.scales: torch.Tensor
        self.register_buffer("qweight", torch.round(weight / scales[:, None]).clamp(-127, 127).to(torch.int8))
        self.register_buffer("scales", scales)
        factor = getattr(embedding, "embed_scale", None)
        self.multiplier = float(factor) if factor is not None else 1.0

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        rows = torch.nn.functional.embedding(input_ids, self.qweight).float()
        return rows * (self.scales[input_ids].unsqueeze(-1) * self.multiplier)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}, int8"


def _excluded(name: str, exclude: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in exclude)


def _linear_names(model: torch.nn.Module, exclude: Sequence[str]) -> list[str]:
    return [
        name
        for name, module in model.named_modules()
        if type(module) in (torch.nn.Linear, OneDnnLinear) and not _excluded(name, exclude)
    ]


def input_absmax(
    model: torch.nn.Module, tokenizer: Any, names: Iterable[str], texts: Sequence[str]
) -> dict[str, torch.Tensor]:
    """Per-input-channel maximum |x| seen by each named Linear over ``texts``."""
    modules = dict(model.named_modules())
    maxima: dict[str, torch.Tensor] = {}
    hooks = []
    for name in names:

        def record(
            _module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], _output: Any, name: str = name
        ) -> None:
            x = inputs[0].detach()
            seen = x.abs().reshape(-1, x.shape[-1]).amax(dim=0).float()
            maxima[name] = torch.maximum(maxima[name], seen) if name in maxima else seen

        hooks.append(modules[name].register_forward_hook(record))
    device = next(model.parameters()).device
    try:
        with torch.inference_mode():
            for text in texts:
                encoded = tokenizer(text, return_tensors="pt", truncation=True, max_length=256)
                model(**{key: value.to(device) for key, value in encoded.items()})
    finally:
        for hook in hooks:
            hook.remove()
    return maxima


def quantize_int8(
    model: torch.nn.Module,
    tokenizer: Any,
    exclude: Sequence[str] = (),
    *,
    alpha: float = DEFAULT_ALPHA,
    texts: Sequence[str] = CALIBRATION_TEXTS,
) -> torch.nn.Module:
    """Replace every Linear layer (but those matching an ``exclude`` glob) by a SmoothedInt8Linear.

    Norms stay float; an input embedding tied to an output projection that went int8 becomes
    an Int8Embedding. A layer the calibration never reached (a head the texts do not
    exercise) is quantized without smoothing. The float tensors left are copied out of the
    checkpoint's memory map, so the file's pages (all read by the calibration) can go.
    Works in place; returns ``model``.
    """
    names = _linear_names(model, exclude)
    maxima = input_absmax(model, tokenizer, names, texts)
    modules = dict(model.named_modules())
    input_embeddings = _input_embeddings(model)
    tied_output = None
    for name in names:
        linear = modules[name]
        if input_embeddings is not None and linear.weight is input_embeddings.weight:
            tied_output = name
        parent_name, _, child = name.rpartition(".")
        parent = modules[parent_name] if parent_name else model
        setattr(parent, child, SmoothedInt8Linear(linear, maxima.get(name), alpha))
    if tied_output is not None and input_embeddings is not None:
        model.set_input_embeddings(Int8Embedding(input_embeddings))  # type: ignore[operator]
    _own_float_tensors(model)
    logger.debug("inference: %d Linear layers in int8, %s kept float", len(names), list(exclude))
    return model


def _input_embeddings(model: torch.nn.Module) -> torch.nn.Embedding | None:
    getter = getattr(model, "get_input_embeddings", None)
    embeddings = getter() if callable(getter) else None
    return embeddings if isinstance(embeddings, torch.nn.Embedding) else None


def _own_float_tensors(model: torch.nn.Module) -> None:
    """Give every float parameter and buffer left from the checkpoint its own memory."""
    for module in model.modules():
        if isinstance(module, (SmoothedInt8Linear, Int8Embedding)):
            continue  # built here, already in memory of their own
        for name, parameter in list(module._parameters.items()):
            if parameter is not None:
                module._parameters[name] = torch.nn.Parameter(parameter.detach().clone(), requires_grad=False)
        for name, buffer in list(module._buffers.items()):
            if buffer is not None:
                module._buffers[name] = buffer.clone()
