"""Fine-tuning with ``transformers.Trainer``: a sequence classifier, or a LoRA causal LM (peft).

Both write checkpoints into ``<output>/checkpoints`` every ``eval_steps`` steps and resume from
the last one when called again on the same folder (a worker killed mid-run loses at most one
interval), evaluate on the validation split at each checkpoint, stop early when the validation
loss stops improving, and keep the best checkpoint's weights. A ``Reporter`` hears of each step
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
from .checkpoints import last_complete_checkpoint
from .config import RunConfig
from .datasets import RawExample
from .device import TrainingDevice, batch_split, step_memory, training_device

__all__ = ["RunConfig", "TrainOutcome", "load_causal_lm", "train_classifier", "train_lora"]

IGNORE_INDEX = -100


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
        load_best_model_at_end=True,
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


def load_causal_lm(base: Path, adapters: Sequence[Path] = (), *, dtype: torch.dtype = torch.float32) -> Any:
    """The base causal LM with each LoRA adapter of ``adapters`` merged into its weights, in order."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype)
    if adapters:
        from peft import PeftModel

        for adapter in adapters:
            model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
            if hasattr(model, "peft_config"):
                del model.peft_config  # merged: plain weights now, ready for a new adapter
    return model


class CausalCollator:
    """Pads input ids with the pad token and labels with IGNORE_INDEX (no loss on padding)."""

    def __init__(self, pad_id: int) -> None:
        self.pad_id = pad_id

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        width = max(len(row["input_ids"]) for row in rows)
        ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for index, row in enumerate(rows):
            size = len(row["input_ids"])
            ids[index, :size] = torch.tensor(row["input_ids"])
            labels[index, :size] = torch.tensor(row["labels"])
            mask[index, :size] = 1
        return {"input_ids": ids, "labels": labels, "attention_mask": mask}


def causal_rows(tokenizer: Any, examples: Sequence[RawExample], max_length: int) -> list[dict[str, Any]]:
    """Token ids and labels: plain text learns every token; prompt + target learns the target only."""
    rows = []
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    for example in examples:
        prompt = list(tokenizer(example.text, truncation=False)["input_ids"])
        if not example.target:
            ids = (prompt + eos)[:max_length]
            rows.append({"input_ids": ids, "labels": list(ids)})
            continue
        target = (
            list(tokenizer(example.target, add_special_tokens=False)["input_ids"])[: max_length // 2] + eos
        )
        keep = max_length - len(target)
        prompt = prompt[:1] + prompt[-(keep - 1) :] if len(prompt) > keep else prompt  # keep BOS
        rows.append({"input_ids": prompt + target, "labels": [IGNORE_INDEX] * len(prompt) + target})
    return rows


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


def causal_loss(
    base: Path, adapters: Sequence[Path], examples: Sequence[RawExample], max_length: int, batch_size: int = 8
) -> float:
    """Mean loss per learnt token on ``examples`` (a target's tokens, or a text's), in nats."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base)
    model = load_causal_lm(base, adapters)
    model.eval()
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    rows = causal_rows(tokenizer, examples, max_length)
    collate = CausalCollator(pad_id)
    total, tokens = 0.0, 0
    with torch.inference_mode():
        for start in range(0, len(rows), batch_size):
            batch = collate(rows[start : start + batch_size])
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            shifted = batch["labels"][:, 1:]
            losses = torch.nn.functional.cross_entropy(
                logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
                shifted.reshape(-1),
                ignore_index=IGNORE_INDEX,
                reduction="sum",
            )
            total += float(losses)
            tokens += int((shifted != IGNORE_INDEX).sum())
    return total / max(1, tokens)


def remove_checkpoints(folder: Path) -> None:
    shutil.rmtree(folder / "checkpoints", ignore_errors=True)
