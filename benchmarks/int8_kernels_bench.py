"""Which int8 Linear kernel decodes Gemma 3 270M fastest on this CPU: a micro-benchmark.

The engine's int8 layers (engine/quantization.py) run fbgemm's ``quantized::linear_dynamic``.
torch also has oneDNN int8 kernels, which use VNNI and AMX-INT8 where the CPU has them: the
same dynamic Linear prepacked under the ``onednn`` quantized engine, and
``onednn::qlinear_pointwise``, the op of torch's x86 inductor quantization. This times one
decode step's worth of the layers int8 Gemma runs in int8 (q and o projections, gate and up,
the 262k-row output projection; every layer with a weight of its own, as a real step reads
them) with each kernel, and fp32 with torch's BLAS for reference, at 1 and 16 rows, on all
threads and on one. Results: benchmarks/results/int8_kernels_<family>.md and .json (the CPU
family of benchmarks/cpu_family.py; ``--cpu-isa avx2`` forces AVX2 kernels as the inference
benchmark does).

    python benchmarks/int8_kernels_bench.py [--cpu-isa avx2]    # about a minute
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cpu_family

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

# (in, out, layers) of int8 Gemma 3 270M's int8 Linear layers (down, k and v stay fp32).
GEMMA_INT8_SHAPES = ((640, 1024, 18), (1024, 640, 18), (640, 2048, 36), (640, 262144, 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-isa", choices=sorted(cpu_family.FORCED_ISA_ENVIRONMENT))
    parser.add_argument("--repeats", type=int, default=7)
    arguments = parser.parse_args()
    if arguments.cpu_isa:
        cpu_family.force_isa(arguments.cpu_isa)
    import torch

    warnings.simplefilter("ignore", UserWarning)  # quantized tensor constructors: deprecated, kept
    cpu = cpu_family.cpu_record()
    threads = torch.get_num_threads()
    torch.manual_seed(0)
    layers = [(k, n) for k, n, count in GEMMA_INT8_SHAPES for _ in range(count)]
    weights = [torch.randn(n, k) * k**-0.5 for k, n in layers]

    def per_channel(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scales = (weight.abs().amax(dim=1) / 127).clamp(min=1e-12).double()
        zeros = torch.zeros_like(scales, dtype=torch.long)
        return torch.quantize_per_channel(weight, scales, zeros, 0, torch.qint8), scales

    quantized = [per_channel(weight) for weight in weights]
    packed: dict[str, list[Any]] = {}
    for engine in ("fbgemm", "onednn"):
        torch.backends.quantized.engine = engine
        packed[engine] = [torch.ops.quantized.linear_prepack(q, None) for q, _ in quantized]
    torch.backends.quantized.engine = "x86"
    figures: dict[str, Any] = {}
    for rows in (1, 16):
        inputs = {k: torch.randn(rows, k) for k in {k for k, _ in layers}}
        onednn_weights = [
            (
                torch.ops.onednn.qlinear_prepack(q.int_repr(), [rows, w.shape[1]]),
                scales.float(),
                torch.zeros(w.shape[0], dtype=torch.int32),
            )
            for (q, scales), w in zip(quantized, weights, strict=True)
        ]

        def qlinear_pointwise(
            index: int, inputs: dict[int, torch.Tensor] = inputs, onednn_weights: list[Any] = onednn_weights
        ) -> torch.Tensor:
            # Dynamic per-tensor quantization of the input, as the inductor's x86 quantizer does.
            x = inputs[layers[index][0]]
            low, high = x.min().clamp(max=0), x.max().clamp(min=0)
            scale = ((high - low) / 255).clamp(min=1e-8)
            zero_point = torch.round(-low / scale).to(torch.int32)
            qx = torch.clamp(torch.round(x / scale) + zero_point, 0, 255).to(torch.uint8)
            weight, weight_scales, weight_zeros = onednn_weights[index]
            return torch.ops.onednn.qlinear_pointwise.tensor(
                qx,
                scale,
                zero_point,
                weight,
                weight_scales,
                weight_zeros,
                None,
                1.0,
                0,
                torch.float32,
                "none",
                [],
                "",
            )

        kernels: dict[str, Callable[[int], torch.Tensor]] = {
            "fp32 BLAS (F.linear)": lambda i, inputs=inputs: torch.nn.functional.linear(  # type: ignore[misc]
                inputs[layers[i][0]], weights[i]
            ),
            "int8 fbgemm linear_dynamic (engine's)": lambda i, inputs=inputs: (  # type: ignore[misc]
                torch.ops.quantized.linear_dynamic(inputs[layers[i][0]], packed["fbgemm"][i], False)
            ),
            "int8 oneDNN linear_dynamic (onednn quantized engine)": lambda i, inputs=inputs: (  # type: ignore[misc]
                torch.ops.quantized.linear_dynamic(inputs[layers[i][0]], packed["onednn"][i], False)
            ),
            "int8 oneDNN qlinear_pointwise (x86 inductor op)": qlinear_pointwise,
        }
        with torch.inference_mode():
            reference = [
                torch.nn.functional.linear(inputs[k], weights[i]) for i, (k, _) in enumerate(layers[:3])
            ]
            errors = {
                name: max(
                    float((kernel(i) - reference[i]).norm() / reference[i].norm())
                    for i in range(len(reference))
                )
                for name, kernel in kernels.items()
            }
            for count in sorted({threads, 1}, reverse=True):
                torch.set_num_threads(count)
                passes: dict[str, list[float]] = {name: [] for name in kernels}
                for _ in range(arguments.repeats):
                    for name, kernel in kernels.items():  # whole passes in turn: the cache treats all alike
                        start = time.perf_counter()
                        for index in range(len(layers)):
                            kernel(index)
                        passes[name].append(time.perf_counter() - start)
                figures[f"{rows} row(s), {count} thread(s)"] = {
                    name: {
                        "median_ms": round(statistics.median(values) * 1000, 2),
                        "best_ms": round(min(values) * 1000, 2),
                    }
                    for name, values in passes.items()
                }
            torch.set_num_threads(threads)
        figures[f"{rows} row(s), relative error vs fp32"] = {
            name: round(value, 4) for name, value in errors.items()
        }
    results = {
        "command": " ".join(["python", "benchmarks/int8_kernels_bench.py", *sys.argv[1:]]),
        "finished_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": cpu,
        "torch": torch.__version__,
        "load_average_at_end": [round(value, 2) for value in os.getloadavg()],
        "layers": "one decode step of int8 Gemma 3 270M's int8 layers: "
        + ", ".join(f"{count} x ({k} -> {n})" for k, n, count in GEMMA_INT8_SHAPES),
        "seconds_per_pass": figures,
    }
    name = f"int8_kernels_{cpu['family']}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2))
    lines = [
        f"# int8 Linear kernels: CPU family `{cpu['family']}`",
        "",
        f"Command: `{results['command']}`  ",
        f"CPU: {cpu['model']} ({cpu['vendor']}); flags: {' '.join(cpu['flags'])}.  ",
        f"Kernels: torch {cpu['torch_cpu_capability']}, oneDNN {cpu['onednn_isa']}, "
        f"fbgemm {cpu['fbgemm_isa']}{'; forced: ' + cpu['forced_isa'] if cpu['forced_isa'] else ''}.  ",
        f"Run: {results['finished_at']}, torch {torch.__version__}; "
        f"load average {results['load_average_at_end']}.",
        "",
        f"Milliseconds per pass over {results['layers']} (median of {arguments.repeats}):",
        "",
    ]
    for setting, by_kernel in figures.items():
        if "error" in setting:
            continue
        lines += [f"| {setting} | median ms | best ms |", "|---|---|---|"]
        lines += [
            f"| {kernel} | {value['median_ms']} | {value['best_ms']} |" for kernel, value in by_kernel.items()
        ]
        lines.append("")
    lines += [
        "Relative error against fp32 (first three layers):",
        "",
        "```json",
        json.dumps({key: value for key, value in figures.items() if "error" in key}, indent=2),
        "```",
        "",
    ]
    (RESULTS / f"{name}.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
