"""Catalog benchmark: import throughput and memory, grounding of generated drafts, bulk generation throughput.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecomai .venv/bin/python benchmarks/catalog_bench.py
        [--rows 100000] [--formats csv] [--products 50] [--candidates 3] [--batch 8]
        [--throughput-products 16] [--target-length 50] [--throughput-batches 1,8] [--skip-import]
        [--skip-grounding] [--skip-generation] [--rescore]

The defaults reproduce benchmarks/results/catalog.md (about 30 minutes on 2 CPU cores); run
``--formats xlsx --skip-generation`` apart for the XLSX import, so its peak memory is its own.

Import: a 100,000-row CSV (mixed Chinese and English, 2% bad rows, 1% duplicate SKUs) is uploaded,
validated and imported through the same services and job code the dashboard uses (the job's chunks
run in this process, as a worker would), into PostgreSQL. Peak memory is the process's peak RSS
above its level before the import, plus Python's own peak allocation (tracemalloc) in a separate pass.

Grounding: for every product of tests/data/grounding_products.json, ``--candidates`` drafts are
generated in one batched call by the store's default generator and scored; "before" is the share of
all candidates with an unsupported claim (what picking any one would give), "after" the share among
the drafts reranking keeps. Throughput: products per minute through the bulk-job path at batch 1 and
at ``--batch``. Writes benchmarks/results/catalog.json and catalog.md.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.base")
# The generator runs in this process (as in an inference worker), not through the queue.
os.environ.setdefault("INFERENCE_IN_PROCESS", "1")
# As in production: with DEBUG on, Django keeps every SQL statement in memory.
os.environ.setdefault("DEBUG", "False")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from tqdm import tqdm  # noqa: E402

from apps.accounts.actor import Actor  # noqa: E402
from apps.accounts.models import Merchant, Store  # noqa: E402
from apps.catalog import generation  # noqa: E402
from apps.catalog.models import Product  # noqa: E402
from apps.catalog.services import drafting  # noqa: E402
from apps.catalog.text.drafts import Draft, drafts_score  # noqa: E402
from apps.catalog.text.facts import ProductFacts  # noqa: E402
from apps.catalog.text.options import GenerationOptions  # noqa: E402
from apps.catalog.text.prompting import build_prompt  # noqa: E402
from apps.imports import services as import_services  # noqa: E402
from apps.imports.validation import validate_rows  # noqa: E402
from apps.jobs import services as job_services  # noqa: E402
from apps.jobs.models import Job  # noqa: E402
from apps.jobs.services import job_process_chunk  # noqa: E402

# The job's chunks run in this process, as a worker would run them; nothing is sent to a broker.
job_services.job_enqueue = lambda **kwargs: None  # type: ignore[assignment]

RESULTS = ROOT / "benchmarks" / "results"
TITLES = [
    "纯棉圆领T恤",
    "Linen shirt",
    "不锈钢保温杯",
    "Ceramic mug",
    "羊毛围巾",
    "Desk lamp",
    "跑步鞋",
    "Backpack",
]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def write_catalog(path: Path, rows: int) -> None:
    rng = random.Random(1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["SKU", "商品名称", "Brand", "Category", "Price", "材质", "Colour", "Size", "Image"])
        for index in range(rows):
            sku = f"B-{index:07d}"
            if index % 100 == 99:
                sku = f"B-{index - 1:07d}"  # a duplicate SKU
            price = f"{rng.uniform(5, 500):.2f}" if index % 50 != 7 else "n/a"  # a bad price
            writer.writerow(
                [
                    sku,
                    f"{TITLES[index % len(TITLES)]} {index}",
                    f"Brand {index % 37}",
                    f"Category {index % 23}",
                    price,
                    rng.choice(["纯棉", "cotton", "不锈钢", "wool"]),
                    rng.choice(["白色", "navy", "grey"]),
                    rng.choice(["S", "M", "L", "XL"]),
                    f"https://img.example.com/{index}.jpg",
                ]
            )


def write_xlsx(csv_path: Path, path: Path) -> None:
    """The same rows as an .xlsx workbook, written in openpyxl's write-only (streaming) mode."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("products")
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    workbook.save(path)


def make_store(name: str) -> Store:
    merchant = Merchant.objects.create(name=f"bench {name} {time.time():.0f}")
    return Store.objects.create(
        merchant=merchant, name=name, slug=f"bench-{time.time_ns()}", default_language="zh", currency="CNY"
    )


def bench_import(rows: int, file_format: str = "csv") -> dict[str, Any]:
    from django.conf import settings

    store = make_store("import")
    actor = Actor.cli()
    with tempfile.TemporaryDirectory() as directory:
        settings.MEDIA_ROOT = Path(directory) / "media"
        # Validate in this process (what the validation task does for a large upload), so it can be timed.
        settings.IMPORT_INLINE_MAX_BYTES = 1 << 40
        path = Path(directory) / "catalog.csv"
        write_catalog(path, rows)
        if file_format == "xlsx":
            csv_path, path = path, Path(directory) / "catalog.xlsx"
            write_xlsx(csv_path, path)
        size = path.stat().st_size
        gc.collect()
        rss_before = current_rss_mb()
        peak_before = rss_mb()
        started = time.perf_counter()
        # Django keeps large uploads in a temporary file; so does this.
        with path.open("rb") as handle:
            upload = UploadedFile(file=handle, name=path.name, size=size)
            catalog_import = import_services.import_create(
                store=store, target="catalog.products", upload=upload, actor=actor
            )
        uploaded = time.perf_counter()
        catalog_import = import_services.import_start(data_import=catalog_import, actor=actor)
        validated = time.perf_counter()
        assert catalog_import.job is not None
        job_id = catalog_import.job.pk
        with tqdm(total=catalog_import.job.total, desc="import blocks", unit="block") as bar:
            while True:
                processed = job_process_chunk(job_id=job_id)
                bar.update(processed)
                if not Job.objects.get(pk=job_id).is_active:
                    break
        finished = time.perf_counter()
        peak_after = rss_mb()
        catalog_import.refresh_from_db()
        job = Job.objects.get(pk=job_id)
        imported = Product.objects.filter(store=store).count()

        # Python's own peak allocation while validating the whole file once more (a second import).
        again = import_services.import_create(
            store=store,
            target="catalog.products",
            upload=SimpleUploadedFile("again.csv", b"SKU,Title\nX,Y\n"),
            actor=actor,
        )
        again.file.name = catalog_import.file.name
        again.file_format, again.headers, again.encoding, again.delimiter = (
            catalog_import.file_format,
            catalog_import.headers,
            catalog_import.encoding,
            catalog_import.delimiter,
        )
        again.column_mapping = catalog_import.column_mapping
        again.save()
        tracemalloc.start()
        validate_rows(again)
        _current, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    total_seconds = finished - started
    result = {
        "database": connection.vendor,
        "format": file_format,
        "rows": rows,
        "file_mb": round(size / 1_048_576, 1),
        "valid_rows": catalog_import.valid_rows,
        "error_rows": catalog_import.error_rows,
        "products_in_db": imported,
        "job_status": job.status,
        "job_items": job.total,
        "upload_seconds": round(uploaded - started, 2),
        "validate_seconds": round(validated - uploaded, 2),
        "upsert_seconds": round(finished - validated, 2),
        "total_seconds": round(total_seconds, 2),
        "rows_per_second": round(rows / total_seconds),
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_growth_mb": round(max(peak_after - max(peak_before, rss_before), 0.0), 1),
        "validate_pass_python_peak_mb": round(traced_peak / 1_048_576, 1),
    }
    Merchant.objects.filter(pk=store.merchant_id).delete()
    return result


def load_products(store: Store, per_language: int) -> list[Product]:
    data = json.loads((ROOT / "tests" / "data" / "grounding_products.json").read_text(encoding="utf-8"))
    products = []
    counts = {"en": 0, "zh": 0}
    for entry in data["products"]:
        if counts[entry["language"]] >= per_language:
            continue
        counts[entry["language"]] += 1
        products.append(
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
        )
    return products


CANDIDATES_FILE = RESULTS / "catalog_candidates.json"


def generate_candidates(
    products: list[Product], candidates: int, batch: int, target_length: int
) -> tuple[list[dict[str, Any]], float]:
    """Raw drafts for every product, ``batch`` products per batched call; kept so checks can be re-scored."""
    records: list[dict[str, Any]] = []
    started = time.perf_counter()
    for start in tqdm(range(0, len(products), batch), desc="grounding", unit="batch"):
        group = products[start : start + batch]
        for language in ("en", "zh"):
            members = [product for product in group if product.language == language]
            if not members:
                continue
            options = drafting.generation_options_build(
                store=members[0].store,
                language=language,
                candidates=candidates,
                seed=1234,
                target_length=target_length,
            )
            prompts = [drafting.description_prompt(product=p, options=options) for p in members]
            drafts = generation.drafts_generate(
                prompts=[p.text for p in prompts], options=options, store=members[0].store
            )
            for product, product_drafts in zip(members, drafts.drafts, strict=True):
                facts = product.facts()
                records.append(
                    {
                        "sku": product.sku,
                        "language": language,
                        "options": options.to_dict(),
                        "facts": vars(facts),
                        "drafts": [
                            {"text": d.text, "finish_reason": d.finish_reason} for d in product_drafts
                        ],
                    }
                )
    return records, time.perf_counter() - started


def score_candidates(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Before reranking: every candidate (what picking any one gives); after: the draft reranking keeps."""
    per_language: dict[str, dict[str, list[float]]] = {}
    flagged_terms: dict[str, int] = {}
    samples: list[dict[str, Any]] = []
    for record in records:
        options = GenerationOptions.from_dict(record["options"])
        prompt = build_prompt(ProductFacts(**record["facts"]), options)
        drafts = [Draft(**draft) for draft in record["drafts"]]
        scored = drafts_score(prompt=prompt, options=options, drafts=drafts)
        stats = per_language.setdefault(
            record["language"],
            {
                "all_unsupported": [],
                "kept_unsupported": [],
                "all_coverage": [],
                "kept_coverage": [],
                "kept_score": [],
            },
        )
        for draft in scored:
            stats["all_unsupported"].append(float(draft.report.has_unsupported))
            stats["all_coverage"].append(draft.report.coverage)
            for term in draft.report.unsupported:
                flagged_terms[term] = flagged_terms.get(term, 0) + 1
        stats["kept_unsupported"].append(float(scored[0].report.has_unsupported))
        stats["kept_coverage"].append(scored[0].report.coverage)
        stats["kept_score"].append(scored[0].report.score)
        if record["sku"].endswith(("001", "002", "006")):
            samples.append(
                {
                    "sku": record["sku"],
                    "kept": scored[0].text,
                    "flags": scored[0].report.flags,
                    "rejected": [draft.text for draft in scored[1:]],
                }
            )
    summary: dict[str, Any] = {}
    for language, stats in per_language.items():
        summary[language] = {
            "products": len(stats["kept_unsupported"]),
            "unsupported_share_before": round(statistics.mean(stats["all_unsupported"]), 3),
            "unsupported_share_after": round(statistics.mean(stats["kept_unsupported"]), 3),
            "coverage_before": round(statistics.mean(stats["all_coverage"]), 3),
            "coverage_after": round(statistics.mean(stats["kept_coverage"]), 3),
            "mean_score_after": round(statistics.mean(stats["kept_score"]), 3),
        }
    summary["most_flagged"] = sorted(flagged_terms.items(), key=lambda pair: -pair[1])[:12]
    summary["samples"] = samples
    return summary


def bench_grounding(
    products: list[Product], candidates: int, batch: int, target_length: int
) -> dict[str, Any]:
    records, elapsed = generate_candidates(products, candidates, batch, target_length)
    CANDIDATES_FILE.parent.mkdir(parents=True, exist_ok=True)
    CANDIDATES_FILE.write_text(json.dumps(records, ensure_ascii=False, indent=0))
    return {
        "candidates_per_product": candidates,
        "target_length": target_length,
        "batch": batch,
        "seconds": round(elapsed, 1),
        # The same work a bulk job item does (prompts, one batched generate, scoring): bulk throughput.
        "products_per_minute": round(len(products) / elapsed * 60, 1),
        **score_candidates(records),
    }


def bench_throughput(
    store: Store, products: list[Product], batch: int, candidates: int, target_length: int
) -> dict[str, Any]:
    """Products per minute through the bulk job's batch function (generate + score), at a batch size."""
    ids = [product.pk for product in products]
    options = drafting.generation_options_build(
        store=store, candidates=candidates, target_length=target_length
    )
    started = time.perf_counter()
    for start in range(0, len(ids), batch):
        drafting.descriptions_generate_batch(
            store=store, product_ids=ids[start : start + batch], options=options
        )
    elapsed = time.perf_counter() - started
    return {
        "batch": batch,
        "database": connection.vendor,  # not involved in the timing: generation and scoring only
        "products": len(ids),
        "candidates": candidates,
        "seconds": round(elapsed, 1),
        "products_per_minute": round(len(ids) / elapsed * 60, 1),
    }


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Catalog benchmark",
        "",
        "Each section gives the command that measured it.",
        "",
        f"Machine: {results['machine']}",
        "",
    ]
    for key, heading in (("import", "Import (CSV)"), ("import_xlsx", "Import (XLSX)")):
        imp = results.get(key)
        if imp:
            lines += [
                f"## {heading}",
                "",
                f"`{imp.get('command', '')}`",
                "",
                "| measure | value |",
                "|---|---|",
            ]
            lines += [f"| {name} | {value} |" for name, value in imp.items() if name != "command"]
            lines.append("")
    grounding_result = results.get("grounding")
    if grounding_result:
        lines += [
            "## Grounding",
            "",
            f"`{grounding_result.get('command', '')}`"
            + (" (drafts re-scored with `--rescore`)" if grounding_result.get("rescored") else ""),
            "",
            f"Model: {results.get('model')}; candidates per product: "
            f"{grounding_result['candidates_per_product']}",
            "",
            "| language | products | unsupported claims before reranking | after | coverage before | after |",
            "|---|---|---|---|---|---|",
        ]
        for language in ("en", "zh"):
            if language in grounding_result:
                g = grounding_result[language]
                lines.append(
                    f"| {language} | {g['products']} | {g['unsupported_share_before']:.1%} | "
                    f"{g['unsupported_share_after']:.1%} | {g['coverage_before']:.1%} | "
                    f"{g['coverage_after']:.1%} |"
                )
        lines += [
            "",
            f"Target length {grounding_result.get('target_length')}; the pass took "
            f"{grounding_result['seconds']} s: {grounding_result.get('products_per_minute')} products/minute "
            f"at batch {grounding_result.get('batch')} (same work as a bulk job item).",
            "",
            f"Most flagged terms: {grounding_result['most_flagged']}",
            "",
        ]
    throughput = results.get("throughput")
    if throughput:
        lines += [
            "## Bulk generation throughput",
            "",
            f"`{throughput[0].get('command', '')}`",
            "",
            "| batch | products | candidates | seconds | products/minute |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {t['batch']} | {t['products']} | {t['candidates']} | {t['seconds']} | "
            f"{t['products_per_minute']} |"
            for t in throughput
        ]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--formats", default="csv", help="csv, xlsx or both (run them apart for clean peak memory)"
    )
    parser.add_argument("--products", type=int, default=50, help="grounding products per language")
    parser.add_argument("--candidates", type=int, default=3)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--throughput-products", type=int, default=16)
    parser.add_argument("--target-length", type=int, default=50, help="words (en) / characters (zh)")
    parser.add_argument("--throughput-batches", default="1,8", help="batch sizes of the throughput runs")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-generation", action="store_true")
    parser.add_argument("--skip-grounding", action="store_true", help="only the throughput runs")
    parser.add_argument(
        "--rescore",
        action="store_true",
        help=f"score the drafts in {CANDIDATES_FILE.name} again with the current checks; generate nothing",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print(
            "warning: DATABASE_URL is not PostgreSQL; import figures will not be comparable", file=sys.stderr
        )
    call_command("migrate", verbosity=0)
    results: dict[str, Any] = {
        "command": " ".join(
            [
                *([f"DATABASE_URL={os.environ['DATABASE_URL']}"] if os.environ.get("DATABASE_URL") else []),
                ".venv/bin/python benchmarks/catalog_bench.py",
                *sys.argv[1:],
            ]
        ),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {connection.vendor}",
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    previous = RESULTS / "catalog.json"
    if previous.exists():  # keep the parts of an earlier run that this run skips
        earlier = json.loads(previous.read_text())
        for key in ("import", "import_xlsx", "grounding", "throughput", "model"):
            if key in earlier:
                results[key] = earlier[key]
    if args.rescore:
        records = json.loads(CANDIDATES_FILE.read_text())
        results["grounding"] = {**results.get("grounding", {}), **score_candidates(records), "rescored": True}
        args.skip_import = args.skip_generation = True
    if not args.skip_import:
        for file_format in [name.strip() for name in args.formats.split(",") if name.strip()]:
            key = "import" if file_format == "csv" else f"import_{file_format}"
            results[key] = {"command": results["command"], **bench_import(args.rows, file_format)}
            print(json.dumps(results[key], indent=1))
    if not args.skip_generation:
        store = make_store("generation")
        try:
            key, version = generation.model_identity(store=store)
            results["model"] = f"{key} {version}".strip()
            products = load_products(store, args.products)
            if not args.skip_grounding:
                results["grounding"] = {
                    "command": results["command"],
                    **bench_grounding(products, args.candidates, args.batch, args.target_length),
                }
                print(json.dumps({k: v for k, v in results["grounding"].items() if k != "samples"}, indent=1))
            subset = [p for p in products if p.language == "en"][: args.throughput_products // 2] + [
                p for p in products if p.language == "zh"
            ][: args.throughput_products // 2]
            batches = [int(batch) for batch in args.throughput_batches.split(",") if batch.strip()]
            if batches:
                results["throughput"] = [
                    {
                        "command": results["command"],
                        **bench_throughput(store, subset, batch, args.candidates, args.target_length),
                    }
                    for batch in batches
                ]
                print(json.dumps(results["throughput"], indent=1))
        finally:
            Merchant.objects.filter(pk=store.merchant_id).delete()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "catalog.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    (RESULTS / "catalog.md").write_text(markdown(results))
    print(f"wrote {RESULTS / 'catalog.json'} and catalog.md")


if __name__ == "__main__":
    main()
