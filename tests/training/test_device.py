"""The training run's device, precision and batch split: sizing on given numbers, the CUDA
choice read from torch.cuda (patched here: this machine has no GPU), the CPU path unchanged."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from apps.training.engine import device as training
from apps.training.engine.config import RunConfig
from apps.training.engine.device import StepMemory, TrainingDevice, batch_split, step_memory

GIB = 1024**3


@pytest.mark.parametrize(
    ("free", "batch", "expected"),
    [
        (100 * GIB, 16, (16, 1)),  # everything fits: the configured batch in one pass
        (10 * GIB, 16, (4, 4)),  # 0.8 * 10 - 2 = 6 GiB: 6 examples fit, 4 divides 16
        (10 * GIB, 6, (6, 1)),
        (10 * GIB, 12, (6, 2)),
        (3 * GIB, 16, (1, 16)),  # 0.4 GiB beside the fixed part: still one example per pass
        (GIB, 16, (1, 16)),  # not even the weights fit: one per pass, and the run will say so
    ],
)
def test_the_batch_is_split_into_passes_that_fit_the_free_memory(
    free: int, batch: int, expected: Any
) -> None:
    memory = StepMemory(fixed_bytes=2 * GIB, per_example_bytes=GIB)
    per_pass, passes = batch_split(free_bytes=free, memory=memory, batch_size=batch)
    assert (per_pass, passes) == expected
    assert per_pass * passes == batch  # the configured batch, exactly


def test_the_cpu_trains_in_float32_with_the_configured_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    from apps.training.engine.finetune import _split

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    chosen = training.training_device()
    assert chosen == TrainingDevice(kind="cpu", precision="fp32")
    assert chosen.trainer_arguments() == {"use_cpu": True}
    assert chosen.compute_dtype == torch.float32
    assert _split(chosen, torch.nn.Linear(2, 2), RunConfig(batch_size=16)) == (16, 1)


@pytest.mark.parametrize(
    ("bf16", "precision", "arguments"), [(True, "bf16", {"bf16": True}), (False, "fp16", {"fp16": True})]
)
def test_cuda_trains_in_bf16_where_supported_else_fp16_and_reads_free_memory(
    monkeypatch: pytest.MonkeyPatch, bf16: bool, precision: str, arguments: dict[str, bool]
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: bf16)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda: (5 * GIB, 16 * GIB))
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda: "a GPU")
    chosen = training.training_device()
    assert (chosen.kind, chosen.precision, chosen.free_bytes) == ("cuda", precision, 5 * GIB)
    assert chosen.trainer_arguments() == arguments
    assert chosen.describe() == {"device": "cuda", "precision": precision, "gpu": "a GPU", "free_gib": 5.0}


def _tiny_lm(tmp_path: Any) -> Any:
    from transformers import AutoModelForCausalLM

    from tests.inference.tiny_models import build_causal_lm

    return AutoModelForCausalLM.from_pretrained(build_causal_lm(tmp_path / "lm"))


def test_the_memory_estimate_follows_length_precision_and_what_is_trained(tmp_path: Any) -> None:
    from peft import LoraConfig, get_peft_model

    model = _tiny_lm(tmp_path)
    parameters = sum(p.numel() for p in model.parameters())
    full = step_memory(model, max_length=64, precision="fp32")
    # Float32 weights, gradients and AdamW's two moments: 16 bytes a weight when all are trained.
    assert full.fixed_bytes == parameters * 16
    longer = step_memory(model, max_length=128, precision="fp32")
    assert longer.per_example_bytes > 2 * full.per_example_bytes  # attention grows with the square
    half = step_memory(model, max_length=64, precision="bf16")
    assert half.per_example_bytes < full.per_example_bytes
    # The logits of every token over the vocabulary are counted (a large share for Gemma's 262k).
    assert full.per_example_bytes >= 64 * model.config.vocab_size * 12
    lora = get_peft_model(model, LoraConfig(r=2, target_modules="all-linear"))
    trainable = sum(p.numel() for p in lora.parameters() if p.requires_grad)
    adapted = step_memory(lora, max_length=64, precision="fp32")
    assert adapted.fixed_bytes == (parameters + trainable) * 4 + trainable * 12 < full.fixed_bytes


def test_a_run_on_a_small_gpu_accumulates_passes_into_the_configured_batch(tmp_path: Any) -> None:
    from apps.training.engine.finetune import _split

    model = _tiny_lm(tmp_path)
    config = RunConfig(batch_size=16, max_length=64)
    memory = step_memory(model, max_length=64, precision="bf16")
    room_for_three = int((memory.fixed_bytes + 3 * memory.per_example_bytes) / training.HEADROOM) + 1
    small = TrainingDevice(kind="cuda", precision="bf16", free_bytes=room_for_three)
    assert _split(small, model, config) == (2, 8)
    large = TrainingDevice(kind="cuda", precision="bf16", free_bytes=100 * GIB)
    assert _split(large, model, config) == (16, 1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_on_a_gpu_the_device_precision_and_free_memory_come_from_torch_cuda() -> None:
    chosen = training.training_device()
    assert chosen.kind == "cuda"
    assert chosen.precision == ("bf16" if torch.cuda.is_bf16_supported() else "fp16")
    _free, total = torch.cuda.mem_get_info()
    assert chosen.free_bytes is not None and 0 < chosen.free_bytes <= total


def test_a_checkpoint_a_killed_worker_left_half_written_is_not_resumed_from(tmp_path: Any) -> None:
    from apps.training.engine.checkpoints import last_complete_checkpoint

    checkpoints = tmp_path / "checkpoints"
    assert last_complete_checkpoint(checkpoints) is None
    for step, complete in ((25, True), (50, True), (75, False), (100, False), (125, None)):
        folder = checkpoints / f"checkpoint-{step}"
        folder.mkdir(parents=True)
        (folder / "adapter_model.safetensors").write_bytes(b"weights")
        if complete:
            (folder / "trainer_state.json").write_text(f'{{"global_step": {step}}}')
        elif complete is None:  # killed while writing the state file
            (folder / "trainer_state.json").write_text('{"global_st')
    assert last_complete_checkpoint(checkpoints) == str(checkpoints / "checkpoint-50")
    assert sorted(path.name for path in checkpoints.iterdir()) == ["checkpoint-25", "checkpoint-50"]
