"""Stores' LoRA adapters on the one shared base model of a process, chosen per row of a batch.

A store's fine-tuned generator is a LoRA adapter (megabytes) over a base model (hundreds of
megabytes). Each base model loaded in a process carries an ``AdapterSet``: the adapters of every
store version served so far are loaded onto it by name (``PeftModel.load_adapter``), never as a
copy of the base. A version trained after continued pretraining is a chain of two adapters; they
are joined into one (peft's ``add_weighted_adapter``, ``cat``: the ranks side by side, exactly
the sum of the two updates) so that each row needs one name.

Every forward pass of the base model then names the adapter of each row (peft's ``adapter_names``,
``"__base__"`` for none): ``rows(...)`` sets the names for the calling thread, and a pre-hook on
every LoRA layer hands them to it. Without names every row runs the plain base, so a request
for the base model is never changed by the adapters loaded beside it. The serving loop
(serving.py) mixes rows of different stores in one batch this way. Loading an adapter changes
the model's modules, so it waits for the forward passes under way and holds new ones back.

A base keeps at most ``INFERENCE_MAX_ADAPTERS`` adapters (default 32); loading one more first
drops the one whose rows ran longest ago (peft's ``delete_adapter``). Adapters named by the pass
about to run are never dropped, and a pass that names an adapter dropped since its rows were
admitted (a long bulk batch) loads it again before it runs: eviction costs a reload, never a row.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
from django.conf import settings

from ..errors import ModelNotInstalled

logger = logging.getLogger(__name__)

# peft's name for a row that no adapter changes.
BASE = "__base__"

_names = threading.local()


def adapter_name(chain: Sequence[str]) -> str:
    """The name a chain of adapter folders (bottom first) is loaded under: stable per chain."""
    digest = hashlib.sha256("\n".join(str(Path(path)) for path in chain).encode()).hexdigest()
    return f"store_{digest[:20]}"


@contextlib.contextmanager
def rows(adapters: AdapterSet | None, names: Sequence[str]) -> Iterator[None]:
    """Forward passes run in this block (this thread) apply ``names[i]`` to row ``i``; no adapter
    of ``adapters`` (the model's set) is loaded meanwhile."""
    if adapters is not None:
        adapters.prepare(names)
    previous = getattr(_names, "value", None)
    _names.value = list(names)
    try:
        with adapters.gate.shared() if adapters is not None else contextlib.nullcontext():
            yield
    finally:
        _names.value = previous


class _Gate:
    """Many forward passes at once, or one adapter load alone (a load waits for the passes under
    way and new passes wait for the load)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._passes = 0
        self._loading = False

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            while self._loading:
                self._condition.wait()
            self._passes += 1
        try:
            yield
        finally:
            with self._condition:
                self._passes -= 1
                self._condition.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._condition:
            while self._loading:
                self._condition.wait()
            self._loading = True
            while self._passes:
                self._condition.wait()
        try:
            yield
        finally:
            with self._condition:
                self._loading = False
                self._condition.notify_all()


def _pre_hook(module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    names = getattr(_names, "value", None)
    x = args[0] if args else kwargs["x"]
    if names is None or len(names) != len(x):
        # A pass that named no rows (a request for the base model, a warm-up) runs the base.
        names = [BASE] * len(x)
    return args, {**kwargs, "adapter_names": names}


def _adapter_nbytes(model: torch.nn.Module, name: str) -> int:
    return sum(
        tensor.numel() * tensor.element_size()
        for key, tensor in model.state_dict().items()
        if f".{name}." in key or key.endswith(f".{name}")
    )


class AdapterSet:
    """The LoRA adapters loaded onto one base model (shared by every store that uses it)."""

    def __init__(self, model: torch.nn.Module, max_adapters: int | None = None) -> None:
        self.model = model  # the base model: peft injects its LoRA layers into it in place
        self._peft: Any = None  # the PeftModel around ``model``, made with the first adapter
        # name -> bytes of its weights, least recently run first
        self._loaded: OrderedDict[str, int] = OrderedDict()
        self._chains: dict[str, tuple[str, ...]] = {}  # name -> its folders, to load it again
        # At least one: a set that could hold none could serve no store (inference.E003 refuses it).
        self.max_adapters = max(1, max_adapters or int(getattr(settings, "INFERENCE_MAX_ADAPTERS", 32)))
        self.evictions = 0
        self._hooked: set[int] = set()
        self._lock = threading.Lock()
        self.gate = _Gate()

    @property
    def names(self) -> list[str]:
        with self._lock:
            return list(self._loaded)

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(self._loaded.values())

    def ensure(self, chain: Sequence[str]) -> str:
        """The name ``chain`` is served under, loading it first if needed."""
        name = adapter_name(chain)
        with self._lock:
            if name in self._loaded:
                self._loaded.move_to_end(name)
                return name
            self._chains[name] = tuple(str(folder) for folder in chain)
            with self.gate.exclusive():
                self._bring_in([name], keep={name})
            return name

    def prepare(self, names: Sequence[str]) -> None:
        """Before a pass whose rows name ``names``: each counts as just used, and any dropped since
        its rows were admitted is loaded again."""
        wanted = [name for name in dict.fromkeys(names) if name != BASE and name in self._chains]
        if not wanted:
            return
        with self._lock:
            for name in wanted:
                if name in self._loaded:
                    self._loaded.move_to_end(name)
            missing = [name for name in wanted if name not in self._loaded]
            if missing:
                with self.gate.exclusive():
                    self._bring_in(missing, keep=set(wanted))

    def _bring_in(self, names: Sequence[str], keep: set[str]) -> None:
        """Load ``names`` (the lock and the gate held), dropping the least recently run adapters
        outside ``keep`` while the set is full."""
        for name in names:
            chain = self._chains[name]
            for folder in chain:
                if not (Path(folder) / "adapter_config.json").is_file():
                    raise ModelNotInstalled(f"The adapter {folder} is missing.")
            while len(self._loaded) >= self.max_adapters:
                victim = next((loaded for loaded in self._loaded if loaded not in keep), None)
                if victim is None:
                    break  # every loaded adapter runs in this pass: go over the bound for it
                self._peft.delete_adapter(victim)
                del self._loaded[victim]
                self.evictions += 1
                logger.info(
                    "inference: adapter %s dropped (least recently used of %d)", victim, self.max_adapters
                )
            self._load_chain(name, chain)
            size = _adapter_nbytes(self.model, name)
            self._loaded[name] = size
            logger.info("inference: adapter %s loaded on the shared base (%d KiB)", name, size >> 10)

    def _unit_scaling(self, name: str) -> None:
        """The joined adapter's factors already carry each part's scaling (peft sets alpha = r,
        which is not a scaling of 1 under rank-stabilised LoRA)."""
        from peft.tuners.lora import LoraLayer

        for module in self.model.modules():
            if isinstance(module, LoraLayer) and name in module.scaling:
                module.scaling[name] = 1.0

    def _load_chain(self, name: str, chain: Sequence[str]) -> None:
        parts = [name] if len(chain) == 1 else [f"{name}_part{index}" for index in range(len(chain))]
        for part, folder in zip(parts, chain, strict=True):
            self._load(part, str(folder))
        if len(parts) > 1:
            # One adapter whose update is the sum of the chain's: rank r1 + r2, scaling folded in.
            self._peft.base_model.add_weighted_adapter(
                parts, [1.0] * len(parts), name, combination_type="cat"
            )
            for part in parts:
                self._peft.delete_adapter(part)
            self._unit_scaling(name)
        self._hook_new_layers()
        self.model.eval()

    def _load(self, name: str, folder: str) -> None:
        from peft import PeftModel

        if self._peft is None:
            self._peft = PeftModel.from_pretrained(self.model, folder, adapter_name=name, is_trainable=False)
        else:
            self._peft.load_adapter(folder, adapter_name=name, is_trainable=False)

    def _hook_new_layers(self) -> None:
        from peft.tuners.lora import LoraLayer

        for module in self.model.modules():
            if isinstance(module, LoraLayer) and id(module) not in self._hooked:
                module.register_forward_pre_hook(_pre_hook, with_kwargs=True)
                self._hooked.add(id(module))
