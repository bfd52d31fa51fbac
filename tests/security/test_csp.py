"""A Content-Security-Policy on every page, and no inline script (or handler, or style) for it to allow."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from apps.accounts.actor import Actor
from apps.accounts.models import Role
from apps.accounts.services import invitation_create
from apps.jobs import services as job_services
from tests.factories import MembershipFactory, UserFactory

from .conftest import Catalog

ROOT = Path(__file__).resolve().parents[2]


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, on* handlers, javascript: URLs, styles."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self._in_inline_script = True
            self.found.append(f"<script> without src: {attrs}")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name == "style":
                self.found.append(f"<{tag} style=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:...>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def test_the_policy_allows_scripts_from_this_site_only() -> None:
    policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["style-src"]


@pytest.mark.django_db
def test_every_page_carries_the_policy_and_has_no_inline_script(
    owner: Any, store: Any, catalog: Catalog
) -> None:
    job = job_services.job_create(
        store=store, kind="test.square", items=[("a", {"n": 1})], actor=Actor.system()
    )
    _invitation, link = invitation_create(
        store=store,
        email="guest@example.com",
        role=Role.VIEWER,
        actor=Actor.system(),
        link_for=lambda token: f"http://testserver/invitations/{token}/",
    )
    product, description = catalog.product, catalog.description
    signed_in = [
        f"/s/{store.pk}/",
        f"/s/{store.pk}/members/",
        f"/s/{store.pk}/audit/",
        f"/s/{store.pk}/jobs/",
        f"/s/{store.pk}/jobs/{job.pk}/",
        f"/s/{store.pk}/catalog/",
        f"/s/{store.pk}/catalog/products/new/",
        f"/s/{store.pk}/catalog/products/{product.pk}/",
        f"/s/{store.pk}/catalog/products/{product.pk}/edit/",
        f"/s/{store.pk}/catalog/review/",
        f"/s/{store.pk}/catalog/descriptions/{description.pk}/diff/?from=1&to=2",
        f"/s/{store.pk}/catalog/imports/",
        f"/s/{store.pk}/catalog/brand-voices/",
        "/tokens/",
        "/no/such/page/",
        "/api/docs/",
        "/api/redoc/",
        "/admin/",
    ]
    owner.is_staff = owner.is_superuser = True
    owner.save()
    browser = Client()
    browser.force_login(owner)
    anonymous = Client()
    pages = [(browser, path) for path in signed_in] + [
        (anonymous, "/login/"),
        (anonymous, link.removeprefix("http://testserver")),
        (anonymous, "/invitations/not-a-token/"),
    ]
    for client, path in pages:
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], path
        html = response.content.decode()
        assert inline_code(html) == [], path
    # The product page's generator script is a file under static/.
    product_page = browser.get(f"/s/{store.pk}/catalog/products/{product.pk}/").content.decode()
    assert '<script src="/static/js/describe.js" defer>' in product_page


@pytest.mark.django_db
def test_swagger_ui_loads_its_start_up_script_from_a_url(owner: Any) -> None:
    browser = Client()
    browser.force_login(owner)
    html = browser.get("/api/docs/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in src and src.startswith("/static/") for src in scripts)
    start_up = [src for src in scripts if "script=" in src]
    assert len(start_up) == 1
    script = browser.get(start_up[0].replace("&amp;", "&"))
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db
def test_a_viewer_sees_pages_without_inline_script_too(store: Any, catalog: Catalog) -> None:
    viewer = UserFactory()
    MembershipFactory(user=viewer, store=store, role=Role.VIEWER)
    browser = Client()
    browser.force_login(viewer)
    html = browser.get(f"/s/{store.pk}/catalog/products/{catalog.product.pk}/").content.decode()
    assert inline_code(html) == []


def test_no_template_holds_inline_script_handlers_or_styles() -> None:
    """Pages no test renders are covered too: every template of the project, as written."""
    templates = [
        *ROOT.joinpath("templates").rglob("*.html"),
        *(path for path in ROOT.joinpath("apps").rglob("templates/**/*.html")),
    ]
    assert len(templates) > 20
    offenders = {}
    for path in templates:
        found = inline_code(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}
