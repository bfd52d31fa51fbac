"""The model loop's dashboard pages, as a merchant uses them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from apps.jobs.services import job_process_chunk
from apps.training.models import Activation, ModelVersion, ReviewLabel, TrainingDataset, TrainingRun

from .conftest import add_reviews

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(owner: Any) -> Client:
    client = Client()
    client.force_login(owner)
    return client


def test_label_build_train_watch_activate_and_roll_back_from_the_dashboard(
    store: Any, web: Client, tiny_cache: Path, settings: Any
) -> None:
    settings.INFERENCE_IN_PROCESS = True
    reviews = add_reviews(store, copies=3)
    home = f"/s/{store.pk}/training/"
    page = web.get(home)
    assert page.status_code == 200 and b"label-reviews" in page.content
    web.post(f"{home}labels/", {"review_id": reviews[0].pk, "label": "positive"})
    assert ReviewLabel.objects.get(review=reviews[0]).label == "positive"

    answer = web.post(
        f"{home}datasets/",
        {
            "kind": "sentiment",
            "name": "Stars",
            "label_source": "stars",
            "seed": 13,
            "min_length": 3,
            "max_length": 2000,
        },
    )
    dataset = TrainingDataset.objects.get(store=store)
    assert answer.status_code == 302 and answer["Location"] == f"{home}datasets/{dataset.pk}/"
    detail = web.get(answer["Location"]).content.decode()
    assert dataset.content_sha256 in detail and "Near duplicates" in detail

    started = web.post(
        f"{home}runs/", {"dataset": dataset.pk, "epochs": 2, "learning_rate": 0.005, "batch_size": 4}
    )
    run = TrainingRun.objects.get(store=store)
    assert started["Location"] == f"{home}runs/{run.pk}/"
    assert run.hyperparameters["epochs"] == 2 and run.hyperparameters["batch_size"] == 4
    job_process_chunk(job_id=run.job_id)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    run_page = web.get(started["Location"]).content.decode()
    chart = json.loads(run_page.split('data-chart="')[1].split('"')[0].replace("&quot;", '"'))
    assert [len(series["data"]) > 0 for series in chart["series"]] == [True, True]
    version = ModelVersion.objects.get(run=run)
    assert version.key in run_page

    web.post(f"{home}versions/{version.pk}/activate/")
    assert Activation.objects.filter(store=store).first().version == version  # type: ignore[union-attr]
    web.post(f"{home}rollback/", {"kind": "sentiment"})
    assert Activation.objects.filter(store=store).first().version is None  # type: ignore[union-attr]


def test_a_viewer_sees_the_page_without_the_forms(store: Any) -> None:
    from apps.accounts.models import Membership, Role

    viewer = Membership.objects.filter(store=store).first()
    assert viewer is not None
    viewer.role = Role.VIEWER
    viewer.save()
    client = Client()
    client.force_login(viewer.user)
    page = client.get(f"/s/{store.pk}/training/")
    assert page.status_code == 200 and b"dataset-form" not in page.content
