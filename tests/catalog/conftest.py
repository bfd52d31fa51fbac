from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.inference import use_backend
from tests.inference_fake import FakeBackend

from .fakes import draft


@pytest.fixture
def catalog_fake() -> Iterator[FakeBackend]:
    """The suite's fake backend writing drafts from the facts in each catalog prompt (``fakes.draft``).

    Installed the way every test swaps inference (``inference.use_backend``), so model resolution and
    the catalog's calls run through the real client; ``calls`` and ``requests`` record what was sent.
    """
    backend = FakeBackend(writer=draft)
    with use_backend(backend):
        yield backend
