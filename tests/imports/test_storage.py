"""Imports go only through Django's storage API, so web processes and workers need not share a disk."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.storage import default_storage

from apps.accounts.actor import Actor
from apps.catalog.models import Product
from apps.imports import services
from apps.imports.models import DataImport
from apps.jobs.models import JobItem
from tests.catalog.helpers import run_job, upload, xlsx_bytes

from .storage import ObjectStorage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def object_storage(settings: Any) -> Any:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.imports.storage.ObjectStorage"},
    }
    return default_storage


def _import(store: Any, name: str, data: bytes) -> DataImport:
    actor = Actor.system()
    data_import = services.import_create(
        store=store, target="catalog.products", upload=upload(name, data), actor=actor
    )
    return services.import_start(data_import=data_import, actor=actor)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("目录.csv", "货号,商品名称,售价,材质\nS1,纯棉T恤,￥59,棉\nS2,,10,\n".encode("gb18030")),
        ("catalog.xlsx", xlsx_bytes([["sku", "名称", "price"], ["S1", "纯棉T恤", 59], ["S2", None, 10]])),
    ],
)
def test_an_import_runs_with_its_files_only_in_object_storage(store: Any, name: str, data: bytes) -> None:
    data_import = _import(store, name, data)
    bucket = data_import.file.storage._wrapped  # type: ignore[attr-defined]
    assert isinstance(bucket, ObjectStorage)
    assert set(bucket.objects) == {data_import.file.name, data_import.spool}  # the upload, the valid rows
    with pytest.raises(NotImplementedError):
        data_import.file.path  # noqa: B018  (there is no local file to point at)
    assert data_import.job is not None
    run_job(data_import.job)
    data_import.refresh_from_db()
    assert (data_import.status, data_import.valid_rows, data_import.error_rows) == ("finished", 1, 1)
    tee = Product.objects.get(store=store, sku="S1")
    assert (tee.title, tee.price) == ("纯棉T恤", Decimal("59.00"))


def test_a_worker_reads_the_spooled_rows_from_storage_and_reports_them_gone(store: Any) -> None:
    data_import = _import(store, "r.csv", b"SKU,Title\nR1,One\nR2,Two\n")
    rows = services.import_read_block(data_import=data_import, offset=0, count=10)
    assert [row["sku"] for row in rows] == ["R1", "R2"]

    default_storage.delete(data_import.spool)  # lost, say, by a storage lifecycle rule
    assert data_import.job is not None
    job = run_job(data_import.job)
    assert job.status == "failed"
    assert "upload the file again" in JobItem.objects.get(job=job).error
    assert not Product.objects.filter(store=store).exists()
