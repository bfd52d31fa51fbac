"""Drafts for the description-quality set, written by the store's default generator (gemma-3-270m).

    MODELS_CACHE=/work/main/models_cache .venv/bin/python benchmarks/description_drafts.py \
        --pipeline before --out tests/data/descriptions/drafts_before.json [--split all|heldout]

``before`` is the catalog's drafting as it was before content planning: one few-shot prompt per
product, ``--candidates`` candidates in one batched call per ``--batch`` products, reranked by the
closed-list grounding check, the best kept. ``after`` is the planned drafting as
apps.catalog.services.drafting runs it (apps.catalog.text.planning). The file records
every kept draft, the candidates, and the seconds each batch took (products per minute).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecomai.settings.base")
os.environ.setdefault("INFERENCE_IN_PROCESS", "1")
os.environ.setdefault("DEBUG", "False")

import django  # noqa: E402

django.setup()

from description_set import facts_of  # noqa: E402

from apps import inference  # noqa: E402
from apps.catalog import generation  # noqa: E402
from apps.catalog.generation import TEMPERATURE, TOP_P  # noqa: E402
from apps.catalog.text.drafts import Draft, drafts_plan, drafts_score  # noqa: E402
from apps.catalog.text.options import GenerationOptions  # noqa: E402
from apps.catalog.text.planning import build_planned_prompt, planned_max_new_tokens  # noqa: E402
from apps.catalog.text.prompting import build_prompt, max_new_tokens, stop_strings  # noqa: E402

PRODUCTS = ROOT / "tests" / "data" / "descriptions" / "products.json"


def generate_before(group: list[dict[str, Any]], options: GenerationOptions) -> list[dict[str, Any]]:
    prompts = [build_prompt(facts_of(entry), options) for entry in group]
    requests = [
        inference.GenerationRequest(
            prompt=prompt.text,
            max_new_tokens=max_new_tokens(options),
            temperature=TEMPERATURE,
            top_p=TOP_P,
            stop=stop_strings(options.language),
            n=options.candidates,
            seed=options.seed,
        )
        for prompt in prompts
    ]
    generations = inference.generate(requests)
    out = []
    for entry, prompt, generated in zip(group, prompts, generations, strict=True):
        drafts = [Draft(text=choice.text, finish_reason=choice.finish_reason) for choice in generated.choices]
        scored = drafts_score(prompt=prompt, options=options, drafts=drafts)
        out.append({"sku": entry["sku"], "text": scored[0].text, "candidates": [d.text for d in scored]})
    return out


def generate_after(group: list[dict[str, Any]], options: GenerationOptions) -> list[dict[str, Any]]:
    """The catalog's drafting as the services run it: planned prompt, one batched call, planning."""
    prompts = [build_planned_prompt(facts_of(entry), options) for entry in group]
    batch = generation.drafts_generate(
        prompts=[prompt.text for prompt in prompts],
        options=options,
        store=None,
        max_tokens=[planned_max_new_tokens(prompt.facts, options) for prompt in prompts],
    )
    out = []
    for entry, prompt, drafts in zip(group, prompts, batch.drafts, strict=True):
        scored = drafts_plan(prompt=prompt, options=options, drafts=drafts)
        out.append(
            {
                "sku": entry["sku"],
                "text": scored[0].text,
                "spans": scored[0].spans,
                "rejected": scored[0].rejected,
                "candidates": [draft.text for draft in scored[1:]],
            }
        )
    return out


def reassemble(source: Path, out_path: Path) -> None:
    """The planned drafting's assembly re-run on the candidates a run of ``--pipeline after`` stored.

    Generation is unchanged (same prompt, seed and model), so the stored candidates are what the model
    writes for these products; only the checking and assembly that pick the kept text run again, with
    the code as it is now. Batch seconds are carried over (the assembly costs milliseconds a product)."""
    data = json.loads(source.read_text(encoding="utf-8"))
    settings = data["settings"]
    products = {e["sku"]: e for e in json.loads(PRODUCTS.read_text(encoding="utf-8"))["products"]}
    drafts = {}
    for sku, entry in data["drafts"].items():
        product = products[sku]
        options = GenerationOptions(
            language=product["language"],
            target_length=int(settings["target_length"]),
            candidates=int(settings["candidates"]),
            seed=7,
        )
        prompt = build_planned_prompt(facts_of(product), options)
        raw = [Draft(text=text, finish_reason="stop") for text in entry["candidates"]]
        scored = drafts_plan(prompt=prompt, options=options, drafts=raw)
        drafts[sku] = {
            "sku": sku,
            "text": scored[0].text,
            "spans": scored[0].spans,
            "rejected": scored[0].rejected,
            "candidates": entry["candidates"],
        }
    settings = {**settings, "reassembled_from": source.name}
    result = {"drafts": drafts, "batches": data["batches"], "settings": settings}
    out_path.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(drafts)} drafts reassembled into {out_path}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pipeline", choices=["before", "after"])
    parser.add_argument("--out", required=True)
    parser.add_argument("--reassemble", help="a drafts file of --pipeline after: re-run only the assembly")
    parser.add_argument("--split", choices=["all", "heldout", "tune"], default="all")
    parser.add_argument("--candidates", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--target-length", type=int, default=80)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    if args.reassemble:
        reassemble(Path(args.reassemble), Path(args.out))
        return
    if not args.pipeline:
        parser.error("--pipeline is required")
    products = json.loads(PRODUCTS.read_text(encoding="utf-8"))["products"]
    if args.split != "all":
        products = [entry for entry in products if entry["split"] == args.split]
    if args.limit:
        products = products[: args.limit]
    out_path = Path(args.out)
    done: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8")) if out_path.exists() else {}
    done.setdefault("drafts", {})
    done.setdefault("batches", [])
    done["settings"] = {
        "pipeline": args.pipeline,
        "candidates": args.candidates,
        "batch": args.batch,
        "target_length": args.target_length,
        "format": "paragraph",
        "seed": 7,
        "model": inference.resolve_model(None, task="generate").key,
        "cpu_threads": os.cpu_count(),
    }
    run = generate_before if args.pipeline == "before" else generate_after
    # Tuning products first, languages taking turns, so the first drafts can be labelled while the rest run.
    batches = []
    for split in ("tune", "heldout"):
        per_language = {
            language: [
                e
                for e in products
                if e["language"] == language and e["split"] == split and e["sku"] not in done["drafts"]
            ]
            for language in ("en", "zh")
        }
        for start in range(0, max(map(len, per_language.values())), args.batch):
            for language, todo in per_language.items():
                if todo[start : start + args.batch]:
                    batches.append((language, todo[start : start + args.batch]))
    for language, group in batches:
        options = GenerationOptions(
            language=language, target_length=args.target_length, candidates=args.candidates, seed=7
        )
        began = time.perf_counter()
        results = run(group, options)
        seconds = time.perf_counter() - began
        for result in results:
            done["drafts"][result["sku"]] = result
        done["batches"].append({"language": language, "products": len(group), "seconds": round(seconds, 2)})
        out_path.write_text(json.dumps(done, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{language} {len(done['drafts'])}/{len(products)} {seconds:.1f}s", flush=True)


if __name__ == "__main__":
    main()
