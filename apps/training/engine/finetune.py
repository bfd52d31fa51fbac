"""Fine-tuning with ``transformers.Trainer``: a sequence classifier, or a LoRA causal LM (peft).

Both write checkpoints into ``<output>/checkpoints`` every ``eval_steps`` steps and resume from
the last one when called again on the same folder (a worker killed mid-run loses at most one
interval), evaluate on the validation split at each checkpoint, and stop early when the validation
loss stops improving; the final weights are kept unless the best checkpoint's loss is clearly lower
(``_keep_best``). A ``Reporter`` hears of each step
(heartbeat, cancel) and each logged point (loss, learning rate), so the caller can store them.

Device and precision come from ``device.training_device`` (CUDA in bf16 where supported, fp16
otherwise; the CPU in float32); on CUDA the examples per pass come from the free GPU memory
(``device.batch_split``). Batches are grouped by length (little padding).
"""

from __future__ import annotations

import contextlib
import math
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch

from . import frozen as frozen_module
from .causal import CausalCollator, causal_rows, load_causal_lm
from .checkpoints import last_complete_checkpoint
from .config import RunConfig
from .datasets import RawExample
from .device import TrainingDevice, batch_split, step_memory, training_device

__all__ = ["RunConfig", "TrainOutcome", "load_causal_lm", "train_classifier", "train_lora"]


class Reporter(Protocol):
    def step(self, *, step: int, max_steps: int, epoch: float) -> None: ...

    def log(self, point: dict[str, float]) -> None: ...

    def should_stop(self) -> bool: ...


@dataclass
class TrainOutcome:
    cancelled: bool = False
    stopped_early: bool = False
    resumed_from: str = ""
    steps: int = 0
    max_steps: int = 0
    best_eval_loss: float | None = None
    seconds: float = 0.0
    examples_per_second: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class _Rows(torch.utils.data.Dataset):  # type: ignore[type-arg]
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.rows[index]


def _callbacks(reporter: Reporter, outcome: TrainOutcome) -> Any:
    from transformers import TrainerCallback

    class ReportingCallback(TrainerCallback):  # type: ignore[misc]
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            reporter.step(step=state.global_step, max_steps=state.max_steps, epoch=float(state.epoch or 0))
            if reporter.should_stop():
                outcome.cancelled = True
                control.should_training_stop = True

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
            point = {"step": state.global_step, "epoch": round(float(state.epoch or 0), 3)}
            for name in ("loss", "eval_loss", "learning_rate"):
                if logs and name in logs:
                    point[name] = float(logs[name])
            if len(point) > 2:
                reporter.log(point)

    return ReportingCallback()


def _arguments(
    folder: Path, config: RunConfig, train_rows: int, model: torch.nn.Module, outcome: TrainOutcome
) -> Any:
    from transformers import TrainingArguments

    steps_per_epoch = max(1, math.ceil(train_rows / config.batch_size))
    max_steps = config.max_steps if config.max_steps > 0 else math.ceil(steps_per_epoch * config.epochs)
    device = training_device()
    per_pass, passes = _split(device, model, config)
    outcome.extra.update(device.describe(), examples_per_pass=per_pass, passes_per_step=passes)
    return TrainingArguments(
        output_dir=str(folder / "checkpoints"),
        max_steps=max_steps,
        per_device_train_batch_size=per_pass,
        gradient_accumulation_steps=passes,
        per_device_eval_batch_size=per_pass,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        warmup_steps=int(max_steps * config.warmup_fraction),
        lr_scheduler_type="linear",
        eval_strategy="steps",
        eval_steps=config.eval_steps,
        save_strategy="steps",
        save_steps=config.eval_steps,
        save_total_limit=2,
        load_best_model_at_end=False,  # see _keep_best
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        logging_strategy="steps",
        logging_steps=config.logging_steps,
        train_sampling_strategy="group_by_length",
        seed=config.seed,
        report_to=[],
        disable_tqdm=True,
        dataloader_num_workers=0,
        remove_unused_columns=False,
        restore_callback_states_from_checkpoint=True,
        **device.trainer_arguments(),
    )


def _split(device: TrainingDevice, model: torch.nn.Module, config: RunConfig) -> tuple[int, int]:
    """(examples per pass, passes per step): the configured batch in one pass, unless the GPU's
    free memory holds fewer examples."""
    if device.free_bytes is None:
        return config.batch_size, 1
    memory = step_memory(model, max_length=config.max_length, precision=device.precision)
    return batch_split(free_bytes=device.free_bytes, memory=memory, batch_size=config.batch_size)


def _keep_best(history: list[dict[str, Any]], best: float | None, within: float) -> bool:
    """Whether the best checkpoint replaces the final weights: only when the last validation loss is
    worse than the best by more than ``within`` (a fraction). A small validation split's loss moves
    by a few percent from noise alone, and the final weights have seen the whole schedule; past the
    tolerance the model has overfitted, and early stopping's best checkpoint is served instead."""
    losses = [point["eval_loss"] for point in history if "eval_loss" in point]
    return bool(losses) and best is not None and losses[-1] > best * (1 + within)


def _train(trainer: Any, folder: Path, config: RunConfig, outcome: TrainOutcome) -> None:
    from transformers import EarlyStoppingCallback

    trainer.add_callback(EarlyStoppingCallback(early_stopping_patience=config.early_stopping_patience))
    last = last_complete_checkpoint(folder / "checkpoints")
    outcome.resumed_from = Path(last).name if last else ""
    from transformers import PrinterCallback

    trainer.remove_callback(PrinterCallback)  # the reporter stores the log; nothing on stdout
    started = time.monotonic()
    result = trainer.train(resume_from_checkpoint=last)
    outcome.seconds = round(time.monotonic() - started, 2)
    state = trainer.state
    outcome.steps, outcome.max_steps = state.global_step, state.max_steps
    outcome.stopped_early = not outcome.cancelled and state.global_step < state.max_steps
    outcome.best_eval_loss = state.best_metric
    if not outcome.cancelled and _keep_best(state.log_history, state.best_metric, config.keep_final_within):
        trainer._load_best_model()  # transformers' own loader: whole weights or a peft adapter
        outcome.extra["kept"] = Path(state.best_model_checkpoint).name
    outcome.examples_per_second = float(result.metrics.get("train_samples_per_second", 0.0))


def train_classifier(
    base: Path,
    labels: Sequence[str],
    train: Sequence[RawExample],
    valid: Sequence[RawExample],
    folder: Path,
    config: RunConfig,
    reporter: Reporter,
) -> TrainOutcome:
    """An encoder with a classification head, fully fine-tuned or (``config.method == "lora"``)
    through a LoRA adapter merged when saved; the model is saved in ``folder/model``."""
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
    )
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    torch.manual_seed(config.seed)
    tokenizer = AutoTokenizer.from_pretrained(base)
    label_ids = {label: index for index, label in enumerate(labels)}
    model = AutoModelForSequenceClassification.from_pretrained(
        base,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id=label_ids,
        ignore_mismatched_sizes=True,
        dtype=torch.float32,
    )
    if config.method == "lora":
        from peft import LoraConfig, get_peft_model

        lora = LoraConfig(
            r=config.lora_r,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout,
            target_modules="all-linear",  # the head is trained whole (peft's modules_to_save for SEQ_CLS)
            task_type="SEQ_CLS",
        )
        model = get_peft_model(model, lora)

    def rows(examples: Sequence[RawExample]) -> _Rows:
        encoded = tokenizer([e.text for e in examples], truncation=True, max_length=config.max_length)
        return _Rows(
            [
                {"input_ids": ids, "attention_mask": mask, "labels": label_ids[example.label]}
                for ids, mask, example in zip(
                    encoded["input_ids"], encoded["attention_mask"], examples, strict=True
                )
            ]
        )

    outcome = TrainOutcome()
    train_rows, valid_rows = rows(train), rows(valid)
    collator: Any = DataCollatorWithPadding(tokenizer)
    frozen, started = 0, time.monotonic()
    if config.method == "top":  # the bottom's output once per text; the top layers train on it
        frozen = max(0, frozen_module.layer_count(model) - config.top_layers)
        train_rows, valid_rows = (
            _Rows(frozen_module.with_states(model, tokenizer, part.rows, frozen, reporter.should_stop))
            for part in (train_rows, valid_rows)
        )
        collator = frozen_module.StatesCollator()
        outcome.extra["frozen_layers"] = frozen
    caching = time.monotonic() - started
    if reporter.should_stop():
        outcome.cancelled = True
        return outcome
    top = config.method == "top"
    with frozen_module.top_only(model, frozen) if top else contextlib.nullcontext():
        trainer = Trainer(
            model=model,
            args=_arguments(folder, config, len(train), model, outcome),
            train_dataset=train_rows,
            eval_dataset=valid_rows,
            data_collator=collator,
            processing_class=tokenizer,
            callbacks=[_callbacks(reporter, outcome)],
        )
        _train(trainer, folder, config, outcome)
    if caching and outcome.seconds:  # the cached states count as training time
        outcome.examples_per_second *= outcome.seconds / (outcome.seconds + caching)
        outcome.seconds = round(outcome.seconds + caching, 2)
    if not outcome.cancelled and config.method == "lora":
        # The best checkpoint's adapter merged into the encoder: a plain checkpoint to serve.
        trained: Any = trainer.model
        merged = trained.merge_and_unload()
        if hasattr(merged, "peft_config"):
            del merged.peft_config
        merged.config.architectures = [type(merged).__name__]
        merged.save_pretrained(str(folder / "model"))
        tokenizer.save_pretrained(folder / "model")
    elif not outcome.cancelled:
        model.config.architectures = [type(model).__name__]
        trainer.save_model(str(folder / "model"))
        tokenizer.save_pretrained(folder / "model")
        (folder / "model" / "training_args.bin").unlink(missing_ok=True)
    return outcome


def train_lora(
    base: Path,
    train: Sequence[RawExample],
    valid: Sequence[RawExample],
    folder: Path,
    config: RunConfig,
    reporter: Reporter,
    *,
    merged: Sequence[Path] = (),
) -> TrainOutcome:
    """A LoRA adapter for the causal LM at ``base`` (``merged`` adapters applied below it first);
    the adapter is saved in ``folder/adapter``."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoTokenizer, Trainer
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    torch.manual_seed(config.seed)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = load_causal_lm(base, merged)
    lora = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules="all-linear",
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    outcome = TrainOutcome()
    trainer = Trainer(
        model=model,
        args=_arguments(folder, config, len(train), model, outcome),
        train_dataset=_Rows(causal_rows(tokenizer, train, config.max_length)),
        eval_dataset=_Rows(causal_rows(tokenizer, valid, config.max_length)),
        data_collator=CausalCollator(pad_id),
        processing_class=tokenizer,
        callbacks=[_callbacks(reporter, outcome)],
    )
    _train(trainer, folder, config, outcome)
    if not outcome.cancelled:
        model.save_pretrained(str(folder / "adapter"))
        tokenizer.save_pretrained(folder / "adapter")
    return outcome


def remove_checkpoints(folder: Path) -> None:
    shutil.rmtree(folder / "checkpoints", ignore_errors=True)
