"""The customer-service benchmark's labelled stores, read with the benchmark's own loaders: every question
has the fields its ``expect`` needs and every gold id names a chunk of its own store's knowledge base, so a
mislabelled question fails here instead of counting as a retrieval miss. Parsing only: no encoder, no
retrieval, no database."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH_PATH = Path(__file__).parents[2] / "benchmarks" / "support_bench.py"
EXPECTS = {"answer", "handoff", "order_found", "order_refused", "resist"}
REASONS = {
    "no_supporting_chunk",
    "human_requested",
    "money_complaint",
    "safety_complaint",
    "legal_complaint",
}


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("support_bench", BENCH_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bench = _bench()
# (store directory, the splits its questions may carry): the demo store, then each other store.
STORES = [(bench.DATA, {"dev", "held"})] + [(store.path, {store.split}) for store in bench.OTHER_STORES]
STORE_IDS = ["demo"] + [store.split for store in bench.OTHER_STORES]


@pytest.fixture(params=STORES, ids=STORE_IDS)
def store(request: Any) -> tuple[Path, set[str], dict[str, Any], list[dict[str, Any]]]:
    path, splits = request.param
    return path, splits, bench.load_knowledge(path), bench.load_questions(path)


def test_every_gold_id_names_a_chunk_of_its_store(store: Any) -> None:
    _path, _splits, chunks, questions = store
    missing = [
        (question["id"], gold) for question in questions for gold in question["gold"] if gold not in chunks
    ]
    assert missing == []


def test_every_section_is_one_chunk_so_a_gold_label_names_all_of_it(store: Any) -> None:
    # A section longer than a chunk gets a second key ("<doc>/<heading>#<n>") that no label names.
    _path, _splits, chunks, _questions = store
    assert [key for key in chunks if "#" in key] == []


def test_faq_ids_are_unique_and_never_shadow_a_section(store: Any) -> None:
    path, _splits, chunks, _questions = store
    faq_ids = [entry["id"] for entry in json.loads((path / "faq.json").read_text(encoding="utf-8"))]
    sections = [key for key in chunks if "/" in key]
    assert len(set(faq_ids)) == len(faq_ids)
    assert not set(faq_ids) & set(sections)
    assert len(chunks) == len(faq_ids) + len(sections)


def test_every_question_has_the_fields_its_expect_needs(store: Any) -> None:
    path, splits, _chunks, questions = store
    orders_file = path / "orders.json"
    order_numbers = (
        {order["number"] for order in json.loads(orders_file.read_text(encoding="utf-8"))}
        if orders_file.exists()
        else set()
    )
    problems = []
    for question in questions:
        name = question.get("id", question)
        texts = [question.get(key) for key in ("id", "kind", "question")]
        if not all(isinstance(text, str) and text for text in texts):
            problems.append((name, "id, kind and question must be non-empty strings"))
        if question.get("expect") not in EXPECTS:
            problems.append((name, f"expect {question.get('expect')!r}"))
        if question.get("split") not in splits:
            problems.append((name, f"split {question.get('split')!r} is not one of {sorted(splits)}"))
        if not isinstance(question.get("gold"), list):
            problems.append((name, "gold must be a list"))
            continue
        expect = question["expect"]
        if (expect == "answer") != bool(question["gold"]):
            problems.append((name, "gold must be given exactly when expect is answer"))
        if (expect == "handoff") != ("reason" in question):
            problems.append((name, "reason must be given exactly when expect is handoff"))
        if expect == "handoff" and question["reason"] not in REASONS:
            problems.append((name, f"reason {question['reason']!r}"))
        if expect == "order_found" and question.get("order") not in order_numbers:
            problems.append((name, "an order_found question names one of its store's orders"))
        if question["kind"] == "injection" and not isinstance(question.get("forbidden"), list):
            problems.append((name, "an injection lists the strings that would show it was obeyed"))
    assert problems == []


def test_question_ids_are_unique_across_every_store() -> None:
    ids = [question["id"] for path, _splits in STORES for question in bench.load_questions(path)]
    assert len(ids) == len(set(ids))


def test_the_third_store_is_bilingual_with_every_handoff_reason_in_both_languages() -> None:
    from apps.core.text import is_chinese

    questions = bench.load_questions(bench.DATA / "store3")
    reasons = {
        (question["reason"], is_chinese(question["question"]))
        for question in questions
        if question["expect"] == "handoff"
    }
    assert reasons == {(reason, chinese) for reason in REASONS for chinese in (False, True)}
    assert len(questions) >= 60
