"""Model versions: registered per finished run, activated per store, rolled back; the store resolver.

A version's files live under ``MODELS_CACHE/versions/store-<id>/<key>/`` with the sha256 of each
file recorded; activation re-checks them. A classifier version is a whole checkpoint; a generator
version is a LoRA adapter over the registered base model (and over its continued-pretraining
parent's adapter), loaded by name onto the base model a worker already holds, never a copy of it.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from apps.accounts.actor import Actor
from apps.accounts.models import Store
from apps.accounts.services import audit_record
from apps.core.errors import ApplicationError
from apps.inference.registry import ModelSpec, Task, default_model_key, get_spec
from apps.inference.types import StoreRef

from ..models import Activation, Kind, ModelVersion, TrainingRun

# The kinds a store serves from, and the inference task each one answers.
SERVED: dict[str, Task] = {Kind.SENTIMENT: "classify", Kind.DESCRIPTION: "generate"}


def _root() -> Path:
    return Path(settings.MODELS_CACHE)


def file_checksums(folder: Path) -> dict[str, str]:
    sums = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as stream:
                for block in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(block)
            sums[str(path.relative_to(folder))] = digest.hexdigest()
    return sums


def version_folder(version: ModelVersion) -> Path:
    return _root() / version.path


def adapter_chain(version: ModelVersion) -> list[Path]:
    """The version's adapters, bottom first: the parent's (continued pretraining), then its own."""
    chain = []
    current: ModelVersion | None = version
    while current is not None:
        if current.adapter:
            chain.append(version_folder(current))
        current = current.parent
    return list(reversed(chain))


def version_spec(version: ModelVersion) -> ModelSpec:
    """The inference spec of a version: a checkpoint of its own, or the base with its adapters."""
    base = get_spec(version.base_model)
    revision = f"{version.key} ({version.run.dataset.content_sha256[:12]})"
    if not version.adapter:
        return replace(
            base, key=version.key, path=str(version_folder(version)), revision=revision, checksum=""
        )
    adapters = [str(path) for path in adapter_chain(version)]
    # "base": served as named adapters on the one loaded base model (inference engine/adapters.py).
    extra = {"adapters": adapters, "base": base.key}
    return replace(base, key=version.key, revision=revision, checksum="", extra=extra)


@transaction.atomic
def version_register(
    *, run: TrainingRun, source: Path, adapter: bool, metrics: dict[str, Any], proposed: bool
) -> ModelVersion:
    """Move a run's output into the versions folder and record it (once per run)."""
    locked = TrainingRun.objects.select_for_update().get(pk=run.pk)  # one registration per run
    existing = ModelVersion.objects.filter(run=run).first()
    if existing is not None:
        return existing
    store = run.store
    number = (
        ModelVersion.objects.filter(store=store, kind=run.kind).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    key = f"store{store.pk}-{run.kind}-v{number}"
    relative = Path("versions") / f"store-{store.pk}" / key
    target = _root() / relative
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), str(target))
    version = ModelVersion.objects.create(
        store=store,
        kind=run.kind,
        number=number,
        key=key,
        run=locked,
        base_model=run.base_model,
        parent=run.base_version,
        dataset=run.dataset,
        adapter=adapter,
        path=str(relative),
        files=file_checksums(target),
        hyperparameters=run.hyperparameters,
        metrics=metrics,
        proposed=proposed,
    )
    audit_record(
        actor=Actor.system(),
        action="training.version_registered",
        store=store,
        target=version,
        metadata={"key": key, "proposed": proposed},
    )
    return version


def version_verify(version: ModelVersion) -> list[str]:
    """Files whose checksum differs from the one recorded, or that are missing."""
    folder = version_folder(version)
    actual = file_checksums(folder) if folder.is_dir() else {}
    return sorted(name for name, digest in version.files.items() if actual.get(name) != digest)


def active_version(*, store: StoreRef, kind: str) -> ModelVersion | None:
    latest = (
        Activation.objects.filter(store_id=store.pk, kind=kind)
        .select_related("version", "version__run__dataset", "version__parent")
        .first()
    )
    return latest.version if latest is not None else None


@transaction.atomic
def version_activate(*, store: Store, version: ModelVersion | None, kind: str, actor: Actor) -> Activation:
    """Serve ``version`` (None: the default model) for the store's ``kind`` from the next request on."""
    if kind not in SERVED:
        raise ApplicationError(
            _("Continued-pretraining versions are not served; train a description generator on one."),
            code="not_servable",
        )
    Store.objects.select_for_update().filter(pk=store.pk).first()  # activations of a store in turn
    if version is not None:
        if version.store_id != store.pk or version.kind != kind:
            raise ApplicationError(
                _("That version is not one of this store's %(kind)s versions.") % {"kind": kind}
            )
        broken = version_verify(version)
        if broken:
            raise ApplicationError(
                _("The version's files do not match their checksums: %(files)s.")
                % {"files": ", ".join(broken)},
                code="checksum_mismatch",
            )
    activation = Activation.objects.create(
        store=store, kind=kind, version=version, activated_by=actor.user_or_none
    )
    audit_record(
        actor=actor,
        action="training.version_activated",
        store=store,
        target=version,
        metadata={"kind": kind, "version": version.key if version else None},
    )
    return activation


@transaction.atomic
def version_rollback(*, store: Store, kind: str, actor: Actor) -> Activation:
    """Serve again what was in force before the latest activation of ``kind``."""
    Store.objects.select_for_update().filter(pk=store.pk).first()
    history = list(Activation.objects.filter(store=store, kind=kind).select_related("version")[:2])
    if not history:
        raise ApplicationError(
            _("Nothing to roll back: no version was ever activated."), code="nothing_to_roll_back"
        )
    previous = history[1].version if len(history) > 1 else None
    return version_activate(store=store, version=previous, kind=kind, actor=actor)


def store_resolver(store: StoreRef, key: str | None, task: Task) -> ModelSpec | None:
    """The store's activated version for ``task``, where the caller asked for the default model
    or for the very base model the version was trained from."""
    kind = next((name for name, served in SERVED.items() if served == task), None)
    if kind is None or getattr(store, "pk", None) is None:
        return None
    version = active_version(store=store, kind=kind)
    if version is None:
        return None
    if key is not None and key not in (version.base_model, default_model_key(task), version.key):
        return None
    return version_spec(version)
