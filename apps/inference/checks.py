"""System checks for the inference settings that are read only when a worker loads a model.

Without them a mistyped value surfaces as a failed inference call, minutes after start-up;
``runserver``, ``serve`` and ``manage.py check`` report it at once instead. This module
imports no torch: the web process runs the checks too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

# Also what engine/matmul.py accepts.
CPU_MATMUL_CHOICES = ("auto", "onednn", "blas")


@register()
def inference_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    matmul = str(getattr(settings, "INFERENCE_CPU_MATMUL", "auto") or "auto").lower()
    if matmul not in CPU_MATMUL_CHOICES:
        errors.append(
            Error(
                f"INFERENCE_CPU_MATMUL is {matmul!r}.",
                hint=f"Use one of: {', '.join(CPU_MATMUL_CHOICES)}.",
                id="inference.E001",
            )
        )
    decode_threads = getattr(settings, "INFERENCE_CPU_DECODE_THREADS", 0)
    if not isinstance(decode_threads, int) or decode_threads < 0:
        errors.append(
            Error(
                f"INFERENCE_CPU_DECODE_THREADS is {decode_threads!r}.",
                hint="Use 0 to measure per model, or a positive number of threads.",
                id="inference.E002",
            )
        )
    max_adapters = getattr(settings, "INFERENCE_MAX_ADAPTERS", 32)
    if not isinstance(max_adapters, int) or isinstance(max_adapters, bool) or max_adapters < 1:
        errors.append(
            Error(
                f"INFERENCE_MAX_ADAPTERS is {max_adapters!r}.",
                hint="Use a positive number of stores' adapters kept on one base model.",
                id="inference.E003",
            )
        )
    return errors
