from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.accounts.actor import Actor
from apps.accounts.models import ApiToken, AuditEvent, Membership, Role
from apps.jobs import services as job_services
from apps.jobs.models import Job
from tests.factories import MembershipFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(owner: Any) -> Client:
    client = Client()
    client.force_login(owner)
    return client


def test_login_page_logs_in_and_lands_on_the_store(owner: Any, store: Any) -> None:
    client = Client()
    assert client.get("/").status_code == 302
    page = client.get("/login/")
    assert page.status_code == 200 and b"Log in to ecomai" in page.content
    response = client.post("/login/", {"username": owner.username, "password": "correct-horse-battery"})
    assert response.status_code == 302
    home = client.get("/")
    assert home["Location"] == f"/s/{store.pk}/"
    assert AuditEvent.objects.filter(action="auth.login", actor=owner, source="ui").count() == 1


def test_failed_login_is_audited_without_the_password(owner: Any) -> None:
    response = Client().post("/login/", {"username": owner.username, "password": "wrong"})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.metadata == {"username": owner.username}


def test_store_page_shows_navigation_and_the_store_switcher(browser: Client, owner: Any, store: Any) -> None:
    second = MembershipFactory(user=owner, store=StoreFactory(name="Second shop")).store
    page = browser.get(f"/s/{store.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    for label in [
        "Catalog &amp; descriptions",
        "Reviews &amp; sentiment",
        "Customer service",
        "Marketing copy",
        "Jobs",
        "Members",
    ]:
        assert label in html
    assert f'<option value="{second.pk}">Second shop</option>' in html
    assert browser.session["current_store_id"] == store.pk
    # Home remembers the last store.
    browser.get(f"/s/{second.pk}/")
    assert browser.get("/")["Location"] == f"/s/{second.pk}/"


def test_other_stores_pages_answer_404(browser: Client, other_store: Any) -> None:
    job = job_services.job_create(
        store=other_store, kind="test.square", items=[("a", {"n": 1})], actor=Actor.system()
    )
    for url in [
        f"/s/{other_store.pk}/",
        f"/s/{other_store.pk}/members/",
        f"/s/{other_store.pk}/jobs/",
        f"/s/{other_store.pk}/jobs/{job.pk}/",
        f"/s/{other_store.pk}/jobs/{job.pk}/progress/",
    ]:
        assert browser.get(url).status_code == 404, url
    assert browser.post(f"/s/{other_store.pk}/jobs/{job.pk}/cancel/").status_code == 404
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED


def test_jobs_page_polls_live_progress(browser: Client, store: Any) -> None:
    job = job_services.job_create(
        store=store,
        kind="test.square",
        title="Squares",
        items=[(str(n), {"n": n}) for n in range(4)],
        actor=Actor.system(),
    )
    job_services.job_process_chunk(job_id=job.pk)  # 3 of 4 done
    listing = browser.get(f"/s/{store.pk}/jobs/").content.decode()
    assert 'hx-trigger="every 2s"' in listing and "Squares" in listing and "3/4" in listing
    rows = browser.get(f"/s/{store.pk}/jobs/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in rows and "3/4" in rows
    fragment = browser.get(f"/s/{store.pk}/jobs/{job.pk}/progress/").content.decode()
    assert 'value="75.0"' in fragment and "hx-get" in fragment
    job_services.job_process_chunk(job_id=job.pk)
    finished = browser.get(f"/s/{store.pk}/jobs/{job.pk}/progress/").content.decode()
    assert 'value="100.0"' in finished and "hx-get" not in finished  # polling stops when done


def test_cancel_and_retry_from_the_dashboard(browser: Client, store: Any) -> None:
    job = job_services.job_create(
        store=store, kind="test.square", items=[("a", {"n": 1})], actor=Actor.system()
    )
    response = browser.post(f"/s/{store.pk}/jobs/{job.pk}/cancel/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    browser.post(f"/s/{store.pk}/jobs/{job.pk}/retry/")
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert list(
        AuditEvent.objects.filter(object_type="jobs.job", object_id=str(job.pk), source="ui").values_list(
            "action", flat=True
        )
    ) == ["job.retried", "job.cancelled"]


def test_viewers_can_not_cancel_from_the_dashboard(store: Any) -> None:
    viewer = UserFactory()
    MembershipFactory(user=viewer, store=store, role=Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    job = job_services.job_create(
        store=store, kind="test.square", items=[("a", {"n": 1})], actor=Actor.system()
    )
    assert client.get(f"/s/{store.pk}/jobs/{job.pk}/").status_code == 200
    assert client.post(f"/s/{store.pk}/jobs/{job.pk}/cancel/").status_code == 403


def test_token_page_shows_the_secret_once(browser: Client, owner: Any) -> None:
    created = browser.post("/tokens/", {"name": "shop sync"}).content.decode()
    token = ApiToken.objects.get(user=owner)
    assert 'id="new-token"' in created and "eco_" + token.prefix in created
    again = browser.get("/tokens/").content.decode()
    assert 'id="new-token"' not in again and "shop sync" in again
    browser.post(f"/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_owner_invites_a_member_from_the_dashboard(browser: Client, store: Any) -> None:
    wang = UserFactory(username="wang.fang", email="wang.fang@example.com")
    page = browser.post(f"/s/{store.pk}/members/", {"email": "Wang.Fang@example.com", "role": "operator"})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="invitation-link"' in html
    assert "Invitation sent to wang.fang@example.com" in html
    assert not Membership.objects.filter(store=store, user=wang).exists()
    listing = browser.get(f"/s/{store.pk}/members/").content.decode()
    assert "wang.fang@example.com" in listing and 'id="invitation-link"' not in listing
    invalid = browser.post(f"/s/{store.pk}/members/", {"email": "wang.fang", "role": "viewer"})
    assert "Enter a valid email address." in invalid.content.decode()


def test_the_dashboard_speaks_chinese(browser: Client, store: Any) -> None:
    browser.post("/i18n/setlang/", {"language": "zh-hans", "next": f"/s/{store.pk}/"})
    html = browser.get(f"/s/{store.pk}/jobs/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "任务" in html  # "Jobs"
    assert "商品目录" in html  # "Catalog & descriptions"
    browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "任务" not in browser.get(f"/s/{store.pk}/jobs/").content.decode()


def test_owners_read_the_audit_log_and_others_do_not(browser: Client, store: Any) -> None:
    browser.post(f"/s/{store.pk}/members/", {"email": "nobody", "role": "viewer"})
    browser.post(f"/s/{store.pk}/members/", {"email": "zhao.lei@example.com", "role": "viewer"})
    page = browser.get(f"/s/{store.pk}/audit/", {"action": "invitation."}).content.decode()
    assert "invitation.created" in page and "Dashboard" in page
    assert page.count("<code>invitation.") == 1
    viewer = Client()
    viewer.force_login(UserFactory.create_batch(1)[0])
    assert viewer.get(f"/s/{store.pk}/audit/").status_code == 404
    member = UserFactory()
    MembershipFactory(user=member, store=store, role=Role.OPERATOR)
    viewer.force_login(member)
    assert viewer.get(f"/s/{store.pk}/audit/").status_code == 403
