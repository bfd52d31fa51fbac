"""Device, dtype and thread choices, made once per process when the first model loads."""

from __future__ import annotations

import contextlib
import logging
import os
import threading

import torch
from django.conf import settings

from ..registry import ModelSpec

logger = logging.getLogger(__name__)

_threads_lock = threading.Lock()
_threads_configured = False
_configured_threads = 0


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), not the machine's total.

    A container or ``taskset`` limits affinity; sizing torch's pool from ``os.cpu_count()``
    there oversubscribes the cores and makes every matmul slower.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def configure_threads() -> int:
    """Size torch's intra-op pool once per process; returns the thread count in use."""
    global _threads_configured, _configured_threads
    with _threads_lock:
        if not _threads_configured:
            threads = int(getattr(settings, "INFERENCE_TORCH_THREADS", 0) or available_cores())
            _configured_threads = threads
            torch.set_num_threads(threads)
            # One inter-op thread: requests are batched, not run side by side. Raises if
            # earlier parallel work in this process already fixed the pool.
            with contextlib.suppress(RuntimeError):
                torch.set_num_interop_threads(1)
            _threads_configured = True
            logger.info("inference: torch uses %d threads", threads)
    return torch.get_num_threads()


def configured_threads() -> int:
    """The intra-op thread count chosen for this process (configuring it on first use)."""
    if not _threads_configured:
        configure_threads()
    return _configured_threads


def use_configured_threads() -> int:
    """Give the calling thread the process's thread count; every engine entry point calls it.

    With OpenMP, torch's thread count is held per OS thread, and a thread's first torch call
    copies the process-wide default: a worker thread started while single-row decoding had
    switched to one thread (``decode_threads.py``) would otherwise keep one thread for good.
    """
    wanted = configured_threads()
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)
    return wanted


def choose_device() -> torch.device:
    wanted = str(getattr(settings, "INFERENCE_DEVICE", "auto") or "auto")
    if wanted == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(wanted)


def choose_dtype(spec: ModelSpec, device: torch.device) -> torch.dtype:
    """bf16 (or fp16 on GPUs without bf16) on CUDA, fp32 on CPU unless the spec pins a dtype.

    CPU matmuls in bf16/fp16 are slower than fp32 on x86 parts without bf16 units; int8 is the
    CPU speed-up for generation.
    """
    if spec.dtype != "auto":
        return getattr(torch, spec.dtype)  # type: ignore[no-any-return]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if spec.task != "generate" and getattr(settings, "INFERENCE_CPU_BF16", False):
        # On CPUs with bf16 units (AMX, AVX512-BF16) bf16 encoders classify faster than fp32
        # with almost every label unchanged (bf16_texts_per_second 136.0 against 83.8 for fp32,
        # label agreement 0.996: benchmarks/results/inference.md, measured only where the CPU
        # has bf16 units); without them bf16 is emulated and slower, hence opt-in.
        return torch.bfloat16
    return torch.float32


def wants_int8(spec: ModelSpec, device: torch.device) -> bool:
    if device.type != "cpu":
        return False
    return spec.cpu_quantization == "int8" or bool(getattr(settings, "INFERENCE_CPU_INT8", False))
