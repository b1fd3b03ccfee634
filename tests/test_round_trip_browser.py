"""The whole handoff in real browsers, as the issue describes it: a customer in the widget on
the demo shop and a human agent in the console, each in their own browser context, in
Arabic and in English. FAQ answer with its source → ask for a person → handoff status →
the agent logs in, claims and replies → the reply arrives live → the agent resolves → the
customer rates 4."""

from __future__ import annotations

import re

import pytest

from tests.browser import browser, expect  # noqa: F401  (module fixture)
from tests.test_console_browser import queue_item, sign_in
from tests.test_widget_browser import (  # noqa: F401  (module fixture: one server)
    CASES, TIMEOUT_MS, conversation_id, csat_rows, last_assistant, open_widget, say, shot, site,
)

AGENTS = {"ar": ("sara", "سارة", "استلام", "تم الحل"), "en": ("omar", "Omar", "Claim", "Resolved")}
REPLIES = {"ar": "أهلاً، معك سارة من فريق رواف. أبشر، بتابع طلبك الحين.",
           "en": "Hi, this is Omar from Rawaf. I'm on it now."}


def _context(browser, site):
    context = browser.new_context(base_url=site.base, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_customer_and_agent_round_trip(browser, site, lang):
    case = CASES[lang]
    username, agent_name, _, _ = AGENTS[lang]
    customer_ctx, agent_ctx = _context(browser, site), _context(browser, site)
    try:
        # The customer asks an FAQ question and gets an answer citing its source.
        page = customer_ctx.new_page()
        w = open_widget(page, lang)
        say(w, case["faq"])
        answer = last_assistant(w, 1)
        expect(answer.locator(".bubble")).to_contain_text(case["answer"])
        expect(answer.locator(".sources a").first).to_have_attribute(
            "href", re.compile(r"/v1/knowledge/source\?path="))
        # ...asks for a person, takes the offer, and sees the handoff status.
        say(w, case["ask"])
        last_assistant(w, 2).get_by_role("button", name=case["person"]).click()
        banner = w.locator(".banner")
        expect(banner).to_contain_text(case["minutes"])
        cid = conversation_id(page)

        # An agent logs in to the console in another browser, finds it in the queue, claims.
        console = agent_ctx.new_page()
        sign_in(console, username)
        expect(console).to_have_url(re.compile(r"/console/$"))
        hid = site_handoff(site, cid)
        item = queue_item(console, hid)
        expect(item).to_be_visible()
        item.locator(".claim").click()
        expect(banner).to_contain_text(agent_name)  # the customer sees who joined

        # The agent replies; the customer sees it live, with the agent's name.
        box = console.locator(".reply-form textarea")
        box.fill(REPLIES[lang])
        console.locator(".reply-form button[type=submit]").click()
        agent_msg = w.locator(".msg.agent", has_text=REPLIES[lang])
        expect(agent_msg).to_have_count(1)
        expect(agent_msg.locator(".who")).to_contain_text(agent_name)
        expect(agent_msg.locator(".bubble")).to_have_attribute("dir", case["dir"])
        shot(page, f"round-trip-{lang}-customer.png")

        # The agent resolves; the customer is asked for a rating and gives 4.
        console.locator('[data-action="resolve"]').click()
        csat = w.locator("form.csat")
        expect(csat).to_be_visible()
        csat.get_by_role("radio", name=re.compile("^4")).check(force=True)
        csat.get_by_role("button", name=re.compile("إرسال|Send")).click()
        expect(csat).to_have_count(0)
        assert [row[0] for row in csat_rows(site.settings, cid)] == [4]
        assert csat_rows(site.settings, cid)[0][2] == "human"
    finally:
        customer_ctx.close()
        agent_ctx.close()


def site_handoff(site, cid: str) -> str:
    """The handoff id of the conversation, read from the store (what the queue lists)."""
    import sqlite3

    with sqlite3.connect(site.settings.data_dir / "cx.db") as db:
        return db.execute("select id from handoffs where conversation_id=? "
                          "order by created_at desc", (cid,)).fetchone()[0]
