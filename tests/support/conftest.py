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
