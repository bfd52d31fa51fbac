"""Reviews pipeline benchmark: what a merchant's "import a few thousand reviews" costs on this machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecomai MODELS_CACHE=models_cache \
        .venv/bin/python benchmarks/reviews_pipeline_bench.py [--reviews 3000] [--classify 3000]

A CSV of ``--reviews`` generated reviews (English and Chinese, 35 days, one product with a seeded week of
complaints, 1% bad rows, 1% repeated rows) is uploaded, validated and imported through the same services
and job code the dashboard uses (job chunks run in this process, as a worker would). Then the first
``--classify`` of them are classified by the classification job with the default models in this process
(sentiment-zh-en and multilingual-e5-small for aspects), and spike detection runs once. Writes
benchmarks/results/reviews_pipeline.md with rows/s, reviews/s, the machine's load, and which alerts were
raised (the seeded spike should be the only one). The generated texts are templates: this measures the
pipeline, not accuracy (accuracy is measured on the hand-labelled sets in tests/data/reviews/).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.base")
os.environ.setdefault("INFERENCE_IN_PROCESS", "1")
os.environ.setdefault("DEBUG", "False")

import django  # noqa: E402

django.setup()

from celery import current_app  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.actor import Actor  # noqa: E402
from apps.accounts.models import Merchant, Store  # noqa: E402
from apps.imports import services as import_services  # noqa: E402
from apps.inference.registry import resolve_model  # noqa: E402
from apps.jobs.models import Job  # noqa: E402
from apps.jobs.services import job_process_chunk  # noqa: E402
from apps.reviews.models import Review  # noqa: E402
from apps.reviews.services import alerts, classification  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
EN = {
    "positive": [
        "Great jacket, the fabric is soft and it fits perfectly.",
        "Arrived fast and well packed, love it.",
    ],
    "negative": [
        "The zipper broke after two days, terrible quality.",
        "Shipping took three weeks, too slow.",
    ],
    "neutral": ["It is a jacket. Does the job.", "Okay for the price, nothing special."],
}
ZH = {
    "positive": ["面料很舒服，尺码正好，很喜欢。", "物流很快，包装很好，五星好评。"],
    "negative": ["质量太差了，拉链两天就坏了。", "快递太慢了，等了一个星期。"],
    "neutral": ["一般般吧，价格还行。", "还可以，没什么特别的。"],
}


def write_reviews(path: Path, count: int, rng: random.Random) -> None:
    now = timezone.now()
    lines = ["sku,rating,review,date,language,source,review id"]
    for number in range(count):
        day = rng.randrange(35)
        sku = rng.choice(["JACKET-1", "MUG-2", "SCARF-3", "BAG-4"])
        negative_rate = 0.6 if (sku == "JACKET-1" and day < 7) else 0.1
        roll = rng.random()
        sentiment = "negative" if roll < negative_rate else "positive" if roll < 0.85 else "neutral"
        language = rng.choice(["en", "zh"])
        text = rng.choice((EN if language == "en" else ZH)[sentiment])
        rating = {"negative": 1, "neutral": 3, "positive": 5}[sentiment]
        when = (now - timedelta(days=day, minutes=rng.randrange(1440))).strftime("%Y-%m-%d %H:%M")
        if rng.random() < 0.01:
            rating = 9  # a bad row
        lines.append(f'{sku},{rating},"{text} #{number}",{when},{language},shop,{number}')
        if rng.random() < 0.01:
            lines.append(lines[-1])  # a repeated row
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_job(job: Job) -> Job:
    while True:
        job.refresh_from_db()
        if not job.is_active:
            return job
        job_process_chunk(job_id=job.pk)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=3000)
    parser.add_argument("--classify", type=int, default=3000)
    args = parser.parse_args()
    # Nothing leaves for a broker: the jobs run here.
    current_app.send_task = lambda *a, **k: None  # type: ignore[method-assign,assignment]
    merchant = Merchant.objects.create(name=f"bench reviews {time.time():.0f}")
    store = Store.objects.create(merchant=merchant, name="reviews bench", slug=f"bench-{time.time_ns()}")
    results: dict[str, Any] = {
        "reviews": args.reviews,
        "classify_count": args.classify,
        "load_before": os.getloadavg(),
    }
    try:
        with tempfile.TemporaryDirectory() as directory:
            settings.MEDIA_ROOT = Path(directory) / "media"
            settings.IMPORT_INLINE_MAX_BYTES = 1 << 40
            path = Path(directory) / "reviews.csv"
            write_reviews(path, args.reviews, random.Random(13))
            started = time.perf_counter()
            upload = SimpleUploadedFile("reviews.csv", path.read_bytes())
            data_import = import_services.import_create(
                store=store, target="reviews.reviews", upload=upload, actor=Actor.system()
            )
            data_import = import_services.import_start(data_import=data_import, actor=Actor.system())
            assert data_import.job is not None
            run_job(data_import.job)
            data_import.refresh_from_db()
            results["import_seconds"] = time.perf_counter() - started
            results["import"] = {
                "rows": data_import.total_rows,
                "errors": data_import.error_rows,
                "created": data_import.created_count,
                "skipped": data_import.skipped_count,
            }
        sentiment = resolve_model(None, task="classify", store=store)
        if not sentiment.is_installed():
            results["classify"] = f"skipped: {sentiment.key} is not installed in {sentiment.local_path}"
        else:
            keep = list(
                Review.objects.filter(store=store).order_by("?").values_list("pk", flat=True)[: args.classify]
            )
            started = time.perf_counter()
            job = classification.reviews_classify_start(
                store=store, actor=Actor.system(), reviews=Review.objects.filter(pk__in=keep)
            )
            job = run_job(job)
            seconds = time.perf_counter() - started
            results["classify"] = {
                "reviews": len(keep),
                "seconds": seconds,
                "status": job.status,
                "model": sentiment.key,
            }
            raised = alerts.alerts_detect(store=store)
            results["alerts"] = [f"{alert.scope} {alert.key} p={alert.p_value:.2g}" for alert in raised]
        results["load_after"] = os.getloadavg()
    finally:
        Merchant.objects.filter(pk=merchant.pk).delete()
    write_markdown(results)


def write_markdown(results: dict[str, Any]) -> None:
    imported = results["import"]
    lines = [
        "# Reviews pipeline",
        "",
        "Command: `DATABASE_URL=... MODELS_CACHE=... .venv/bin/python benchmarks/reviews_pipeline_bench.py "
        f"--reviews {results['reviews']} --classify {results['classify_count']}` "
        "(MODELS_CACHE holding sentiment-zh-en and multilingual-e5-small)",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; load average before "
        f"{results['load_before'][0]:.1f}, after {results.get('load_after', (0,))[0]:.1f} (shared machine).",
        "",
        f"- Import: {imported['rows']} rows in {results['import_seconds']:.1f} s "
        f"({imported['rows'] / results['import_seconds']:.0f} rows/s): {imported['created']} created, "
        f"{imported['skipped']} duplicates skipped, {imported['errors']} rows with errors.",
    ]
    classify = results["classify"]
    if isinstance(classify, str):
        lines.append(f"- Classification: {classify}.")
    else:
        lines.append(
            f"- Classification (sentiment + aspects, {classify['model']}, in process): "
            f"{classify['reviews']} reviews in {classify['seconds']:.1f} s "
            f"({classify['reviews'] / classify['seconds']:.1f} reviews/s), "
            f"job {classify['status']}."
        )
        lines.append(f"- Spike detection raised: {', '.join(results['alerts']) or 'nothing'}.")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reviews_pipeline.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
