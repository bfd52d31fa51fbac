"""Load a model folder from MODELS_CACHE: the one code path for real and test models."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from django.conf import settings

from ..errors import ModelNotInstalled
from ..registry import ModelSpec
from .adapters import BASE, AdapterSet
from .attention import use_cpu_encoder_attention
from .cache import ModelCache
from .matmul import MatmulChoice, choose_for, use_onednn_linears
from .packed_encoder import PACKED_POST_OPS, PackedEncoder, packed_linear_shapes
from .quantization import SmoothedInt8Linear, quantize_int8
from .runtime import choose_device, choose_dtype, configure_threads, wants_int8

logger = logging.getLogger(__name__)

# Weights only ever come from MODELS_CACHE; a stray hub lookup must fail, not download.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@dataclass
class LoadedModel:
    spec: ModelSpec
    model: Any
    tokenizer: Any
    device: torch.device
    dtype: torch.dtype
    quantized: bool
    weights_nbytes: int
    # The packed, fused forward pass of a BERT-family encoder on CPU (engine/packed_encoder.py);
    # None where the transformers forward pass runs.
    packed: PackedEncoder | None = None
    # A generator's stores' LoRA adapters on these weights (engine/adapters.py), shared by every
    # spec served from them; None where adapters cannot be attached (int8 Linear layers).
    adapters: AdapterSet | None = None
    # The adapter this spec's rows run with (``BASE``: none).
    adapter: str = BASE
    # The library of its fp32 Linear layers on CPU and why (engine/matmul.py); None elsewhere.
    cpu_matmul: MatmulChoice | None = None

    @property
    def nbytes(self) -> int:
        return self.weights_nbytes + (self.adapters.nbytes if self.adapters is not None else 0)


def model_nbytes(model: torch.nn.Module) -> int:
    """Bytes held by the model's tensors, counting tied weights once (int8 packed weights included)."""
    seen: set[int] = set()
    total = 0
    tensors = [*model.state_dict().values(), *model.buffers()]
    for module in model.modules():
        if isinstance(module, SmoothedInt8Linear):
            # An int8 Linear: its weight lives packed, outside the state dict's tensors.
            tensors.append(module.int8_weight())
    for tensor in tensors:
        if not isinstance(tensor, torch.Tensor):
            continue
        identity = id(tensor) if tensor.is_quantized else tensor.data_ptr()
        if identity in seen:
            continue
        seen.add(identity)
        total += tensor.numel() * tensor.element_size()
    return total


def _auto_class(task: str) -> Any:
    import transformers

    return {
        "generate": transformers.AutoModelForCausalLM,
        "classify": transformers.AutoModelForSequenceClassification,
        "embed": transformers.AutoModel,
    }[task]


def packs_encoder(spec: ModelSpec, device: torch.device, dtype: torch.dtype) -> bool:
    """Whether ``load`` gives ``spec`` the packed encoder pass (if its architecture allows)."""
    return (
        device.type == "cpu"
        and spec.task in ("classify", "embed")
        and dtype == torch.float32
        and not wants_int8(spec, device)
        and bool(getattr(settings, "INFERENCE_CPU_PACKED_ENCODERS", True))
    )


# Tokens of a typical text (reviews run about 32): with ``max_batch`` texts, a bucket's size.
_ENCODER_TOKENS_PER_TEXT = 32


def matmul_rows(spec: ModelSpec) -> tuple[int, ...]:
    """Row counts a model's Linear layers are fed: what ``matmul.choose_for`` measures at.

    An encoder: the tokens of a full bucket of short texts (at most the encoders' tokens per
    pass); a generator: one row (single-row decoding) and a batch of ``max_batch`` rows.
    """
    if spec.task == "generate":
        return (1, max(2, spec.max_batch))
    from .encoders import MAX_TOKENS_PER_BATCH  # encoders imports this module

    return (min(MAX_TOKENS_PER_BATCH, max(1, spec.max_batch) * _ENCODER_TOKENS_PER_TEXT),)


def load(spec: ModelSpec) -> LoadedModel:
    """Load tokenizer and weights, place them, and optionally quantize; raises ModelNotInstalled."""
    from transformers import AutoTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    # Load reports list unused heads (e.g. a BERT pooler embeddings never read) as warnings.
    transformers_logging.set_verbosity_error()

    path = spec.local_path
    if not spec.is_installed():
        raise ModelNotInstalled(
            f"Model {spec.key!r} is not in {path}; run `python manage.py models install`."
        )
    configure_threads()
    device = choose_device()
    dtype = choose_dtype(spec, device)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = _auto_class(spec.task).from_pretrained(path, dtype=dtype)
    model = merge_adapters(model, spec)
    model.eval()
    model.to(device)
    quantized = False
    if wants_int8(spec, device):
        model = quantize_int8(model, tokenizer, spec.int8_exclude)
        quantized = True
    matmul: MatmulChoice | None = None
    packed = None
    if device.type == "cpu":
        packs = packs_encoder(spec, device, dtype) and PackedEncoder.supports(model)
        # Measured on the products that will run: the packed pass's, or the model's own
        # fp32 Linear layers (all of them, or those int8 excludes).
        matmul = choose_for(
            model,
            matmul_rows(spec),
            spec.key,
            packed=packs,
            shapes=packed_linear_shapes(model) if packs else None,
            post_ops=PACKED_POST_OPS if packs else (),
        )
        if matmul.backend == "onednn":
            use_onednn_linears(model)
        if spec.task in ("classify", "embed"):
            use_cpu_encoder_attention(model)
        if packs:
            packed = PackedEncoder.build(model, matmul.backend)
    loaded = LoadedModel(
        spec=spec,
        model=model,
        tokenizer=tokenizer,
        device=device,
        dtype=dtype,
        quantized=quantized,
        weights_nbytes=model_nbytes(model) + (packed.nbytes if packed else 0),
        packed=packed,
        adapters=AdapterSet(model) if spec.task == "generate" and not quantized else None,
        cpu_matmul=matmul,
    )
    logger.info(
        "inference: loaded %s on %s (%s%s%s%s, %d MiB)",
        spec.key,
        device,
        dtype,
        ", int8" if quantized else "",
        ", packed encoder" if packed else "",
        f", fp32 Linear on {matmul.backend}" if matmul else "",
        loaded.nbytes >> 20,
    )
    return loaded


def merge_adapters(model: Any, spec: ModelSpec) -> Any:
    """The LoRA adapters in ``spec.extra["adapters"]`` (folders, bottom first) merged into the
    base weights just loaded: only for a generator whose base runs int8 Linear layers, which
    peft's LoRA layers cannot wrap (every other generator shares its base: ``get_loaded``)."""
    adapters = spec.extra.get("adapters") or []
    if not adapters:
        return model
    from peft import PeftModel

    for adapter in adapters:
        if not (Path(adapter) / "adapter_config.json").is_file():
            raise ModelNotInstalled(f"Model {spec.key!r}: its adapter {adapter} is missing.")
        model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
        if hasattr(model, "peft_config"):
            del model.peft_config
    return model


def _release(loaded: LoadedModel) -> None:
    if loaded.spec.task == "generate":
        from .serving import drop_server

        drop_server(loaded)
    if loaded.device.type == "cuda":
        loaded.model = None
        torch.cuda.empty_cache()


_cache: ModelCache[LoadedModel] | None = None


def model_cache() -> ModelCache[LoadedModel]:
    global _cache
    if _cache is None:
        budget = int(getattr(settings, "INFERENCE_CACHE_BYTES", 6 * 1024**3))
        _cache = ModelCache(budget, on_evict=_release)
    return _cache


def get_loaded(spec: ModelSpec) -> LoadedModel:
    """The process-wide loaded instance of ``spec``, loading it on first use.

    A generator spec with LoRA adapters (a store's fine-tuned version) is its base model's one
    loaded instance with the adapters attached by name (engine/adapters.py): every store of a
    base shares its weights, its cache entry and its serving loop.

    The cache key holds only what shapes the weights; the run-time fields (max_length,
    max_batch, pooling, prefixes) are read from ``spec`` itself, so a re-registered or
    store-activated spec sharing the weights is served with its own settings. On a miss the
    weight files' headers tell the cache how much room to make before the load.
    """
    chain = [str(path) for path in spec.extra.get("adapters") or []]
    if chain and spec.task == "generate" and not wants_int8(spec, choose_device()):
        base = get_loaded(base_spec(spec))
        if base.adapters is not None:
            return replace(base, spec=spec, adapter=base.adapters.ensure(chain))
    key = (
        spec.key,
        str(spec.local_path),
        spec.task,
        spec.cpu_quantization,
        spec.dtype,
        *spec.int8_exclude,
        *(spec.extra.get("adapters") or []),
    )

    def expected_bytes() -> int | None:
        from .sizing import PACKED_ENCODER_TENSORS, weights_nbytes

        device = choose_device()
        dtype = choose_dtype(spec, device)
        nbytes = weights_nbytes(spec.local_path, dtype)
        if nbytes is not None and packs_encoder(spec, device, dtype):
            # The packed pass keeps its own copy of the encoder layers' weights.
            nbytes += weights_nbytes(spec.local_path, dtype, only=PACKED_ENCODER_TENSORS) or 0
        return nbytes

    loaded = model_cache().get(key, lambda: load(spec), expected_bytes=expected_bytes)
    return loaded if loaded.spec == spec else replace(loaded, spec=spec)


def base_spec(spec: ModelSpec) -> ModelSpec:
    """The base model under a fine-tuned generator's adapters (``extra["base"]`` names its key)."""
    return replace(spec, key=str(spec.extra.get("base") or spec.key), extra={})
