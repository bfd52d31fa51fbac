"""`manage.py train_sentiment`: train a bigger sentiment classifier; keep it only if it scores higher."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.inference.installers import InstallError
from apps.training import services


class Command(BaseCommand):
    help = (
        "Train sentiment-zh-en on more data for more epochs (default: 8,000 Chinese and 5,000 English "
        "texts, 6 epochs) and replace the installed model if its validation accuracy is higher."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        recipe = services.FULL_RECIPE
        parser.add_argument("--zh", type=int, default=recipe.zh_train, help="Chinese training texts")
        parser.add_argument("--en", type=int, default=recipe.en_train, help="English training texts")
        parser.add_argument("--layers", type=int, default=recipe.train.trainable_layers)
        parser.add_argument("--epochs", type=int, default=recipe.train.epochs)
        parser.add_argument("--max-length", type=int, default=recipe.train.max_length)
        parser.add_argument(
            "--replace", action="store_true", help="Install the result even if it scores lower."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        recipe = replace(
            services.FULL_RECIPE,
            zh_train=options["zh"],
            en_train=options["en"],
            train=replace(
                services.FULL_RECIPE.train,
                trainable_layers=options["layers"],
                epochs=options["epochs"],
                max_length=options["max_length"],
            ),
        )
        try:
            outcome = services.sentiment_retrain(
                recipe=recipe, replace_always=options["replace"], progress=self.stdout.write
            )
        except InstallError as error:
            raise CommandError(str(error)) from None
        before = "none" if outcome.installed_score is None else f"{outcome.installed_score:.4f}"
        verdict = "installed" if outcome.replaced else "discarded (the installed model scores higher)"
        self.stdout.write(
            f"candidate validation accuracy {outcome.candidate_score:.4f}, installed {before}: {verdict}; "
            f"validation {outcome.manifest['validation']}"
        )
