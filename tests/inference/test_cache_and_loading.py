"""The model cache, device/dtype/thread choices and int8 loading."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import pytest
import torch

from apps.inference.engine import loading, runtime
from apps.inference.engine.cache import ModelCache
from apps.inference.engine.quantization import Int8Embedding, SmoothedInt8Linear
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


def test_cache_makes_room_before_a_load_whose_size_is_known() -> None:
    evicted: list[str] = []
    at_load: dict[str, tuple[list[str], int]] = {}  # what was cached while each model loaded
    cache: ModelCache[Blob] = ModelCache(100, on_evict=lambda blob: evicted.append(blob.name))

    def loader(name: str, size: int):  # type: ignore[no-untyped-def]
        def load() -> Blob:
            at_load[name] = ([key[0] for key in cache.cached_keys()], cache.total_bytes)
            return Blob(name, size)

        return load

    cache.get(("a",), loader("a", 40), expected_bytes=lambda: 40)
    cache.get(("b",), loader("b", 40), expected_bytes=lambda: 40)
    cache.get(("c",), loader("c", 40), expected_bytes=lambda: 40)
    assert at_load["c"] == (["b"], 40)  # "a" was gone before "c" loaded: never 120 bytes at once
    assert evicted == ["a"]

    # An estimate that was low: corrected once the real size is known.
    cache.get(("d",), loader("d", 60), expected_bytes=lambda: 10)
    assert at_load["d"] == (["b", "c"], 80)
    assert cache.cached_keys() == [("c",), ("d",)]
    assert cache.total_bytes == 100

    # No estimate: the old order, load first.
    cache.get(("e",), loader("e", 30), expected_bytes=lambda: None)
    assert at_load["e"] == (["c", "d"], 100)
    assert cache.cached_keys() == [("d",), ("e",)]

    # Larger than the whole budget: everything goes first, and it is still loaded, alone.
    cache.get(("huge",), loader("huge", 500), expected_bytes=lambda: 500)
    assert at_load["huge"] == ([], 0)
    assert cache.cached_keys() == [("huge",)]
    assert evicted == ["a", "b", "c", "d", "e"]

    def no_estimate_on_a_hit() -> int:
        raise AssertionError("a cached model needs no estimate")

    assert cache.get(("huge",), loader("huge", 500), expected_bytes=no_estimate_on_a_hit).name == "huge"


def test_cache_stays_in_budget_when_threads_load_at_once() -> None:
    import threading
    import time

    budget, size = 100, 40
    cache: ModelCache[Blob] = ModelCache(budget)
    in_memory: list[int] = []  # cached bytes plus the model being loaded, at each load
    loads: list[str] = []

    def loader(name: str):  # type: ignore[no-untyped-def]
        def load() -> Blob:
            in_memory.append(cache.total_bytes + size)
            time.sleep(0.01)  # let the other threads pile up on the lock
            loads.append(name)
            return Blob(name, size)

        return load

    names = [f"m{index % 6}" for index in range(24)]
    barrier = threading.Barrier(len(names))

    def worker(name: str) -> None:
        barrier.wait()
        cache.get((name,), loader(name), expected_bytes=lambda: size)

    threads = [threading.Thread(target=worker, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert in_memory and max(in_memory) <= budget
    assert cache.total_bytes <= budget
    assert len(cache.cached_keys()) == 2


def test_a_cached_model_is_served_while_another_loads() -> None:
    import threading

    cache: ModelCache[Blob] = ModelCache(100)
    cache.get(("ready",), lambda: Blob("ready", 10))
    loading_started, release = threading.Event(), threading.Event()

    def slow_load() -> Blob:
        loading_started.set()
        assert release.wait(10)
        return Blob("slow", 10)

    loader = threading.Thread(target=lambda: cache.get(("slow",), slow_load))
    loader.start()
    assert loading_started.wait(10)
    served: list[str] = []
    reader = threading.Thread(target=lambda: served.append(cache.get(("ready",), lambda: Blob("x", 1)).name))
    reader.start()
    reader.join(5)
    try:
        assert served == ["ready"]  # answered while the other load was still running
    finally:
        release.set()
        loader.join(10)
    assert set(cache.cached_keys()) == {("ready",), ("slow",)}


def test_get_loaded_makes_room_before_loading_the_next_model(tiny_specs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fresh = loading.ModelCache(0, on_evict=None)  # type: ignore[var-annotated]
    monkeypatch.setattr(loading, "_cache", fresh)
    encoder = loading.get_loaded(tiny_specs["encoder"])
    fresh.budget_bytes = encoder.nbytes * 3 // 2  # room for one tiny model, not two
    cached_while_loading: list[list[str]] = []
    real_load = loading.load

    def load_and_record(spec: ModelSpec) -> loading.LoadedModel:
        cached_while_loading.append([key[0] for key in fresh.cached_keys()])
        return real_load(spec)

    monkeypatch.setattr(loading, "load", load_and_record)
    loading.get_loaded(tiny_specs["classifier"])
    assert cached_while_loading == [[]]  # the encoder was dropped before the classifier loaded
    assert [key[0] for key in fresh.cached_keys()] == ["tiny-classifier"]


def test_weights_size_is_read_from_the_files_for_the_dtype_loaded(tiny_specs, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from apps.inference.engine.sizing import weights_nbytes

    spec = tiny_specs["classifier"]
    fp32 = loading.load(spec)
    saved = fp32.model.state_dict()
    expected = sum(tensor.numel() * tensor.element_size() for tensor in saved.values())
    assert weights_nbytes(spec.local_path, torch.float32) == expected
    assert weights_nbytes(spec.local_path, torch.bfloat16) == expected // 2
    # Buffers not saved with the model, and the packed encoder's copy of the Linear weights, make
    # the loaded size larger; the cache corrects it.
    unsaved = [buffer for name, buffer in fp32.model.named_buffers() if name not in saved]
    assert unsaved
    packed = fp32.packed.nbytes if fp32.packed is not None else 0
    assert (
        fp32.nbytes == expected + sum(buffer.numel() * buffer.element_size() for buffer in unsaved) + packed
    )
    # int8 shrinks the model: the files bound it from above.
    int8 = loading.load(replace(spec, cpu_quantization="int8"))
    assert int8.nbytes < expected
    # A bf16 checkpoint loaded as fp32 takes twice its file size.
    fp32.model.to(torch.bfloat16).save_pretrained(tmp_path / "bf16")
    assert weights_nbytes(tmp_path / "bf16", torch.float32) == expected
    assert (
        weights_nbytes(tmp_path / "bf16", torch.float32)
        > (tmp_path / "bf16" / "model.safetensors").stat().st_size
    )
    assert weights_nbytes(tmp_path / "nothing-here", torch.float32) is None


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
    ) + (encoder.packed.nbytes if encoder.packed is not None else 0)


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
    modules = list(int8.model.modules())
    assert sum(isinstance(module, SmoothedInt8Linear) for module in modules) == 2 * 6 + 2
    assert not any(isinstance(module, torch.nn.Linear) for module in modules)
    assert int8.nbytes < fp32.nbytes
    from apps.inference.engine.encoders import classify

    texts = ["delivery was late", "great price good quality", "the shoes are too small"]
    for a, b in zip(classify(fp32, texts), classify(int8, texts), strict=True):
        assert b.scores == pytest.approx(a.scores, abs=0.02)


def test_int8_generator_follows_the_float_model(tiny_specs) -> None:  # type: ignore[no-untyped-def]
    from apps.inference.engine.generation import generate
    from apps.inference.types import GenerationRequest

    fp32 = loading.load(tiny_specs["lm"])
    int8 = loading.load(replace(tiny_specs["lm"], cpu_quantization="int8"))
    assert any(isinstance(module, SmoothedInt8Linear) for module in int8.model.modules())
    # The input embedding was tied to the output projection: it is int8 too, not left in fp32.
    assert isinstance(int8.model.get_input_embeddings(), Int8Embedding)
    assert int8.nbytes < fp32.nbytes / 2
    ids = fp32.tokenizer("the blue linen shirt is soft and light", return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        a, b = fp32.model(input_ids=ids).logits, int8.model(input_ids=ids).logits
    assert torch.nn.functional.cosine_similarity(a.flatten(), b.flatten(), dim=0) > 0.99
    (result,) = generate(int8, [GenerationRequest(prompt="the blue shirt", max_new_tokens=4)])
    assert result.choices[0].completion_tokens >= 1


def test_int8_exclusions_stay_float(tiny_specs) -> None:  # type: ignore[no-untyped-def]
    int8 = loading.load(replace(tiny_specs["lm"], cpu_quantization="int8", int8_exclude=("model.layers.*",)))
    modules = dict(int8.model.named_modules())
    quantized = {name for name, module in modules.items() if isinstance(module, SmoothedInt8Linear)}
    assert quantized == {"lm_head"}
    assert isinstance(modules["model.layers.0.mlp.down_proj"], torch.nn.Linear)

    only_down_float = loading.load(
        replace(
            tiny_specs["lm"], key="lm-int8-down", cpu_quantization="int8", int8_exclude=("*.mlp.down_proj",)
        )
    )
    modules = dict(only_down_float.model.named_modules())
    assert isinstance(modules["model.layers.0.mlp.down_proj"], torch.nn.Linear)
    assert isinstance(modules["model.layers.0.mlp.up_proj"], SmoothedInt8Linear)
    assert isinstance(modules["model.layers.0.self_attn.q_proj"], SmoothedInt8Linear)


def test_missing_model_names_the_install_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = ModelSpec(key="absent", task="embed", path=str(tmp_path / "absent"))
    with pytest.raises(ModelNotInstalled, match=r"manage\.py models install"):
        loading.load(spec)
