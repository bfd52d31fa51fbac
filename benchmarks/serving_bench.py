"""Serving benchmark: bulk drafting through a real worker, interactive drafts beside it, classification.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecomai_serving_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/9 MODELS_CACHE=models_cache \\
        .venv/bin/python benchmarks/serving_bench.py [--products 24] [--candidates 3] [--batch 8]
        [--target-length 50] [--ttft-tries 20] [--reviews 400]

Everything runs on this machine in one run, so the ratios compare like with like:

1. Pure batched decoding: the default generator decodes the catalog's own prompts in one static
   batch of the serving loop's row count, in this process; tokens/s of the decoding steps.
2. A bulk describe job of ``--products`` products (Chinese and English, tests/data/grounding_products.json)
   through a real Celery worker (``manage.py worker`` command line, Redis broker, this database), once
   with each call decoding its own static batch (``INFERENCE_CONTINUOUS_BATCHING=false``: how drafting
   ran before the serving loop) and once through the serving loop. Products/min from the job's creation
   to its end; useful tokens/s = tokens of every candidate kept with the versions (the generator's
   tokenizer) over the same time; the kept drafts' grounding (invented spans, length) beside them.
3. While the continuous job runs, ``--ttft-tries`` interactive drafts stream from the web side
   (``description_generate_stream`` through the worker's endpoint, INFERENCE_SERVER_URL): time from the
   call to the first streamed text.
4. A bulk review classification job (sentiment + aspects) through the same worker: its wall time
   against the seconds the worker's encoders spent (the endpoint's /v1/stats).

Writes benchmarks/results/serving.json and serving.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.base")
os.environ.setdefault("DEBUG", "False")
SOCKET_DIR = Path(tempfile.mkdtemp(prefix="ecomai-serving-"))
SOCKET = SOCKET_DIR / "inference.sock"
os.environ["INFERENCE_SERVER_URL"] = f"unix:{SOCKET}"
os.environ.pop("INFERENCE_IN_PROCESS", None)

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from apps.accounts.actor import Actor  # noqa: E402
from apps.accounts.models import Merchant, Store  # noqa: E402
from apps.catalog.models import DescriptionVersion, Product  # noqa: E402
from apps.catalog.services import drafting, drafting_stream  # noqa: E402
from apps.core.workers import celery_worker_argv  # noqa: E402
from apps.jobs.models import Job  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def make_store(name: str) -> Store:
    merchant = Merchant.objects.create(name=f"serving bench {name} {time.time_ns()}")
    return Store.objects.create(
        merchant=merchant, name=name, slug=f"serving-{time.time_ns()}", default_language="en", currency="USD"
    )


def load_products(store: Store, count: int) -> list[Product]:
    data = json.loads((ROOT / "tests" / "data" / "grounding_products.json").read_text(encoding="utf-8"))
    entries = data["products"]
    english = [entry for entry in entries if entry["language"] == "en"]
    chinese = [entry for entry in entries if entry["language"] == "zh"]
    chosen = [entry for pair in zip(english, chinese, strict=False) for entry in pair][:count]
    return [
        Product.objects.create(
            store=store,
            sku=entry["sku"],
            title=entry["title"],
            brand=entry["brand"],
            category=entry["category"],
            price=entry["price"],
            currency="CNY" if entry["language"] == "zh" else "USD",
            attributes=entry["attributes"],
            language=entry["language"],
        )
        for entry in chosen
    ]


class Worker:
    """A real Celery worker on the ``inference`` queue with its endpoint on a private socket."""

    def __init__(self, name: str, *, continuous: bool) -> None:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            "INFERENCE_CONTINUOUS_BATCHING": "true" if continuous else "false",
            "INFERENCE_SERVER_LISTEN": f"unix:{SOCKET}",
        }
        env.pop("INFERENCE_SERVER_URL", None)
        self.log = (SOCKET_DIR / f"{name}.log").open("wb")
        self.process = subprocess.Popen(
            celery_worker_argv(
                queues=["inference"], concurrency=4, hostname=f"{name}@%h", loglevel="WARNING"
            ),
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 180
        while not SOCKET.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the worker did not start; see {self.log.name}")
            time.sleep(0.2)
        self.warm_up()

    def warm_up(self) -> None:
        """Loads the models the runs use (a load is not what the runs measure)."""
        from apps.inference.backends.server import ServerBackend
        from apps.inference.registry import resolve_model
        from apps.inference.types import GenerationRequest

        backend = ServerBackend(f"unix:{SOCKET}")
        backend.generate(
            [GenerationRequest(prompt="Hello", max_new_tokens=2)], resolve_model(None, task="generate")
        )
        for key in ("sentiment-zh-en", "multilingual-e5-small"):
            spec = resolve_model(key, task="classify" if key.startswith("sentiment") else "embed")
            if spec.task == "classify":
                backend.classify(["fine"], spec)
            else:
                backend.embed(["fine"], spec)

    def stats(self) -> dict[str, Any]:
        with httpx.Client(
            transport=httpx.HTTPTransport(uds=str(SOCKET)), base_url="http://inference"
        ) as client:
            return dict(client.get("/v1/stats").json())

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        SOCKET.unlink(missing_ok=True)


def wait_for(job: Job, timeout: float = 3600, poll: float = 0.05) -> Job:
    """The job once it has ended, seen within ``poll`` seconds of its end (a coarser poll would count
    up to its interval into the job's time)."""
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        if not job.is_active:
            return job
        if time.monotonic() > deadline:
            raise SystemExit(f"job {job.pk} did not finish in {timeout:.0f} s")
        time.sleep(poll)


def count_tokens(texts: list[str]) -> int:
    from transformers import AutoTokenizer

    from apps.inference.registry import resolve_model

    tokenizer = AutoTokenizer.from_pretrained(resolve_model(None, task="generate").local_path)
    return sum(len(tokenizer(text, add_special_tokens=False)["input_ids"]) for text in texts if text)


def kept_quality(job: Job) -> dict[str, Any]:
    versions = list(DescriptionVersion.objects.filter(job=job))
    candidates = [candidate for version in versions for candidate in version.candidates]
    invented = [sum(1 for span in version.spans if span.get("kind") != "puffery") for version in versions]
    return {
        "versions": len(versions),
        "candidates": len(candidates),
        "kept_with_invented_span": sum(1 for count in invented if count) / max(1, len(versions)),
        "kept_mean_chars": statistics.mean(len(version.text) for version in versions) if versions else 0,
        "candidate_tokens": count_tokens([candidate.get("text", "") for candidate in candidates]),
    }


def bulk_run(
    name: str, *, continuous: bool, args: argparse.Namespace, ttft_tries: int = 0
) -> tuple[dict[str, Any], list[float], int]:
    store = make_store(name)
    actor = Actor.system()
    load_products(store, args.products)
    options = drafting.generation_options_build(
        store=store, candidates=args.candidates, seed=1234, target_length=args.target_length
    )
    worker = Worker(name, continuous=continuous)
    ttfts: list[float] = []
    during = 0
    try:
        before = worker.stats()
        started = time.perf_counter()
        job = drafting.descriptions_generate_bulk(
            store=store, actor=actor, options=options, products=store.products.all(), batch_size=args.batch
        )
        if ttft_tries:
            ttfts, during = interactive_tries(store, actor, job, args, ttft_tries)
        job = wait_for(job)
        seconds = time.perf_counter() - started
        after = worker.stats()
    finally:
        worker.stop()
    quality = kept_quality(job)
    servers = after.get("servers") or []
    result = {
        "mode": "continuous" if continuous else "static",
        "status": job.status,
        "products": args.products,
        "items_failed": job.failed_count,
        "seconds": round(seconds, 1),
        "products_per_minute": round(args.products / seconds * 60, 2),
        "useful_tokens_per_second": round(quality["candidate_tokens"] / seconds, 2),
        **quality,
        "server": servers[0] if servers else None,
        "stats_before": before,
    }
    return result, ttfts, during


def interactive_tries(
    store: Store, actor: Actor, job: Job, args: argparse.Namespace, tries: int
) -> tuple[list[float], int]:
    """Streams ``tries`` single drafts while the bulk job runs; seconds to the first text of each."""
    products = list(store.products.order_by("pk"))
    options = drafting.generation_options_build(
        store=store, candidates=1, seed=99, target_length=args.target_length
    )
    # Let the bulk job fill the batch first.
    deadline = time.monotonic() + 600
    while job.done_count == 0 and time.monotonic() < deadline:
        time.sleep(1)
        job.refresh_from_db()
    times, during = [], 0
    for attempt in range(tries):
        product = products[(attempt * 7) % len(products)]
        started = time.perf_counter()
        stream: Any = drafting_stream.description_generate_stream(
            product=product, actor=actor, options=options.for_language(product.language)
        )
        first = None
        for event in stream:
            if event.get("delta"):
                first = time.perf_counter() - started
                break
            if "error" in event:
                raise SystemExit(f"interactive draft failed: {event}")
        stream.close()  # the draft is not needed: its rows leave the batch
        job.refresh_from_db()
        during += int(job.is_active)
        if first is not None:
            times.append(first)
        time.sleep(0.5)
    return times, during


def pure_decoding(args: argparse.Namespace, rows: int) -> dict[str, Any]:
    """Tokens/s of the decoding steps of one static batch of ``rows`` catalog prompts, in this process."""
    from apps.inference.engine import generation
    from apps.inference.engine.loading import get_loaded
    from apps.inference.registry import resolve_model
    from apps.inference.types import GenerationRequest

    store = make_store("pure")
    products = load_products(store, rows)
    options = drafting.generation_options_build(
        store=store, candidates=1, seed=5, target_length=args.target_length
    )
    prompts = [
        drafting.description_prompt(product=p, options=options.for_language(p.language)).text
        for p in products
    ]
    loaded = get_loaded(resolve_model(None, task="generate"))
    requests = [
        GenerationRequest(prompt=prompt, max_new_tokens=96, temperature=0.8, seed=i)
        for i, prompt in enumerate(prompts)
    ]
    batch = generation._rows_for(loaded, requests)
    first_step_done = 0.0
    steps = 0
    for _ in generation.decode(loaded, batch):
        steps += 1
        if steps == 1:
            first_step_done = time.perf_counter()
            first_tokens = sum(len(row.tokens) for row in batch)
    seconds = time.perf_counter() - first_step_done
    tokens = sum(len(row.tokens) for row in batch) - first_tokens
    return {
        "rows": len(batch),
        "steps": steps,
        "decode_tokens": tokens,
        "tokens_per_second": round(tokens / seconds, 2),
    }


def classification_overhead(args: argparse.Namespace) -> dict[str, Any]:
    from apps.reviews.models import Review
    from apps.reviews.services import classification

    store = make_store("reviews")
    product = load_products(store, 1)[0]
    import csv
    import hashlib

    from django.utils import timezone

    samples = []
    for language in ("en", "zh"):
        path = ROOT / "tests" / "data" / "reviews" / f"sentiment_{language}.csv"
        with path.open(encoding="utf-8") as handle:
            samples += [(row["text"], language) for row in csv.DictReader(handle)]
    reviews = []
    for index in range(args.reviews):
        text, language = samples[index % len(samples)]
        text = f"{text} ({index})"
        reviews.append(
            Review(
                store=store,
                product=product,
                sku=product.sku,
                rating=3,
                text=text,
                text_hash=hashlib.sha256(text.encode()).hexdigest(),
                language=language,
                reviewed_at=timezone.now(),
            )
        )
    Review.objects.bulk_create(reviews)
    worker = Worker("classify", continuous=True)
    try:
        before = worker.stats()["engine_seconds"]
        started = time.perf_counter()
        job = classification.reviews_classify_pending(store=store)
        assert job is not None
        job = wait_for(job)
        seconds = time.perf_counter() - started
        after = worker.stats()["engine_seconds"]
    finally:
        worker.stop()
    engine = sum(after.get(key, 0.0) - before.get(key, 0.0) for key in after)
    return {
        "reviews": args.reviews,
        "status": job.status,
        "job_seconds": round(seconds, 2),
        "engine_seconds": round(engine, 2),
        "overhead": round(seconds / engine - 1, 3) if engine else None,
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def markdown(results: dict[str, Any]) -> str:
    static, continuous = results["static"], results["continuous"]
    pure = results["pure_decoding"]
    ttft = results["interactive"]
    lines = [
        "# Serving benchmark",
        "",
        f"Command: `{results['command']}`",
        "",
        f"Machine: {results['machine']}; load average before {results['load_before']}, "
        f"after {results['load_after']}.",
        f"Model: {results['model']}; {results['products']} products (half Chinese, half English), "
        f"{results['candidates']} candidates each, target length {results['target_length']}, "
        f"{results['batch']} products per job item.",
        "",
        "## Bulk drafting through a real worker",
        "",
        "| | static batches (each call its own) | continuous batching |",
        "|---|---|---|",
        f"| job status | {static['status']} | {continuous['status']} |",
        f"| seconds | {static['seconds']} | {continuous['seconds']} |",
        f"| products/minute | {static['products_per_minute']} | {continuous['products_per_minute']} |",
        f"| useful tokens/s (kept candidates' tokens) | {static['useful_tokens_per_second']} | "
        f"{continuous['useful_tokens_per_second']} |",
        f"| kept drafts with an invented span | {static['kept_with_invented_span']:.1%} | "
        f"{continuous['kept_with_invented_span']:.1%} |",
        f"| kept drafts, mean characters | {static['kept_mean_chars']:.0f} | "
        f"{continuous['kept_mean_chars']:.0f} |",
        "",
        f"Pure batched decoding of the same model, {pure['rows']} rows (the serving loop's row count), "
        f"decoding steps only: {pure['tokens_per_second']} tokens/s.",
        "",
        f"- continuous / static products per minute: **{results['speedup']:.2f}x**",
        f"- useful tokens/s of the continuous job / pure batched decoding: **{results['useful_share']:.1%}**",
    ]
    server = continuous.get("server") or {}
    if server:
        lines += [
            f"- serving loop: {server['max_rows']} rows at most "
            f"({server['reserved_interactive_rows']} kept for interactive work), {server['steps']} steps, "
            f"{server['prefill_tokens']} prompt tokens prefilled, "
            f"{server['prefix_tokens_reused']} reused from the prefix cache "
            f"({server['prefix_cache']['hits']} hits, {server['prefix_cache']['misses']} misses)",
        ]
    lines += [
        "",
        "## Interactive drafts while the bulk job runs",
        "",
        f"{len(ttft['seconds'])} streamed drafts through the worker's endpoint, {ttft['during_job']} of them "
        f"ended while the job was still running: time to the first streamed text p50 "
        f"{ttft['p50']:.2f} s, p95 **{ttft['p95']:.2f} s**, max {ttft['max']:.2f} s.",
        "",
        "## Bulk classification overhead",
        "",
    ]
    cls = results["classification"]
    lines.append(
        f"{cls['reviews']} reviews classified (sentiment + aspects) by a job through the worker: "
        f"{cls['job_seconds']} s against {cls['engine_seconds']} s in the encoders: platform overhead "
        f"(queue + database) **{cls['overhead']:.1%}**."
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=24)
    parser.add_argument("--candidates", type=int, default=3)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--target-length", type=int, default=50)
    parser.add_argument("--ttft-tries", type=int, default=20)
    parser.add_argument("--reviews", type=int, default=400)
    args = parser.parse_args()
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        raise SystemExit("Set CELERY_BROKER_URL to a Redis database (the worker and this process share it).")
    call_command("migrate", verbosity=0)
    load_before = round(os.getloadavg()[0], 1)

    from apps.inference.engine.loading import get_loaded
    from apps.inference.engine.serving import batch_rows_for
    from apps.inference.registry import resolve_model

    spec = resolve_model(None, task="generate")
    rows = batch_rows_for(get_loaded(spec))
    pure = pure_decoding(args, rows)
    print(f"pure batched decoding: {pure}", flush=True)
    static, _, _ = bulk_run("static", continuous=False, args=args)
    print(f"static: {static['seconds']} s, {static['products_per_minute']} products/min", flush=True)
    continuous, ttfts, during = bulk_run("continuous", continuous=True, args=args, ttft_tries=args.ttft_tries)
    print(
        f"continuous: {continuous['seconds']} s, {continuous['products_per_minute']} products/min", flush=True
    )
    classification_result = classification_overhead(args)
    print(f"classification: {classification_result}", flush=True)
    results = {
        "command": "DATABASE_URL=... CELERY_BROKER_URL=redis://... "
        ".venv/bin/python benchmarks/serving_bench.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.processor() or platform.platform()}",
        "model": spec.key,
        "products": args.products,
        "candidates": args.candidates,
        "target_length": args.target_length,
        "batch": args.batch,
        "pure_decoding": pure,
        "static": static,
        "continuous": continuous,
        "speedup": continuous["products_per_minute"] / static["products_per_minute"],
        "useful_share": continuous["useful_tokens_per_second"] / pure["tokens_per_second"],
        "interactive": {
            "seconds": [round(value, 3) for value in ttfts],
            "during_job": during,
            "p50": statistics.median(ttfts) if ttfts else float("nan"),
            "p95": percentile(ttfts, 0.95) if ttfts else float("nan"),
            "max": max(ttfts) if ttfts else float("nan"),
        },
        "classification": classification_result,
        "load_before": load_before,
        "load_after": round(os.getloadavg()[0], 1),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "serving.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (RESULTS / "serving.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


if __name__ == "__main__":
    main()
