"""The import target registry: each module registers what its files carry; the pipeline is shared."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.accounts.models import AuditEvent, Store
from apps.catalog.fields import IMPORT_FIELD_NAMES, PRODUCT_FIELD_NAMES
from apps.catalog.imports import ProductImport
from apps.core.errors import ApplicationError
from apps.imports import services
from apps.imports.targets import (
    IGNORE,
    ImportField,
    ImportTarget,
    RowResult,
    WriteCounts,
    _registry,
    get_import_target,
    register_import_target,
)
from tests.catalog.helpers import run_job, upload


def test_the_catalog_registers_its_products_target() -> None:
    target = get_import_target("catalog.products")
    assert isinstance(target, ProductImport)
    # the one list of product fields, then what an import reads besides (variants, the current description)
    assert target.field_names == PRODUCT_FIELD_NAMES + IMPORT_FIELD_NAMES
    assert (target.key_field, target.audit_prefix, target.attribute_columns) == ("sku", "catalog", True)
    assert [spec.name for spec in target.fields if spec.required] == ["sku", "title"]


def test_an_unknown_target_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match=r"no\.such"):
        get_import_target("no.such")


def test_a_target_needs_a_name() -> None:
    class Nameless(ImportTarget):
        pass

    with pytest.raises(ValueError, match="Nameless"):
        register_import_target(Nameless)


def test_auto_mapping_knows_english_and_chinese_headers() -> None:
    target = get_import_target("catalog.products")
    headers = ["货号", "商品名称", "售价", "规格", "描述", "attr: colour", "属性：产地", "SKU"]
    assert target.auto_mapping(headers) == {
        "货号": "sku",
        "商品名称": "title",
        "售价": "price",
        "规格": "attribute:规格",  # an unknown column is kept as an attribute
        "描述": "description",  # an existing description: kept as published text, never a fact
        "attr: colour": "attribute:colour",
        "属性：产地": "attribute:产地",
        "SKU": "attribute:SKU",  # a second SKU column does not take the field again
    }


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"Code": "sku", "Name": "title", "Extra": "brand"}, "not in the file"),
        ({"Code": "sku", "Name": "title", "Notes": "colour"}, "unknown field"),
        ({"Code": "sku", "Name": "title", "Notes": "title"}, "both mapped to title"),
        ({"Code": "sku", "Name": "brand"}, "title; it is required"),
        ({"Code": "sku", "Name": "title", "Notes": "attribute:" + "x" * 65}, "attribute names"),
        ({"Code": "sku", "Name": "title", "Notes": "attribute: "}, "attribute names"),
    ],
)
def test_validate_mapping_refuses_what_cannot_be_imported(mapping: dict[str, str], message: str) -> None:
    target = get_import_target("catalog.products")
    with pytest.raises(ApplicationError, match=message) as raised:
        target.validate_mapping(headers=["Code", "Name", "Notes"], mapping=mapping)
    assert raised.value.code == "invalid_mapping"


def test_validate_mapping_completes_the_mapping_with_ignored_columns() -> None:
    target = get_import_target("catalog.products")
    mapping = target.validate_mapping(
        headers=["Code", "Name", "Notes"], mapping={"Code": "sku", "Name": "title"}
    )
    assert mapping == {"Code": "sku", "Name": "title", "Notes": IGNORE}


# --- another module's target runs through the same pipeline ---------------------------------------

WRITTEN: list[dict[str, Any]] = []


class _NoteRows:
    fields = {"code", "text"}

    def __init__(self, headers: list[str], mapping: dict[str, str]) -> None:
        self.columns = {mapping[header]: index for index, header in enumerate(headers)}

    def validate(self, cells: list[str]) -> RowResult:
        values = {name: cells[index].strip() for name, index in self.columns.items() if name != IGNORE}
        if not values.get("text"):
            return RowResult(values=None, errors=[("Text", "Required; the cell is empty.")])
        return RowResult(values=values, key=values["code"])


class NoteImport(ImportTarget):
    name = "tests.notes"
    label = "Notes"
    audit_prefix = "tests"
    fields = (
        ImportField("code", "Code", required=True, synonyms=("code", "编号")),
        ImportField("text", "Text", synonyms=("text", "内容")),
    )
    key_field = "code"
    key_label = "code"

    def row_validator(self, *, store: Store, headers: list[str], mapping: dict[str, str]) -> _NoteRows:
        return _NoteRows(headers, mapping)

    def write_rows(self, *, store: Store, rows: list[dict[str, Any]], fields: Sequence[str]) -> WriteCounts:
        WRITTEN.extend(rows)
        return WriteCounts(created=len(rows))


@pytest.fixture
def notes_target(settings: Any, tmp_path: Any) -> Iterator[ImportTarget]:
    settings.MEDIA_ROOT = tmp_path / "media"
    register_import_target(NoteImport)
    WRITTEN.clear()
    yield get_import_target("tests.notes")
    _registry.pop("tests.notes", None)


@pytest.mark.django_db
def test_a_new_modules_target_gets_upload_mapping_errors_and_the_job(store: Any, notes_target: Any) -> None:
    actor = Actor.system()
    data = "编号,内容,备注\nN1,First note,x\nN2,,y\nN1,Again,z\nN3,第三条,\n"
    data_import = services.import_create(
        store=store, target="tests.notes", upload=upload("notes.csv", data), actor=actor
    )
    assert data_import.column_mapping == {"编号": "code", "内容": "text", "备注": IGNORE}
    data_import = services.import_start(data_import=data_import, actor=actor)
    assert data_import.job is not None
    run_job(data_import.job)
    data_import.refresh_from_db()
    assert (
        data_import.status,
        data_import.valid_rows,
        data_import.error_rows,
        data_import.created_count,
    ) == (
        "finished",
        2,
        2,
        2,
    )
    assert WRITTEN == [{"code": "N1", "text": "First note"}, {"code": "N3", "text": "第三条"}]
    reasons = list(data_import.row_errors.values_list("row_number", "column", "reason"))
    assert reasons[0] == (3, "Text", "Required; the cell is empty.")
    assert reasons[1][:2] == (4, "编号") and "Duplicate code 'N1'" in reasons[1][2]
    actions = set(AuditEvent.objects.filter(store=store).values_list("action", flat=True))
    assert {"tests.import_uploaded", "tests.import_validated", "tests.import_finished"} <= actions
