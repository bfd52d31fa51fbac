"""Encoder self-attention on CPU: plain matmuls for short texts, the flash kernel for long ones.

PyTorch's CPU flash-attention kernel works in blocks; with the small heads of MiniLM and e5
(32 dims) and the lengths of reviews it is slower than two batched matmuls and a softmax on
an AMD EPYC, while on long texts the kernel was faster. Encoder buckets are sorted by length
(``encoders.py``), so each pass is routed by its own length.

Registered with transformers' attention interface under ``NAME``; the mask it receives is in
the SDPA format (boolean, ``True`` = may attend, or ``None``).
"""

from __future__ import annotations

from typing import Any

import torch

NAME = "ecomai_cpu"
# Longest query for the matmul path; longer passes go to the flash kernel.
SHORT_QUERY_MAX = 64

_registered = False


def cpu_encoder_attention(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    is_causal: bool | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    causal = is_causal if is_causal is not None else getattr(module, "is_causal", False)
    plain = (
        query.shape[2] <= SHORT_QUERY_MAX
        and not causal
        and not module.training
        and query.shape[1] == key.shape[1]  # no grouped key/value heads
        and kwargs.get("softcap") is None
        and kwargs.get("position_bias") is None
    )
    if not plain:
        return sdpa_attention_forward(  # type: ignore[no-any-return]
            module,
            query,
            key,
            value,
            attention_mask,
            dropout=dropout,
            scaling=scaling,
            is_causal=causal,
            **kwargs,
        )
    scores = torch.matmul(query, key.transpose(2, 3))
    scores.mul_(scaling if scaling is not None else query.shape[-1] ** -0.5)
    if attention_mask is not None:
        if attention_mask.dtype == torch.bool:
            scores.masked_fill_(~attention_mask, torch.finfo(scores.dtype).min)
        else:
            scores.add_(attention_mask)
    # Softmax in fp32 whatever the model's dtype, as the flash kernel does.
    probabilities = torch.softmax(scores, dim=-1, dtype=torch.float32).to(value.dtype)
    output = torch.matmul(probabilities, value)
    return output.transpose(1, 2).contiguous(), None


def register() -> str:
    """Make ``NAME`` known to transformers (once); returns it for ``set_attn_implementation``."""
    global _registered
    if not _registered:
        from transformers import AttentionInterface
        from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

        AttentionInterface.register(NAME, cpu_encoder_attention)
        AttentionMaskInterface.register(NAME, sdpa_mask)
        _registered = True
    return NAME


def use_cpu_encoder_attention(model: Any) -> bool:
    """Route ``model``'s self-attention through ``cpu_encoder_attention``; False if it cannot."""
    if not getattr(model, "_supports_attention_backend", False):
        return False
    model.set_attn_implementation(register())
    return bool(model.config._attn_implementation == NAME)
