"""Fine-tune a sequence classifier on top of a BERT-family encoder with a plain torch loop.

On 2 CPU cores a full fine-tune of even a small encoder over tens of thousands of texts takes
hours, so the bottom of the encoder stays frozen: its output is computed once per text
(``cache_states``), and each epoch trains only the top ``trainable_layers`` layers, the pooler
and the classification head on those cached states. With ``trainable_layers=0`` only the head
learns. The result is an ordinary ``AutoModelForSequenceClassification`` checkpoint with
``id2label``, loaded by ecomai's inference code like any other classifier.

Reproducible: the seed fixes the head's initialisation, dropout and the batch order.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from .config import TrainConfig, TrainReport, accuracy, macro_f1
from .frozen import frozen_states, length_batches, pad_states, top_only

__all__ = ["Classifier", "TrainConfig", "TrainReport", "accuracy", "macro_f1"]


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


class Classifier:
    """A sequence classifier being trained: the model, its tokenizer and the split of its layers."""

    def __init__(self, base: Path, labels: Sequence[str], config: TrainConfig) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()  # "newly initialised head" is expected here
        _seed_everything(config.seed)
        self.config = config
        self.labels = list(labels)
        self.tokenizer = AutoTokenizer.from_pretrained(base)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            base,
            num_labels=len(self.labels),
            id2label=dict(enumerate(self.labels)),
            label2id={label: index for index, label in enumerate(self.labels)},
            dtype=torch.float32,
        )
        self.encoder = self.model.base_model
        self.layers = self.encoder.encoder.layer
        self.frozen = max(0, len(self.layers) - config.trainable_layers)

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.config.max_length)
        return list(encoded["input_ids"])

    def _pad(self, rows: Sequence[Sequence[int]]) -> dict[str, torch.Tensor]:
        return dict(self.tokenizer.pad({"input_ids": [list(r) for r in rows]}, return_tensors="pt"))

    def cache_states(self, token_ids: Sequence[Sequence[int]], *, desc: str) -> list[torch.Tensor]:
        """The frozen layers' output for every text (unpadded, float16 to halve the memory)."""
        with tqdm(total=len(token_ids), desc=desc, unit="text", leave=False) as bar:
            model, tokenizer, batch = self.model, self.tokenizer, self.config.cache_batch
            return frozen_states(model, tokenizer, token_ids, self.frozen, batch=batch, done=bar.update)

    def _top_logits(self, states: Sequence[torch.Tensor]) -> torch.Tensor:
        """Logits from cached states through the trainable layers, pooler and head."""
        hidden, mask = pad_states(states)
        return self.model(inputs_embeds=hidden, attention_mask=mask).logits  # type: ignore[no-any-return]

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        on_epoch: Callable[[int, float], None] | None = None,
    ) -> TrainReport:
        config = self.config
        started = time.monotonic()
        targets = torch.tensor([self.labels.index(label) for label in labels])
        states = self.cache_states(self.tokenize(texts), desc="encode (frozen layers)")
        for parameter in self.model.parameters():
            parameter.requires_grad = False
        top = [*list(self.layers)[self.frozen :]]
        head = [
            module
            for module in (getattr(self.encoder, "pooler", None), self.model.classifier)
            if module is not None
        ]
        top_parameters = [p for m in top for p in m.parameters()]
        head_parameters = [p for m in head for p in m.parameters()]
        trained = top_parameters + head_parameters
        for parameter in trained:
            parameter.requires_grad = True
        groups: list[dict[str, Any]] = [
            {"params": top_parameters, "lr": config.learning_rate},
            {"params": head_parameters, "lr": config.head_learning_rate},
        ]
        optimizer = torch.optim.AdamW([g for g in groups if g["params"]], weight_decay=config.weight_decay)
        rng = random.Random(config.seed)
        lengths = [state.shape[0] for state in states]
        steps = config.epochs * math.ceil(len(states) / config.batch_size)
        warmup = max(1, int(steps * config.warmup_fraction))
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer,
            lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / max(1, steps - warmup))),
        )
        report = TrainReport(train_examples=len(states), epochs=config.epochs)
        self.model.train()
        try:
            with top_only(self.model, self.frozen):
                for epoch in range(config.epochs):
                    total, seen = 0.0, 0
                    batches = length_batches(lengths, config.batch_size, rng)
                    for batch in tqdm(batches, desc=f"train epoch {epoch + 1}/{config.epochs}", leave=False):
                        logits = self._top_logits([states[i] for i in batch])
                        loss = torch.nn.functional.cross_entropy(logits, targets[batch])
                        optimizer.zero_grad()
                        loss.backward()
                        torch.nn.utils.clip_grad_norm_(trained, 1.0)
                        optimizer.step()
                        scheduler.step()
                        total += loss.item() * len(batch)
                        seen += len(batch)
                    report.losses.append(round(total / max(1, seen), 4))
                    if on_epoch is not None:
                        on_epoch(epoch, report.losses[-1])
        finally:
            self.model.eval()
            for parameter in self.model.parameters():
                parameter.requires_grad = False
        report.seconds = round(time.monotonic() - started, 1)
        return report

    def predict(self, texts: Sequence[str], *, batch_size: int = 64) -> list[str]:
        """Top label per text, through the whole (unswapped) model."""
        token_ids = self.tokenize(texts)
        predictions: list[str] = [""] * len(texts)
        batches = length_batches([len(ids) for ids in token_ids], batch_size, random.Random(0))
        self.model.eval()
        with torch.inference_mode():
            for batch in batches:
                logits = self.model(**self._pad([token_ids[i] for i in batch])).logits
                for index, best in zip(batch, logits.argmax(dim=-1).tolist(), strict=True):
                    predictions[index] = self.labels[best]
        return predictions

    def save(self, folder: Path) -> None:
        self.model.config.architectures = [type(self.model).__name__]
        self.model.save_pretrained(folder)
        self.tokenizer.save_pretrained(folder)
