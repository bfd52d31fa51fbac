from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from apps.support.services import retrieval


@pytest.fixture(autouse=True)
def _fresh_retrievers() -> Iterator[None]:
    """Each test builds its stores' retrievers anew (store ids repeat across tests)."""
    retrieval.retriever_forget()
    yield
    retrieval.retriever_forget()


@pytest.fixture
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fake_encoder_calibration(settings: Any) -> None:
    """The suite's fake encoder (a hashed bag of words) spreads cosines lower than multilingual-e5-small,
    whose range the retriever's defaults are calibrated on, and cannot match across languages at all (the
    defaults lift a cross-language hit, whose e5 cosine runs low); its own range is set here. Tests on the
    real encoder (test_real_encoder.py) use the defaults.
    """
    settings.SUPPORT_RETRIEVAL = {"dense_floor": 0.2, "dense_ceiling": 0.55, "cross_language_shift": 0.0}
