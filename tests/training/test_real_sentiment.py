"""Smoke test of the installed default classifier (`manage.py models install sentiment-zh-en`)."""

from __future__ import annotations

import pytest

from apps.inference import installers
from apps.inference.backends.local import LocalBackend
from apps.inference.registry import get_spec

pytestmark = pytest.mark.real_model


def test_installed_sentiment_classifier_reads_chinese_and_english_reviews() -> None:
    spec = get_spec("sentiment-zh-en")
    if not spec.is_installed():
        pytest.skip(f"{spec.key} is not in {spec.local_path}; run `python manage.py models install`")
    manifest = installers.read_manifest(spec.local_path) or {}
    assert manifest.get("data_sha256") == spec.checksum
    texts = [
        "质量非常好，做工精细，很满意，会回购！",
        "太差了，用了一天就坏了，客服也不理人。",
        "Absolutely love it, great quality and fast shipping!",
        "Terrible. It broke after one day and the seller never replied.",
    ]
    results = LocalBackend().classify(texts, spec)
    assert [result.label for result in results] == ["positive", "negative", "positive", "negative"]
    for result in results:
        assert set(result.scores) == {"negative", "neutral", "positive"}
        assert sum(result.scores.values()) == pytest.approx(1.0, abs=1e-4)
