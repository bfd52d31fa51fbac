"""The model cache, device/dtype/thread choices and int8 loading."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import pytest
import torch

from apps.inference.engine import loading, runtime
from apps.inference.engine.cache import ModelCache
from apps.inference.errors import ModelNotInstalled
from apps.inference.registry import ModelSpec


@dataclass
class Blob:
    name: str
    nbytes: int


def test_cache_loads_once_and_evicts_least_recently_used() -> None:
    loads: list[str] = []
    evicted: list[str] = []

    def loader(name: str, size: int):  # type: ignore[no-untyped-def]
        def load() -> Blob:
            loads.append(name)
            return Blob(name, size)

        return load

    cache: ModelCache[Blob] = ModelCache(100, on_evict=lambda blob: evicted.append(blob.name))
    cache.get("a", loader("a", 40))
    cache.get("b", loader("b", 40))
    cache.get("a", loader("a", 40))  # hit: "a" becomes the most recently used
    cache.get("c", loader("c", 40))  # 120 > 100: "b" goes, not "a"
    assert loads == ["a", "b", "c"]
    assert evicted == ["b"]
    assert cache.cached_keys() == ["a", "c"]
    assert cache.total_bytes == 80
    cache.get("huge", loader("huge", 500))  # larger than the budget: loaded alone
    assert cache.cached_keys() == ["huge"]
    assert evicted == ["b", "a", "c"]


def test_loaded_models_share_the_budget(tiny_specs, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fresh = loading.ModelCache(0, on_evict=None)  # type: ignore[var-annotated]
    monkeypatch.setattr(loading, "_cache", fresh)
    encoder = loading.get_loaded(tiny_specs["encoder"])
    assert loading.get_loaded(tiny_specs["encoder"]) is encoder
    fresh.budget_bytes = encoder.nbytes * 3 // 2
    loading.get_loaded(tiny_specs["classifier"])
    assert [key[0] for key in fresh.cached_keys()] == ["tiny-classifier"]
    assert encoder.nbytes == sum(p.numel() * p.element_size() for p in encoder.model.parameters()) + sum(
        b.numel() * b.element_size() for b in encoder.model.buffers()
    )


def test_a_cached_model_serves_each_spec_with_its_own_run_time_settings(tiny_specs) -> None:  # type: ignore[no-untyped-def]
    from apps.inference.backends.local import LocalBackend

    spec = tiny_specs["encoder"]
    text = "the shirt fits well and the fabric is soft"
    (before,) = LocalBackend().embed([text], spec, kind="query")
    # Same weights, new run-time fields (as after register_model replaced the spec).
    changed = replace(spec, max_length=6, query_prefix="")
    (after,) = LocalBackend().embed([text], changed, kind="query")
    assert loading.get_loaded(changed).model is loading.get_loaded(spec).model  # loaded once
    assert loading.get_loaded(changed).spec == changed
    assert (before.tokens, after.tokens) == (12, 6)
    assert after.vector != pytest.approx(before.vector, abs=1e-4)


def test_threads_follow_the_process_affinity(settings) -> None:  # type: ignore[no-untyped-def]
    assert runtime.available_cores() == len(os.sched_getaffinity(0))
    assert runtime.configure_threads() == torch.get_num_threads()


def test_cpu_gets_fp32_unless_pinned(tiny_specs, settings) -> None:  # type: ignore[no-untyped-def]
    cpu = torch.device("cpu")
    assert runtime.choose_dtype(tiny_specs["lm"], cpu) == torch.float32
    assert runtime.choose_dtype(replace(tiny_specs["lm"], dtype="bfloat16"), cpu) == torch.bfloat16
    assert not runtime.wants_int8(tiny_specs["lm"], cpu)
    settings.INFERENCE_CPU_BF16 = True
    assert runtime.choose_dtype(tiny_specs["encoder"], cpu) == torch.bfloat16
    assert runtime.choose_dtype(tiny_specs["classifier"], cpu) == torch.bfloat16
    assert runtime.choose_dtype(tiny_specs["lm"], cpu) == torch.float32
    assert runtime.wants_int8(replace(tiny_specs["lm"], cpu_quantization="int8"), cpu)
    assert not runtime.wants_int8(replace(tiny_specs["lm"], cpu_quantization="int8"), torch.device("cuda"))


def test_int8_quantizes_linear_layers_and_keeps_predictions(tiny_specs) -> None:  # type: ignore[no-untyped-def]
    spec = tiny_specs["classifier"]
    fp32 = loading.load(spec)
    int8 = loading.load(replace(spec, cpu_quantization="int8"))
    assert int8.quantized and not fp32.quantized
    from torch.ao.nn.quantized.dynamic import Linear as DynamicQuantizedLinear

    modules = list(int8.model.modules())
    assert sum(isinstance(module, DynamicQuantizedLinear) for module in modules) == 2 * 6 + 2
    assert not any(type(module) is torch.nn.Linear for module in modules)
    assert int8.nbytes < fp32.nbytes
    from apps.inference.engine.encoders import classify

    texts = ["delivery was late", "great price good quality", "the shoes are too small"]
    for a, b in zip(classify(fp32, texts), classify(int8, texts), strict=True):
        assert b.scores == pytest.approx(a.scores, abs=0.02)


def test_int8_exclusions_stay_float(tiny_specs) -> None:  # type: ignore[no-untyped-def]
    from torch.ao.nn.quantized.dynamic import Linear as DynamicQuantizedLinear

    int8 = loading.load(replace(tiny_specs["lm"], cpu_quantization="int8", int8_exclude=("model.layers.",)))
    modules = dict(int8.model.named_modules())
    quantized = {name for name, module in modules.items() if isinstance(module, DynamicQuantizedLinear)}
    assert quantized == {"lm_head"}
    assert type(modules["model.layers.0.mlp.down_proj"]) is torch.nn.Linear


def test_missing_model_names_the_install_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = ModelSpec(key="absent", task="embed", path=str(tmp_path / "absent"))
    with pytest.raises(ModelNotInstalled, match=r"manage\.py models install"):
        loading.load(spec)
