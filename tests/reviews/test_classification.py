"""Classification as a job: new reviews gathered into one job, sentiment and aspects saved, spikes looked
for afterwards; through the fake backend, a tiny random model (the real transformers path) and the real
default classifier."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apps.accounts.actor import Actor
from apps.inference.registry import ModelSpec, register_model, resolve_model, unregister_model
from apps.jobs.models import Job
from apps.reviews.models import AspectMention, CustomAspect, Review
from apps.reviews.services import classification
from apps.reviews.services.classification import DETECT_SPIKES_TASK
from apps.reviews.tasks import classify_new_task
from tests.catalog.helpers import run_job

from .helpers import make_review

pytestmark = pytest.mark.django_db


def test_new_reviews_make_one_job_and_are_classified_with_their_aspects(
    store: Any, fake_inference: Any, sent_tasks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    texts = [
        ("The fabric is great and soft, but delivery was terribly late.", "en"),
        ("Love it, perfect fit.", "en"),
        ("质量很差，用了两天就坏了。物流很快。", "zh"),
    ]
    reviews = [make_review(store, text, language=language) for text, language in texts]
    make_review(store, "already done", sentiment="positive")

    classify_new_task(store.pk)
    job = Job.objects.get(store=store, kind=classification.CLASSIFY_JOB_KIND)
    # A second delivery of the task, or a burst of new reviews already taken: no second job.
    classify_new_task(store.pk)
    assert Job.objects.filter(kind=classification.CLASSIFY_JOB_KIND).count() == 1
    assert job.total == 1 and set(Review.objects.filter(classify_job=job).values_list("pk", flat=True)) == {
        review.pk for review in reviews
    }

    with django_capture_on_commit_callbacks(execute=True):
        job = run_job(job)
    assert (job.status, job.failed_count) == (Job.Status.SUCCEEDED, 0)
    sentiments = dict(Review.objects.filter(pk__in=[r.pk for r in reviews]).values_list("text", "sentiment"))
    assert sentiments[texts[1][0]] == "positive"
    assert sentiments[texts[2][0]] == "negative"
    spec = resolve_model(None, task="classify", store=store)
    assert Review.objects.get(pk=reviews[0].pk).model_key == spec.key
    # Aspects with the sentiment of their own clause, in both languages.
    mentions = {(m.review_id, m.aspect): m.sentiment for m in AspectMention.objects.filter(store=store)}
    assert mentions[(reviews[0].pk, "delivery")] == "negative"
    assert mentions[(reviews[2].pk, "quality")] == "negative"
    assert mentions[(reviews[2].pk, "delivery")] == "positive"
    # One batched classify for the reviews; the aspects' example phrases embedded once, then one embed
    # and one classify for the clauses.
    assert [call[0] for call in fake_inference.calls].count("embed") == 2
    # Spikes are looked for once the job is done.
    assert (DETECT_SPIKES_TASK, (store.pk,), "default") in sent_tasks


def test_example_phrases_are_embedded_once_per_model_and_new_phrases_when_they_come(
    store: Any, fake_inference: Any, settings: Any
) -> None:
    from apps.reviews import analysis
    from apps.reviews.services.aspects import aspect_mentions_find

    examples = len({example for aspect in analysis.DEFAULT_ASPECTS for example in aspect.examples})

    def embedded() -> list[int]:
        return [count for call, _key, count in fake_inference.calls if call == "embed"]

    first = aspect_mentions_find(store=store, texts=["Delivery was late.", "质量很好"])
    assert embedded() == [examples, 2]
    again = aspect_mentions_find(store=store, texts=["Delivery was late.", "质量很好"])
    assert embedded() == [examples, 2, 2] and again == first  # the phrases' vectors came from the cache
    CustomAspect.objects.create(store=store, name="battery", examples=["battery lasts all day", "电池很耐用"])
    found = aspect_mentions_find(store=store, texts=["The battery lasts all day."])
    assert embedded() == [examples, 2, 2, 2, 1]  # only the new phrases, then the clause
    assert "battery" in {mention["aspect"] for mention in found[0]}
    # Another encoder (a store's own version, say) has vectors of its own.
    register_model(ModelSpec(key="e5-store", task="embed", path="elsewhere"))
    settings.REVIEWS_ASPECT_EMBED_MODEL = "e5-store"
    try:
        aspect_mentions_find(store=store, texts=["Delivery was late."])
    finally:
        unregister_model("e5-store")
    assert embedded()[-2:] == [examples + 2, 1]


def test_custom_aspects_are_found_and_reclassifying_replaces_mentions(
    store: Any, fake_inference: Any
) -> None:
    CustomAspect.objects.create(store=store, name="battery", examples=["battery lasts all day", "电池很耐用"])
    review = make_review(store, "The battery is bad. Good screen though.")
    job = classification.reviews_classify_start(
        store=store, actor=Actor.system(), reviews=Review.objects.filter(pk=review.pk)
    )
    run_job(job)
    assert ("battery", "negative") in set(AspectMention.objects.values_list("aspect", "sentiment"))
    count = AspectMention.objects.count()
    run_job(
        classification.reviews_classify_start(store=store, actor=Actor.system(), reviews=Review.objects.all())
    )
    assert AspectMention.objects.count() == count


def test_reviews_deleted_before_their_batch_runs_fail_the_item_not_the_job(
    store: Any, fake_inference: Any
) -> None:
    review = make_review(store, "good")
    job = classification.reviews_classify_pending(store=store)
    assert job is not None
    review.delete()
    job = run_job(job)
    assert job.failed_count == 1 and "exist" in job.items.get().error


def _outcome(label: str, aspect: str) -> dict[str, Any]:
    return {
        "label": label,
        "confidence": 0.75,
        "scores": {"negative": 0.75, "neutral": 0.15, "positive": 0.1},
        "model": "sentiment-test",
        "aspects": [
            {
                "aspect": aspect,
                "start": 0,
                "end": 6,
                "sentence": "Broke.",
                "sentiment": label,
                "confidence": 0.5,
            }
        ],
    }


def test_a_batch_is_saved_in_a_fixed_number_of_queries(
    store: Any, other_store: Any, django_assert_max_num_queries: Any
) -> None:
    reviews = [make_review(store, f"Broke. ({index})") for index in range(32)]
    stale = AspectMention.objects.create(
        store=store,
        review=reviews[0],
        aspect="price",
        start=0,
        end=6,
        sentence="Broke.",
        sentiment="positive",
        confidence=0.9,
    )
    deleted, foreign = reviews.pop(), make_review(other_store, "Broke.")
    result = {"reviews": {str(r.pk): _outcome("negative", "quality") for r in [*reviews, deleted, foreign]}}
    deleted.delete()
    # Locking the batch, one update, one delete, one insert: not three queries per review.
    with django_assert_max_num_queries(4):
        saved = classification.reviews_classification_save(store=store, result=result)
    assert saved == len(reviews) == 31
    for review in Review.objects.filter(pk__in=[r.pk for r in reviews]):
        assert (review.sentiment, review.sentiment_confidence, review.model_key) == (
            "negative",
            0.75,
            "sentiment-test",
        )
        assert review.sentiment_scores == {"negative": 0.75, "neutral": 0.15, "positive": 0.1}
        assert review.classified_at is not None
    assert not AspectMention.objects.filter(pk=stale.pk).exists()
    mentions = AspectMention.objects.order_by("review_id")
    assert [(m.review_id, m.store_id, m.aspect) for m in mentions] == [
        (r.pk, store.pk, "quality") for r in reviews
    ]
    # Another store's review named in the result is left as it was.
    foreign.refresh_from_db()
    assert (foreign.sentiment, foreign.classified_at) == ("", None)


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    from tests.inference.tiny_models import build_encoder

    root = tmp_path_factory.mktemp("reviews_tiny")
    build_encoder(root / "classifier", classifier=True)
    build_encoder(root / "encoder", classifier=False)
    return root


@pytest.fixture
def tiny_registered(tiny_models: Path, settings: Any) -> Iterator[None]:
    specs = [
        ModelSpec(key="tiny-sentiment", task="classify", path=str(tiny_models / "classifier"), max_length=32),
        ModelSpec(key="tiny-aspects", task="embed", path=str(tiny_models / "encoder"), max_length=32),
    ]
    for spec in specs:
        register_model(spec)
    settings.REVIEWS_SENTIMENT_MODEL = "tiny-sentiment"
    settings.REVIEWS_ASPECT_EMBED_MODEL = "tiny-aspects"
    settings.INFERENCE_IN_PROCESS = True
    settings.INFERENCE_BACKEND = "local"
    yield
    for spec in specs:
        unregister_model(spec.key)


def test_a_job_runs_a_real_transformers_classifier(store: Any, tiny_registered: None) -> None:
    for index, text in enumerate(["great fabric but slow delivery", "质量很好", "broke in a week"]):
        make_review(store, text, sku=f"S{index}", language="zh" if index == 1 else "en")
    job = run_job(classification.reviews_classify_pending(store=store))  # type: ignore[arg-type]
    assert (job.status, job.failed_count) == (Job.Status.SUCCEEDED, 0)
    for review in Review.objects.filter(store=store):
        assert (
            review.sentiment in {"negative", "neutral", "positive"} and review.model_key == "tiny-sentiment"
        )
        assert abs(sum(review.sentiment_scores.values()) - 1) < 1e-4
        assert review.sentiment_confidence == max(review.sentiment_scores.values())


@pytest.mark.real_model
def test_the_default_classifier_reads_clear_reviews_in_both_languages(store: Any, settings: Any) -> None:
    spec = resolve_model(None, task="classify")
    embedder = resolve_model(settings.REVIEWS_ASPECT_EMBED_MODEL, task="embed")
    for needed in (spec, embedder):
        if not needed.is_installed():
            pytest.skip(f"{needed.key} is not in {needed.local_path}; run `python manage.py models install`")
    settings.INFERENCE_IN_PROCESS = True
    settings.INFERENCE_BACKEND = "local"
    expected = {
        "Absolutely love this jacket, the fabric is soft and it fits perfectly.": "positive",
        "Terrible quality, the zipper broke after two days and the seller ignored me.": "negative",
        "质量非常好，穿着很舒服，物流也很快，五星好评！": "positive",
        "太差了，用了两天就坏了，客服也不理人，非常失望。": "negative",
    }
    for index, text in enumerate(expected):
        make_review(store, text, sku=f"R{index}", language="zh" if index >= 2 else "en")
    job = run_job(classification.reviews_classify_pending(store=store))  # type: ignore[arg-type]
    assert (job.status, job.failed_count) == (Job.Status.SUCCEEDED, 0)
    got = dict(Review.objects.filter(store=store).values_list("text", "sentiment"))
    assert got == expected
    assert set(Review.objects.values_list("model_key", flat=True)) == {spec.key}
    aspects = set(AspectMention.objects.values_list("review__sku", "aspect"))
    assert ("R1", "quality") in aspects and ("R3", "quality") in aspects


def test_aspects_embed_clauses_and_examples_as_queries_as_their_thresholds_were_chosen(
    store: Any, fake_inference: Any
) -> None:
    from apps.reviews.services.aspects import _StoreModels

    _StoreModels(store).embed(["delivery was late", "物流很快"])
    assert fake_inference.embed_kinds == ["query"]
