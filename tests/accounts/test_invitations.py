"""Store membership by invitation: nobody joins a store without accepting, and inviting reveals nobody."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import AuditEvent, Invitation, Membership, Role
from tests.factories import MembershipFactory, StoreFactory, UserFactory

pytestmark = pytest.mark.django_db


def token_of(body: dict[str, Any]) -> str:
    return body["accept_url"].rstrip("/").rsplit("/", 1)[-1]


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def invite(api_client: APIClient, store: Any, email: str, role: str = "viewer") -> Any:
    return api_client.post(
        f"/api/v1/stores/{store.pk}/invitations/", {"email": email, "role": role}, format="json"
    )


def test_inviting_answers_the_same_for_known_and_unknown_addresses(
    api_client: APIClient, store: Any, other_store: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # A user of another merchant, who must not be added to this store by anyone but themselves.
    stranger = Membership.objects.get(store=other_store).user
    stranger.email = "boss@other-shop.example"
    stranger.save()
    with django_capture_on_commit_callbacks(execute=True):
        known = invite(api_client, store, "Boss@Other-Shop.example", role="owner")
        unknown = invite(api_client, store, "nobody@nowhere.example", role="owner")
    assert known.status_code == unknown.status_code == 201

    def shape(body: dict[str, Any]) -> dict[str, Any]:
        varying = {"id", "email", "created_at", "expires_at", "accept_url"}
        return {key: value for key, value in body.items() if key not in varying}

    assert shape(known.json()) == shape(unknown.json())
    assert shape(known.json()) == {
        "role": "owner",
        "status": "pending",
        "is_open": True,
        "invited_by": store.memberships.get(role=Role.OWNER).user.username,
        "accepted_by": None,
        "closed_at": None,
    }
    assert known.json()["email"] == "boss@other-shop.example"
    # Nobody joined; each address got its link by e-mail.
    assert not Membership.objects.filter(store=store, user=stranger).exists()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "boss@other-shop.example",
        "nobody@nowhere.example",
    ]
    assert token_of(known.json()) in "".join(str(message.body) for message in mail.outbox)
    # Only a hash of the link's token is stored.
    invitation = Invitation.objects.get(pk=known.json()["id"])
    assert token_of(known.json()) not in invitation.token_hash


def test_the_invited_person_accepts_once_and_joins_with_the_role(api_client: APIClient, store: Any) -> None:
    body = invite(api_client, store, "li.na@example.com", role="operator").json()
    li_na = UserFactory(email="someone-else@example.com")  # the link, not the address, is the proof
    joined = client_for(li_na).post("/api/v1/invitations/accept/", {"token": token_of(body)}, format="json")
    assert joined.status_code == 201
    assert (joined.json()["id"], joined.json()["role"]) == (store.pk, "operator")
    assert Membership.objects.get(store=store, user=li_na).role == Role.OPERATOR
    invitation = Invitation.objects.get(pk=body["id"])
    assert (invitation.status, invitation.accepted_by) == ("accepted", li_na)
    # Used up: a second acceptance, by anyone, answers like an unknown link.
    other = UserFactory()
    again = client_for(other).post("/api/v1/invitations/accept/", {"token": token_of(body)}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (404, "invitation_invalid")
    assert not Membership.objects.filter(store=store, user=other).exists()
    actions = set(AuditEvent.objects.filter(store=store).values_list("action", flat=True))
    assert {"invitation.created", "invitation.accepted", "membership.added"} <= actions


def test_expired_revoked_declined_and_unknown_links_answer_alike(api_client: APIClient, store: Any) -> None:
    user = UserFactory()
    expired = invite(api_client, store, "a@example.com").json()
    Invitation.objects.filter(pk=expired["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked = invite(api_client, store, "b@example.com").json()
    url = f"/api/v1/stores/{store.pk}/invitations/{revoked['id']}/"
    assert api_client.delete(url).status_code == 204
    assert api_client.get(url).json()["status"] == "revoked"
    declined = invite(api_client, store, "c@example.com").json()
    assert (
        client_for(user)
        .post("/api/v1/invitations/decline/", {"token": token_of(declined)}, format="json")
        .status_code
        == 204
    )
    for token in [token_of(expired), token_of(revoked), token_of(declined), "not-a-token"]:
        response = client_for(user).post("/api/v1/invitations/accept/", {"token": token}, format="json")
        assert (response.status_code, response.json()["error"]["code"]) == (404, "invitation_invalid")
    assert not Membership.objects.filter(store=store, user=user).exists()


def test_a_new_invitation_to_an_address_replaces_the_pending_one(api_client: APIClient, store: Any) -> None:
    first = invite(api_client, store, "zhou@example.com").json()
    second = invite(api_client, store, "ZHOU@example.com", role="operator").json()
    assert Invitation.objects.get(pk=first["id"]).status == "revoked"
    user = UserFactory()
    stale = client_for(user).post("/api/v1/invitations/accept/", {"token": token_of(first)}, format="json")
    assert stale.status_code == 404
    fresh = client_for(user).post("/api/v1/invitations/accept/", {"token": token_of(second)}, format="json")
    assert fresh.json()["role"] == "operator"
    listed = api_client.get(f"/api/v1/stores/{store.pk}/invitations/", {"status": "pending"}).json()
    assert listed["count"] == 0


def test_a_member_accepting_again_is_told_so(api_client: APIClient, store: Any, owner: Any) -> None:
    body = invite(api_client, store, "me-again@example.com").json()
    response = client_for(owner).post("/api/v1/invitations/accept/", {"token": token_of(body)}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "already_member")
    assert Invitation.objects.get(pk=body["id"]).status == "pending"


def test_only_owners_of_the_store_see_and_manage_its_invitations(
    api_client: APIClient, store: Any, other_store: Any, member_client: Any
) -> None:
    body = invite(api_client, store, "x@example.com").json()
    outsider = client_for(Membership.objects.get(store=other_store).user)
    detail = f"/api/v1/stores/{store.pk}/invitations/{body['id']}/"
    assert outsider.get(f"/api/v1/stores/{store.pk}/invitations/").status_code == 404
    assert outsider.delete(detail).status_code == 404
    # Another store's invitation id, through a store the caller owns, is not found either.
    other_owner_client = outsider
    theirs = invite(other_owner_client, other_store, "y@example.com").json()
    assert api_client.get(f"/api/v1/stores/{store.pk}/invitations/{theirs['id']}/").status_code == 404
    assert api_client.delete(f"/api/v1/stores/{store.pk}/invitations/{theirs['id']}/").status_code == 404
    assert Invitation.objects.get(pk=theirs["id"]).status == "pending"
    for role in (Role.OPERATOR, Role.VIEWER):
        client = member_client(role)
        assert client.get(f"/api/v1/stores/{store.pk}/invitations/").status_code == 403
        assert invite(client, store, "z@example.com").status_code == 403
    assert Invitation.objects.get(pk=body["id"]).status == "pending"


@pytest.mark.parametrize("body", [{}, {"email": "not an address"}, {"email": "a@example.com", "role": "god"}])
def test_invitation_input_is_validated(api_client: APIClient, store: Any, body: dict[str, str]) -> None:
    response = api_client.post(f"/api/v1/stores/{store.pk}/invitations/", body, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "validation_error")
    assert not Invitation.objects.exists()


def test_open_invitations_per_store_are_capped(api_client: APIClient, store: Any, settings: Any) -> None:
    settings.INVITATIONS_MAX_OPEN_PER_STORE = 2
    assert invite(api_client, store, "1@example.com").status_code == 201
    assert invite(api_client, store, "2@example.com").status_code == 201
    refused = invite(api_client, store, "3@example.com")
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "too_many_invitations")
    assert invite(api_client, store, "2@example.com").status_code == 201  # sending again is not a new one


# --- the link's page in the dashboard ------------------------------------------------------------


def test_a_signed_in_invitee_accepts_from_the_link(api_client: APIClient, store: Any) -> None:
    link = invite(api_client, store, "chen@example.com", role="operator").json()["accept_url"]
    path = link.split("testserver", 1)[1]
    chen = UserFactory()
    browser = Client()
    browser.force_login(chen)
    page = browser.get(path).content.decode()
    assert f"Join {store.name}" in page and "Accept as" in page
    response = browser.post(path, {"action": "accept"})
    assert response["Location"] == f"/s/{store.pk}/"
    assert Membership.objects.get(store=store, user=chen).role == Role.OPERATOR
    assert browser.get(path).status_code == 404


def test_an_anonymous_invitee_logs_in_or_creates_an_account(api_client: APIClient, store: Any) -> None:
    link = invite(api_client, store, "new.person@example.com").json()["accept_url"]
    path = link.split("testserver", 1)[1]
    browser = Client()
    page = browser.get(path).content.decode()
    assert f"/login/?next={path}" in page and 'name="password1"' in page
    weak = browser.post(
        path, {"action": "signup", "username": "new.person", "password1": "123", "password2": "123"}
    )
    assert weak.status_code == 200 and "This password is too short" in weak.content.decode()
    password = "a long and unusual passphrase 42"
    response = browser.post(
        path, {"action": "signup", "username": "new.person", "password1": password, "password2": password}
    )
    assert response["Location"] == f"/s/{store.pk}/"
    membership = Membership.objects.get(store=store, user__username="new.person")
    assert (membership.role, membership.user.email) == (Role.VIEWER, "new.person@example.com")
    assert browser.get(f"/s/{store.pk}/").status_code == 200  # signed in


def test_declining_from_the_link_and_dead_links(api_client: APIClient, store: Any) -> None:
    link = invite(api_client, store, "no.thanks@example.com").json()["accept_url"]
    path = link.split("testserver", 1)[1]
    browser = Client()
    assert browser.post(path, {"action": "decline"})["Location"] == "/login/"
    assert Invitation.objects.get(email="no.thanks@example.com").status == "declined"
    for dead in [path, "/invitations/made-up-token/"]:
        response = browser.get(dead)
        assert response.status_code == 404
        assert "This invitation link is not valid" in response.content.decode()
    assert not Membership.objects.filter(store=store).exclude(role=Role.OWNER).exists()


def test_only_owners_invite_or_revoke_from_the_dashboard(api_client: APIClient, store: Any) -> None:
    invitation_id = invite(api_client, store, "keep@example.com").json()["id"]
    operator = UserFactory()
    MembershipFactory(user=operator, store=store, role=Role.OPERATOR)
    browser = Client()
    browser.force_login(operator)
    page = browser.get(f"/s/{store.pk}/members/").content.decode()
    assert "keep@example.com" not in page and "Invite a member" not in page
    assert browser.post(f"/s/{store.pk}/members/", {"email": "x@example.com"}).status_code == 403
    assert browser.post(f"/s/{store.pk}/invitations/{invitation_id}/revoke/").status_code == 403
    stranger = Client()
    stranger.force_login(MembershipFactory(store=StoreFactory()).user)
    assert stranger.post(f"/s/{store.pk}/invitations/{invitation_id}/revoke/").status_code == 404
    assert Invitation.objects.get(pk=invitation_id).status == "pending"
