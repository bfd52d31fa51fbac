"""Account pages: members and invitations, the audit log, API tokens. Thin: they call services.

They are mounted under the dashboard's namespace (apps/dashboard/urls.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError

from . import selectors, services
from .actor import Actor, authenticated_user
from .dashboard import dashboard_store
from .forms import ApiTokenCreateForm, InvitationCreateForm
from .models import Membership, Role


@login_required
def store_members(request: HttpRequest, store_id: int) -> HttpResponse:
    """Members, and for owners the open invitations and a form to invite someone by e-mail."""
    store, membership = dashboard_store(request, store_id)
    is_owner = membership.allows(Role.OWNER)
    form = InvitationCreateForm(request.POST or None)
    new_link = None
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied
        if form.is_valid():
            try:
                _invitation, new_link = services.invitation_create(
                    store=store,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    actor=Actor.from_request(request),
                    link_for=lambda token: request.build_absolute_uri(
                        reverse("dashboard:invitation", kwargs={"token": token})
                    ),
                )
            except ApplicationError as error:
                form.add_error("email", error.message)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s. They become a member when they accept it.")
                    % {"email": services.normalise_email(form.cleaned_data["email"])},
                )
                form = InvitationCreateForm()
    return render(
        request,
        "accounts/members.html",
        {
            "store": store,
            "membership": membership,
            "members": selectors.membership_list(store=store),
            "invitations": selectors.invitation_list(store=store, open_only=True) if is_owner else [],
            "form": form,
            "new_link": new_link,
        },
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, store_id: int, invitation_id: int) -> HttpResponse:
    store, _membership = dashboard_store(request, store_id, role=Role.OWNER)
    invitation = selectors.invitation_get_in_store(store=store, invitation_id=invitation_id)
    services.invitation_revoke(invitation=invitation, actor=Actor.from_request(request))
    messages.success(request, _("Invitation revoked."))
    return redirect("dashboard:members", store_id=store.pk)


def invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation link: accept or decline it, signed in, or create an account and accept it."""
    invitation = selectors.invitation_get_open(token=token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    signup: UserCreationForm[Any] = UserCreationForm(
        request.POST if request.POST.get("action") == "signup" else None
    )
    if request.method == "POST":
        action = request.POST.get("action")
        actor = Actor.from_request(request)
        try:
            if action == "decline":
                services.invitation_decline(token=token, actor=actor)
                messages.success(request, _("Invitation declined."))
                return redirect("dashboard:home" if request.user.is_authenticated else "login")
            if action == "accept" and request.user.is_authenticated:
                membership = services.invitation_accept(
                    token=token, user=authenticated_user(request), actor=actor
                )
                return _joined(request, membership)
            if action == "signup" and not request.user.is_authenticated and signup.is_valid():
                membership = services.invitation_accept_as_new_user(
                    token=token,
                    username=signup.cleaned_data["username"],
                    password=signup.cleaned_data["password1"],
                    actor=actor,
                )
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
                return _joined(request, membership)
        except ApplicationError as error:
            messages.error(request, error.message)
            if isinstance(error, services.InvitationInvalid):
                return redirect("dashboard:invitation", token=token)
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": invitation, "signup": signup, "login_url": f"{reverse('login')}?next={request.path}"},
    )


def _joined(request: HttpRequest, membership: Membership) -> HttpResponse:
    messages.success(
        request,
        _("Welcome to %(store)s: you joined as %(role)s.")
        % {"store": membership.store.name, "role": membership.get_role_display()},
    )
    return redirect("dashboard:store", store_id=membership.store_id)


AUDIT_PAGE_SIZE = 100


@login_required
def store_audit_log(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id, role=Role.OWNER)
    events = selectors.audit_event_list(store=store)
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit.html",
        {"store": store, "membership": membership, "page": page, "action": action},
    )


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenCreateForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _token, new_secret = services.api_token_create(
            user=authenticated_user(request),
            name=form.cleaned_data["name"],
            actor=Actor.from_request(request),
        )
        form = ApiTokenCreateForm()
    return render(
        request,
        "accounts/tokens.html",
        {"tokens": selectors.api_token_list(user=request.user), "form": form, "new_secret": new_secret},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get(user=request.user, token_id=token_id)
    services.api_token_revoke(token=token, actor=Actor.from_request(request))
    messages.success(request, _("Token revoked."))
    return redirect("dashboard:tokens")


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a login from a locked-out username and address: 429 and how long to wait."""
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)
