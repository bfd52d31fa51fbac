"""Serving on a GPU: the continuous-batching loop at the default generator's shapes, on CUDA.

    python benchmarks/serving_gpu.py --model-dir DIR [--requests-per-row 2] [--out benchmarks/results]

DIR holds the default generator's config.json and tokenizer (models_cache/gemma-3-270m without its
weights). The model is built from that config with random weights: the weights cannot be copied to a
GPU machine that reaches no network, and a decoding step's cost depends on the shapes, not the values.
Everything goes through the code a worker runs (the loader's device and dtype choice, the rows the
batch gets from the GPU's free memory, the serving loop). Measured in one run:

1. the device, dtype and row count the loader and the loop chose;
2. tokens/s of one request alone (prefill included) and of the loop kept full with requests of mixed
   lengths (``--requests-per-row`` requests per row, 64 to 256 new tokens each);
3. greedy rows decoded alone and inside a full batch: how many come out identical, and the mean share
   of tokens they have in common before they part (bf16 kernels may round differently by batch shape).

Writes serving_gpu.json and serving_gpu.md under ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="ecomai-gpu-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.base")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{WORK / 'db.sqlite3'}")
os.environ["MODELS_CACHE"] = str(WORK / "models")

import django  # noqa: E402

django.setup()

import torch  # noqa: E402

from apps.inference.engine.kv_cache import batch_rows_for  # noqa: E402
from apps.inference.engine.loading import get_loaded  # noqa: E402
from apps.inference.engine.serving import Server  # noqa: E402
from apps.inference.registry import GEMMA3_270M  # noqa: E402
from apps.inference.types import GenerationRequest  # noqa: E402

KEY = "gemma-3-270m-random"
NEW_TOKENS = (32, 64)  # new tokens of the greedy probes, and of each measured request
WORDS = [
    "linen",
    "shirt",
    "relaxed",
    "fit",
    "stone",
    "washed",
    "breathable",
    "summer",
    "cotton",
    "blend",
    "ceramic",
    "pour-over",
    "set",
    "350",
    "ml",
    "vacuum",
    "cup",
    "stainless",
    "steel",
    "leak-proof",
    "lid",
    "wireless",
    "earbuds",
    "IPX4",
    "bluetooth",
    "5.3",
    "charging",
    "case",
    "running",
    "shoes",
    "mesh",
    "upper",
    "cushioned",
    "sole",
    "machine",
    "washable",
    "colour",
    "navy",
    "olive",
    "sand",
    "sizes",
    "S",
    "M",
    "L",
    "XL",
]


def build_model(model_dir: Path) -> Any:
    """The default generator's architecture with random weights, saved where the loader looks."""
    from transformers import AutoConfig, AutoModelForCausalLM

    target = WORK / "models" / KEY
    target.mkdir(parents=True)
    config = AutoConfig.from_pretrained(model_dir)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config)
    model.save_pretrained(target)
    for name in (
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "generation_config.json",
    ):
        if (model_dir / name).exists():
            shutil.copy(model_dir / name, target / name)
    spec = dataclasses.replace(GEMMA3_270M, key=KEY, path=KEY, revision="random weights", checksum="")
    return get_loaded(spec)


def prompt(rng: random.Random) -> str:
    facts = "\n".join(f"- {rng.choice(WORDS)}: {' '.join(rng.choices(WORDS, k=3))}" for _ in range(12))
    return f"Write a product description from these facts.\n{facts}\nDescription:"


def synchronize() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def phase(server: Server, rng: random.Random, rows: int, new_tokens: int) -> dict[str, Any]:
    """``rows`` requests of ``new_tokens`` each, submitted at once: tokens/s and time per decoding step."""
    requests = [
        GenerationRequest(prompt=prompt(rng), max_new_tokens=new_tokens, temperature=0.8, top_p=0.95, seed=n)
        for n in range(rows)
    ]
    steps, tokens = server.stats.steps, server.stats.generated_tokens
    synchronize()
    started = time.perf_counter()
    server.generate(requests, lane="bulk")
    synchronize()
    seconds = time.perf_counter() - started
    steps, tokens = server.stats.steps - steps, server.stats.generated_tokens - tokens
    result = {
        "rows": rows,
        "new_tokens": new_tokens,
        "seconds": round(seconds, 3),
        "steps": steps,
        "tokens": tokens,
        "tokens_per_second": round(tokens / seconds, 1),
        "ms_per_step": round(1000 * seconds / max(1, steps), 2),
    }
    print(json.dumps(result), flush=True)
    return result


def agreement(server: Server, rng: random.Random, rows: int) -> dict[str, Any]:
    probes = [GenerationRequest(prompt=prompt(rng), max_new_tokens=NEW_TOKENS[0]) for _ in range(8)]
    alone = [server.generate([probe])[0].choices[0].text for probe in probes]
    fillers = [
        GenerationRequest(prompt=prompt(rng), max_new_tokens=NEW_TOKENS[0], temperature=0.8, seed=n)
        for n in range(max(0, rows - len(probes)))
    ]
    together = server.generate([*probes, *fillers])[: len(probes)]
    tokenizer = server.loaded.tokenizer
    shares = []
    for single, joined in zip(alone, together, strict=True):
        a = tokenizer(single, add_special_tokens=False)["input_ids"]
        b = tokenizer(joined.choices[0].text, add_special_tokens=False)["input_ids"]
        common = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        shares.append(common / max(1, max(len(a), len(b))))
    identical = sum(single == joined.choices[0].text for single, joined in zip(alone, together, strict=True))
    return {
        "probes": len(probes),
        "identical": identical,
        "mean_common_prefix_share": round(sum(shares) / len(shares), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--smoke", action="store_true", help="a few short requests, CPU allowed (no figures)")
    args = parser.parse_args()
    if not torch.cuda.is_available() and not args.smoke:
        raise SystemExit("No CUDA device: this benchmark measures the GPU path.")
    global NEW_TOKENS
    if args.smoke:
        NEW_TOKENS = (4, 6)
    loaded = build_model(args.model_dir)
    rows = batch_rows_for(loaded)
    server = Server(loaded)
    rng = random.Random(7)
    server.generate([GenerationRequest(prompt=prompt(rng), max_new_tokens=8)])  # warm-up
    sizes = sorted({1, min(rows, 16), min(rows, 64), rows}) if not args.smoke else [1, 4]
    phases = [phase(server, rng, size, NEW_TOKENS[1]) for size in sizes]
    results = {
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU (smoke run)",
        "torch": torch.__version__,
        "device": str(loaded.device),
        "dtype": str(loaded.dtype).removeprefix("torch."),
        "rows_from_free_memory": rows,
        "max_rows_seen": server.stats.max_rows_seen,
        "phases": phases,
        "speedup_full_over_batch_1": round(
            phases[-1]["tokens_per_second"] / phases[0]["tokens_per_second"], 2
        ),
        "greedy_alone_vs_in_batch": agreement(server, rng, rows),
        "command": "python benchmarks/serving_gpu.py " + " ".join(sys.argv[1:]),
    }
    server.close()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "serving_gpu.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "serving_gpu.md").write_text(markdown(results))
    print(json.dumps(results, indent=2))


def markdown(r: dict[str, Any]) -> str:
    agree = r["greedy_alone_vs_in_batch"]
    lines = [
        "# Serving on a GPU",
        "",
        f"Written by `{r['command']}` (benchmarks/serving_gpu.py): the default generator's architecture",
        "(Gemma 3 270M config, random weights) through the worker's loader and serving loop, on",
        f"{r['gpu']} (torch {r['torch']}). The loader chose {r['device']} / {r['dtype']}; the running batch",
        f"gets {r['rows_from_free_memory']} rows from the free GPU memory (most seen at once:",
        f"{r['max_rows_seen']}).",
        "",
        "| rows at once | new tokens each | tokens/s | ms per decoding step | seconds |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {p['rows']} | {p['new_tokens']} | {p['tokens_per_second']} | {p['ms_per_step']} "
        f"| {p['seconds']} |"
        for p in r["phases"]
    ]
    lines += [
        "",
        f"A full batch gives {r['speedup_full_over_batch_1']}x the tokens/s of one row. Greedy rows",
        f"identical alone and in a full batch: {agree['identical']} of {agree['probes']} (mean common prefix",
        f"{agree['mean_common_prefix_share']:.1%}).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
