"""The agent console in a real browser (Debian's Chromium driven by Playwright) against the
real app: sign-in, the Arabic and English desks, the live queue and transcript, the packet,
claim / reply / note / resolve / transfer / hand back, and the supervisor's dashboard.

Customers are played over the HTTP API, as the widget would. Screenshots go to
$CX_ARTIFACTS_DIR (default: test-artifacts/ at the repository root)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import ALWAYS_OPEN, customer_client, make_settings, policies_copy, serve

from tests.browser import ARTIFACTS, browser, expect  # noqa: F401  (module fixture)
ASK = {"ar": ["ممكن اكلم موظف؟", "نعم"], "en": ["can I talk to a real person?", "yes"]}
TIMEOUT_MS = 10_000
PERCENT = re.compile(r"\d+(\.\d+)?[\s\u200e\u200f\u061c]*[%٪]")
DESK = re.compile(r"//[^/]+/console/$")  # the desk itself, not the login page's ?next=


@pytest.fixture(scope="module")
def settings(seeded_template, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("console")
    data = tmp / "data"
    shutil.copytree(seeded_template, data)
    policies = policies_copy(tmp / "policies", hours=ALWAYS_OPEN, closed_dates=[])
    return make_settings(data, policies_dir=policies, sse_ping_s=1.0)


@pytest.fixture(scope="module")
def base(settings) -> Iterator[str]:
    from app import create_app

    with serve(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def api(base) -> Iterator[httpx.Client]:
    with customer_client(base) as client:
        yield client


@pytest.fixture
def page(browser, base):
    context = browser.new_context(base_url=base, viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Console errors too (a Content-Security-Policy violation shows up only there); the
    # expected refusals (a wrong password, a 403) are failed requests, not script errors.
    page.on("console", lambda msg: msg.type == "error"
            and "Failed to load resource" not in msg.text and errors.append(msg.text))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def customer_hands_off(api: httpx.Client, lang: str, token: str | None = None
                       ) -> tuple[str, str]:
    """A customer asks for a person and confirms: (conversation id, handoff id)."""
    body = {"locale": lang} | ({"customer_token": token} if token else {})
    cid = api.post("/v1/conversations", json=body).json()["id"]
    for text in ASK[lang]:
        out = api.post(f"/v1/conversations/{cid}/messages", json={"text": text}).json()
    assert out["mode"] == "waiting_human", out
    return cid, out["handoff"]["id"]


def customer_says(api: httpx.Client, cid: str, text: str) -> dict:
    r = api.post(f"/v1/conversations/{cid}/messages", json={"text": text})
    assert r.status_code == 200, r.text
    return r.json()


def transcript(api: httpx.Client, cid: str) -> dict:
    return api.get(f"/v1/conversations/{cid}").json()


def sign_in(page, username: str, password: str | None = None) -> None:
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/console/login\?next="))
    page.get_by_label(re.compile("Username|اسم المستخدم")).fill(username)
    page.get_by_label(re.compile("Password|كلمة المرور")).fill(password or f"demo-{username}")
    page.locator("#login-form button[type=submit]").click()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # The queue column is sticky; a passing notice would hide part of the page.
    page.evaluate("window.scrollTo(0, 0); document.getElementById('toast')?.classList.remove('show')")
    page.wait_for_timeout(300)  # the notice fades out
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def queue_item(page, hid: str):
    return page.locator(f'#queue-list li[data-id="{hid}"]')


def test_arabic_desk_end_to_end(page, api, settings):
    from app import mint_customer_token

    # A logged-in customer of the shop (C1001, an Arabic speaker) asks for a person.
    cid, hid = customer_hands_off(api, "ar", mint_customer_token(settings, "C1001"))

    # A wrong password: a clear error in both languages, and no session.
    sign_in(page, "sara", "not-her-password")
    error = page.locator("#login-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("اسم المستخدم أو كلمة المرور غير صحيحة")
    expect(error).to_contain_text("Wrong username or password")
    assert not page.context.cookies()
    page.get_by_label(re.compile("Password|كلمة المرور")).fill("demo-sara")
    page.locator("#login-form button[type=submit]").click()
    expect(page).to_have_url(DESK)
    cookie = next(c for c in page.context.cookies() if c["name"] == "cx_agent_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    # Sara's console is Arabic, right to left; the queue shows the handoff.
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    expect(page.locator("#queue-title")).to_have_text("قائمة الانتظار")
    expect(page.locator("#live")).to_have_text("مباشر")
    item = queue_item(page, hid)
    expect(item).to_contain_text("يحتاج العميل")
    expect(item).to_contain_text("عادي")
    expect(item.locator(".qsla")).to_contain_text("المهلة")
    # The agent list is for supervisors: Sara has no link to the supervisor page.
    expect(page.locator("#nav-supervisor")).to_be_hidden()

    # A new handoff arrives while she watches: it appears without a reload.
    cid2, hid2 = customer_hands_off(api, "en")
    expect(queue_item(page, hid2)).to_be_visible()
    # Filters: Arabic only hides it.
    page.get_by_label("اللغة").select_option("ar")
    expect(queue_item(page, hid2)).to_have_count(0)
    expect(queue_item(page, hid)).to_be_visible()
    page.get_by_label("اللغة").select_option("")
    expect(queue_item(page, hid2)).to_be_visible()
    shot(page, "console-queue-ar.png")

    # Open it: the packet on top.
    item.locator(".qopen").click()
    expect(page.locator(".packet .summary")).to_contain_text("يحتاج العميل مساعدة")
    expect(page.locator(".rules")).to_contain_text("explicit_human_request")
    expect(page.locator(".rules")).to_contain_text("طلب التحدث مع موظف")
    expect(page.locator(".suggested-text")).to_contain_text("سارة")
    expect(page.locator(".trajectory svg")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("ممكن اكلم موظف؟")
    # The customer's profile and orders, beside the conversation.
    expect(page.locator(".customer .facts")).to_contain_text("@")
    expect(page.locator(".order-list .order").first).to_contain_text("RW-")
    customer_line = page.locator(".msg.role-customer p[dir]").first
    expect(customer_line).to_have_attribute("dir", "rtl")
    expect(page.locator(".reply-form button[type=submit]")).to_be_disabled()

    # Claim; the customer is told Sara joined.
    page.locator('[data-action="claim"]').click()
    expect(page.locator(".conv-tags .state")).to_contain_text("معك")
    expect(page.locator(".messages")).to_contain_text("سارة من فريق رواف")

    # The suggested reply, filled with her name, goes to the customer.
    page.get_by_role("button", name="استخدم الرد المقترح").click()
    box = page.get_by_label("الرد على العميل")
    suggested = box.input_value()
    assert "سارة" in suggested and "{agent}" not in suggested
    page.locator(".reply-form button[type=submit]").click()
    expect(box).to_have_value("")
    expect(page.locator(".msg.role-agent")).to_contain_text("سارة")
    last = transcript(api, cid)["messages"][-1]
    assert (last["role"], last["text"]) == ("agent", suggested)

    # The customer writes: it appears live.
    customer_says(api, cid, "طيب متى يوصل طلبي؟ رقم الطلب RW-100251")
    expect(page.locator(".msg.role-customer").last).to_contain_text("متى يوصل طلبي")

    # An internal note: for colleagues, never in the customer's transcript.
    note = "ملاحظة داخلية: راجعت بوابة شركة الشحن"
    page.get_by_label("ملاحظة جديدة").fill(note)
    page.get_by_role("button", name="إضافة ملاحظة").click()
    expect(page.locator(".note-list")).to_contain_text(note)
    assert note not in str(transcript(api, cid))
    shot(page, "console-conversation-ar.png")

    # Resolve: the conversation closes and leaves the queue.
    page.locator('[data-action="resolve"]').click()
    expect(page.locator(".conv-tags .state")).to_contain_text("تم الحل")
    expect(queue_item(page, hid)).to_have_count(0)
    assert transcript(api, cid)["mode"] == "closed"

    # Log out: the session is gone.
    page.locator("#logout").click()
    expect(page).to_have_url(re.compile(r"/console/login\?bye=1"))
    expect(page.locator("#login-notice")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"] == "cx_agent_session"]
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/console/login"))


def test_english_desk_transfer_and_hand_back(page, api):
    cid, hid = customer_hands_off(api, "en")
    sign_in(page, "omar")
    expect(page).to_have_url(DESK)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("#queue-title")).to_have_text("Queue")

    queue_item(page, hid).locator(".claim").click()
    expect(page.locator(".conv-tags .state")).to_contain_text("With you")
    expect(page.locator(".packet .summary")).to_contain_text("The customer wants help with")
    expect(page.locator(".suggested-text")).to_contain_text("Omar")
    box = page.get_by_label("Reply to the customer")
    box.fill("Hi, this is Omar from Rawaf. Let me check that for you.")
    box.press("Control+Enter")
    expect(page.locator(".msg.role-agent")).to_contain_text("Let me check that for you")
    customer_says(api, cid, "thanks, it's about order RW-100251")
    expect(page.locator(".msg.role-customer").last).to_contain_text("RW-100251")
    expect(page.locator(".msg.role-customer p[dir]").last).to_have_attribute("dir", "ltr")
    shot(page, "console-conversation-en.png")

    # Transfer to the complaints team: back in the queue, and the customer is told.
    page.locator(".transfer summary").click()
    page.get_by_label("To a team").select_option("complaints")
    page.locator(".transfer-form button[type=submit]").click()
    expect(page.locator(".conv-tags .state")).to_contain_text("Waiting")
    expect(page.locator(".conv-tags .state")).to_contain_text("Complaints")
    assert transcript(api, cid)["mode"] == "waiting_human"
    assert transcript(api, cid)["messages"][-1]["payload"]["template"] == "inbox.transferred"

    # Another handoff: claimed, then handed back to the assistant.
    cid2, hid2 = customer_hands_off(api, "en")
    queue_item(page, hid2).locator(".claim").click()
    expect(page.locator("#conv-title")).to_contain_text(hid2)
    page.locator('[data-action="handback"]').click()
    expect(page.locator(".conv-tags .state")).to_contain_text("Back with the assistant")
    assert transcript(api, cid2)["mode"] == "assistant"
    # The language toggle switches the desk to Arabic, right to left.
    page.locator("#lang-toggle").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#queue-title")).to_have_text("قائمة الانتظار")
    page.locator("#lang-toggle").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")


def test_supervisor_dashboard(page, api):
    # One conversation the assistant handled alone, rated 5 in the widget.
    cid = api.post("/v1/conversations", json={"locale": "en"}).json()["id"]
    assert customer_says(api, cid, "How much is delivery?")["mode"] == "assistant"
    rated = api.post(f"/v1/conversations/{cid}/csat", json={"score": 5}).status_code == 201

    sign_in(page, "huda")
    expect(page).to_have_url(DESK)
    page.locator("#nav-supervisor").click()
    expect(page).to_have_url(re.compile(r"//[^/]+/console/supervisor$"))
    expect(page.locator("h1")).to_have_text("لوحة المشرف")
    for metric in ("m-open", "m-waiting", "m-breaching"):
        expect(page.locator(f"#{metric}")).to_have_text(re.compile(r"^\d+$"))
    # Earlier tests: conversations that reached a person, one resolved, one handed back.
    expect(page.locator("#m-containment")).to_have_text(PERCENT)
    expect(page.locator("#m-escalation")).to_have_text(PERCENT)
    expect(page.locator("#m-fcr")).to_have_text(PERCENT)
    expect(page.locator("#m-frt")).to_have_text(re.compile(r"\d"))
    expect(page.locator("#c-reasons")).to_contain_text("طلب التحدث مع موظف")
    for chart in ("c-hourly", "c-containment", "c-reasons", "c-csat", "c-fcr", "c-frt"):
        expect(page.locator(f"#{chart} svg")).to_be_visible()

    r = page.request.get("/v1/supervisor/metrics")
    assert r.status == 200
    metrics = r.json()
    assert metrics["escalation"]["numerator"] >= 4 and metrics["containment"]["numerator"] >= 1
    if rated:  # the widget's rating endpoint
        assert metrics["csat"]["responses"] == 1 and metrics["csat"]["average"] == 5
        expect(page.locator("#m-csat")).to_contain_text("5")
    assert ["explicit_human_request"] == [x["rule_id"] for x in metrics["reasons"]]
    assert metrics["fcr"]["rate"]["denominator"] == 1
    assert metrics["first_response"]["answered"] >= 2

    # Live: a new handoff moves the waiting count without a reload.
    waiting = int(page.locator("#m-waiting").inner_text())
    customer_hands_off(api, "ar")
    expect(page.locator("#m-waiting")).to_have_text(str(waiting + 1))
    shot(page, "console-supervisor.png")
    assert page.request.get("/v1/supervisor/metrics?day=yesterday").status == 422


def test_agents_are_kept_off_the_supervisor_page(page, base):
    # Not signed in: the login page, which comes back here afterwards... but Sara is an agent.
    page.goto("/console/supervisor")
    expect(page).to_have_url(re.compile(r"/console/login\?next=(%2F|/)console(%2F|/)supervisor$"))
    page.get_by_label(re.compile("Username|اسم المستخدم")).fill("sara")
    page.get_by_label(re.compile("Password|كلمة المرور")).fill("demo-sara")
    page.locator("#login-form button[type=submit]").click()
    expect(page.locator("#forbidden")).to_contain_text("للمشرفين")
    expect(page.locator("#forbidden")).to_contain_text("supervisors and admins only")
    assert page.goto("/console/supervisor").status == 403
    r = page.request.get("/v1/supervisor/metrics")
    assert r.status == 403 and r.json()["error"] == "forbidden"
    # The cookie is refused from another origin (SameSite=Strict aside).
    r = page.request.post("/v1/inbox/HO-NOPE/claim", headers={"Origin": "https://evil.example"})
    assert r.status == 403
    assert page.request.get("/v1/agent/me").json()["username"] == "sara"
