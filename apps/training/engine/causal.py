"""Causal-LM pieces of the generator runs: loading a base with adapters merged, rows whose loss
falls on the target only, their padding, and the mean loss per learnt token."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from .datasets import RawExample

IGNORE_INDEX = -100


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
