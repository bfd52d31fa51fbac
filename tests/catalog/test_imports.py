"""Catalog imports (the imports app's catalog.products target): detection, mapping, per-row errors,
upsert by SKU, error file."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.catalog.models import Product
from apps.core.errors import ApplicationError
from apps.core.spreadsheets import csv_stream
from apps.imports import exporting, reading, services
from apps.imports.models import DataImport, ImportRowError

from .helpers import run_job, upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = "SKU,Title,Price,Brand,Material,Colour\n"
TARGET = "catalog.products"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def import_file(store: Any, name: str, data: bytes, **start: Any) -> DataImport:
    actor = Actor.system()
    catalog_import = services.import_create(
        store=store, target=TARGET, upload=upload(name, data), actor=actor
    )
    catalog_import = services.import_start(data_import=catalog_import, actor=actor, **start)
    assert catalog_import.job is not None
    run_job(catalog_import.job)
    catalog_import.refresh_from_db()
    return catalog_import


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_chinese_csv_in_each_encoding_imports_the_same_text(store: Any, encoding: str) -> None:
    text = (
        "货号,商品名称,价格,品牌,材质\n"
        "A1,纯棉短袖T恤,￥59.00,优衣库,棉\n"
        "A2,不锈钢保温杯 500ml,89,象印,不锈钢\n"
    )
    catalog_import = import_file(store, "catalog.csv", text.encode(encoding))

    assert catalog_import.encoding == {"utf-8-sig": "utf-8-sig", "utf-8": "utf-8"}.get(
        encoding, catalog_import.encoding
    )
    assert catalog_import.encoding.replace("-", "") in {encoding.replace("-", ""), "gbk", "gb18030"}
    assert catalog_import.column_mapping["货号"] == "sku"
    assert catalog_import.column_mapping["材质"] == "attribute:材质"
    assert (catalog_import.valid_rows, catalog_import.error_rows, catalog_import.created_count) == (2, 0, 2)
    tee = Product.objects.get(store=store, sku="A1")
    assert tee.title == "纯棉短袖T恤"
    assert tee.price == Decimal("59.00") and tee.currency == "CNY"
    assert tee.attributes == {"材质": "棉"}
    assert tee.language == "zh"
    assert catalog_import.status == DataImport.Status.FINISHED


def test_gb18030_only_characters_are_detected_as_gb18030(store: Any) -> None:
    # U+20BB7 (𠮷) exists in GB18030 but not in GBK.
    text = "SKU,Title\nB1,𠮷野家牛肉饭\n"
    catalog_import = import_file(store, "c.csv", text.encode("gb18030"))
    assert catalog_import.encoding == "gb18030"
    assert Product.objects.get(store=store, sku="B1").title == "𠮷野家牛肉饭"


def test_messy_rows_are_reported_per_row_and_good_rows_kept(store: Any) -> None:
    data = (
        HEADER
        + "T1,Linen shirt,29.90,Acme,linen,white\n"  # row 2 ok
        + ",No sku here,10,Acme,,\n"  # row 3: missing SKU
        + "T3,,10,Acme,,\n"  # row 4: missing title
        + "T4,Bad price,ten dollars,Acme,,\n"  # row 5: bad price
        + "T1,Duplicate of row 2,5,Acme,,\n"  # row 6: duplicate SKU
        + "\n"  # blank line: skipped silently
        + 'T5,"Quoted, with comma","1,299.00",Acme,wool,"navy"\n'  # row 8 ok
    )
    catalog_import = import_file(store, "messy.csv", data.encode())

    assert (catalog_import.total_rows, catalog_import.valid_rows, catalog_import.error_rows) == (6, 2, 4)
    assert sorted(Product.objects.filter(store=store).values_list("sku", flat=True)) == ["T1", "T5"]
    assert Product.objects.get(store=store, sku="T5").price == Decimal("1299.00")
    errors = list(
        ImportRowError.objects.filter(data_import=catalog_import).values_list("row_number", "column")
    )
    assert errors == [(3, "SKU"), (4, "Title"), (5, "Price"), (6, "SKU")]
    reasons = dict(
        ImportRowError.objects.filter(data_import=catalog_import).values_list("row_number", "reason")
    )
    assert "row 2" in reasons[6]
    assert reasons[3] == "Required; the cell is empty."


def test_upsert_by_sku_updates_mapped_columns_only(store: Any) -> None:
    import_file(store, "first.csv", (HEADER + "U1,Old title,10,Acme,cotton,red\n").encode())
    second = import_file(store, "second.csv", b"SKU,Title,Price\nU1,New title,12.5\nU2,Another,3\n")

    assert (second.created_count, second.updated_count) == (1, 1)
    product = Product.objects.get(store=store, sku="U1")
    assert (product.title, product.price, product.brand) == ("New title", Decimal("12.50"), "Acme")
    assert product.attributes == {"Material": "cotton", "Colour": "red"}
    assert Product.objects.filter(store=store).count() == 2


def test_xlsx_import_reads_numbers_and_text(store: Any) -> None:
    data = xlsx_bytes(
        [["sku", "名称", "price", "size"], [10023, "羊毛围巾", 199.0, "180x30cm"], ["X2", "Mug", 7.5, None]]
    )
    catalog_import = import_file(store, "catalog.xlsx", data)
    assert catalog_import.file_format == "xlsx"
    assert catalog_import.valid_rows == 2
    scarf = Product.objects.get(store=store, sku="10023")
    assert (scarf.title, scarf.price, scarf.attributes) == (
        "羊毛围巾",
        Decimal("199.00"),
        {"size": "180x30cm"},
    )
    assert Product.objects.get(store=store, sku="X2").attributes == {}


def test_column_mapping_can_be_overridden(store: Any) -> None:
    actor = Actor.system()
    catalog_import = services.import_create(
        store=store,
        target=TARGET,
        upload=upload("c.csv", "code,label,notes\nM1,Mouse,internal\n"),
        actor=actor,
    )
    assert catalog_import.column_mapping == {
        "code": "sku",
        "label": "attribute:label",
        "notes": "attribute:notes",
    }
    with pytest.raises(ApplicationError, match="title"):
        services.import_start(data_import=catalog_import, actor=actor)
    catalog_import = services.import_start(
        data_import=catalog_import,
        actor=actor,
        mapping={"code": "sku", "label": "title", "notes": "ignore"},
    )
    run_job(catalog_import.job)  # type: ignore[arg-type]
    product = Product.objects.get(store=store, sku="M1")
    assert (product.title, product.attributes) == ("Mouse", {})


def test_files_over_the_size_limit_are_refused_with_a_clear_error(store: Any, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(reading.FileTooLarge) as raised:
        services.import_create(
            store=store, target=TARGET, upload=upload("big.csv", HEADER + "x" * 200), actor=Actor.system()
        )
    assert raised.value.status_code == 413
    assert "limit is" in raised.value.message
    assert DataImport.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "unsupported_format"),
        ("fake.xlsx", b"SKU,Title\n", "not_xlsx"),
        ("broken.xlsx", b"PK\x03\x04garbage", "not_xlsx"),
        ("empty.csv", b"", "empty_file"),
        ("image.png", b"\x89PNG\r\n", "unsupported_format"),
    ],
)
def test_unreadable_files_are_refused(store: Any, name: str, data: bytes, code: str) -> None:
    with pytest.raises(reading.FileRejected) as raised:
        services.import_create(store=store, target=TARGET, upload=upload(name, data), actor=Actor.system())
    assert raised.value.code == code


def test_hostile_cells_are_stored_as_text_and_control_characters_dropped(store: Any) -> None:
    data = 'SKU,Title,Notes\nH1,"<script>alert(1)</script>","=HYPERLINK(""http://x"")"\nH2,Nul\x00byte,ok\n'
    import_file(store, "hostile.csv", data.encode())
    assert Product.objects.get(store=store, sku="H1").title == "<script>alert(1)</script>"
    assert Product.objects.get(store=store, sku="H1").attributes == {"Notes": '=HYPERLINK("http://x")'}
    assert Product.objects.get(store=store, sku="H2").title == "Nulbyte"


def test_undecodable_bytes_are_reported_on_their_row(store: Any) -> None:
    data = b"SKU,Title\nE1,Good\n" + b"E2,Bad \xff\xfe bytes\n" + b"E3,Fine\n"
    catalog_import = services.import_create(
        store=store, target=TARGET, upload=upload("e.csv", data), actor=Actor.system()
    )
    catalog_import.encoding = "utf-8"
    catalog_import.save()
    catalog_import = services.import_start(data_import=catalog_import, actor=Actor.system())
    run_job(catalog_import.job)  # type: ignore[arg-type]
    assert sorted(Product.objects.filter(store=store).values_list("sku", flat=True)) == ["E1", "E3"]
    error = ImportRowError.objects.get(data_import=catalog_import)
    assert (error.row_number, error.column) == (3, "Title")


def test_error_file_lists_rows_with_reasons_and_neutralises_formulas(store: Any) -> None:
    catalog_import = import_file(store, "m.csv", b"SKU,Title,Price\n=cmd|' /C calc'!A0,,x\nOK1,Fine,1\n")
    header, rows = exporting.import_errors_rows(catalog_import)
    text = "".join(csv_stream(header, rows))
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[0] == ["row", "column", "reason", "SKU", "Title", "Price"]
    assert [row[:2] for row in parsed[1:]] == [["2", "SKU"], ["2", "Title"], ["2", "Price"]]
    assert all(row[3] == "'=cmd|' /C calc'!A0" for row in parsed[1:])


def test_starting_twice_is_refused(store: Any) -> None:
    catalog_import = import_file(store, "a.csv", b"SKU,Title\nS1,One\n")
    with pytest.raises(ApplicationError, match="already started"):
        services.import_start(data_import=catalog_import, actor=Actor.system())


def test_a_block_run_twice_duplicates_nothing(store: Any) -> None:
    from apps.imports.jobs import ImportRows
    from apps.jobs.models import JobItem

    actor = Actor.system()
    catalog_import = services.import_create(
        store=store, target=TARGET, upload=upload("r.csv", "SKU,Title\nR1,A\nR2,B\n"), actor=actor
    )
    catalog_import = services.import_start(data_import=catalog_import, actor=actor)
    job = catalog_import.job
    assert job is not None
    item = JobItem.objects.get(job=job)
    ImportRows().process_item(job, item)  # a worker that died before recording its result
    run_job(job)
    catalog_import.refresh_from_db()
    assert Product.objects.filter(store=store).count() == 2
    assert catalog_import.created_count + catalog_import.updated_count == 2


def test_the_messy_sample_catalog_imports_its_good_rows(store: Any) -> None:
    from pathlib import Path

    data = (Path(__file__).parents[1] / "data" / "messy_catalog_gb18030.csv").read_bytes()
    catalog_import = import_file(store, "messy_catalog.csv", data)

    assert catalog_import.encoding in ("gbk", "gb18030")
    # 10 rows (a blank line is skipped): 5 good, 5 rejected with their reasons.
    assert (catalog_import.total_rows, catalog_import.valid_rows, catalog_import.error_rows) == (10, 5, 5)
    errors = list(
        ImportRowError.objects.filter(data_import=catalog_import).values_list("row_number", "column")
    )
    assert errors == [(4, "商品名称"), (5, "售价"), (6, "货号"), (7, "货号"), (9, "图片")]
    assert sorted(Product.objects.filter(store=store).values_list("sku", flat=True)) == [
        "CN-001",
        "CN-002",
        "CN-008",
        "CN-009",
        "CN-010",
    ]
    shirt = Product.objects.get(store=store, sku="CN-009")
    assert (shirt.price, shirt.currency, shirt.language, shirt.status) == (
        Decimal("39.50"),
        "USD",
        "en",
        "active",
    )
    tee = Product.objects.get(store=store, sku="CN-001")
    assert (tee.title, tee.currency, tee.image_urls) == (
        "纯棉圆领T恤",
        "CNY",
        ["https://img.example.com/cn-001.jpg"],
    )
    assert Product.objects.get(store=store, sku="CN-010").status == "archived"
    assert Product.objects.get(store=store, sku="CN-008").status == "draft"


@pytest.fixture
def start_validated_by_task(
    store: Any, owner: Any, settings: Any, sent_tasks: Any, django_capture_on_commit_callbacks: Any
) -> Any:
    """``start(name, body)`` starts an import big enough to be validated by a task.

    It returns the import and the list of tasks sent (as ``(name, args, queue)``) so far.
    """
    settings.IMPORT_INLINE_MAX_BYTES = 10

    def start(name: str, body: str) -> tuple[Any, list[tuple[str, tuple[Any, ...], str]]]:
        actor = Actor(user=owner, source="api")
        catalog_import = services.import_create(
            store=store, target=TARGET, upload=upload(name, body), actor=actor
        )
        with django_capture_on_commit_callbacks(execute=True):
            catalog_import = services.import_start(data_import=catalog_import, actor=actor)
        return catalog_import, sent_tasks

    return start


def test_large_files_are_validated_by_a_task(store: Any, owner: Any, start_validated_by_task: Any) -> None:
    import json

    from apps.imports.tasks import import_prepare_task
    from apps.jobs.models import Job

    catalog_import, sent = start_validated_by_task("big.csv", HEADER + "G1,Glass,3,,,\n")
    assert (catalog_import.status, catalog_import.job) == ("validating", None)
    assert sent == [("imports.prepare", (catalog_import.pk, owner.pk, 1), "default")]
    assert import_prepare_task.name == sent[0][0]  # the name the service sends is the task's

    args = json.loads(json.dumps(sent[0][1]))  # as the broker would carry them
    import_prepare_task(*args)
    import_prepare_task(*args)  # delivered twice: the second does nothing
    catalog_import.refresh_from_db()
    assert catalog_import.status == "importing"
    assert Job.objects.filter(store=store, kind="imports.rows").count() == 1
    assert catalog_import.job is not None and catalog_import.job.created_by == owner
    run_job(catalog_import.job)
    assert Product.objects.get(store=store, sku="G1").title == "Glass"


def test_a_refused_large_file_is_reported_on_the_import(store: Any, settings: Any, sent_tasks: Any) -> None:
    from apps.imports.tasks import import_prepare_task

    settings.IMPORT_INLINE_MAX_BYTES = 10
    settings.IMPORT_MAX_ROWS = 1
    catalog_import = services.import_create(
        store=store, target=TARGET, upload=upload("rows.csv", "SKU,Title\nA,a\nB,b\n"), actor=Actor.system()
    )
    services.import_start(data_import=catalog_import, actor=Actor.system())
    import_prepare_task(catalog_import.pk)
    catalog_import.refresh_from_db()
    assert catalog_import.status == "failed" and "more than 1 rows" in catalog_import.error


def test_a_validation_lost_with_its_worker_is_queued_again_and_imports_once(
    store: Any, django_capture_on_commit_callbacks: Any, start_validated_by_task: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from apps.imports.tasks import import_prepare_task
    from apps.jobs.models import Job

    catalog_import, sent = start_validated_by_task("lost.csv", HEADER + "L1,Lamp,3,,,\n")
    sent.clear()  # the worker that took this task died before validating anything

    assert services.import_recover_stale() == []  # not stale yet
    DataImport.objects.filter(pk=catalog_import.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.import_recover_stale() == [catalog_import.pk]
        assert services.import_recover_stale() == []  # claimed: the next beat tick leaves it
    assert sent == [("imports.prepare", (catalog_import.pk, None, 1), "default")]

    import_prepare_task(*sent[0][1])
    import_prepare_task(*sent[0][1])  # the lost task is delivered again as well
    catalog_import.refresh_from_db()
    assert catalog_import.status == "importing"
    assert Job.objects.filter(store=store, kind="imports.rows").count() == 1
    run_job(catalog_import.job)
    assert Product.objects.get(store=store, sku="L1").title == "Lamp"
