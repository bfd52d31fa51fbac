from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.actor import Actor
from apps.accounts.models import ApiToken, AuditEvent, Membership, Role
from apps.accounts.services import api_token_create
from apps.accounts.throttling import ApiTokenRateThrottle
from apps.jobs import services as job_services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def make_job(store: Any) -> Any:
    return job_services.job_create(
        store=store, kind="test.square", items=[("a", {"n": 2})], actor=Actor.system()
    )


# --- authentication ---------------------------------------------------------------------


def test_anonymous_requests_get_401_with_the_error_body() -> None:
    response = APIClient().get("/api/v1/stores/")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": "Authentication credentials were not provided."}
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_token_is_stored_hashed_and_shown_once(owner: Any) -> None:
    client = APIClient()
    client.force_authenticate(owner)
    response = client.post("/api/v1/tokens/", {"name": "ci"}, format="json")
    assert response.status_code == 201
    secret = response.json()["token"]
    assert secret.startswith("eco_")
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert secret not in (token.key_hash, token.prefix)
    assert len(token.key_hash) == 64
    listed = client.get("/api/v1/tokens/").json()["results"]
    assert [t["id"] for t in listed] == [token.pk]
    assert "token" not in listed[0]


def test_token_authenticates_and_records_last_use(owner: Any, store: Any) -> None:
    token, secret = api_token_create(user=owner, name="x", actor=Actor.system())
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/me/").json()["username"] == owner.username
    token.refresh_from_db()
    assert token.last_used_at is not None
    # "Token <secret>" works too; a second use within a minute writes nothing more.
    assert APIClient(HTTP_AUTHORIZATION=f"Token {secret}").get("/api/v1/me/").status_code == 200
    assert AuditEvent.objects.filter(action="token.used", object_id=str(token.pk)).count() == 1


@pytest.mark.parametrize("header", ["Bearer eco_nope_nope", "Bearer garbage", "Bearer a b", "Token "])
def test_bad_tokens_are_refused(header: str, owner: Any) -> None:
    response = APIClient(HTTP_AUTHORIZATION=header).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_wrong_secret_with_a_real_prefix_is_refused(owner: Any) -> None:
    _token, secret = api_token_create(user=owner, name="x", actor=Actor.system())
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert APIClient(HTTP_AUTHORIZATION=f"Bearer {forged}").get("/api/v1/me/").status_code == 401


def test_revoked_and_expired_tokens_are_refused(owner: Any) -> None:
    client = APIClient()
    client.force_authenticate(owner)
    token, secret = api_token_create(user=owner, name="x", actor=Actor.system())
    assert APIClient(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me/").status_code == 200
    assert client.delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    assert APIClient(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me/").status_code == 401
    assert AuditEvent.objects.filter(action="token.revoked", object_id=str(token.pk)).exists()

    _expired, expired_secret = api_token_create(
        user=owner, name="old", actor=Actor.system(), expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert APIClient(HTTP_AUTHORIZATION=f"Bearer {expired_secret}").get("/api/v1/me/").status_code == 401


def test_another_users_token_cannot_be_seen_or_revoked(api_client: APIClient) -> None:
    stranger = UserFactory()
    token, secret = api_token_create(user=stranger, name="theirs", actor=Actor.system())
    assert api_client.get(f"/api/v1/tokens/{token.pk}/").status_code == 404
    assert api_client.delete(f"/api/v1/tokens/{token.pk}/").status_code == 404
    assert APIClient(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me/").status_code == 200


def test_session_authentication_works_for_the_dashboards_own_calls(owner: Any, store: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.get("/api/v1/stores/").json()["results"][0]["id"] == store.pk


# --- tenancy ----------------------------------------------------------------------------


def test_store_list_shows_only_the_callers_stores(
    api_client: APIClient, store: Any, other_store: Any
) -> None:
    response = api_client.get("/api/v1/stores/")
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["results"]] == [store.pk]
    assert response.json()["results"][0]["role"] == "owner"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/stores/{store}/"),
        ("patch", "/api/v1/stores/{store}/"),
        ("get", "/api/v1/stores/{store}/members/"),
        ("post", "/api/v1/stores/{store}/members/"),
        ("get", "/api/v1/stores/{store}/members/{member}/"),
        ("delete", "/api/v1/stores/{store}/members/{member}/"),
        ("get", "/api/v1/stores/{store}/audit-events/"),
        ("get", "/api/v1/stores/{store}/jobs/"),
        ("get", "/api/v1/stores/{store}/jobs/{job}/"),
        ("get", "/api/v1/stores/{store}/jobs/{job}/items/"),
        ("post", "/api/v1/stores/{store}/jobs/{job}/cancel/"),
        ("post", "/api/v1/stores/{store}/jobs/{job}/retry/"),
    ],
)
def test_another_stores_ids_answer_404(
    api_client: APIClient, other_store: Any, method: str, path: str
) -> None:
    job = make_job(other_store)
    member = Membership.objects.filter(store=other_store).first()
    assert member is not None
    url = path.format(store=other_store.pk, member=member.pk, job=job.pk)
    response = getattr(api_client, method)(url, {}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    job.refresh_from_db()
    assert job.status == "queued"
    assert Membership.objects.filter(pk=member.pk).exists()


def test_own_store_with_another_stores_job_id_answers_404(
    api_client: APIClient, store: Any, other_store: Any
) -> None:
    job = make_job(other_store)
    assert api_client.get(f"/api/v1/stores/{store.pk}/jobs/{job.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/stores/{store.pk}/jobs/{job.pk}/cancel/").status_code == 404


def test_a_store_can_not_be_added_to_another_merchant(api_client: APIClient, other_store: Any) -> None:
    response = api_client.post(
        "/api/v1/stores/", {"name": "Sneaky", "merchant": other_store.merchant_id}, format="json"
    )
    assert response.status_code == 404
    assert not other_store.merchant.stores.filter(name="Sneaky").exists()


# --- roles ------------------------------------------------------------------------------


def test_viewers_read_but_do_not_write(member_client: Any, store: Any) -> None:
    viewer = member_client(Role.VIEWER)
    job = make_job(store)
    assert viewer.get(f"/api/v1/stores/{store.pk}/jobs/{job.pk}/").status_code == 200
    response = viewer.post(f"/api/v1/stores/{store.pk}/jobs/{job.pk}/cancel/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert viewer.patch(f"/api/v1/stores/{store.pk}/", {"name": "x"}, format="json").status_code == 403
    assert viewer.get(f"/api/v1/stores/{store.pk}/audit-events/").status_code == 403


def test_operators_act_on_jobs_but_do_not_manage_members(member_client: Any, store: Any) -> None:
    operator = member_client(Role.OPERATOR)
    job = make_job(store)
    response = operator.post(f"/api/v1/stores/{store.pk}/jobs/{job.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert (
        operator.post(f"/api/v1/stores/{store.pk}/members/", {"user": "x"}, format="json").status_code == 403
    )


# --- stores and members -----------------------------------------------------------------


def test_create_a_store_with_a_new_merchant_and_another_in_it(api_client: APIClient, owner: Any) -> None:
    first = api_client.post(
        "/api/v1/stores/", {"name": "Tea House", "currency": "CNY", "default_language": "zh"}, format="json"
    )
    assert first.status_code == 201, first.json()
    body = first.json()
    assert (body["name"], body["slug"], body["currency"], body["role"]) == (
        "Tea House",
        "tea-house",
        "CNY",
        "owner",
    )
    second = api_client.post(
        "/api/v1/stores/", {"name": "Tea House", "merchant": body["merchant"]}, format="json"
    )
    assert second.status_code == 201
    assert second.json()["slug"] == "tea-house-2"


def test_store_validation_errors_use_the_error_body(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/stores/", {"currency": "dollars"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["details"]) == {"name", "currency"}


def test_member_invited_then_role_changed_and_removed(api_client: APIClient, store: Any, owner: Any) -> None:
    colleague = UserFactory(username="li.wei", email="li.wei@example.com")
    url = f"/api/v1/stores/{store.pk}/members/"
    # POST members/ (kept for older clients) invites: nobody is a member before accepting.
    invited = api_client.post(url, {"email": "LI.WEI@example.com", "role": "operator"}, format="json")
    assert invited.status_code == 202
    assert (invited.json()["email"], invited.json()["status"]) == ("li.wei@example.com", "pending")
    assert not Membership.objects.filter(user=colleague, store=store).exists()
    # Nobody is added, or found, by username.
    by_name = api_client.post(url, {"user": "li.wei"}, format="json")
    assert (by_name.status_code, by_name.json()["error"]["details"]) == (
        400,
        {"email": ["This field is required."]},
    )

    token = invited.json()["accept_url"].rstrip("/").rsplit("/", 1)[-1]
    colleague_client = APIClient()
    colleague_client.force_authenticate(colleague)
    joined = colleague_client.post("/api/v1/invitations/accept/", {"token": token}, format="json")
    assert (joined.status_code, joined.json()["id"], joined.json()["role"]) == (201, store.pk, "operator")
    member_id = Membership.objects.get(user=colleague, store=store).pk
    again = api_client.post(url, {"email": "li.wei@example.com"}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_member")

    changed = api_client.patch(f"{url}{member_id}/", {"role": "viewer"}, format="json")
    assert changed.json()["role"] == "viewer"
    assert api_client.get(url, {"role": "viewer"}).json()["count"] == 1
    assert api_client.delete(f"{url}{member_id}/").status_code == 204
    assert not Membership.objects.filter(user=colleague, store=store).exists()
    actions = list(AuditEvent.objects.filter(store=store).values_list("action", flat=True))
    assert {"invitation.created", "invitation.accepted", "membership.added"} <= set(actions)
    assert {"membership.role_changed", "membership.removed"} <= set(actions)


def test_the_last_owner_can_not_leave_or_be_demoted(api_client: APIClient, store: Any, owner: Any) -> None:
    membership = Membership.objects.get(store=store, user=owner)
    url = f"/api/v1/stores/{store.pk}/members/{membership.pk}/"
    response = api_client.patch(url, {"role": "viewer"}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "last_owner")
    assert api_client.delete(url).json()["error"]["code"] == "last_owner"
    membership.refresh_from_db()
    assert membership.role == "owner"


# --- jobs ------------------------------------------------------------------------------


def test_job_detail_has_progress_and_items_show_errors(api_client: APIClient, store: Any) -> None:
    job = job_services.job_create(
        store=store,
        kind="test.square",
        items=[(str(n), {"n": n}) for n in range(4)],
        actor=Actor.system(),
        params={"fail": [3]},
    )
    while job_services.job_process_chunk(job_id=job.pk):
        pass
    body = api_client.get(f"/api/v1/stores/{store.pk}/jobs/{job.pk}/").json()
    assert (body["status"], body["done_count"], body["failed_count"]) == ("succeeded", 3, 1)
    assert body["progress"]["percent"] == 100.0
    failed = api_client.get(f"/api/v1/stores/{store.pk}/jobs/{job.pk}/items/", {"status": "failed"}).json()
    assert [(i["key"], i["error"]) for i in failed["results"]] == [("3", "3 is not allowed")]
    listed = api_client.get(f"/api/v1/stores/{store.pk}/jobs/", {"status": "succeeded"}).json()
    assert [j["id"] for j in listed["results"]] == [job.pk]
    retried = api_client.post(f"/api/v1/stores/{store.pk}/jobs/{job.pk}/retry/")
    assert (retried.status_code, retried.json()["status"]) == (200, "queued")


def test_cancelling_a_finished_job_is_a_clear_400(api_client: APIClient, store: Any) -> None:
    job = make_job(store)
    job_services.job_process_chunk(job_id=job.pk)
    response = api_client.post(f"/api/v1/stores/{store.pk}/jobs/{job.pk}/cancel/")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "job_not_active",
        "message": "The job is succeeded; only queued or running jobs can be cancelled.",
    }


# --- rate limiting, schema, audit -------------------------------------------------------


def test_each_token_has_its_own_rate_limit(owner: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(ApiTokenRateThrottle, "rate", "3/minute", raising=False)
    _t1, first = api_token_create(user=owner, name="one", actor=Actor.system())
    _t2, second = api_token_create(user=owner, name="two", actor=Actor.system())
    one, two = (
        APIClient(HTTP_AUTHORIZATION=f"Bearer {first}"),
        APIClient(HTTP_AUTHORIZATION=f"Bearer {second}"),
    )
    assert [one.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
    limited = one.get("/api/v1/me/")
    assert limited.json()["error"]["code"] == "throttled"
    assert int(limited["Retry-After"]) > 0
    assert two.get("/api/v1/me/").status_code == 200


def test_openapi_schema_documents_the_api(api_client: APIClient) -> None:
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ["/api/v1/stores/", "/api/v1/stores/{store_id}/jobs/{job_id}/cancel/", "/api/v1/tokens/"]:
        assert path in schema["paths"], path
    assert APIClient().get("/api/docs/").status_code == 200


def test_audit_log_records_api_actions_with_actor_and_token(
    api_client: APIClient, store: Any, owner: Any
) -> None:
    api_client.patch(f"/api/v1/stores/{store.pk}/", {"name": "Renamed"}, format="json")
    events = api_client.get(f"/api/v1/stores/{store.pk}/audit-events/", {"action": "store."}).json()[
        "results"
    ]
    assert len(events) == 1
    event = events[0]
    assert (event["action"], event["actor"], event["source"], event["object_repr"]) == (
        "store.updated",
        owner.username,
        "api",
        "Renamed",
    )
    assert event["token_prefix"] == ApiToken.objects.get(user=owner).prefix
    assert event["metadata"] == {"fields": ["name"]}


@pytest.mark.parametrize("url", ["/api/v1/stores/abc/", "/api/v1/no-such-thing/", "/api/v1/stores/1/jobs/x/"])
def test_unknown_api_urls_answer_the_error_body(api_client: APIClient, url: str) -> None:
    response = api_client.get(url)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_unknown_dashboard_urls_answer_an_html_page(owner: Any) -> None:
    client = APIClient()
    client.force_login(owner)
    response = client.get("/s/abc/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
