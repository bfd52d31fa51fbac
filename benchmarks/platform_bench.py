# ruff: noqa: E501  (generated rows read best one per line)
"""Platform files benchmark: a large Shopify export and WooCommerce export through the import, then the way back.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecomai .venv/bin/python benchmarks/platform_bench.py
        [--products 5000]

A Shopify product CSV of ``--products`` products (three variants and one extra image row each, an HTML
body with a line break, 1% broken variant rows) and a WooCommerce CSV of as many variable products (three
variations each, Parent by id) are uploaded, validated and imported through the services and job code the
dashboard uses (the job's chunks run in this process), into the database. Then every product gets an approved
description and the Shopify export is read back through the import: the share of handles and bodies that come
back the same is the round trip's figure. Writes benchmarks/results/platforms.json and platforms.md.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.base")
os.environ.setdefault("DEBUG", "False")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import UploadedFile  # noqa: E402
from django.db import connection  # noqa: E402

from apps.accounts.actor import Actor  # noqa: E402
from apps.accounts.models import Merchant, Store  # noqa: E402
from apps.catalog.models import Description, DescriptionStatus, DescriptionVersion, Product, Variant  # noqa: E402
from apps.catalog.platforms.exports import FORMATS, export_lines  # noqa: E402
from apps.imports import services as import_services  # noqa: E402
from apps.imports.models import DataImport  # noqa: E402
from apps.imports.validation import validate_rows  # noqa: E402
from apps.jobs.models import Job  # noqa: E402
from apps.jobs.services import job_process_chunk  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SHOPIFY = ["Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
           "Option1 Name", "Option1 Value", "Variant SKU", "Variant Grams", "Variant Inventory Qty",
           "Variant Price", "Variant Compare At Price", "Variant Barcode", "Image Src", "Image Position",
           "SEO Title", "SEO Description", "Status"]  # fmt: skip
WOO = ["ID", "Type", "SKU", "Name", "Published", "Description", "Stock", "Weight (kg)", "Sale price",
       "Regular price", "Categories", "Images", "Parent", "Attribute 1 name", "Attribute 1 value(s)",
       "Attribute 2 name", "Attribute 2 value(s)"]  # fmt: skip


def write_shopify(path: Path, products: int) -> int:
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SHOPIFY)
        writer.writeheader()
        for n in range(products):
            handle_name = f"wool-socks-{n}"
            for position, size in enumerate(("S", "M", "L")):
                row = {"Handle": handle_name, "Option1 Value": size, "Variant SKU": f"WS-{n}-{size}",
                       "Variant Grams": "90", "Variant Inventory Qty": str(n % 40),
                       "Variant Price": "bad" if n % 100 == 7 and size == "L" else f"{18 + n % 5}.00",
                       "Variant Barcode": f"40{n:010d}{position}"}  # fmt: skip
                if position == 0:
                    row.update({"Title": f"Wool Socks {n}", "Body (HTML)": f"<p>Warm socks no. {n}.\nSoft.</p>",
                                "Vendor": "Trailknit", "Product Category": "Apparel > Socks", "Type": "Socks",
                                "Tags": "wool, winter", "Published": "TRUE", "Option1 Name": "Size",
                                "Image Src": f"https://cdn.example.com/{n}-1.jpg", "Image Position": "1",
                                "SEO Title": f"Wool socks {n}", "SEO Description": "Warm.", "Status": "active"})  # fmt: skip
                writer.writerow(row)
                rows += 1
            writer.writerow({"Handle": handle_name, "Image Src": f"https://cdn.example.com/{n}-2.jpg",
                             "Image Position": "2"})  # fmt: skip
            rows += 1
    return rows


def write_woocommerce(path: Path, products: int) -> int:
    rows = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=WOO)
        writer.writeheader()
        for n in range(products):
            parent = 100_000 + n * 4
            writer.writerow({"ID": parent, "Type": "variable", "SKU": f"HOOD-{n}", "Name": f"Hoodie {n}",
                             "Published": "1", "Description": f"<p>Fleece hoodie {n}.</p>",
                             "Categories": "Clothing > Hoodies", "Images": f"https://shop.example.com/{n}.jpg",
                             "Attribute 1 name": "Size", "Attribute 1 value(s)": "S, M, L",
                             "Attribute 2 name": "Material", "Attribute 2 value(s)": "Recycled polyester"})  # fmt: skip
            for offset, size in enumerate(("S", "M", "L"), start=1):
                writer.writerow({"ID": parent + offset, "Type": "variation", "SKU": f"HOOD-{n}-{size}",
                                 "Name": f"Hoodie {n} - {size}", "Published": "1", "Stock": "5",
                                 "Weight (kg)": "0.6", "Regular price": "59", "Sale price": "49" if size == "M" else "",
                                 "Parent": f"id:{parent}", "Attribute 1 name": "Size", "Attribute 1 value(s)": size})  # fmt: skip
            rows += 4
    return rows


def make_store(name: str) -> Store:
    merchant = Merchant.objects.create(name=f"bench {name} {time.time():.0f}")
    return Store.objects.create(merchant=merchant, name=name, slug=f"bench-{time.time_ns()}", currency="USD")


def run_import(store: Store, path: Path) -> tuple[DataImport, dict[str, float]]:
    actor = Actor.cli()
    started = time.perf_counter()
    with path.open("rb") as handle:
        upload = UploadedFile(file=handle, name=path.name, size=path.stat().st_size)
        data_import = import_services.import_create(
            store=store, target="catalog.products", upload=upload, actor=actor
        )
    uploaded = time.perf_counter()
    data_import = import_services.import_start(data_import=data_import, actor=actor)
    validated = time.perf_counter()
    assert data_import.job is not None
    while Job.objects.get(pk=data_import.job.pk).is_active:
        job_process_chunk(job_id=data_import.job.pk)
    finished = time.perf_counter()
    data_import.refresh_from_db()
    return data_import, {
        "upload_seconds": round(uploaded - started, 2),
        "validate_seconds": round(validated - uploaded, 2),
        "upsert_seconds": round(finished - validated, 2),
        "total_seconds": round(finished - started, 2),
    }


def validate_peak_mb(data_import: DataImport) -> float:
    """Python's peak allocation while validating the same file once more (no job is created)."""
    gc.collect()
    tracemalloc.start()
    _blocks, _counts, _fields, spool = validate_rows(data_import)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    from django.core.files.storage import default_storage

    default_storage.delete(spool)
    return round(peak / 1_048_576, 1)


def bench_file(kind: str, products: int, directory: Path) -> dict[str, Any]:
    store = make_store(kind)
    path = directory / f"{kind}.csv"
    rows = (write_shopify if kind == "shopify" else write_woocommerce)(path, products)
    data_import, times = run_import(store, path)
    result = {
        "format": kind,
        "detected": data_import.profile,
        "rows": rows,
        "file_mb": round(path.stat().st_size / 1_048_576, 1),
        "valid_rows": data_import.valid_rows,
        "error_rows": data_import.error_rows,
        "products": Product.objects.filter(store=store).count(),
        "variants": Variant.objects.filter(store=store).count(),
        **times,
        "rows_per_second": round(rows / times["total_seconds"]),
        "validate_pass_python_peak_mb": validate_peak_mb(data_import),
    }
    if kind == "shopify":
        result.update(round_trip(store, directory))
    Merchant.objects.filter(pk=store.merchant_id).delete()
    return result


def round_trip(store: Store, directory: Path) -> dict[str, Any]:
    """Approve a description for every product, export the Shopify file, read it back into a new store."""
    products = list(Product.objects.filter(store=store))
    descriptions = Description.objects.bulk_create(
        Description(store=store, product=product, language="en", status=DescriptionStatus.APPROVED)
        for product in products
    )
    versions = DescriptionVersion.objects.bulk_create(
        DescriptionVersion(
            description=description,
            number=1,
            text=f"Warm & soft <wool> socks, no. {product.sku}.\n\n- Reinforced heel\n- Size {product.pk}",
            status=DescriptionStatus.APPROVED,
        )
        for description, product in zip(descriptions, products, strict=True)
    )
    for description, version in zip(descriptions, versions, strict=True):
        description.current_version = description.approved_version = version
    Description.objects.bulk_update(descriptions, ["current_version", "approved_version"], batch_size=1000)
    started = time.perf_counter()
    path = directory / "shopify-export.csv"
    with path.open("wb") as handle:
        for chunk in export_lines(FORMATS["shopify"], Product.objects.filter(store=store)):
            handle.write(chunk)
    exported = time.perf_counter() - started
    with path.open(encoding="utf-8", newline="") as text:
        sent = {row["Handle"]: row["Body (HTML)"] for row in csv.DictReader(text)}
    other = make_store("round trip")
    data_import, _times = run_import(other, path)
    back = dict(Product.objects.filter(store=other).values_list("sku", "published_html"))
    same = sum(1 for handle, body in sent.items() if back.get(handle) == body)
    Merchant.objects.filter(pk=other.merchant_id).delete()
    return {
        "export_seconds": round(exported, 2),
        "exported_products": len(sent),
        "round_trip_same_handle_and_body": f"{same}/{len(sent)}",
        "round_trip_detected": data_import.profile,
    }


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Platform files benchmark",
        "",
        f"Command: `{results['command']}`",
        "",
        f"Machine: {results['machine']}; database: {results['database']}; {results['date']}.",
        "",
        "| format | detected | rows | MB | valid | errors | products | variants | validate s | upsert s | total s | rows/s | validate peak MB (Python) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in results["imports"]:
        lines.append(
            f"| {r['format']} | {r['detected']} | {r['rows']} | {r['file_mb']} | {r['valid_rows']} | {r['error_rows']} "
            f"| {r['products']} | {r['variants']} | {r['validate_seconds']} | {r['upsert_seconds']} "
            f"| {r['total_seconds']} | {r['rows_per_second']} | {r['validate_pass_python_peak_mb']} |"
        )
    shopify = next(r for r in results["imports"] if r["format"] == "shopify")
    lines += [
        "",
        f"Round trip (Shopify): {shopify['exported_products']} approved descriptions exported in "
        f"{shopify['export_seconds']} s; read back through the import (detected as {shopify['round_trip_detected']}), "
        f"{shopify['round_trip_same_handle_and_body']} products came back with the same handle and body.",
        "",
        "The 1% broken Shopify rows are variant rows whose price is not a number: each is reported and its "
        "product is imported with its other variants.",
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=5000)
    args = parser.parse_args()
    settings.IMPORT_INLINE_MAX_BYTES = 1 << 40  # validate here, so it can be timed
    with tempfile.TemporaryDirectory() as directory:
        settings.MEDIA_ROOT = Path(directory) / "media"
        imports = [bench_file(kind, args.products, Path(directory)) for kind in ("shopify", "woocommerce")]
    results = {
        "command": " ".join(["python benchmarks/platform_bench.py", *sys.argv[1:]]),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "database": connection.vendor,
        "date": time.strftime("%Y-%m-%d"),
        "imports": imports,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "platforms.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "platforms.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
