"""Which library multiplies a model's fp32 Linear layers on a CPU: torch's BLAS (MKL) or oneDNN.

torch sends an fp32 ``nn.Linear`` to MKL. On AMD CPUs MKL runs its AVX2 kernels even where
the CPU has AVX-512, while oneDNN (also inside torch) picks kernels by instruction set: on an
AMD EPYC (Zen 4) oneDNN ran the encoder's feed-forward shape at 216.5 GFLOP/s against 194.3
with torch.matmul (benchmarks/results/inference.md). On an Intel Xeon with AVX-512 MKL was the
faster one at the encoder's shapes while oneDNN won on a few small fixed shapes, so a pick made
on shapes other than the model's own went the wrong way there.

So the pick is made per model, once per process, on the products that will run: the model's
own Linear layers at the row counts it is fed (an encoder: the tokens of a typical batch; a
decoder: one row, as in single-row decoding, and a batch of rows), a whole pass over them with
each library in turn, best of a few passes. A few rows leave a product bound by memory, not
arithmetic: there each layer's own weight is read, as a real step reads weights the cache
no longer holds (timing one weight again and again, hot in cache, picked oneDNN for int8
Gemma's float layers on an Intel Xeon, where a real step then ran them several times slower
than MKL). Many rows make it bound by arithmetic: one layer of each shape is timed, counted as
often as the shape occurs. oneDNN is kept only where it is faster by ``MARGIN`` over the whole
pass; otherwise torch's default stays, so a wrong pick costs at most that margin. The two
timings are logged with the pick. Models with the same shapes and row counts share one
measurement.

``INFERENCE_CPU_MATMUL`` overrides the measurement: ``auto`` (default), ``onednn`` or ``blas``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from django.conf import settings

from ..checks import CPU_MATMUL_CHOICES

logger = logging.getLogger(__name__)

# oneDNN must be this much faster over a model's own shapes to be chosen.
MARGIN = 1.05
# Best of this many interleaved runs per shape and library.
REPEATS = 3

# (in, out) features of a Linear layer and how many layers of the model have them.
Shapes = tuple[tuple[int, int, int], ...]


@dataclass(frozen=True)
class MatmulChoice:
    """The library of one model's fp32 Linear layers and why."""

    backend: str  # "onednn" or "blas"
    reason: str
    blas_seconds: float | None = None
    onednn_seconds: float | None = None


_lock = threading.Lock()
# Measured choices by (shapes, row counts, oneDNN weights packed), for this process.
_measured: dict[tuple[Shapes, tuple[int, ...], bool], MatmulChoice] = {}


def onednn_available() -> bool:
    return bool(torch.backends.mkldnn.is_available()) and hasattr(torch.ops.mkldnn, "_linear_pointwise")


def onednn_packing_available() -> bool:
    """Whether this torch build can reorder a Linear weight into oneDNN's layout ahead of time."""
    return onednn_available() and hasattr(torch.ops.mkldnn, "_reorder_linear_weight")


def onednn_linear(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, post_op: str = "none"
) -> torch.Tensor:
    """``F.linear`` computed by oneDNN (fp32 in, fp32 accumulate, fp32 out).

    ``post_op="gelu"`` applies the exact (erf) GELU to the result in the same pass. ``weight``
    may be plain or packed by ``pack_weight``.
    """
    algorithm = "none" if post_op == "gelu" else ""
    out: torch.Tensor = torch.ops.mkldnn._linear_pointwise(x, weight, bias, post_op, [], algorithm)
    return out


def onednn_linear_add(
    x: torch.Tensor, residual: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None
) -> torch.Tensor:
    """``F.linear(x, weight, bias) + residual`` in one oneDNN pass."""
    out: torch.Tensor = torch.ops.mkldnn._linear_pointwise.binary(x, residual, weight, bias, "add")
    return out


def pack_weight(weight: torch.Tensor, rows: int) -> torch.Tensor:
    """A copy of ``weight`` in oneDNN's blocked layout, chosen for about ``rows`` input rows (any
    row count still works); saves the reorder each ``onednn_linear`` call would make."""
    packed: torch.Tensor = torch.ops.mkldnn._reorder_linear_weight(weight.detach().contiguous(), rows)
    return packed


class OneDnnLinear(torch.nn.Linear):
    """An ``nn.Linear`` whose inference forward runs on oneDNN.

    Modules are switched to this class in place (``module.__class__``), so parameters, tied
    weights and state-dict keys stay exactly as they were. With autograd on (training, a
    gradient check) it is the stock Linear: the oneDNN op has no backward.
    """

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled() or input.dtype != torch.float32 or input.device.type != "cpu":
            return super().forward(input)
        return onednn_linear(input, self.weight, self.bias)


def linear_shapes(model: torch.nn.Module) -> Shapes:
    """(in, out, count) of the model's fp32 Linear layers (a tied weight counts where it is used)."""
    counts: dict[tuple[int, int], int] = {}
    for module in model.modules():
        if isinstance(module, torch.nn.Linear) and module.weight.dtype == torch.float32:
            key = (module.in_features, module.out_features)
            counts[key] = counts.get(key, 0) + 1
    return tuple((inputs, outputs, count) for (inputs, outputs), count in sorted(counts.items()))


# At most this many rows, a product streams its weight (every layer's own weight is timed).
MEMORY_BOUND_ROWS = 64

# (weight, bias, how many layers it stands for, what follows the product in the same pass:
# "" nothing, "gelu" the exact GELU, "add" a residual) as ``measure`` times them.
Items = list[tuple[torch.Tensor, torch.Tensor | None, int, str]]


def model_items(model: torch.nn.Module, rows: int) -> Items:
    """The model's fp32 Linear weights to time at ``rows`` rows: every layer's own where the
    product is bound by memory, else one layer of each shape standing for all of them."""
    if rows <= MEMORY_BOUND_ROWS:
        return [
            (module.weight, module.bias, 1, "")
            for module in model.modules()
            if isinstance(module, torch.nn.Linear) and module.weight.dtype == torch.float32
        ]
    first: dict[tuple[int, int], torch.nn.Linear] = {}
    for module in model.modules():
        if isinstance(module, torch.nn.Linear) and module.weight.dtype == torch.float32:
            first.setdefault((module.in_features, module.out_features), module)
    counts = {(inputs, outputs): count for inputs, outputs, count in linear_shapes(model)}
    return [(module.weight, module.bias, counts[shape], "") for shape, module in first.items()]


def shape_items(shapes: Shapes, post_ops: Sequence[str] = ()) -> Items:
    """Random weights of ``shapes`` (products whose weights the model does not hold as such),
    each followed by its entry of ``post_ops`` (none if not given)."""
    generator = torch.Generator().manual_seed(0)
    posts = list(post_ops) or [""] * len(shapes)
    return [
        (torch.randn(outputs, inputs, generator=generator) * inputs**-0.5, torch.zeros(outputs), count, post)
        for (inputs, outputs, count), post in zip(shapes, posts, strict=True)
    ]


def measure(items: Items, rows: int, *, packed: bool = False, repeats: int = REPEATS) -> tuple[float, float]:
    """Seconds of one pass through ``items`` at ``rows`` rows: (torch's BLAS, oneDNN).

    Each pass runs every item with one library; the libraries take turns, best of ``repeats``
    passes each, so a busy neighbour and the cache treat both alike. ``packed``: oneDNN gets
    weights reordered ahead of time (as the packed encoder holds them); otherwise the plain
    weights, as ``OneDnnLinear`` gets them.
    """
    generator = torch.Generator().manual_seed(0)
    with torch.inference_mode():
        inputs = {
            weight.shape[1]: torch.randn(rows, weight.shape[1], generator=generator) for weight, *_ in items
        }
        residuals = {
            weight.shape[0]: torch.randn(rows, weight.shape[0], generator=generator) for weight, *_ in items
        }
        onednn_weights = [pack_weight(weight, rows) if packed else weight for weight, *_ in items]

        def blas_pass() -> float:
            seconds = 0.0
            for weight, bias, count, post in items:
                start = time.perf_counter()
                out = torch.nn.functional.linear(inputs[weight.shape[1]], weight, bias)
                if post == "gelu":
                    torch.nn.functional.gelu(out)
                elif post == "add":
                    out.add_(residuals[weight.shape[0]])
                seconds += count * (time.perf_counter() - start)
            return seconds

        def onednn_pass() -> float:
            seconds = 0.0
            for (weight, bias, count, post), onednn_weight in zip(items, onednn_weights, strict=True):
                x = inputs[weight.shape[1]]
                start = time.perf_counter()
                if post == "add":
                    onednn_linear_add(x, residuals[weight.shape[0]], onednn_weight, bias)
                else:
                    onednn_linear(x, onednn_weight, bias, post or "none")
                seconds += count * (time.perf_counter() - start)
            return seconds

        blas_pass(), onednn_pass()  # first calls: kernel selection, buffers
        best_blas = best_onednn = float("inf")
        for _ in range(repeats):
            best_blas = min(best_blas, blas_pass())
            best_onednn = min(best_onednn, onednn_pass())
    return best_blas, best_onednn


def forced_backend() -> str | None:
    """The library ``INFERENCE_CPU_MATMUL`` pins (``None``: measure per model)."""
    wanted = str(getattr(settings, "INFERENCE_CPU_MATMUL", "auto") or "auto").lower()
    if wanted not in CPU_MATMUL_CHOICES:
        raise ValueError(
            f"INFERENCE_CPU_MATMUL must be one of {', '.join(CPU_MATMUL_CHOICES)}, not {wanted!r}"
        )
    if not onednn_available():
        return "blas"
    return None if wanted == "auto" else wanted


def choose_for(
    model: torch.nn.Module,
    rows: Sequence[int],
    label: str = "model",
    *,
    packed: bool = False,
    shapes: Shapes | None = None,
    post_ops: Sequence[str] = (),
) -> MatmulChoice:
    """The library for ``model``'s fp32 Linear layers fed ``rows`` rows at a time.

    Measured on the model's own layers (or ``shapes``: the products another pass runs with its
    weights, each followed by its ``post_ops`` entry) once per process; models of the same
    shapes share the measurement. ``packed`` measures oneDNN with pre-packed weights, as the
    packed encoder runs.
    """
    forced = forced_backend()
    if forced is not None:
        reason = "INFERENCE_CPU_MATMUL" if onednn_available() else "this torch build has no oneDNN"
        return MatmulChoice(forced, reason)
    given_shapes = shapes is not None
    shapes = shapes if shapes is not None else linear_shapes(model)
    if not shapes:
        return MatmulChoice("blas", "no fp32 Linear layers")
    packed = packed and onednn_packing_available()
    key = (shapes, tuple(rows), packed)
    with _lock:
        choice = _measured.get(key)
        if choice is None:
            blas = onednn = 0.0
            for row_count in rows:
                items = shape_items(shapes, post_ops) if given_shapes else model_items(model, row_count)
                seconds = measure(items, row_count, packed=packed)
                blas, onednn = blas + seconds[0], onednn + seconds[1]
            backend = "onednn" if blas >= MARGIN * onednn else "blas"
            choice = MatmulChoice(
                backend,
                f"measured at its {len(shapes)} Linear shapes, rows {', '.join(map(str, rows))}: "
                f"BLAS {blas * 1000:.2f} ms, oneDNN {onednn * 1000:.2f} ms "
                f"(oneDNN is kept when {MARGIN:.2f}x faster)",
                blas,
                onednn,
            )
            _measured[key] = choice
            logger.info("inference: %s runs fp32 Linear layers on %s (%s)", label, backend, choice.reason)
    return choice


def use_onednn_linears(model: torch.nn.Module) -> int:
    """Switch every fp32 ``nn.Linear`` of ``model`` to oneDNN in place; returns how many."""
    switched = 0
    for module in model.modules():
        if type(module) is torch.nn.Linear and module.weight.dtype == torch.float32:
            module.__class__ = OneDnnLinear
            switched += 1
    return switched


def reset_for_tests() -> None:
    with _lock:
        _measured.clear()
