"""Stores' LoRA adapters on one shared tiny Gemma 3: each adapter serves what the merged model
would, two stores hold one base in memory, and a batch mixing stores decodes each row as alone."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch

from apps.inference.engine import adapters, generation
from apps.inference.engine.loading import get_loaded, model_cache
from apps.inference.engine.serving import Server, server_for
from apps.inference.registry import ModelSpec
from apps.inference.types import GenerationRequest

from .test_generation import PROMPTS
from .tiny_models import build_causal_lm

NEW = 12


def _build_adapter(base: Path, folder: Path, *, seed: int, rank: int) -> Path:
    """A LoRA adapter on every linear layer with random (non-zero) factors: it changes the output."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(base)
    config = LoraConfig(r=rank, lora_alpha=2 * rank, target_modules="all-linear", init_lora_weights=False)
    get_peft_model(model, config).save_pretrained(str(folder))
    return folder


def _merged(base: Path, chain: list[Path], folder: Path) -> Path:
    """The base with ``chain`` merged into its weights, saved as an ordinary checkpoint."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(base)
    for adapter in chain:
        model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(base).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("adapters")
    base = build_causal_lm(root / "base", seed=3)
    first = _build_adapter(base, root / "store-a", seed=1, rank=4)
    second = _build_adapter(base, root / "store-b", seed=2, rank=2)
    return {
        "base": base,
        "a": first,
        "b": second,
        "merged-a": _merged(base, [first], root / "merged-a"),
        "merged-b": _merged(base, [second], root / "merged-b"),
        "merged-ab": _merged(base, [first, second], root / "merged-ab"),
    }


@pytest.fixture(scope="module")
def specs(folders: dict[str, Path]) -> dict[str, ModelSpec]:
    base = ModelSpec(
        key="adapter-base", task="generate", path=str(folders["base"]), max_length=96, max_batch=4
    )

    def store(key: str, *chain: str) -> ModelSpec:
        return replace(base, key=key, extra={"adapters": [str(folders[c]) for c in chain], "base": base.key})

    def merged(name: str) -> ModelSpec:
        return replace(base, key=name, path=str(folders[name]))

    return {
        "base": base,
        "a": store("store-a-v1", "a"),
        "b": store("store-b-v1", "b"),
        "ab": store("store-b-v2", "a", "b"),
        "merged-a": merged("merged-a"),
        "merged-b": merged("merged-b"),
        "merged-ab": merged("merged-ab"),
    }


def _file_numel(chain: list[str]) -> int:
    from safetensors.torch import load_file

    return sum(
        t.numel() for folder in chain for t in load_file(Path(folder) / "adapter_model.safetensors").values()
    )


def _logits(loaded: Any, text: str) -> torch.Tensor:
    ids = loaded.tokenizer(text, return_tensors="pt")["input_ids"].to(loaded.device)
    with torch.inference_mode(), adapters.rows(loaded.adapters, [loaded.adapter]):
        return loaded.model(input_ids=ids).logits[0].float().cpu()


def _tolerance(loaded: Any) -> dict[str, float]:
    """float32 on a CPU; on a GPU the weights are bf16/fp16, where merging rounds differently."""
    return {"atol": 1e-5, "rtol": 1e-4} if loaded.dtype == torch.float32 else {"atol": 0.05, "rtol": 0.05}


def _greedy(loaded: Any, prompts: list[str]) -> list[str]:
    requests = [GenerationRequest(prompt=prompt, max_new_tokens=NEW) for prompt in prompts]
    return [result.choices[0].text for result in generation.generate(loaded, requests)]


@pytest.mark.parametrize(("store", "merged"), [("a", "merged-a"), ("b", "merged-b"), ("ab", "merged-ab")])
def test_an_adapter_on_the_shared_base_serves_what_the_merged_model_would(specs, store, merged) -> None:  # type: ignore[no-untyped-def]
    adapted, reference = get_loaded(specs[store]), get_loaded(specs[merged])
    assert adapted.adapter != adapters.BASE
    for prompt in PROMPTS:
        torch.testing.assert_close(
            _logits(adapted, prompt), _logits(reference, prompt), **_tolerance(adapted)
        )
    if adapted.dtype == torch.float32:  # in half precision a near tie may fall either way
        assert _greedy(adapted, PROMPTS) == _greedy(reference, PROMPTS)


def test_two_stores_share_one_base_model_in_memory(specs) -> None:  # type: ignore[no-untyped-def]
    base = get_loaded(specs["base"])
    before = base.weights_nbytes
    first, second = get_loaded(specs["a"]), get_loaded(specs["b"])
    assert first.model is base.model and second.model is base.model
    assert first.adapter != second.adapter
    assert server_for(first) is server_for(second) is server_for(base)
    keys = [key for key in model_cache().cached_keys() if key[0] == "adapter-base"]
    assert len(keys) == 1  # one cache entry: the stores' specs load no model of their own
    # The base's parameters once, plus exactly the loaded adapters' factors: never a second base.
    lora = sum(p.numel() for name, p in base.model.named_parameters() if "lora_" in name)
    plain = sum(p.numel() for name, p in base.model.named_parameters() if "lora_" not in name)
    reference = sum(p.numel() for p in get_loaded(specs["merged-a"]).model.parameters())
    assert plain == reference
    shared = base.adapters
    assert shared is not None
    expected = sum(
        _file_numel(chain)
        for chain in (specs[name].extra["adapters"] for name in ("a", "b", "ab"))
        if adapters.adapter_name(chain) in shared.names
    )
    assert lora == expected > 0
    assert base.nbytes == before + shared.nbytes > before


def test_the_base_model_serves_unchanged_beside_adapters(specs, folders) -> None:  # type: ignore[no-untyped-def]
    from transformers import AutoModelForCausalLM

    get_loaded(specs["a"])
    get_loaded(specs["b"])
    base = get_loaded(specs["base"])
    fresh = AutoModelForCausalLM.from_pretrained(folders["base"], dtype=base.dtype).to(base.device).eval()
    ids = base.tokenizer(PROMPTS[0], return_tensors="pt")["input_ids"].to(base.device)
    with torch.inference_mode():
        torch.testing.assert_close(
            base.model(input_ids=ids).logits, fresh(input_ids=ids).logits, **_tolerance(base)
        )


def test_a_batch_mixing_stores_decodes_each_row_as_it_would_alone(specs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    loaded = {name: get_loaded(specs[name]) for name in ("base", "a", "b", "ab")}
    seen: list[set[str]] = []
    rows = adapters.rows

    def recording(adapter_set: Any, names: list[str]) -> Any:
        assert adapter_set is loaded["base"].adapters  # one set: the shared base's
        seen.append(set(names))
        return rows(adapter_set, names)

    monkeypatch.setattr(adapters, "rows", recording)
    server = Server(loaded["base"], max_rows=8, reserved=0)
    jobs = [(name, prompt) for name in loaded for prompt in PROMPTS[:2]]
    try:
        # Held while submitting, so the loop admits every request into one batch.
        with server._condition:
            works = [
                (
                    name,
                    prompt,
                    server.submit(
                        [GenerationRequest(prompt=prompt, max_new_tokens=NEW)],
                        lane="bulk",
                        loaded=loaded[name],
                    )[0],
                )
                for name, prompt in jobs
            ]
        for _name, _prompt, work in works:
            assert work.done.wait(60)
            assert work.error is None
    finally:
        server.close()
    assert max(len(names) for names in seen) == 4  # one forward pass served all four at once
    for name, prompt, work in works:
        assert work.generation(name).choices[0].text == _greedy(loaded[name], [prompt])[0]
    # Alone, each store's text differs from the base's: the rows did not all run the base.
    texts = {name: _greedy(loaded[name], [PROMPTS[0]])[0] for name in loaded}
    assert len(set(texts.values())) == 4


def test_a_shared_prefix_is_cached_per_adapter(specs) -> None:  # type: ignore[no-untyped-def]
    first, second = get_loaded(specs["a"]), get_loaded(specs["b"])
    server = Server(first, max_rows=4, reserved=0)
    prefix = "product description cotton blue summer dress size medium write a short title "
    tail = "for a red leather bag"
    request = GenerationRequest(prompt=prefix + tail, max_new_tokens=NEW, shared_prefix=prefix)
    try:
        (from_first,) = server.generate([request], loaded=first)
        (from_second,) = server.generate([request], loaded=second)
        assert server.stats.prefix_tokens_reused == 0  # store b never reads store a's keys and values
        assert len(server.prefixes) == 2  # one entry per adapter, though the tokens are the same
        (again,) = server.generate([request], loaded=first)
        assert server.stats.prefix_tokens_reused > 0
    finally:
        server.close()
    assert again.choices[0].text == from_first.choices[0].text
    assert from_first.choices[0].text == _greedy(first, [prefix + tail])[0]
    assert from_second.choices[0].text == _greedy(second, [prefix + tail])[0]


def test_an_adapter_loads_only_between_forward_passes(specs, folders) -> None:  # type: ignore[no-untyped-def]
    import threading

    shared = get_loaded(specs["base"]).adapters
    assert shared is not None
    chain = [str(folders["b"]), str(folders["a"])]  # not loaded by any other test
    loaded = threading.Event()

    def load() -> None:
        shared.ensure(chain)
        loaded.set()

    with adapters.rows(shared, [adapters.BASE]):  # a forward pass under way
        thread = threading.Thread(target=load)
        thread.start()
        assert not loaded.wait(0.5)  # the load waits: the pass's modules are not changed under it
    assert loaded.wait(60)
    thread.join()
    assert adapters.adapter_name(chain) in shared.names


def test_past_the_bound_the_least_recently_run_adapter_is_dropped_and_loaded_again_when_named(  # type: ignore[no-untyped-def]
    specs, folders, monkeypatch, tmp_path
) -> None:
    shared = get_loaded(specs["base"]).adapters
    assert shared is not None
    monkeypatch.setattr(shared, "max_adapters", 1)
    # Two stores whose adapters no other test loads.
    chains = {
        name: _build_adapter(folders["base"], tmp_path / name, seed=seed, rank=2)
        for name, seed in [("c", 5), ("d", 6)]
    }
    stores = {
        name: replace(
            specs["a"], key=f"store-{name}-v1", extra={**specs["a"].extra, "adapters": [str(chain)]}
        )
        for name, chain in chains.items()
    }
    merged = _merged(folders["base"], [chains["c"]], tmp_path / "merged-c")
    expected = _greedy(get_loaded(replace(specs["base"], key="merged-c", path=str(merged))), PROMPTS[:1])
    first = get_loaded(stores["c"])
    assert shared.names == [first.adapter]  # the others made room
    evictions = shared.evictions
    second = get_loaded(stores["d"])
    assert shared.names == [second.adapter] and shared.evictions == evictions + 1
    # The dropped adapter's weights left the model: only the loaded one's factors remain.
    lora = sum(p.numel() for name, p in first.model.named_parameters() if "lora_" in name)
    assert lora == _file_numel([str(chains["d"])])
    # Rows of the first store, admitted before its adapter was dropped, load it again for their pass.
    assert _greedy(first, PROMPTS[:1]) == expected
    assert shared.names == [first.adapter]
    # A pass naming both stores goes over the bound for that pass rather than drop a row's adapter.
    with adapters.rows(shared, [first.adapter, second.adapter]):
        assert set(shared.names) == {first.adapter, second.adapter}


def test_an_int8_base_gets_its_adapters_merged_into_its_own_copy(specs) -> None:  # type: ignore[no-untyped-def]
    if get_loaded(specs["base"]).device.type != "cpu":
        pytest.skip("int8 Linear layers are a CPU path")
    quantized = replace(specs["a"], cpu_quantization="int8")
    loaded = get_loaded(quantized)
    # peft cannot wrap the int8 Linear layers: the adapter is merged before quantizing, into a copy.
    assert loaded.quantized and loaded.adapters is None and loaded.adapter == adapters.BASE
    assert loaded.model is not get_loaded(specs["base"]).model
    assert not any("lora_" in name for name, _ in loaded.model.named_parameters())
    reference = get_loaded(replace(specs["merged-a"], cpu_quantization="int8"))
    torch.testing.assert_close(_logits(loaded, PROMPTS[0]), _logits(reference, PROMPTS[0]))
