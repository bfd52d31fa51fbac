"""Training settings, reports and metrics: plain Python, importable without torch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 13
    max_length: int = 128
    trainable_layers: int = 1
    epochs: int = 2
    batch_size: int = 32
    learning_rate: float = 2e-4
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    # Rows per forward pass when caching the frozen layers' output.
    cache_batch: int = 64


@dataclass
class TrainReport:
    train_examples: int
    epochs: int
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


def accuracy(predicted: Sequence[str], expected: Sequence[str]) -> float:
    if not expected:
        return 0.0
    return sum(p == e for p, e in zip(predicted, expected, strict=True)) / len(expected)


def macro_f1(predicted: Sequence[str], expected: Sequence[str], labels: Sequence[str]) -> float:
    """Mean F1 over the labels that occur in ``expected`` or ``predicted``."""
    scores = []
    for label in labels:
        tp = sum(p == label and e == label for p, e in zip(predicted, expected, strict=True))
        fp = sum(p == label and e != label for p, e in zip(predicted, expected, strict=True))
        fn = sum(p != label and e == label for p, e in zip(predicted, expected, strict=True))
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


@dataclass(frozen=True)
class RunConfig:
    epochs: float = 3.0
    max_steps: int = -1  # > 0 overrides epochs
    batch_size: int = 16
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    max_length: int = 256
    eval_steps: int = 50  # validation, checkpoint and early-stopping interval
    logging_steps: int = 10
    early_stopping_patience: int = 3
    # The final weights are kept unless the best checkpoint's validation loss is lower by more than
    # this fraction (engine/finetune.py, _keep_best).
    keep_final_within: float = 0.05
    seed: int = 13
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    # Sentiment runs: "full" fine-tunes every weight; "lora" trains a LoRA adapter and the head,
    # merged into a whole checkpoint when saved (the version serves like a full fine-tune); "top"
    # trains the top ``top_layers`` layers and the head on the frozen bottom's output, computed once.
    method: str = "full"
    top_layers: int = 4

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)
