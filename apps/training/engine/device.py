"""Where a training run computes, in what precision, and how many examples fit in one step.

``training_device`` is the one place the choice is made: CUDA when there is a GPU, in bf16
where the GPU supports it and fp16 otherwise (mixed precision: float32 weights, half-precision
compute); the CPU in float32 otherwise. On CUDA the examples per forward pass come from the
memory the GPU has free (``torch.cuda.mem_get_info``) and an estimate of what the model needs
(``step_memory``); the run's batch size stays what was configured (it is a hyper-parameter and
changes the result), and where fewer examples fit the gradients of several passes are
accumulated into one step. On the CPU the batch is the configured one, in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch

# The share of the free memory a run plans to use: the allocator's fragmentation, the CUDA
# context and kernels' workspaces take the rest.
HEADROOM = 0.8


@dataclass(frozen=True)
class TrainingDevice:
    kind: Literal["cuda", "cpu"]
    precision: Literal["bf16", "fp16", "fp32"]
    free_bytes: int | None = None  # GPU memory free when the run started
    name: str = ""

    @property
    def compute_dtype(self) -> torch.dtype:
        return {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[self.precision]

    def trainer_arguments(self) -> dict[str, Any]:
        """The ``TrainingArguments`` that select this device and precision."""
        if self.kind == "cpu":
            return {"use_cpu": True}
        return {"bf16": True} if self.precision == "bf16" else {"fp16": True}

    def describe(self) -> dict[str, Any]:
        """What a run records about where it ran."""
        described: dict[str, Any] = {"device": self.kind, "precision": self.precision}
        if self.name:
            described["gpu"] = self.name
        if self.free_bytes is not None:
            described["free_gib"] = round(self.free_bytes / 1024**3, 2)
        return described


def training_device() -> TrainingDevice:
    """CUDA (bf16 where supported, else fp16) when a GPU is present; the CPU in float32 otherwise."""
    if not torch.cuda.is_available():
        return TrainingDevice(kind="cpu", precision="fp32")
    free, _total = torch.cuda.mem_get_info()
    precision: Literal["bf16", "fp16"] = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return TrainingDevice(
        kind="cuda", precision=precision, free_bytes=int(free), name=torch.cuda.get_device_name()
    )


@dataclass(frozen=True)
class StepMemory:
    fixed_bytes: int  # weights, gradients and optimizer state: the same whatever the batch
    per_example_bytes: int  # activations and logits of one example at the run's longest length


def step_memory(model: torch.nn.Module, *, max_length: int, precision: str) -> StepMemory:
    """An upper estimate of one training step's memory for ``model`` (float32 weights, AdamW).

    Activations per layer and token follow the usual transformer count (about 34 values of the
    hidden width, plus the attention scores: 5 per head and key) in the compute precision; the
    output layer keeps logits for every token and vocabulary entry in the compute precision and
    again in float32 for the loss and its gradient.
    """
    config = getattr(model, "config", None)
    hidden = int(getattr(config, "hidden_size", 0) or 0)
    layers = int(getattr(config, "num_hidden_layers", 0) or 0)
    heads = int(getattr(config, "num_attention_heads", 0) or 0)
    # A causal LM's logits span the vocabulary (Gemma's: 262k entries); a classifier's, its labels.
    causal = "CausalLM" in type(model).__name__
    outputs = (
        int(getattr(config, "vocab_size", 0) or 0) if causal else int(getattr(config, "num_labels", 0) or 0)
    )
    compute = 2 if precision in ("bf16", "fp16") else 4
    parameters = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    # float32 weights; a float32 gradient and AdamW's two moments for each trainable weight.
    fixed = parameters * 4 + trainable * (4 + 8)
    if compute == 2:
        fixed += parameters * 2  # the half-precision copies autocast makes of the weights
    per_token = layers * (hidden * 17 * compute + heads * max_length * compute * 5 // 2)
    logits_per_token = outputs * (compute + 4 + 4)
    return StepMemory(fixed_bytes=fixed, per_example_bytes=max_length * (per_token + logits_per_token))


def batch_split(
    *, free_bytes: int, memory: StepMemory, batch_size: int, headroom: float = HEADROOM
) -> tuple[int, int]:
    """(examples per pass, passes per step) for a step of ``batch_size`` examples in ``free_bytes``.

    Examples per pass: the largest divisor of the batch size that fits beside the fixed memory,
    so the passes make up exactly the configured batch. A model whose fixed part alone does not
    fit still gets one example per pass (the run may then fail for memory, and says so).
    """
    usable = int(free_bytes * headroom) - memory.fixed_bytes
    fits = usable // memory.per_example_bytes if memory.per_example_bytes > 0 else batch_size
    per_pass = max(
        (size for size in range(1, batch_size + 1) if batch_size % size == 0 and size <= fits), default=1
    )
    return per_pass, batch_size // per_pass
