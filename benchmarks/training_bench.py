"""Model-loop benchmark: what a store gains by fine-tuning the sentiment classifier on its own labels.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecomai_bench MODELS_CACHE=models_cache \
        .venv/bin/python benchmarks/training_bench.py [--epochs 4] [--method lora --learning-rate 5e-4]
        [--baseline] [--store-rows 500]

The store's labelled reviews are the ``tune`` rows of the hand-labelled sets (tests/data/reviews/
sentiment_en.csv and sentiment_zh.csv), entered as a person's labels. They go through the same
services and job code as the dashboard: a dataset is built (cleaned, split, frozen), a run fine-tunes the
installed sentiment-zh-en on it (the job's item runs in this process, as a worker would), and the run
registers its version. Both the default classifier and the new version then classify the ``held`` rows,
which neither the default's training nor this fine-tune ever saw. Writes benchmarks/results/training.md
and training.json (``--method lora``: training_lora.md and training_lora.json): accuracy and macro-F1
per language and overall, training seconds per 1,000 examples on this machine, and the run's own
held-out evaluation (its dataset's test split).

``--baseline`` also fine-tunes the same base on the same frozen train rows with a plain
``transformers.Trainer`` (benchmarks/plain_trainer.py) and reports its speed and held-row quality
beside ecomai's run, measured the same way in the same process (file name ``..._vs_trainer``).
``--store-rows N`` takes the store's labels from the corpora's test split, which the installed
classifier never trained or was validated on (benchmarks/store_corpus.py; file name ``..._storeN``).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import platform
import sys
import time
from dataclasses import replace
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

from django.utils import timezone  # noqa: E402
from plain_trainer import plain_trainer_fit  # noqa: E402
from store_corpus import corpus_store_rows  # noqa: E402

from apps.accounts.actor import Actor  # noqa: E402
from apps.accounts.models import Merchant, Store  # noqa: E402
from apps.inference.backends.local import LocalBackend  # noqa: E402
from apps.inference.registry import get_spec  # noqa: E402
from apps.jobs.services import job_process_chunk  # noqa: E402
from apps.reviews.models import Review  # noqa: E402
from apps.training.engine.config import (  # noqa: E402
    RunConfig,
    accuracy,
    macro_f1,
)
from apps.training.models import ModelVersion, ReviewLabel  # noqa: E402
from apps.training.services.datasets import (  # noqa: E402
    DatasetOptions,
    dataset_build,
    dataset_examples,
)
from apps.training.services.runs import run_start  # noqa: E402
from apps.training.services.versions import version_spec  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
LABELS = ("negative", "neutral", "positive")
METHODS = {
    "full": "full fine-tune",
    "lora": "LoRA adapter and head",
    "top": "top {top} layers and head on the frozen bottom's output, computed once per text (counted)",
}


def read_rows() -> list[dict[str, str]]:
    rows = []
    for language in ("en", "zh"):
        path = ROOT / "tests" / "data" / "reviews" / f"sentiment_{language}.csv"
        with path.open(encoding="utf-8", newline="") as stream:
            rows += [{**row, "language": language} for row in csv.DictReader(stream)]
    return rows


def scores(predicted: list[str], rows: list[dict[str, str]]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for language in ("en", "zh", "all"):
        chosen = [i for i, row in enumerate(rows) if language == "all" or row["language"] == language]
        expected = [rows[i]["label"] for i in chosen]
        guessed = [predicted[i] for i in chosen]
        figures[language] = {
            "texts": len(chosen),
            "accuracy": round(accuracy(guessed, expected), 4),
            "macro_f1": round(macro_f1(guessed, expected, LABELS), 4),
        }
    return figures


def mcnemar(first: list[str], second: list[str], expected: list[str]) -> dict[str, Any]:
    """Exact two-sided McNemar test on paired predictions: is one model right on texts where the other
    is wrong more often than chance would give? (b: only the first right, c: only the second.)"""
    b = sum(f == e != s for f, s, e in zip(first, second, expected, strict=True))
    c = sum(s == e != f for f, s, e in zip(first, second, expected, strict=True))
    n, low = b + c, min(b, c)
    p = min(1.0, 2 * sum(math.comb(n, k) for k in range(low + 1)) / 2**n) if n else 1.0
    return {"only_first_right": b, "only_second_right": c, "p_value": round(p, 4)}


def examples_seen(steps: int, rows: int, batch_size: int) -> int:
    """Examples one training pass read in ``steps`` steps over ``rows`` rows (short last batches)."""
    per_epoch = max(1, -(-rows // batch_size))
    whole, rest = divmod(steps, per_epoch)
    return whole * rows + min(rest * batch_size, rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=float, default=4)
    parser.add_argument("--learning-rate", type=float, default=3e-5)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument(
        "--method",
        choices=["full", "lora", "top"],
        default="full",
        help="full fine-tune, a LoRA adapter and the head, or the top layers and the head on the "
        "frozen bottom's cached output",
    )
    parser.add_argument("--top-layers", type=int, default=4, help="with --method top: layers trained")
    parser.add_argument(
        "--store-rows",
        type=int,
        default=0,
        help="the store's labels: this many texts of the corpora's test split, which the installed "
        "classifier never saw (0: the tune rows of tests/data/reviews)",
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also fine-tune the same base on the same train rows with a plain transformers.Trainer",
    )
    parser.add_argument(
        "--baseline-learning-rate",
        type=float,
        default=3e-5,
        help="the plain Trainer's learning rate (a full fine-tune: ecomai's full fine-tune rate)",
    )
    arguments = parser.parse_args()

    rows = read_rows()
    tune = [row for row in rows if row["split"] == "tune"]
    held = [row for row in rows if row["split"] == "held"]
    provenance: dict[str, Any] = {}
    corpus_judged: list[dict[str, str]] = []
    if arguments.store_rows:
        tune, provenance, corpus_judged = corpus_store_rows(arguments.store_rows, held=held, reviews=rows)
    merchant = Merchant.objects.create(name=f"Training bench {time.time():.0f}")
    store = Store.objects.create(merchant=merchant, name="Bench store", slug=f"bench-{time.time():.0f}")
    for number, row in enumerate(tune):
        review = Review.objects.create(
            store=store,
            sku=row["product"][:64] or "SKU",
            rating=int(row["rating"]) if row["rating"] else None,
            text=row["text"],
            text_hash=hashlib.sha256(row["text"].encode()).hexdigest(),
            language=row["language"],
            reviewed_at=timezone.now() - timedelta(minutes=number),
        )
        ReviewLabel.objects.create(store=store, review=review, label=row["label"])
    dataset = dataset_build(
        store=store,
        actor=Actor.system(),
        options=DatasetOptions(kind="sentiment", label_source="human", name="tune rows", valid_fraction=0.15),
    )
    config = RunConfig(
        epochs=arguments.epochs,
        batch_size=arguments.batch_size,
        learning_rate=arguments.learning_rate,
        max_length=128,
        eval_steps=10,
        logging_steps=5,
        early_stopping_patience=3,
        method=arguments.method,
        top_layers=arguments.top_layers,
    )
    run = run_start(store=store, actor=Actor.system(), dataset=dataset, config=config)
    started = time.monotonic()
    assert run.job_id is not None
    job_process_chunk(job_id=run.job_id)
    wall = time.monotonic() - started
    run.refresh_from_db()
    if run.status != "succeeded":
        raise SystemExit(f"the run did not succeed: {run.status} {run.error}")
    version = ModelVersion.objects.get(run=run)

    texts = [row["text"] for row in held]
    backend = LocalBackend()
    default = [result.label for result in backend.classify(texts, get_spec("sentiment-zh-en"))]
    tuned = [result.label for result in backend.classify(texts, version_spec(version))]
    judged_figures: dict[str, Any] = {}
    if corpus_judged:
        judged_texts = [row["text"] for row in corpus_judged]
        judged_figures = {
            "default": scores(
                [r.label for r in backend.classify(judged_texts, get_spec("sentiment-zh-en"))], corpus_judged
            ),
            "fine_tuned": scores(
                [r.label for r in backend.classify(judged_texts, version_spec(version))], corpus_judged
            ),
        }
    examples_per_second = float(run.progress.get("examples_per_second") or 0.0)
    baseline: dict[str, Any] | None = None
    if arguments.baseline:
        train_rows = dataset_examples(dataset=dataset, split="train")
        spec = get_spec(run.base_model)
        plain = plain_trainer_fit(
            spec.local_path,
            LABELS,
            [example.text for example in train_rows],
            [example.label for example in train_rows],
            epochs=arguments.epochs,
            batch_size=arguments.batch_size,
            learning_rate=arguments.baseline_learning_rate,
            max_length=config.max_length,
        )
        plain_spec = replace(
            spec, key="plain-trainer-baseline", path=str(plain.folder), revision="plain", checksum=""
        )
        plain_labels = [result.label for result in backend.classify(texts, plain_spec)]
        ours_seen = examples_seen(int(run.progress.get("step") or 0), len(train_rows), arguments.batch_size)
        plain_seen = examples_seen(plain.steps, len(train_rows), arguments.batch_size)
        ours_rate = round(ours_seen / run.train_seconds, 3)
        plain_rate = round(plain_seen / plain.seconds, 3)
        comparison = {
            "how": "examples read (train rows per epoch, short last batches counted as they are) over "
            "the wall seconds of Trainer.train(), the same measure for both",
            "ecomai_examples_per_second": ours_rate,
            "plain_examples_per_second": plain_rate,
            "ratio": round(ours_rate / plain_rate, 2),
        }
        baseline = {
            "what": "transformers.Trainer, default TrainingArguments but epochs, batch size and "
            "learning rate; full fine-tune; no length grouping, no LoRA, no evaluation during training",
            "base_model": run.base_model,
            "train_rows": len(train_rows),
            "learning_rate": arguments.baseline_learning_rate,
            "steps": plain.steps,
            "train_seconds": plain.seconds,
            "examples_per_second": round(plain.examples_per_second, 3),
            "seconds_per_1000_examples": (
                round(1000 / plain.examples_per_second, 1) if plain.examples_per_second else None
            ),
            "held_rows": scores(plain_labels, held),
            "mcnemar_ecomai_vs_plain": mcnemar(tuned, plain_labels, [row["label"] for row in held]),
            "comparison": comparison,
        }
    figures = {
        "command": "python benchmarks/training_bench.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}",
        "store_labelled_reviews": len(tune),
        "dataset": {
            "sha256": dataset.content_sha256,
            "split_counts": dataset.split_counts,
            "report": dataset.report,
        },
        "hyperparameters": run.hyperparameters,
        "training": {
            "steps": run.progress.get("step"),
            "max_steps": run.progress.get("max_steps"),
            "stopped_early": run.progress.get("stopped_early"),
            "train_seconds": round(run.train_seconds, 1),
            "job_wall_seconds": round(wall, 1),
            "seconds_per_1000_examples": (
                round(1000 / examples_per_second, 1) if examples_per_second else None
            ),
        },
        "run_evaluation": version.metrics,
        "held_rows": {"default": scores(default, held), "fine_tuned": scores(tuned, held)},
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }
    if provenance:
        figures["store_rows_provenance"] = provenance
        figures["judged_corpus_rows"] = judged_figures
    if baseline is not None:
        figures["plain_trainer"] = baseline
        figures["speed_ratio_vs_plain_trainer"] = baseline["comparison"]["ratio"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "training" if arguments.method == "full" else f"training_{arguments.method}"
    if arguments.store_rows:
        name += f"_store{arguments.store_rows}"
    if arguments.baseline:
        name += "_vs_trainer"
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    lines = [
        "# Fine-tuning the sentiment classifier on a store's own labelled reviews"
        + ("" if arguments.method == "full" else f" ({arguments.method})"),
        "",
        f"Command: `{figures['command']}` ({figures['machine']}; load average at the end "
        f"{figures['load_average']}).",
        "",
        (
            f"The store's labels: {provenance['description']} (dataset {dataset.content_sha256[:12]}: "
            f"{dataset.split_counts})."
            if provenance
            else f"The store's labels: the {len(tune)} `tune` rows of tests/data/reviews/sentiment_en.csv "
            f"and sentiment_zh.csv (dataset {dataset.content_sha256[:12]}: {dataset.split_counts})."
        )
        + f" Judged on the {len(held)} `held` rows of those files, which no model here trained on.",
        "",
        "| held rows | texts | default accuracy | default macro-F1 | fine-tuned accuracy "
        "| fine-tuned macro-F1 |",
        "|---|---|---|---|---|---|",
    ]
    for language in ("en", "zh", "all"):
        before = figures["held_rows"]["default"][language]
        after = figures["held_rows"]["fine_tuned"][language]
        lines.append(
            f"| {language} | {before['texts']} | {before['accuracy']:.4f} | {before['macro_f1']:.4f} | "
            f"{after['accuracy']:.4f} | {after['macro_f1']:.4f} |"
        )
    training = figures["training"]
    default_on_test = {key: value for key, value in version.metrics["active"].items() if key != "key"}
    lines += [
        "",
        f"Training: {training['steps']} of {training['max_steps']} steps "
        f"(stopped early: {training['stopped_early']}), {training['train_seconds']} s of training, "
        f"{training['seconds_per_1000_examples']} s per 1,000 examples (transformers.Trainer, "
        f"{METHODS[arguments.method].format(top=arguments.top_layers)}, "
        f"{run.progress.get('device', 'cpu')} {run.progress.get('precision', 'fp32')}); "
        f"the whole job with evaluation and registration "
        f"{training['job_wall_seconds']} s.",
        "",
        f"The run's own evaluation on its dataset's test split: {json.dumps(version.metrics['new'])} "
        f"against the default's {json.dumps(default_on_test)}; proposed: {version.proposed}.",
        "",
    ]
    if baseline is not None:
        lines += [
            "## Against a plain transformers.Trainer on the same train rows",
            "",
            f"{baseline['what']}; base {baseline['base_model']}, {baseline['train_rows']} train rows, "
            f"learning rate {baseline['learning_rate']}, {baseline['steps']} steps in "
            f"{baseline['train_seconds']} s ({baseline['seconds_per_1000_examples']} s per 1,000 by "
            f"Trainer's train_samples_per_second). Examples/s, {baseline['comparison']['how']}: "
            f"ecomai {baseline['comparison']['ecomai_examples_per_second']}, plain Trainer "
            f"{baseline['comparison']['plain_examples_per_second']}; ratio "
            f"{baseline['comparison']['ratio']}x.",
            "",
            "| held rows | texts | plain Trainer accuracy | plain Trainer macro-F1 | ecomai accuracy "
            "| ecomai macro-F1 |",
            "|---|---|---|---|---|---|",
        ]
        for language in ("en", "zh", "all"):
            plain_row = baseline["held_rows"][language]
            ours = figures["held_rows"]["fine_tuned"][language]
            lines.append(
                f"| {language} | {plain_row['texts']} | {plain_row['accuracy']:.4f} | "
                f"{plain_row['macro_f1']:.4f} | {ours['accuracy']:.4f} | {ours['macro_f1']:.4f} |"
            )
        test = baseline["mcnemar_ecomai_vs_plain"]
        lines += [
            "",
            f"Paired on the same {len(held)} held rows (exact McNemar test): right only with ecomai's run "
            f"{test['only_first_right']}, right only with the plain Trainer's {test['only_second_right']}; "
            f"two-sided p = {test['p_value']} (below 0.05 would mean the two differ beyond chance).",
            "",
        ]
    if provenance:
        lines += [
            f"## Judged on the store's later reviews: {provenance['judged_corpus_rows']}",
            "",
            "| judged rows | texts | default accuracy | default macro-F1 | fine-tuned accuracy "
            "| fine-tuned macro-F1 |",
            "|---|---|---|---|---|---|",
        ]
        for language in ("en", "zh", "all"):
            before = judged_figures["default"][language]
            after = judged_figures["fine_tuned"][language]
            lines.append(
                f"| {language} | {before['texts']} | {before['accuracy']:.4f} | {before['macro_f1']:.4f} | "
                f"{after['accuracy']:.4f} | {after['macro_f1']:.4f} |"
            )
        lines.append("")
        shown = {key: value for key, value in provenance.items() if key not in ("texts", "judged_texts")}
        lines += ["## Where the store's labels came from", "", "```", json.dumps(shown, indent=2), "```", ""]
    (RESULTS / f"{name}.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
