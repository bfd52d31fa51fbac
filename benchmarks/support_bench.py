"""Quality and speed of the customer-service knowledge core; writes benchmarks/results/support.md.

Quality: the demo knowledge base in tests/data/support/kb (returns, shipping, warranty, sizing,
payment; Chinese and English) and tests/data/support/faq.json, embedded with multilingual-e5-small
through apps.inference, and the labelled shopper questions in tests/data/support/questions.jsonl
(labelling rules in tests/data/support/README.md). Figures are given for the tuning part (``dev``)
and the held-aside part (``held``) separately; the held-aside part is never used to choose settings.
Two more stores are reported each as its own part, with the same settings and measures
(``OTHER_STORES``; each its own FAQ, policy and questions, written before anything ran on it):
tests/data/support/fresh, a tea shop, whose misses have since guided rule and glossary changes (a
second tuning store now, reported in its own column), and tests/data/support/store3, a
phone-accessories shop, never used for tuning: the check of what a new merchant gets.

Speed: retrieval latency (tokenise the question, BM25, dense cosine over a numpy matrix, fusion) over
10,000 and 100,000 synthetic chunks with random unit vectors of the encoder's 384 dimensions.

    MODELS_CACHE=... python benchmarks/support_bench.py                 # everything (a few minutes)
    MODELS_CACHE=... python benchmarks/support_bench.py --skip-latency  # quality only
    MODELS_CACHE=... python benchmarks/support_bench.py --tune          # grid over settings, dev part only
    MODELS_CACHE=... python benchmarks/support_bench.py --dev-misses    # each dev question handled wrongly
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "support"
RESULTS = ROOT / "benchmarks" / "results"
CACHE = ROOT / "var" / "support_bench_embeddings.npz"
MODEL = "multilingual-e5-small"
sys.path.insert(0, str(ROOT))

from apps.core.text import is_chinese  # noqa: E402
from apps.support.knowledge import (  # noqa: E402
    Chunk,
    HybridRetriever,
    RetrievalSettings,
    chunk_document,
    compose_answer,
    faq_chunk,
    is_supported,
    looks_like_injection,
    parse_document,
    strip_injection,
)
from apps.support.knowledge.chunking import sentences  # noqa: E402
from apps.support.knowledge.orders import is_order_question, lookup_order  # noqa: E402


@dataclass(frozen=True)
class OtherStore:
    """A store written before anything ran on it, reported as its own part."""

    split: str  # its questions' ``split``, and the part's name in the tallies
    path: Path
    label: str  # the results column
    description: str


OTHER_STORES = (
    OtherStore(
        "fresh",
        DATA / "fresh",
        "tea shop (tuned on since)",
        "a tea shop's FAQ and returns and shipping policy; its misses have guided rule changes",
    ),
    OtherStore(
        "store3",
        DATA / "store3",
        "third store (never tuned on)",
        "a phone-accessories shop's FAQ and returns, warranty, shipping and payment policy",
    ),
)


@dataclass
class DemoOrder:
    number: str
    customer_email: str
    customer_phone: str
    status: str = ""
    carrier: str = ""
    tracking: str = ""


def load_knowledge(data: Path = DATA) -> dict[str, Chunk]:
    """Every chunk of a store's knowledge base (``data``: the demo store, or another store's ``path``) by
    its label key: ``<document>/<heading>`` or the FAQ id."""
    chunks: dict[str, Chunk] = {}
    for path in sorted((data / "kb").glob("*.md")):
        parsed = parse_document(path.read_bytes(), filename=path.name)
        for chunk in chunk_document(parsed):
            key = f"{path.stem}/{chunk.heading_path[-1]}"
            chunks[key if key not in chunks else f"{key}#{chunk.ordinal}"] = chunk
    for entry in json.loads((data / "faq.json").read_text(encoding="utf-8")):
        chunks[entry["id"]] = faq_chunk(entry["question"], entry["answer"])
    return chunks


def headings(chunks: dict[str, Chunk], keys: list[str]) -> list[str]:
    """Each chunk's own heading (a section's, or an FAQ entry's question), as the service indexes it."""
    return [chunks[key].heading_path[-1] if chunks[key].heading_path else "" for key in keys]


def load_questions(data: Path = DATA) -> list[dict[str, Any]]:
    lines = (data / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def embed_all(texts: list[str], kind: str) -> np.ndarray:
    """Unit vectors from multilingual-e5-small through apps.inference, cached by text under var/."""
    cache: dict[str, np.ndarray] = dict(np.load(CACHE)) if CACHE.exists() else {}
    keys = [hashlib.sha256(f"{MODEL}|{kind}|{text}".encode()).hexdigest() for text in texts]
    missing = [text for text, key in zip(texts, keys, strict=True) if key not in cache]
    if missing:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.base")
        os.environ.setdefault("INFERENCE_IN_PROCESS", "1")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import django

        django.setup()
        from apps import inference

        vectors = inference.embed(missing, model=MODEL, kind=kind)  # type: ignore[arg-type]
        for text, embedding in zip(missing, vectors, strict=True):
            cache[hashlib.sha256(f"{MODEL}|{kind}|{text}".encode()).hexdigest()] = np.asarray(
                embedding.vector, dtype=np.float32
            )
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        np.savez(CACHE, **cache)  # type: ignore[arg-type]
    return np.stack([cache[key] for key in keys])


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, name: str, ok: bool) -> None:
        self.counts[f"{name}_n"] += 1
        self.counts[name] += int(ok)

    def rate(self, name: str) -> str:
        total = self.counts[f"{name}_n"]
        return f"{self.counts[name] / total:.3f} ({self.counts[name]}/{total})" if total else "n/a"


def _injection_resisted(question: dict[str, Any], answer: Any, chunks: dict[str, Chunk]) -> bool:
    text = answer.text.lower()
    if any(forbidden.lower() in text for forbidden in question.get("forbidden", [])):
        return False
    for sentence in answer.sentences:
        if sentence.kind == "notice":
            continue
        sources = [chunks[key].text for key in sentence.chunk_ids]
        if looks_like_injection(sentence.text) or not any(sentence.text in sentences(s) for s in sources):
            return False
    return True


def evaluate(
    settings: RetrievalSettings,
    chunks: dict[str, Chunk],
    chunk_vectors: np.ndarray,
    questions: list[dict[str, Any]],
    question_vectors: np.ndarray,
    orders: list[DemoOrder],
    misses: list[str] | None = None,
) -> dict[str, Tally]:
    """Tallies by part: ``dev``, ``held`` and ``all`` (the two together) for the demo store, and another
    store's questions under its own ``split``. ``misses`` collects a line for each *dev* question handled
    wrongly."""
    retriever = HybridRetriever(settings=settings)
    keys = list(chunks)
    retriever.add(keys, [chunks[key].search_text for key in keys], chunk_vectors, headings(chunks, keys))
    tallies: dict[str, Tally] = {"dev": Tally(), "held": Tally(), "all": Tally()}
    tallies.update((store.split, Tally()) for store in OTHER_STORES)
    for question, vector in zip(questions, question_vectors, strict=True):
        parts = [tallies[question["split"]]]
        if question["split"] in ("dev", "held"):
            parts.append(tallies["all"])
        text, expect, gold = question["question"], question["expect"], set(question["gold"])
        if is_order_question(text):
            result = lookup_order(orders, text)
            found = result.status == "found"
            probe = lookup_order(orders, text.replace(question.get("order", "") or "\0", "ZZ-99999"))
            leaked = (found and expect != "order_found") or (
                found and result.order.number != question.get("order")
            )
            leaked = leaked or (not found and probe.status != result.status)  # existence must not show
            for tally in parts:
                tally.add("order_correct", expect == ("order_found" if found else "order_refused"))
                tally.counts["order_leaks"] += int(leaked)
            continue
        searched = strip_injection(text)
        hits = retriever.search(searched, vector, k=5) if searched else []
        answer = compose_answer(text, retriever.supporting(hits), chunks)
        cited = set(map(str, answer.cited_chunk_ids))
        if misses is not None and question["split"] == "dev":
            wrong = (expect == "answer" and (answer.handoff or not cited & gold)) or (
                expect == "handoff" and answer.reason != question.get("reason")
            )
            if wrong:
                top = ", ".join(
                    f"{hit.chunk_id} c={hit.confidence:.2f} d={hit.dense:.3f} k={hit.keyword:.2f} "
                    f"h={hit.heading:.2f}"
                    for hit in hits[:3]
                )
                misses.append(
                    f"{question['id']} {expect} -> {answer.reason} {sorted(cited)} | {text} | {top}"
                )
        for tally in parts:
            if expect == "order_found" or expect == "order_refused":
                tally.add("order_correct", False)
            if expect == "answer":
                tally.add("hit@1", bool(hits) and str(hits[0].chunk_id) in gold)
                tally.add("hit@3", any(str(hit.chunk_id) in gold for hit in hits[:3]))
                tally.add("answered_from_gold", not answer.handoff and bool(cited & gold))
                tally.add("false_handoff", answer.handoff)
            if expect == "handoff":
                tally.add("correct_handoff", answer.handoff)
                tally.add("handoff_reason", answer.handoff and answer.reason == question.get("reason"))
            if not answer.handoff:
                supported = all(
                    is_supported(sentence.text, [chunks[str(key)].text for key in sentence.chunk_ids])
                    for sentence in answer.sentences
                    if sentence.kind != "notice"
                )
                tally.add("support_rate", supported and bool(answer.sentences))
            if question["kind"] == "injection":
                tally.add("injection_resisted", _injection_resisted(question, answer, chunks))
            quoted_injection = any(looks_like_injection(sentence.text) for sentence in answer.sentences)
            tally.counts["document_injection_quoted"] += int(quoted_injection)
    return tallies


PARTS = ("held", "dev", "all", *(store.split for store in OTHER_STORES))
QUALITY_ROWS = [
    ("retrieval hit@1 (answerable)", "hit@1"),
    ("retrieval hit@3 (answerable)", "hit@3"),
    ("answered, citing a gold chunk", "answered_from_gold"),
    ("false handoff (answerable handed over)", "false_handoff"),
    ("answer support rate (every sentence supported by its cited chunk)", "support_rate"),
    ("correct refusal/handoff (unanswerable + handoff requests)", "correct_handoff"),
    ("handoff with the labelled reason", "handoff_reason"),
    ("injection resistance", "injection_resisted"),
    ("order questions handled as labelled", "order_correct"),
]


def _features(retriever: HybridRetriever, hits: list[Any], question: str) -> list[list[float]]:
    chinese = is_chinese(question)
    return [
        [
            retriever.scaled_dense(hit.dense, cross_language=retriever._chinese[hit.chunk_id] != chinese),
            hit.keyword,
            hit.heading,
        ]
        for hit in hits
    ]


def cross_language_gap(
    chunks: dict[str, Chunk], chunk_vectors: np.ndarray, texts: list[str], vectors: np.ndarray
) -> float:
    """How much lower the encoder scores a question against passages in the other language: the median,
    over questions, of (best cosine among own-language chunks - best among other-language chunks).
    Uses no labels: it is a property of the encoder over a knowledge base with both languages."""
    chinese_chunks = np.array([is_chinese(chunk.text) for chunk in chunks.values()])
    gaps = []
    for text, vector in zip(texts, vectors, strict=True):
        cosines = chunk_vectors @ vector
        own = chinese_chunks == is_chinese(text)
        gaps.append(float(cosines[own].max() - cosines[~own].max()))
    return round(float(np.median(gaps)), 3)


def fit_logistic(features: np.ndarray, labels: np.ndarray, l2: float = 1e-2) -> np.ndarray:
    """Weights (bias first) of an L2-regularised logistic regression with balanced classes, by Newton."""
    x = np.hstack([np.ones((len(features), 1)), features])
    positives = labels.sum()
    balance = np.where(
        labels > 0, len(labels) / (2 * positives), len(labels) / (2 * (len(labels) - positives))
    )
    weights = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-x @ weights))
        gradient = x.T @ (balance * (p - labels)) + l2 * weights
        hessian = (x.T * (balance * p * (1 - p))) @ x + l2 * np.eye(x.shape[1])
        weights -= np.linalg.solve(hessian, gradient)
    return weights


def tune(
    chunks: Any, chunk_vectors: Any, questions: Any, question_vectors: Any, orders: Any
) -> RetrievalSettings:
    """Settings chosen on the dev part only: the encoder's cross-language cosine gap (no labels), the
    confidence model fitted on the best hit of every dev question that is not an order question
    (labelled 1 when it is a gold chunk), then the fusion and threshold that maximise
    hit@1 + answered-from-gold + correct handoff on dev (the first chooses how hits are ranked, which
    decides what is cited; the other two how often the assistant answers and hands over rightly)."""
    dev = [index for index, question in enumerate(questions) if question["split"] == "dev"]
    dev_questions = [questions[index] for index in dev]
    dev_vectors = question_vectors[dev]
    shift = cross_language_gap(chunks, chunk_vectors, [q["question"] for q in dev_questions], dev_vectors)
    print("cross-language cosine gap (median, dev questions):", shift)
    # Candidates come from reciprocal-rank fusion, which does not depend on the confidence being fitted.
    retriever = HybridRetriever(settings=RetrievalSettings(fusion="rrf", cross_language_shift=shift))
    keys = list(chunks)
    retriever.add(keys, [chunks[key].search_text for key in keys], chunk_vectors, headings(chunks, keys))
    rows: list[list[float]] = []
    labels: list[float] = []
    for question, vector in zip(dev_questions, dev_vectors, strict=True):
        text = strip_injection(question["question"])
        if not text or is_order_question(text) or question["expect"] not in ("answer", "handoff"):
            continue
        if question["expect"] == "handoff" and question.get("reason") != "no_supporting_chunk":
            continue
        hits = retriever.search(text, vector, k=5)
        if not hits:
            continue
        # One example per question, from its best hit: does it answer the question? (An unanswerable
        # question's best hit never does; an answerable one's does when it is a gold chunk.)
        rows += _features(retriever, hits[:1], text)
        labels.append(float(str(hits[0].chunk_id) in question["gold"]))
    weights = fit_logistic(np.array(rows), np.array(labels))
    print(
        "logistic weights (bias, scaled dense, keyword, heading):",
        np.round(weights, 2).tolist(),
    )
    best: tuple[float, RetrievalSettings] | None = None
    for fusion in ("rrf", "weighted"):
        for threshold in np.arange(0.1, 0.91, 0.05):
            settings = RetrievalSettings(
                fusion=fusion,
                cross_language_shift=shift,
                bias=round(float(weights[0]), 2),
                dense_weight=round(float(weights[1]), 2),
                keyword_weight=round(float(weights[2]), 2),
                heading_weight=round(float(weights[3]), 2),
                support_threshold=round(float(threshold), 2),
            )
            counts = evaluate(settings, chunks, chunk_vectors, dev_questions, dev_vectors, orders)[
                "dev"
            ].counts
            score = sum(
                counts[name] / max(1, counts[f"{name}_n"])
                for name in ("hit@1", "answered_from_gold", "correct_handoff")
            )
            print(f"{score:.3f} {fusion} threshold {threshold:.2f}", flush=True)
            if best is None or score > best[0]:
                best = (score, settings)
    assert best is not None
    return best[1]


def kind_list(questions: list[dict[str, Any]]) -> str:
    """``kind count`` for each question kind, by kind name."""
    kinds = Counter(question["kind"] for question in questions)
    return ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))


def synthetic_corpus(count: int, rng: random.Random) -> list[str]:
    english = [
        "return",
        "refund",
        "shipping",
        "delivery",
        "parcel",
        "warranty",
        "size",
        "shoe",
        "shirt",
        "jacket",
        "payment",
        "card",
        "invoice",
        "order",
        "express",
        "customs",
        "duty",
        "exchange",
        "colour",
        "cotton",
        "linen",
        "leather",
        "charger",
        "battery",
        "headphones",
        "watch",
        "bag",
        "store",
        "credit",
        "coupon",
        "discount",
        "address",
        "tracking",
        "carrier",
        "damaged",
        "lost",
        "fee",
        "free",
        "days",
        "business",
        "week",
    ]
    chinese = [
        "退货",
        "退款",
        "运费",
        "快递",
        "包裹",
        "保修",
        "尺码",
        "鞋子",
        "衬衫",
        "外套",
        "支付",
        "发票",
        "订单",
        "关税",
        "换货",
        "颜色",
        "棉",
        "皮革",
        "充电器",
        "电池",
        "耳机",
        "手表",
    ]
    corpus = []
    for _ in range(count):
        if rng.random() < 0.5:
            corpus.append(" ".join(rng.choices(english, k=rng.randint(25, 80))))
        else:
            corpus.append("，".join("".join(rng.choices(chinese, k=rng.randint(3, 8))) for _ in range(8)))
    return corpus


def clustered_vectors(count: int, rng: np.random.Generator, centres: np.ndarray) -> np.ndarray:
    """Unit vectors around topic centres (real embeddings cluster by topic; uniform random ones do not,
    which would make any inverted file look worse and any exact scan look the same)."""
    picked = centres[rng.integers(0, len(centres), count)]
    vectors = picked + 0.04 * rng.standard_normal((count, centres.shape[1]), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def latency(size: int, queries: int = 300, dimensions: int = 384) -> dict[str, Any]:
    rng = random.Random(size)
    generator = np.random.default_rng(size)
    texts = synthetic_corpus(size, rng)
    centres = generator.standard_normal((max(50, size // 50), dimensions), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    vectors = clustered_vectors(size, generator, centres)
    retriever = HybridRetriever()
    started = time.perf_counter()
    retriever.add(list(range(size)), texts, vectors)
    retriever.search("warm up", vectors[0], k=5)  # builds the BM25 index (and the inverted file)
    build = time.perf_counter() - started
    query_texts = ["how long does a refund take", "退款多久到账", "shipping to canada fee", "鞋子尺码偏小吗"]
    query_vectors = clustered_vectors(queries, generator, centres)
    timings, exact_timings, recall = [], [], []
    index = retriever.vectors
    for position, vector in enumerate(query_vectors):
        started = time.perf_counter()
        retriever.search(query_texts[position % len(query_texts)] + f" {position}", vector, k=5)
        timings.append((time.perf_counter() - started) * 1000)
        found = {chunk_id for chunk_id, _ in index.search(vector, 5)}
        started = time.perf_counter()
        exact = {chunk_id for chunk_id, _ in index.search(vector, 5, exact=True)}  # type: ignore[call-arg]
        exact_timings.append((time.perf_counter() - started) * 1000)
        recall.append(len(found & exact) / 5)
    timings.sort()
    exact_timings.sort()
    return {
        "chunks": size,
        "queries": queries,
        "index_build_s": round(build, 1),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * len(timings)) - 1], 2),
        "max_ms": round(timings[-1], 2),
        "dense_recall_at_5": round(float(np.mean(recall)), 3),
        "exact_dense_p95_ms": round(exact_timings[int(0.95 * len(exact_timings)) - 1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--tune", action="store_true", help="grid search on the dev part and print the best")
    parser.add_argument(
        "--dev-misses", action="store_true", help="print each dev question handled wrongly, write nothing"
    )
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    command = "MODELS_CACHE=/work/main/models_cache .venv/bin/python benchmarks/support_bench.py " + " ".join(
        sys.argv[1:]
    )
    lines = [
        "# Customer-service knowledge benchmark",
        "",
        f"Command: `{command.strip()}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}",
        "",
    ]
    if not args.skip_quality:
        chunks = load_knowledge()
        questions = load_questions()
        orders = [
            DemoOrder(**order) for order in json.loads((DATA / "orders.json").read_text(encoding="utf-8"))
        ]
        chunk_vectors = embed_all([chunk.search_text for chunk in chunks.values()], "passage")
        question_vectors = embed_all([question["question"] for question in questions], "query")
        settings = RetrievalSettings()
        if args.tune:
            settings = tune(chunks, chunk_vectors, questions, question_vectors, orders)
            print("best on dev:", settings)
            return
        if args.dev_misses:
            misses: list[str] = []
            dev_only = [index for index, question in enumerate(questions) if question["split"] == "dev"]
            dev = evaluate(
                settings,
                chunks,
                chunk_vectors,
                [questions[index] for index in dev_only],
                question_vectors[dev_only],
                orders,
                misses,
            )["dev"]
            print("\n".join(misses) or "no dev misses")
            print("\n".join(f"{label}: {dev.rate(name)}" for label, name in QUALITY_ROWS))
            return
        tallies = evaluate(settings, chunks, chunk_vectors, questions, question_vectors, orders)
        splits = Counter(question["split"] for question in questions)
        lines += [
            "## Quality",
            "",
            f"Knowledge base: {len(chunks)} chunks (tests/data/support/kb, faq.json); embeddings: {MODEL} "
            f"through apps.inference. Questions: {len(questions)} (dev {splits['dev']}, held-aside "
            f"{splits['held']}); kinds: {kind_list(questions)}.",
            "",
        ]
        for store in OTHER_STORES:
            store_chunks = load_knowledge(store.path)
            store_questions = load_questions(store.path)
            tallies[store.split] = evaluate(
                settings,
                store_chunks,
                embed_all([chunk.search_text for chunk in store_chunks.values()], "passage"),
                store_questions,
                embed_all([question["question"] for question in store_questions], "query"),
                [],
            )[store.split]
            lines += [
                f"Column `{store.label}`: {len(store_chunks)} chunks "
                f"(tests/data/support/{store.path.name}: {store.description}), {len(store_questions)} "
                f"questions; kinds: {kind_list(store_questions)}.",
                "",
            ]
        lines += [
            f"Settings: `{asdict(settings)}`",
            "",
            "| measure | held-aside | dev | all (held + dev) | "
            + " | ".join(store.label for store in OTHER_STORES)
            + " |",
            "|---" * len(PARTS) + "|---|",
        ]
        for label, name in QUALITY_ROWS:
            cells = [tallies[part].rate(name) for part in PARTS]
            lines.append(f"| {label} | {' | '.join(cells)} |")
        for label, name in [
            ("order-leak count", "order_leaks"),
            ("document injection quoted", "document_injection_quoted"),
        ]:
            lines.append(f"| {label} | {' | '.join(str(tallies[part].counts[name]) for part in PARTS)} |")
        lines += [
            "",
            "Goals on the held-aside part: hit@3 >= 0.9, correct refusal/handoff >= 0.9, "
            "injection resistance "
            "1.0, order leaks 0.",
            "",
        ]
        print("\n".join(lines), flush=True)
    if not args.skip_latency:
        lines += [
            "## Retrieval latency",
            "",
            "One `HybridRetriever.search` (tokenise, BM25 via bm25s, dense cosine over a numpy "
            "float32 matrix, "
            "fusion, top 5) over synthetic zh/en chunks whose 384-dimension unit vectors cluster around "
            "topic centres (one per 50 chunks); one process, warm index. Up to 20,000 vectors the dense "
            "scan is exact; above, an inverted file scans about 10% of them (recall against the exact "
            "scan in its own column). The machine is shared: the load average is recorded below. "
            "Goals: p95 <= 50 ms at 10,000 chunks, <= 150 ms at 100,000.",
            "",
            "| chunks | queries | index build (s) | p50 (ms) | p95 (ms) | max (ms) | dense recall@5 vs exact "
            "| exact dense scan alone, p95 (ms) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for size in [int(value) for value in args.sizes.split(",") if value]:
            result = latency(size)
            print(result, flush=True)
            lines.append(
                f"| {result['chunks']:,} | {result['queries']} | {result['index_build_s']} "
                f"| {result['p50_ms']} "
                f"| {result['p95_ms']} | {result['max_ms']} | {result['dense_recall_at_5']} "
                f"| {result['exact_dense_p95_ms']} |"
            )
        lines += ["", f"Load average after the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.", ""]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "support.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS / 'support.md'}")


if __name__ == "__main__":
    main()
