"""The chat widget in a real browser (Debian's Chromium driven by Playwright) against the real
app, in Arabic and English: the demo page and its one script tag, the AI disclosure, an FAQ
answer with its source, direction per message, quick replies, the typing indicator, a handoff
with a person replying live, a dropped connection and a server restart (nothing lost, nothing
twice), history after a reload, the rating, isolation from the host page's CSS, and the
keyboard. People are played over the inbox API, as the console would.

Screenshots go to $CX_ARTIFACTS_DIR (default: test-artifacts/ at the repository root)."""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from settings import Settings
from tests.conftest import ALWAYS_OPEN, customer_client, free_port, make_settings, policies_copy, serve

from tests.browser import ARTIFACTS, browser, expect  # noqa: F401  (module fixture)
TIMEOUT_MS = 10_000

CASES = {
    "ar": dict(
        dir="rtl", faq="كم رسوم التوصيل للرياض؟", answer="25", disclosure="ذكاء اصطناعي",
        assistant="نورة", track="وين طلبي RW-100251", order="RW-100251",
        ask="ممكن اكلم موظف؟", person="التحدث مع موظف", minutes="دقيقة", agent="سارة",
        reply="أهلًا، معك سارة. طلبك RW-100232 بمبلغ 2,547.00 ريال، وأتابعه الحين.",
        missed="رجعت لك: الاسترداد خلال 3 أيام عمل.", bye="مع السلامة",
    ),
    "en": dict(
        dir="ltr", faq="How much is delivery to Riyadh?", answer="49", disclosure="AI",
        assistant="Noura", track="where is my order RW-100251", order="RW-100251",
        ask="can I talk to a real person?", person="Talk to a person", minutes="minutes",
        agent="Sara", reply="Hi, this is Sara. I'm looking at RW-100232 (SAR 2,547.00) now.",
        missed="I'm back: the refund is issued within 3 business days.", bye="bye",
    ),
}


@dataclass
class Site:
    base: str
    settings: Settings


class Proxy:
    """A TCP relay between the browser and the server whose connections can be cut: a real
    dropped connection (Chromium's offline emulation leaves open streams alone)."""

    def __init__(self, target: str) -> None:
        self._target = ("127.0.0.1", int(target.rsplit(":", 1)[1]))
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._up = True
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if not self._up:  # down: the connection fails at once
                client.close()
                continue
            upstream = socket.create_connection(self._target)
            with self._lock:
                self._open |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Drop every open connection and refuse new ones until `restore`."""
        self._up = False
        with self._lock:
            for s in self._open:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
            self._open.clear()

    def restore(self) -> None:
        self._up = True

    def close(self) -> None:
        self.cut()
        self._server.close()


def _settings(seeded: Path, tmp: Path) -> Settings:
    data = tmp / "data"
    shutil.copytree(seeded, data)
    policies = policies_copy(tmp / "policies", hours=ALWAYS_OPEN, closed_dates=[])
    return make_settings(data, policies_dir=policies, sse_ping_s=0.5)


@pytest.fixture(scope="module")
def site(seeded_template, tmp_path_factory) -> Iterator[Site]:
    from app import create_app

    settings = _settings(seeded_template, tmp_path_factory.mktemp("widget"))
    with serve(create_app(settings)) as base:
        yield Site(base, settings)


@pytest.fixture(scope="module")
def api(site) -> Iterator[httpx.Client]:
    with customer_client(site.base) as client:
        yield client


@pytest.fixture
def context(browser, site):
    context = browser.new_context(base_url=site.base, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    context.on("weberror", lambda err: errors.append(str(err.error)))
    yield context
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def proxy(site) -> Iterator[Proxy]:
    relay = Proxy(site.base)
    yield relay
    relay.close()


# --- helpers ---------------------------------------------------------------------------------

def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def open_widget(page, lang: str, query: str = "", base: str = ""):
    page.goto(f"{base}/?lang={lang}{query}")
    w = page.locator("#rawaf-chat")
    w.locator(".launcher").click()
    expect(w.get_by_role("dialog")).to_be_visible()
    return w


def say(w, text: str) -> None:
    box = w.locator("textarea#rw-input")
    box.fill(text)
    box.press("Enter")


def last_assistant(w, count: int):
    """Wait for the count-th assistant message and return it."""
    bubbles = w.locator(".msg.assistant")
    expect(bubbles).to_have_count(count)
    return bubbles.nth(count - 1)


def agent_login(api: httpx.Client) -> dict[str, str]:
    r = api.post("/v1/agent/login", json={"username": "sara", "password": "demo-sara"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def handoff_of(api: httpx.Client, headers: dict, cid: str) -> str:
    items = api.get("/v1/inbox", headers=headers).json()["items"]
    return next(i["id"] for i in items if i["conversation_id"] == cid)


def conversation_id(page, api: httpx.Client | None = None) -> str:
    """The widget's conversation; with `api`, that client is given its secret too (the
    widget keeps it in localStorage), as the id alone opens nothing."""
    cid = page.evaluate("window.RawafChat.conversationId")
    assert cid and cid.startswith("cv_")
    if api is not None:
        kept = page.evaluate("Object.values({...localStorage}).map(v => JSON.parse(v))"
                             ".find(v => v && v.id === window.RawafChat.conversationId)")
        assert kept and kept["secret"], "the widget keeps its conversation's secret"
        api.conversation_keys.secrets[cid] = kept["secret"]
    return cid


def ids_shown(w) -> list[str]:
    return w.locator(".log [data-id]").evaluate_all("els => els.map(e => e.dataset.id)")


def runs_left_to_right(locator) -> bool:
    """Whether the first character of an element's text is drawn left of its last one."""
    return locator.evaluate("""el => {
        const node = el.firstChild, r = document.createRange();
        r.setStart(node, 0); r.setEnd(node, 1); const first = r.getBoundingClientRect().left;
        r.setStart(node, node.length - 1); r.setEnd(node, node.length);
        return first < r.getBoundingClientRect().left;
    }""")


def csat_rows(settings: Settings, cid: str) -> list[tuple]:
    with sqlite3.connect(settings.data_dir / "cx.db") as conn:
        return conn.execute("select score, comment, resolved_by from csat "
                            "where conversation_id = ?", (cid,)).fetchall()


# --- the demo page, an FAQ answer, direction ----------------------------------------------------

@pytest.mark.parametrize("lang", ["ar", "en"])
def test_faq_answer_with_source_in_the_page_language(page, api, lang):
    case = CASES[lang]
    page.goto(f"/?lang={lang}")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == \
        [lang, case["dir"]]
    scripts = page.locator("script[src$='widget.js']")
    expect(scripts).to_have_count(1)
    w = page.locator("#rawaf-chat")
    launcher = w.locator(".launcher")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    dialog = w.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(dialog).to_have_attribute("aria-labelledby", "rw-title")
    expect(w.locator("#rw-title")).to_contain_text(case["assistant"])
    expect(w.locator(".root")).to_have_attribute("dir", case["dir"])
    # The AI disclosure and the privacy notice, once, before anything is said.
    notice = w.locator("#rw-notice")
    expect(notice).to_contain_text(case["assistant"])
    expect(notice).to_contain_text(case["disclosure"])
    expect(notice.locator("a")).to_have_attribute(
        "href", re.compile(r"/v1/knowledge/source\?path="))
    expect(w.locator(".notice")).to_have_count(1)
    # The typing indicator shows while the reply is on its way (the request is held here).
    held = []
    page.route("**/v1/conversations/*/messages", lambda route: held.append(route))
    say(w, case["faq"])
    typing = w.locator(".typing")
    expect(typing).to_be_visible()
    expect(typing).to_have_attribute("role", "status")
    for _ in range(100):  # the conversation is created first, then the message is sent
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the message was not sent"
    expect(typing).to_be_visible()
    held[0].continue_()
    page.unroute("**/v1/conversations/*/messages")
    answer = last_assistant(w, 1)
    expect(typing).to_be_hidden()
    bubble = answer.locator(".bubble")
    expect(bubble).to_have_attribute("dir", case["dir"])
    expect(bubble).to_contain_text(case["answer"])
    expect(w.get_by_role("log")).to_have_attribute("aria-live", "polite")
    expect(w.locator(".msg.customer .bubble").first).to_have_attribute("dir", "auto")
    # Its source, as a link a customer can open: a readable page with the cited section.
    link = answer.locator(".sources a").first
    href = link.get_attribute("href")
    assert "/v1/knowledge/source?path=" in href and "#" in href, href
    source = api.get(href.split("#")[0])
    assert source.status_code == 200 and "text/html" in source.headers["content-type"]
    assert f'id="{href.split("#")[1]}"' in source.text
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")

    # An order number inside the reply keeps its order in either direction.
    say(w, case["track"])
    asks = last_assistant(w, 2).locator(".bubble")
    expect(asks).to_have_attribute("dir", case["dir"])
    number = asks.locator("bdi", has_text=case["order"])
    expect(number).to_have_attribute("dir", "ltr")
    assert runs_left_to_right(number)
    assert case["order"] in asks.inner_text()
    say(w, "0501234567")
    card = last_assistant(w, 3).locator(".card")
    expect(card).to_have_attribute("data-order", "RW-100251")
    expect(card.locator(".total")).to_contain_text("5,548.00")
    assert runs_left_to_right(card.locator(".total bdi[dir=ltr]"))
    shot(page, f"widget-{lang}.png")
    # A reload brings the conversation back (also once the customer verified in the chat).
    shown = ids_shown(w)
    assert len(shown) == 6 and len(set(shown)) == 6
    page.reload()
    w = page.locator("#rawaf-chat")
    expect(w.locator(".log [data-id]")).to_have_count(6)
    assert ids_shown(w) == shown
    w.locator(".launcher").click()
    # The host page's language sets the panel; the mobile layout fills the screen.
    page.set_viewport_size({"width": 390, "height": 780})
    box = w.get_by_role("dialog").bounding_box()
    assert box["width"] == 390 and box["height"] >= 770
    shot(page, f"widget-{lang}-mobile.png")


# --- a person takes over: live messages, reconnects, reload, the rating -----------------------

@pytest.mark.parametrize("lang", ["ar", "en"])
def test_handoff_person_live_reconnect_reload_and_rating(page, api, site, proxy, lang):
    case = CASES[lang]
    w = open_widget(page, lang, base=proxy.url)  # through a relay whose connections we can cut
    say(w, case["ask"])
    offer = last_assistant(w, 1)
    chip = offer.get_by_role("button", name=case["person"])
    expect(chip).to_be_visible()
    chip.click()
    # The status banner: a person is coming, in about N minutes.
    banner = w.locator(".banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(case["minutes"])
    assert re.search(r"\d+", banner.inner_text())
    expect(w.locator(".msg.customer", has_text=case["person"])).to_have_count(1)
    expect(offer.locator(".chips")).to_have_count(0)  # old quick replies go once answered
    cid = conversation_id(page, api)

    sara = agent_login(api)
    hid = handoff_of(api, sara, cid)
    assert api.post(f"/v1/inbox/{hid}/claim", headers=sara).status_code == 200
    expect(banner).to_contain_text(case["agent"])
    assert api.post(f"/v1/inbox/{hid}/reply", headers=sara,
                    json={"text": case["reply"]}).status_code == 200
    agent = w.locator(".msg.agent")
    expect(agent).to_have_count(1)
    expect(agent.locator(".who")).to_contain_text(case["agent"])
    expect(agent.locator(".bubble")).to_have_attribute("dir", case["dir"])
    for run in ("RW-100232", "2,547.00"):
        assert runs_left_to_right(agent.locator("bdi", has_text=run))
    shot(page, f"widget-{lang}-agent.png")

    # The connection drops; what the person writes meanwhile arrives once, after it is back
    # (the browser reconnects by itself and sends Last-Event-ID).
    proxy.cut()
    assert api.post(f"/v1/inbox/{hid}/reply", headers=sara,
                    json={"text": case["missed"]}).status_code == 200
    page.wait_for_timeout(1000)
    expect(w.locator(".msg.agent", has_text=case["missed"])).to_have_count(0)  # really cut off
    proxy.restore()
    expect(w.locator(".msg.agent", has_text=case["missed"])).to_have_count(1, timeout=15_000)
    page.wait_for_timeout(800)  # any late duplicate would show by now
    expect(w.locator(".msg.agent")).to_have_count(2)
    ids = ids_shown(w)
    assert len(ids) == len(set(ids))

    # A reload rebuilds the conversation from the transcript, nothing twice.
    transcript = api.get(f"/v1/conversations/{cid}").json()["messages"]
    page.reload()
    w = page.locator("#rawaf-chat")
    expect(w.locator(".log [data-id]")).to_have_count(len(transcript))
    assert ids_shown(w) == [str(m["id"]) for m in transcript]
    assert conversation_id(page, api) == cid
    w.locator(".launcher").click()
    expect(w.locator(".banner")).to_contain_text(case["agent"])
    expect(w.locator(".notice")).to_have_count(1)

    # The person resolves it: the rating appears; the customer gives 4 with a comment.
    assert api.post(f"/v1/inbox/{hid}/resolve", headers=sara).status_code == 200
    csat = w.locator("form.csat")
    expect(csat).to_be_visible()
    expect(w.locator(".msg.system[data-template='inbox.resolved']")).to_have_count(1)
    csat.get_by_role("radio", name=re.compile("^4")).check(force=True)
    csat.locator("textarea").fill("خدمة ممتازة وسريعة" if lang == "ar" else "Quick and friendly")
    shot(page, f"widget-{lang}-csat.png")
    csat.get_by_role("button", name=re.compile("إرسال|Send")).click()
    expect(csat).to_have_count(0)
    rating = api.get(f"/v1/conversations/{cid}/csat").json()["rating"]
    assert (rating["score"], rating["resolved_by"]) == (4, "human")
    assert csat_rows(site.settings, cid) == [
        (4, "خدمة ممتازة وسريعة" if lang == "ar" else "Quick and friendly", "human")]
    # Rated once: a reload does not ask again.
    page.reload()
    w = page.locator("#rawaf-chat")
    expect(w.locator(".log [data-id]")).to_have_count(len(transcript) + 1)  # + "resolved"
    expect(w.locator("form.csat")).to_have_count(0)


def test_server_restart_loses_nothing(browser, seeded_template, tmp_path_factory):
    """The server stops and comes back: the widget reconnects by itself and shows what a
    person wrote in between exactly once; a server that lost the conversation starts anew."""
    from app import create_app

    settings = _settings(seeded_template, tmp_path_factory.mktemp("restart"))
    port = free_port()
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        with serve(create_app(settings), port=port) as base:
            page.goto(f"{base}/?lang=en")
            w = page.locator("#rawaf-chat")
            w.locator(".launcher").click()
            say(w, CASES["en"]["ask"])
            last_assistant(w, 1).get_by_role("button", name="Talk to a person").click()
            expect(w.locator(".banner")).to_be_visible()
            cid = conversation_id(page)
        with serve(create_app(settings), port=port) as base, \
                customer_client(base, timeout=30) as api:
            sara = agent_login(api)
            hid = handoff_of(api, sara, cid)
            api.post(f"/v1/inbox/{hid}/claim", headers=sara)
            api.post(f"/v1/inbox/{hid}/reply", headers=sara, json={"text": "Back after a restart"})
            agent = w.locator(".msg.agent", has_text="Back after a restart")
            expect(agent).to_have_count(1, timeout=20_000)
            page.wait_for_timeout(500)
            expect(w.locator(".msg.agent")).to_have_count(1)
            ids = ids_shown(w)
            assert len(ids) == len(set(ids))
        # A server with a fresh store has never heard of this conversation.
        fresh = _settings(seeded_template, tmp_path_factory.mktemp("fresh"))
        with serve(create_app(fresh), port=port):
            expect(w.locator(".log [data-id]")).to_have_count(0, timeout=40_000)
            say(w, "hello")
            last_assistant(w, 1)
            assert conversation_id(page) != cid
    finally:
        context.close()


# --- ending the chat, the rating's rules -----------------------------------------------------

def test_goodbye_asks_for_a_rating_in_arabic(page, api, site):
    w = open_widget(page, "ar")
    say(w, CASES["ar"]["bye"])
    expect(last_assistant(w, 1)).to_have_attribute("data-template", "goodbye")
    csat = w.locator("form.csat")
    expect(csat).to_be_visible()
    expect(csat.locator("legend")).to_contain_text("كيف")
    csat.get_by_role("radio", name=re.compile("^5")).check(force=True)
    csat.get_by_role("button", name="إرسال التقييم").click()
    expect(w.get_by_text("شكرًا لتقييمك")).to_be_visible()
    cid = conversation_id(page, api)
    assert csat_rows(site.settings, cid) == [(5, None, "assistant")]


def test_end_chat_rating_by_keyboard_and_its_rules(page, api, site):
    w = open_widget(page, "en")
    say(w, CASES["en"]["faq"])
    last_assistant(w, 1)
    cid = conversation_id(page, api)
    w.get_by_role("button", name="End chat").click()
    expect(w.locator("form.csat")).to_be_visible()
    assert api.get(f"/v1/conversations/{cid}").json()["mode"] == "closed"
    # Focus is on the first choice: arrows move, Tab reaches the comment, Enter sends.
    assert page.evaluate("document.querySelector('#rawaf-chat').shadowRoot"
                         ".activeElement.getAttribute('aria-label')").startswith("1 out of 5")
    for _ in range(2):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("Clear answer")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(w.get_by_text("Thank you for your feedback!")).to_be_visible()
    assert csat_rows(site.settings, cid) == [(3, "Clear answer", "assistant")]
    # One rating per conversation; bad input in the API's error shape.
    again = api.post(f"/v1/conversations/{cid}/csat", json={"score": 5})
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    other = api.post("/v1/conversations", json={"locale": "en"}).json()["id"]
    assert api.post(f"/v1/conversations/{other}/csat", json={"score": 4}).status_code == 409
    api.post(f"/v1/conversations/{other}/messages", json={"text": "hi"})
    for bad in ({"score": 0}, {"score": 6}, {"score": "4"}, {"score": 4, "comment": "x" * 1001},
                {"score": 4, "extra": 1}, {}):
        r = api.post(f"/v1/conversations/{other}/csat", json=bad)
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"] == "invalid request" and r.json()["detail"]
    assert api.post("/v1/conversations/cv_nope/csat", json={"score": 4},
                    headers={"Authorization": "Bearer x"}).status_code == 404
    assert api.post("/v1/conversations/cv_nope/end",
                    headers={"Authorization": "Bearer x"}).status_code == 404
    trail = api.get(f"/v1/conversations/{other}/csat").json()
    assert trail == {"conversation_id": other, "rating": None}
    with sqlite3.connect(site.settings.data_dir / "cx.db") as conn:
        actions = [a for (a,) in conn.execute(
            "select action from audit_log where conversation_id = ? and actor = 'customer'",
            (cid,))]
    assert actions == ["conversation.end", "csat"]


# --- isolation and the keyboard -------------------------------------------------------------------

HOSTILE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><style>
* { color: red !important; font-size: 40px !important; font-family: serif !important;
    background: yellow !important; }
button { border: 9px solid lime !important; }
</style></head><body><h1>A page with loud CSS</h1><div class="panel" id="host-panel">host</div>
<script src="/widget.js" data-lang="en" defer></script></body></html>"""


def test_host_page_css_does_not_reach_the_widget_and_back(page, site):
    page.route("**/hostile.html", lambda route: route.fulfill(
        status=200, content_type="text/html", body=HOSTILE))
    page.goto("/hostile.html")
    w = page.locator("#rawaf-chat")
    w.locator(".launcher").click()
    say(w, "hello")
    last_assistant(w, 1)

    def style(locator, *props):
        return locator.evaluate("(el, props) => props.map(p => getComputedStyle(el)[p])",
                                list(props))

    color, size, family = style(w.locator(".msg.assistant .bubble").first,
                                "color", "fontSize", "fontFamily")
    assert color == "rgb(27, 31, 36)" and size == "15px" and "serif" != family.split(",")[0]
    assert style(w.locator("textarea#rw-input"), "fontSize") == ["15px"]
    page.mouse.move(5, 5)  # not hovering the launcher
    border, background = style(w.locator(".launcher"), "borderTopWidth", "backgroundColor")
    assert border == "0px" and background == "rgb(11, 79, 74)"
    assert style(w.locator(".title"), "color") == ["rgb(255, 255, 255)"]
    # ...and the widget's own rules (".panel { position: fixed }") stay inside it.
    assert style(page.locator("#host-panel"), "position", "color") == ["static", "rgb(255, 0, 0)"]


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_keyboard_only(page, lang):
    page.goto(f"/?lang={lang}")
    w = page.locator("#rawaf-chat")
    launcher = w.locator(".launcher")
    launcher.focus()
    page.keyboard.press("Enter")
    expect(w.get_by_role("dialog")).to_be_visible()
    active = "document.querySelector('#rawaf-chat').shadowRoot.activeElement"
    assert page.evaluate(f"{active}.id") == "rw-input"
    page.keyboard.type(CASES[lang]["ask"])
    page.keyboard.press("Enter")
    offer = last_assistant(w, 1)
    expect(offer.locator(".chip").first).to_be_visible()
    # Shift+Tab from the input goes back through the quick replies to the first one.
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
    assert page.evaluate(f"{active}.textContent") == CASES[lang]["person"]
    page.keyboard.press("Enter")
    expect(w.locator(".msg.customer")).to_have_count(2)
    expect(w.locator(".banner")).to_be_visible()
    # Visible focus ring, then Escape closes and gives focus back to the launcher.
    w.locator("textarea#rw-input").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate(f"getComputedStyle({active}).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Escape")
    expect(w.get_by_role("dialog")).to_be_hidden()
    assert page.evaluate(f"{active}.className") == "launcher"
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_have_attribute("aria-label", re.compile(CASES[lang]["assistant"]))


def test_widget_script_and_demo_identity(api, site):
    r = api.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["access-control-allow-origin"] == "*"
    assert "max-age" in r.headers["cache-control"] and r.headers["etag"]
    assert '/*CSS*/""' not in r.text and ":host" in r.text  # the stylesheet is inlined
    assert api.get("/widget.js", headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    # A demo customer is signed in only outside production, and only a real one.
    page = api.get("/", params={"lang": "en", "customer": "C1001"}).text
    token = re.search(r'data-customer-token="([^"]+)"', page).group(1)
    created = api.post("/v1/conversations", json={"locale": "en", "customer_token": token})
    assert created.json()["verified"] is True
    assert "data-customer-token" not in api.get("/", params={"customer": "C9999"}).text
    assert "data-customer-token" not in api.get("/", params={"customer": "<x>"}).text
    # Knowledge sources: only what is indexed, never a file path.
    for path in ("../../settings.py", "/etc/passwd", "policies/privacy.yaml"):
        assert api.get("/v1/knowledge/source", params={"path": path}).status_code == 404
    config = api.get("/v1/widget/config").json()
    assert config["ar"]["assistant"] == "نورة" and config["en"]["assistant"] == "Noura"
    assert "AI" in config["en"]["ai_disclosure"]
