"""Retrieval works on both databases: PostgreSQL (production) and SQLite (the embedded default).

The suite runs on one database; the SQLite test runs the same retrieval test in a child pytest whose
settings have no DATABASE_URL (so the embedded default, SQLite, is used) and checks it ran on SQLite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from apps.support.models import Chunk
from apps.support.services import retrieval

from .helpers import build_knowledge_base

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
THIS_TEST = "tests/support/test_retrieval_databases.py::test_retrieval_on_this_database"


def test_retrieval_on_this_database(store: Any, other_store: Any, fake_inference: Any) -> None:
    build_knowledge_base(store)
    build_knowledge_base(other_store)
    _retriever, hits = retrieval.search(
        store=store, question="Can I return an unworn item within 30 days?", k=3
    )
    best = Chunk.objects.get(pk=hits[0].chunk_id)
    assert best.store_id == store.pk
    assert best.heading_path == ["Returns policy", "Returns window"]
    _retriever, chinese = retrieval.search(store=store, question="能开发票吗", k=1)
    assert Chunk.objects.get(pk=chinese[0].chunk_id).faq.question == "可以开发票吗？"  # type: ignore[union-attr]
    # Every hit is the store's own, whatever the other store holds.
    assert set(
        Chunk.objects.filter(pk__in=[hit.chunk_id for hit in hits]).values_list("store_id", flat=True)
    ) == {store.pk}
    report = os.environ.get("SUPPORT_DATABASE_REPORT")
    if report:
        Path(report).write_text(connection.vendor)


def test_the_suite_database_is_the_one_configured() -> None:
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected


def test_retrieval_on_sqlite(tmp_path: Path) -> None:
    report = tmp_path / "vendor.txt"
    env = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CELERY_BROKER_URL")
    }
    env.update({"SUPPORT_DATABASE_REPORT": str(report), "ECOMAI_VAR_DIR": str(tmp_path / "var")})
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "--create-db",
            THIS_TEST,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert report.read_text() == "sqlite"
