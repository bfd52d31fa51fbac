"""Which library multiplies fp32 Linear layers on a CPU: torch's BLAS (MKL) or oneDNN.

torch sends an fp32 ``nn.Linear`` to MKL. On AMD CPUs MKL runs its AVX2 kernels even where
the CPU has AVX-512, while oneDNN (also inside torch) picks kernels by instruction set. On AMD
EPYCs with AVX-512 (Zen 5, and Zen 4, whose AVX-512 runs on 256-bit units) oneDNN ran the
encoders' Linear shapes and Gemma's 262k-row output projection faster than MKL: on the
benchmark machine the encoder's feed-forward shape ran at 216.5 GFLOP/s against 194.3 with
torch.matmul (benchmarks/results/inference.md). On an Intel CPU MKL was as fast or faster. So
the choice is measured once per process: a few Linear shapes of the default models, both ways,
and oneDNN only where it wins clearly.

``INFERENCE_CPU_MATMUL`` overrides the measurement: ``auto`` (default), ``onednn`` or ``blas``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import torch
from django.conf import settings

from ..checks import CPU_MATMUL_CHOICES

logger = logging.getLogger(__name__)

# (rows, in, out): encoder batch, encoder feed-forward, a decoder step and a decoder FFN.
_CALIBRATION_SHAPES = ((256, 384, 1536), (64, 1536, 384), (1, 640, 8192), (16, 640, 2048))
# oneDNN must be this much faster over the calibration shapes to be chosen.
_MARGIN = 1.15

_lock = threading.Lock()
_choice: str | None = None


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


def _best_seconds(function: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def measure_speedup(repeats: int = 5) -> float:
    """oneDNN's speed over torch's default fp32 Linear, summed over the calibration shapes."""
    blas = onednn = 0.0
    generator = torch.Generator().manual_seed(0)
    with torch.inference_mode():
        for rows, inputs, outputs in _CALIBRATION_SHAPES:
            x = torch.randn(rows, inputs, generator=generator)
            weight = torch.randn(outputs, inputs, generator=generator)
            bias = torch.randn(outputs, generator=generator)
            torch.nn.functional.linear(x, weight, bias)
            onednn_linear(x, weight, bias)
            # Interleaved, best of several: a busy neighbour slows both alike.
            blas += _best_seconds(lambda: torch.nn.functional.linear(x, weight, bias), repeats)  # noqa: B023
            onednn += _best_seconds(lambda: onednn_linear(x, weight, bias), repeats)  # noqa: B023
    return blas / onednn


def cpu_matmul_backend() -> str:
    """``"onednn"`` or ``"blas"`` for fp32 Linear layers on CPU; decided once per process."""
    global _choice
    with _lock:
        if _choice is None:
            wanted = str(getattr(settings, "INFERENCE_CPU_MATMUL", "auto") or "auto").lower()
            if wanted not in CPU_MATMUL_CHOICES:
                raise ValueError(
                    f"INFERENCE_CPU_MATMUL must be one of {', '.join(CPU_MATMUL_CHOICES)}, not {wanted!r}"
                )
            if not onednn_available():
                _choice = "blas"
            elif wanted != "auto":
                _choice = wanted
            else:
                speedup = measure_speedup()
                _choice = "onednn" if speedup >= _MARGIN else "blas"
                logger.info(
                    "inference: oneDNN fp32 Linear is %.2fx torch's BLAS here; using %s", speedup, _choice
                )
    return _choice


def use_onednn_linears(model: torch.nn.Module) -> int:
    """Switch every fp32 ``nn.Linear`` of ``model`` to oneDNN in place; returns how many."""
    switched = 0
    for module in model.modules():
        if type(module) is torch.nn.Linear and module.weight.dtype == torch.float32:
            module.__class__ = OneDnnLinear
            switched += 1
    return switched


def reset_for_tests() -> None:
    global _choice
    with _lock:
        _choice = None
