"""A merchant in a real browser: uploads an FAQ and a returns policy, pastes the chat widget into a shop page
(another site), and a shopper asks in English and Chinese (cited answers), about an order, then for a person;
the merchant answers from the inbox and the reply shows up in the shopper's widget."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from apps.support.models import Conversation, FaqEntry, KnowledgeDocument
from tests.support.helpers import RETURNS_POLICY, make_order, run_all_jobs

from .conftest import CHROMIUM_ARGS  # noqa: F401  (same browser flags)
from .helpers import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FAQ_CSV = (
    "question,answer\n"
    "How long does shipping take?,Standard shipping takes 3 to 5 business days.\n"
    "可以开发票吗？,可以，下单时在备注中填写发票抬头和税号，我们会随货寄出纸质发票。\n"
)


@pytest.fixture
def strict_page(browser: Any) -> Iterator[Any]:
    """A page that enforces every Content-Security-Policy (frame-ancestors included)."""
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


class ShopSite:
    """The merchant's own site: another origin (another port on this machine) serving one page."""

    def __init__(self) -> None:
        self.html = "<!doctype html><title>empty</title>"
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def shop_site() -> Iterator[ShopSite]:
    site = ShopSite()
    yield site
    site.server.shutdown()
    site.server.server_close()


def shopper_says(frame: Any, text: str, count_before: int) -> Any:
    frame.locator("#chat-input").fill(text)
    frame.locator("#chat-send").click()
    messages = frame.locator("#chat-messages li.message.assistant:not(.streaming)")
    messages.nth(count_before).wait_for()
    return messages.nth(count_before)


def test_faq_policy_widget_answers_order_handoff_and_staff_reply(
    page: Any,
    strict_page: Any,
    shop_site: ShopSite,
    live_server: Any,
    owner: Any,
    store: Any,
    fake_inference: Any,
    settings: Any,
    sent_tasks: Any,
    tmp_path: Any,
) -> None:
    # The fake encoder's cosine range, and no cross-language matching (tests/support/conftest.py).
    settings.SUPPORT_RETRIEVAL = {"dense_floor": 0.2, "dense_ceiling": 0.55, "cross_language_shift": 0.0}
    shop = shop_site.url
    log_in(page, live_server, owner.username)
    page.wait_for_url(re.compile(rf"/s/{store.pk}/$"))

    # The merchant finds customer service in the store's navigation and uploads an FAQ and a policy.
    page.click("nav.sidebar >> text=Customer service")
    page.click("text=Knowledge base")
    faq_file = tmp_path / "faq.csv"
    faq_file.write_text(FAQ_CSV, encoding="utf-8")
    policy_file = tmp_path / "returns-policy.md"
    policy_file.write_text(RETURNS_POLICY, encoding="utf-8")
    page.set_input_files("#upload-faq input[type=file]", str(faq_file))
    with page.expect_navigation():
        page.click("#upload-faq button[type=submit]")
    page.set_input_files("#upload-document input[type=file]", str(policy_file))
    with page.expect_navigation():
        page.click("#upload-document button[type=submit]")
    assert FaqEntry.objects.filter(store=store).count() == 2
    run_all_jobs()  # the worker's part: chunk and embed
    page.reload()
    assert KnowledgeDocument.objects.get(store=store).status == "ready"
    assert "Returns policy" in page.locator("main").inner_text()
    make_order(store, "EC-1001")

    # The merchant allows the shop's site and copies the snippet.
    page.click("text=Chat widget")
    page.fill("textarea[name=allowed_origins]", shop)
    with page.expect_navigation():
        page.click("#widget-settings button[type=submit]")
    snippet = page.locator("#widget-snippet").inner_text()
    assert "data-ecomai-widget" in snippet

    # The shop's page (another site) with the snippet pasted in.
    shop_site.html = f"<!doctype html><html><body><h1>Shop</h1>{snippet}</body></html>"
    strict_page.goto(f"{shop}/")
    strict_page.click("#ecomai-chat-button")
    frame = strict_page.frame_locator("#ecomai-chat-frame")

    english = shopper_says(frame, "How long does shipping take?", 0)
    assert "3 to 5 business days" in english.inner_text()
    assert english.locator("a.citation").first.inner_text().startswith("[1] How long does shipping take?")

    chinese = shopper_says(frame, "可以开发票吗", 1)
    assert "发票" in chinese.inner_text()
    assert chinese.locator("a.citation").count() >= 1

    policy = shopper_says(frame, "Can I return an unworn item?", 2)
    assert "30 days" in policy.inner_text()
    assert "Returns policy" in policy.locator("a.citation").first.inner_text()

    order = shopper_says(frame, "Where is my order EC-1001? My email is ana@example.com", 3)
    assert "SF1234567890" in order.inner_text()

    handoff = shopper_says(frame, "I want to talk to a person", 4)
    assert "person" in handoff.inner_text()
    conversation = Conversation.objects.get(store=store)
    assert conversation.status == "pending" and conversation.origin == shop

    # The merchant sees it in the inbox and answers.
    page.goto(f"{live_server.url}/s/{store.pk}/support/")
    page.locator(f"tr[data-conversation='{conversation.pk}'] a").click()
    page.fill("textarea[name=text]", "Hi, this is Mei from the shop. How can I help?")
    with page.expect_navigation():
        page.click("button[name=send-reply]")

    # The reply reaches the shopper's widget (it polls).
    frame.locator("#chat-messages li.message.agent").wait_for()
    assert "this is Mei" in frame.locator("#chat-messages li.message.agent").inner_text()
