"""The comparison point for the training benchmark: a plain ``transformers.Trainer`` fine-tune.

Same base checkpoint, same frozen train rows, same tokenisation (truncated at the same length,
padded per batch), full fine-tune with ``TrainingArguments`` left at their defaults apart from
epochs, batch size and learning rate: no length grouping, no LoRA, no evaluation or early
stopping during training, transformers' own defaults for warm-up, weight decay and saving.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class PlainOutcome:
    seconds: float
    steps: int
    examples_per_second: float
    folder: Path


def plain_trainer_fit(
    base: Path,
    labels: Sequence[str],
    texts: Sequence[str],
    targets: Sequence[str],
    *,
    epochs: float,
    batch_size: int,
    learning_rate: float,
    max_length: int,
    folder: Path | None = None,
) -> PlainOutcome:
    import torch
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
    )

    folder = folder or Path(tempfile.mkdtemp(prefix="plain-trainer-"))
    tokenizer = AutoTokenizer.from_pretrained(base)
    label_ids = {label: index for index, label in enumerate(labels)}
    model = AutoModelForSequenceClassification.from_pretrained(
        base,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id=label_ids,
        dtype=torch.float32,
    )
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length)
    rows: list[dict[str, Any]] = [
        {"input_ids": ids, "attention_mask": mask, "labels": label_ids[label]}
        for ids, mask, label in zip(encoded["input_ids"], encoded["attention_mask"], targets, strict=True)
    ]
    arguments = TrainingArguments(
        output_dir=str(folder / "checkpoints"),
        num_train_epochs=epochs,
        per_device_train_batch_size=batch_size,
        learning_rate=learning_rate,
        report_to=[],
        disable_tqdm=True,
    )
    trainer = Trainer(
        model=model,
        args=arguments,
        train_dataset=rows,
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
    )
    started = time.monotonic()
    result = trainer.train()
    seconds = time.monotonic() - started
    trainer.save_model(str(folder / "model"))
    tokenizer.save_pretrained(folder / "model")
    return PlainOutcome(
        seconds=round(seconds, 1),
        steps=trainer.state.global_step,
        examples_per_second=float(result.metrics.get("train_samples_per_second", 0.0)),
        folder=folder / "model",
    )
