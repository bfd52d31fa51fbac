"""The training API: start a run, read its progress and version, activate, roll back; quotas and roles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apps.accounts.models import Role
from apps.jobs.services import job_process_chunk
from apps.training.models import TrainingRun

from .conftest import add_reviews

pytestmark = pytest.mark.django_db

FAST = {"max_steps": 8, "batch_size": 4, "eval_steps": 4, "logging_steps": 2, "learning_rate": 0.005}


def dataset_id(api_client: Any, store: Any) -> int:
    add_reviews(store, copies=2)
    answer = api_client.post(
        f"/api/v1/stores/{store.pk}/training/datasets/",
        {"kind": "sentiment", "label_source": "stars"},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    return int(answer.json()["id"])


def test_a_run_through_the_api_to_an_activated_version_and_back(
    store: Any, api_client: Any, member_client: Any, tiny_cache: Path
) -> None:
    base = f"/api/v1/stores/{store.pk}/training"
    answer = api_client.post(
        f"{base}/runs/", {"dataset_id": dataset_id(api_client, store), **FAST}, format="json"
    )
    assert answer.status_code == 202, answer.json()
    run = answer.json()
    assert run["status"] == "queued" and run["hyperparameters"]["max_steps"] == 8
    assert run["base_model"] == "sentiment-zh-en"
    job_process_chunk(job_id=run["job"])
    run = api_client.get(f"{base}/runs/{run['id']}/").json()
    assert run["status"] == "succeeded" and run["progress"]["step"] <= 8
    steps = [point["step"] for point in run["history"] if "loss" in point]
    assert steps and steps == [2, 4, 6, 8][: len(steps)]  # a point every logging_steps
    version = api_client.get(f"{base}/versions/{run['version']}/").json()
    assert version["metrics"]["new"]["macro_f1"] >= 0 and version["files"]

    operator = member_client(Role.OPERATOR)
    assert operator.post(f"{base}/versions/{version['id']}/activate/").status_code == 403
    assert api_client.post(f"{base}/versions/{version['id']}/activate/").status_code == 200
    assert api_client.get(f"{base}/active/").json() == {"sentiment": version["key"], "description": None}
    assert api_client.post(f"{base}/rollback/", {"kind": "sentiment"}, format="json").status_code == 200
    assert api_client.get(f"{base}/active/").json()["sentiment"] is None
    refused = api_client.post(f"{base}/rollback/", {"kind": "description"}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "nothing_to_roll_back"


def test_the_daily_training_quota_is_enforced(
    store: Any, api_client: Any, settings: Any, tiny_cache: Path
) -> None:
    settings.TRAINING_SECONDS_PER_DAY = 60
    dataset = dataset_id(api_client, store)
    first = api_client.post(
        f"/api/v1/stores/{store.pk}/training/runs/", {"dataset_id": dataset}, format="json"
    )
    TrainingRun.objects.filter(pk=first.json()["id"]).update(train_seconds=61, status="succeeded")
    again = api_client.post(
        f"/api/v1/stores/{store.pk}/training/runs/", {"dataset_id": dataset}, format="json"
    )
    assert again.status_code == 429 and again.json()["error"]["code"] == "training_quota_exceeded"


@pytest.mark.parametrize(
    "options",
    [{"method": "bogus"}, {"method": "top", "top_layers": 0}, {"top_layers": 10_000}, {"top_layers": "four"}],
)
def test_a_run_with_bad_method_options_is_refused_and_nothing_is_queued(
    store: Any, api_client: Any, tiny_cache: Path, options: dict[str, Any]
) -> None:
    dataset = dataset_id(api_client, store)
    answer = api_client.post(
        f"/api/v1/stores/{store.pk}/training/runs/", {"dataset_id": dataset, **options}, format="json"
    )
    assert answer.status_code == 400, answer.json()
    assert not TrainingRun.objects.filter(store=store).exists()


def test_a_top_layers_run_through_the_api_records_its_method(
    store: Any, api_client: Any, tiny_cache: Path
) -> None:
    answer = api_client.post(
        f"/api/v1/stores/{store.pk}/training/runs/",
        {"dataset_id": dataset_id(api_client, store), **FAST, "top_layers": 1},
        format="json",
    )
    assert answer.status_code == 202, answer.json()  # accepted: the run is queued
    run = TrainingRun.objects.get(pk=answer.json()["id"])
    assert (run.hyperparameters["method"], run.hyperparameters["top_layers"]) == ("top", 1)
