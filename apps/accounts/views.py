"""Account pages: members, the audit log, API tokens. Thin: they call services.

They are mounted under the dashboard's namespace (apps/dashboard/urls.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import ApplicationError

from . import selectors, services
from .actor import Actor, authenticated_user
from .dashboard import dashboard_store
from .forms import ApiTokenCreateForm, MembershipAddForm
from .models import Role


@login_required
def store_members(request: HttpRequest, store_id: int) -> HttpResponse:
    store, membership = dashboard_store(request, store_id)
    form = MembershipAddForm(request.POST or None)
    if request.method == "POST":
        if not membership.allows(Role.OWNER):
            messages.error(request, _("Only owners can add members."))
        elif form.is_valid():
            try:
                services.membership_add(
                    store=store,
                    username_or_email=form.cleaned_data["user"],
                    role=form.cleaned_data["role"],
                    actor=Actor.from_request(request),
                )
            except ApplicationError as error:
                form.add_error("user", error.message)
            else:
                messages.success(request, _("Member added."))
                return redirect("dashboard:members", store_id=store.pk)
    return render(
        request,
        "accounts/members.html",
        {
            "store": store,
            "membership": membership,
            "members": selectors.membership_list(store=store),
            "form": form,
        },
    )


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
