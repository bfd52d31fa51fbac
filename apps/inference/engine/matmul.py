"""Which library multiplies a model's fp32 Linear layers on a CPU: torch's BLAS (MKL) or oneDNN.

torch sends an fp32 ``nn.Linear`` to MKL. On AMD CPUs MKL runs its AVX2 kernels even where
the CPU has AVX-512, while oneDNN (also inside torch) picks kernels by instruction set: on an
AMD EPYC (Zen 4) oneDNN ran the encoder's feed-forward shape at 216.5 GFLOP/s against 194.3
with torch.matmul (benchmarks/results/inference.md). On an Intel Xeon with AVX-512 MKL was the
faster one at the encoder's shapes while oneDNN won on a few small fixed shapes, so a pick made
on shapes other than the model's own went the wrong way there.

So the pick is made per model, once per process, on the shapes that will run: each of the
model's own Linear layers (in and out features, counted as often as they occur) at the row
counts it is fed (an encoder: the tokens of a typical batch; a decoder: one row, as in
single-row decoding, and a batch of rows), both libraries interleaved, best of a few runs.
oneDNN is kept only where it is faster by ``MARGIN`` over that sum; otherwise torch's default
stays, so a wrong pick costs at most that margin. The two timings are logged with the pick.
Models with the same shapes and row counts share one measurement.

``INFERENCE_CPU_MATMUL`` overrides the measurement: ``auto`` (default), ``onednn`` or ``blas``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

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


def _interleaved_best(
    first: Callable[[], object], second: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Best seconds of each of two functions run in turn: a busy neighbour slows both alike."""
    best = [float("inf"), float("inf")]
    for _ in range(repeats):
        for index, function in enumerate((first, second)):
            start = time.perf_counter()
            function()
            best[index] = min(best[index], time.perf_counter() - start)
    return best[0], best[1]


def linear_shapes(model: torch.nn.Module) -> Shapes:
    """(in, out, count) of the model's fp32 Linear layers (a tied weight counts where it is used)."""
    counts: dict[tuple[int, int], int] = {}
    for module in model.modules():
        if isinstance(module, torch.nn.Linear) and module.weight.dtype == torch.float32:
            key = (module.in_features, module.out_features)
            counts[key] = counts.get(key, 0) + 1
    return tuple((inputs, outputs, count) for (inputs, outputs), count in sorted(counts.items()))


def measure(
    shapes: Shapes, rows: Sequence[int], *, packed: bool = False, repeats: int = REPEATS
) -> tuple[float, float]:
    """Seconds of one pass through ``shapes`` at each row count: (torch's BLAS, oneDNN).

    ``packed``: oneDNN gets weights reordered ahead of time (as the packed encoder holds them);
    otherwise plain weights, as ``OneDnnLinear`` gets them.
    """
    blas = onednn = 0.0
    generator = torch.Generator().manual_seed(0)
    with torch.inference_mode():
        for inputs, outputs, count in shapes:
            weight = torch.randn(outputs, inputs, generator=generator) * inputs**-0.5
            bias = torch.randn(outputs, generator=generator)
            for row_count in rows:
                x = torch.randn(row_count, inputs, generator=generator)
                onednn_weight = pack_weight(weight, row_count) if packed else weight
                torch.nn.functional.linear(x, weight, bias)
                onednn_linear(x, onednn_weight, bias)
                seconds = _interleaved_best(
                    partial(torch.nn.functional.linear, x, weight, bias),
                    partial(onednn_linear, x, onednn_weight, bias),
                    repeats,
                )
                blas += count * seconds[0]
                onednn += count * seconds[1]
    return blas, onednn


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
) -> MatmulChoice:
    """The library for ``model``'s fp32 Linear layers fed ``rows`` rows at a time.

    Measured on the model's own shapes (or ``shapes``: the products another pass runs with its
    weights) once per process; models of the same shapes share the measurement. ``packed``
    measures oneDNN with pre-packed weights, as the packed encoder runs.
    """
    forced = forced_backend()
    if forced is not None:
        reason = "INFERENCE_CPU_MATMUL" if onednn_available() else "this torch build has no oneDNN"
        return MatmulChoice(forced, reason)
    shapes = shapes if shapes is not None else linear_shapes(model)
    if not shapes:
        return MatmulChoice("blas", "no fp32 Linear layers")
    packed = packed and onednn_packing_available()
    key = (shapes, tuple(rows), packed)
    with _lock:
        choice = _measured.get(key)
        if choice is None:
            blas, onednn = measure(shapes, rows, packed=packed)
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
