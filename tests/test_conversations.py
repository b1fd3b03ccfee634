"""End-to-end conversations over real HTTP with the offline brain, in Arabic and English."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import httpx
import pytest

# Demo customers: C1001 (Arabic) and C1002 (English), see tools/demo_data.
CASES = {
    "ar": {
        "faq": "كم يوم ياخذ التوصيل لجدة؟",
        "faq_expect": "يوم",
        "track": "وين طلبي رقم ١٠٠٢٥١",
        "track_order": "RW-100251",
        "contact": "جوالي ٠٥٠١٢٣٤٥٦٧",
        "cancel": "ابغى الغي الطلب RW-100316",
        "cancel_order": "RW-100316",
        "yes": "نعم",
        "cancel_shipped": "ابي الغي طلبي 100251",
        "human": "ابغى اكلم موظف خدمة العملاء",
    },
    "en": {
        "faq": "How long does delivery take to Jeddah?",
        "faq_expect": "business day",
        "track": "Where is my order RW-100280?",
        "track_order": "RW-100280",
        "contact": "my email is sarah.aldosari@example.com",
        "cancel": "I want to cancel order RW-100310",
        "cancel_order": "RW-100310",
        "yes": "yes",
        "cancel_shipped": "please cancel my order 100280",
        "human": "I want to talk to a human agent",
    },
}


def start(api: httpx.Client, **body) -> str:
    r = api.post("/v1/conversations", json={"channel": "web", **body})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def say(api: httpx.Client, cid: str, text: str) -> dict:
    r = api.post(f"/v1/conversations/{cid}/messages", json={"text": text})
    assert r.status_code == 200, r.text
    return r.json()


def order_status(settings, order_id: str) -> str:
    with sqlite3.connect(settings.data_dir / "cx.db") as db:
        return db.execute("select status from orders where id = ?", (order_id,)).fetchone()[0]


def audit_actions(settings, cid: str) -> list[tuple[str, int]]:
    with sqlite3.connect(settings.data_dir / "cx.db") as db:
        return db.execute(
            "select action, allowed from audit_log where conversation_id = ? order by id", (cid,)
        ).fetchall()


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_faq_question_is_answered_with_a_citation(api, lang):
    case = CASES[lang]
    cid = start(api)
    out = say(api, cid, case["faq"])
    reply = out["replies"][0]
    assert out["language"] == lang and reply["lang"] == lang
    assert reply["citations"], reply
    assert reply["citations"][0]["source"].startswith(("faq", "articles"))
    assert case["faq_expect"] in reply["text"]


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_tracking_an_order_needs_verification_first(api, settings, lang):
    case = CASES[lang]
    cid = start(api)
    first = say(api, cid, case["track"])["replies"][0]
    assert first["data"]["template"] == "ask_contact"
    assert case["track_order"] in first["text"]
    second = say(api, cid, case["contact"])["replies"]
    tracked = second[-1]
    assert tracked["data"]["template"].startswith("track.status_shipped")
    assert case["track_order"] in tracked["text"]
    assert tracked["data"]["tracking_number"] in tracked["text"]
    assert tracked["lang"] == lang
    assert ("verify_identity", 1) in audit_actions(settings, cid)
    assert ("track_shipment", 1) in audit_actions(settings, cid)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_cancelling_a_pending_order_after_explicit_yes(api, settings, lang):
    case = CASES[lang]
    order = case["cancel_order"]
    cid = start(api)
    assert say(api, cid, case["cancel"])["replies"][0]["data"]["template"] == "ask_contact"
    confirm = say(api, cid, case["contact"])["replies"][-1]
    assert confirm["kind"] == "confirmation"
    assert order in confirm["text"]
    assert [q["text"] for q in confirm["quick_replies"]]
    # Nothing changes until the customer says yes.
    assert order_status(settings, order) == "pending"
    done = say(api, cid, case["yes"])["replies"][-1]
    assert done["data"]["template"] == "cancel.ok"
    assert order in done["text"]
    assert order_status(settings, order) == "cancelled"
    actions = audit_actions(settings, cid)
    assert ("cancel_order", 0) in actions and ("cancel_order", 1) in actions


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_shipped_order_cannot_be_cancelled_and_the_reply_says_why(api, settings, lang):
    case = CASES[lang]
    order = case["track_order"]
    cid = start(api)
    say(api, cid, case["cancel_shipped"])
    refusal = say(api, cid, case["contact"])["replies"][-1]
    assert refusal["data"]["template"] == "cancel.not_cancellable"
    assert order in refusal["text"]
    why = "تم شحنه" if lang == "ar" else "already shipped"
    assert why in refusal["text"]
    assert order_status(settings, order) == "shipped"
    assert ("cancel_order", 0) in audit_actions(settings, cid)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_asking_for_a_human_creates_a_handoff(api, settings, lang):
    cid = start(api)
    # Asked up front: one offer, with a button, and what the assistant can do right away.
    offer = say(api, cid, CASES[lang]["human"])
    assert offer["mode"] == "assistant"
    assert offer["replies"][-1]["data"]["template"] == "handoff.offer"
    button = offer["replies"][-1]["quick_replies"][0]["text"]
    # Asked again (by tapping the button): handed over, never offered a second time.
    out = say(api, cid, button)
    assert out["mode"] == "waiting_human"
    assert out["handoff"]["status"] == "queued"
    notice = out["replies"][-1]
    assert notice["kind"] == "handoff" and notice["lang"] == lang
    assert out["handoff"]["id"] in notice["text"]
    with sqlite3.connect(settings.data_dir / "cx.db") as db:
        row = db.execute(
            "select language, status, summary from handoffs where conversation_id = ?", (cid,)
        ).fetchone()
    assert row[0] == lang and row[1] == "queued"
    assert "asked to talk to a person" in row[2] or "طلب التحدث مع موظف" in row[2]
    # While waiting, the assistant only gives the status; it does not start over.
    again = say(api, cid, "hello?" if lang == "en" else "هلا؟")
    assert again["mode"] == "waiting_human"
    assert again["replies"][-1]["data"]["template"] == "handoff.already"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_someone_elses_order_is_never_shown(api, settings, lang):
    # C1002's order with C1001's phone: verification fails without saying which part is wrong.
    cid = start(api)
    say(api, cid, "where is my order RW-100280" if lang == "en" else "وين طلبي RW-100280")
    out = say(api, cid, "0501234567")["replies"][-1]
    assert out["data"]["template"] == "verify_mismatch"
    assert "SMSA" not in out["text"] and "Aramex" not in out["text"]
    assert ("verify_identity", 0) in audit_actions(settings, cid)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_logged_in_customer_is_verified_by_signed_token(api, settings, lang):
    from app import mint_customer_token

    customer, order = ("C1001", "RW-100251") if lang == "ar" else ("C1002", "RW-100280")
    cid = start(api, customer_token=mint_customer_token(settings, customer), locale=lang)
    text = f"وين طلبي {order}" if lang == "ar" else f"where is my order {order}"
    reply = say(api, cid, text)["replies"][-1]
    assert reply["data"]["template"] == "track.status_shipped"
    bad = api.post("/v1/conversations", json={"customer_token": "forged.token"})
    assert bad.status_code == 401 and "not valid" in bad.json()["detail"][0]


def test_language_follows_the_customer_and_honours_requests(api):
    cid = start(api, locale="ar")
    assert say(api, cid, "hello")["language"] == "en"
    out = say(api, cid, "ابغى اسوي cancel للطلب")
    assert out["language"] == "ar"
    switched = say(api, cid, "English please")
    assert switched["language"] == "en"
    assert switched["replies"][0]["text"].startswith("Sure, I'll continue in English.")
    # A locked choice holds even when the next message is in Arabic.
    assert say(api, cid, "شكرا")["language"] == "en"


def test_bad_input_gets_a_clear_4xx_and_loses_nothing(api, settings):
    cid = start(api)
    say(api, cid, "hello")
    before = api.get(f"/v1/conversations/{cid}").json()["messages"]

    empty = api.post(f"/v1/conversations/{cid}/messages", json={"text": "   "})
    assert empty.status_code == 422 and "empty" in empty.json()["detail"][0]
    huge = api.post(f"/v1/conversations/{cid}/messages", json={"text": "x" * 5000})
    assert huge.status_code == 413 and "limit" in huge.json()["detail"][0]
    unknown = api.post("/v1/conversations/cv_nope/messages", json={"text": "hi"},
                       headers={"Authorization": "Bearer x"})
    assert unknown.status_code == 404 and unknown.json()["error"] == "conversation not found"
    malformed = api.post(
        f"/v1/conversations/{cid}/messages",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert malformed.status_code == 422 and malformed.json()["error"] == "invalid request"
    missing = api.post(f"/v1/conversations/{cid}/messages", json={"txt": "hi"})
    assert missing.status_code == 422 and any("text" in d for d in missing.json()["detail"])
    assert api.get("/v1/conversations/cv_nope", headers={"Authorization": "Bearer x"}).status_code == 404

    after = api.get(f"/v1/conversations/{cid}").json()["messages"]
    assert after == before
    assert say(api, cid, "thanks")["replies"]


def test_replies_stream_as_server_sent_events(api):
    cid = start(api)
    events = []
    with api.stream(
        "POST", f"/v1/conversations/{cid}/messages",
        json={"text": "What payment methods do you accept?"},
        headers={"accept": "text/event-stream"},
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("event:"):
                events.append(line.split(":", 1)[1].strip())
    assert events[-1] == "done" and "message" in events
    transcript = api.get(f"/v1/conversations/{cid}").json()["messages"]
    assert [m["role"] for m in transcript] == ["customer", "assistant"]


def test_conversation_survives_a_restart(settings):
    from app import create_app
    from tests.conftest import ConversationKeys, customer_client, serve

    keys = ConversationKeys()  # the widget keeps the secret across the server's restart
    with serve(create_app(settings)) as base, customer_client(base, keys) as api:
        cid = start(api)
        assert say(api, cid, "where is my order RW-100280")["replies"][0]["data"]["template"] == (
            "ask_contact"
        )
    # A new process-equivalent: fresh app, same SQLite files.
    with serve(create_app(settings)) as base, customer_client(base, keys) as api:
        tracked = say(api, cid, "sarah.aldosari@example.com")["replies"][-1]
        assert tracked["data"]["template"] == "track.status_shipped"
        transcript = api.get(f"/v1/conversations/{cid}").json()["messages"]
        assert len(transcript) == 4


def test_health_and_openapi(api):
    health = api.get("/healthz").json()
    assert health["status"] == "ok" and health["brain"] == "offline"
    assert health["knowledge_chunks"] > 100
    spec = api.get("/openapi.json").json()
    assert "/v1/conversations/{conversation_id}/messages" in spec["paths"]


async def test_concurrent_messages_in_one_conversation_are_serialised(assistant):
    conv = await assistant.start()
    await asyncio.gather(*(assistant.turn(conv.id, t) for t in ["hello", "thanks", "bye"]))
    _, transcript = await assistant.transcript(conv.id)
    roles = [m.role for m in transcript]
    assert roles == ["customer", "assistant"] * 3


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_only_an_explicit_yes_cancels_and_no_keeps_the_order(api, settings, lang):
    case = CASES[lang]
    order = case["cancel_order"]
    cid = start(api)
    say(api, cid, case["cancel"])
    say(api, cid, case["contact"])
    vague = say(api, cid, "okay English please" if lang == "en" else "طيب بس وش يصير بعدين؟")
    assert order_status(settings, order) == "pending"
    assert vague["replies"][-1]["data"]["template"] != "cancel.ok"
    say(api, cid, case["cancel"])
    kept = say(api, cid, "no, keep it" if lang == "en" else "لا خلاص خله")["replies"][-1]
    assert kept["data"]["template"] == "cancel.kept"
    assert order_status(settings, order) == "pending"


FRUSTRATION = {
    "ar": {
        "annoyed": "للحين ما وصل طلبي، كم رسوم التوصيل اصلا؟؟؟",
        "angry": "نصابين!!! يا اغبياء حسبي الله عليكم",
        "legal": "بشتكي عليكم في وزارة التجارة",
        "empathy": "أعتذر لك",
        "empathy_strong": "أعتذر لك جداً",
    },
    "en": {
        "annoyed": "this is ridiculous!!! how much is delivery anyway",
        "angry": "You are SCAMMERS!!! stupid thieves",
        "legal": "I will report you to the ministry of commerce",
        "empathy": "I'm sorry for the trouble",
        "empathy_strong": "I'm really sorry",
    },
}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_an_annoyed_customer_gets_empathy_first(api, lang):
    cid = start(api)
    out = say(api, cid, FRUSTRATION[lang]["annoyed"])
    assert out["frustration"] in ("annoyed", "frustrated")
    # The apology fits the level: "I'm sorry for the trouble" or, frustrated, "I'm really sorry".
    assert out["replies"][0]["text"].startswith(
        (FRUSTRATION[lang]["empathy"], FRUSTRATION[lang]["empathy_strong"]))
    assert out["mode"] == "assistant"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_an_angry_customer_is_handed_to_a_person_with_high_priority(api, settings, lang):
    cid = start(api)
    out = say(api, cid, FRUSTRATION[lang]["angry"])
    assert out["frustration"] == "angry"
    assert out["mode"] == "waiting_human" and out["handoff"]["priority"] == "high"
    assert out["replies"][-1]["text"].startswith(FRUSTRATION[lang]["empathy_strong"])
    with sqlite3.connect(settings.data_dir / "cx.db") as db:
        reason = db.execute(
            "select details from audit_log where conversation_id=? and action='escalate'", (cid,)
        ).fetchone()[0]
    assert "angry_customer" in reason


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_regulator_threat_goes_to_a_person_urgently_with_every_fired_rule_recorded(
    api, settings, lang
):
    cid = start(api)
    say(api, cid, FRUSTRATION[lang]["annoyed"])
    out = say(api, cid, FRUSTRATION[lang]["legal"])
    assert out["mode"] == "waiting_human" and out["handoff"]["priority"] == "urgent"
    with sqlite3.connect(settings.data_dir / "cx.db") as db:
        details = json.loads(db.execute(
            "select details from audit_log where conversation_id=? and action='escalate'", (cid,)
        ).fetchone()[0])
    assert details["rule_id"] == "legal_or_regulator_threat"
    assert details["fired"][0]["reasons"] and details["policy_version"]


def test_the_page_language_switch_overrides_detection(api):
    cid = start(api, locale="en")
    r = api.post(f"/v1/conversations/{cid}/messages", json={"text": "hello", "locale": "ar"})
    assert r.status_code == 200 and r.json()["language"] == "ar"
    assert r.json()["replies"][0]["lang"] == "ar"
    # The choice holds for later messages without the switch.
    assert say(api, cid, "how much is delivery?")["language"] == "ar"
    bad = api.post(f"/v1/conversations/{cid}/messages", json={"text": "hi", "locale": "fr"})
    assert bad.status_code == 422


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_verified_customer_lists_only_their_own_orders(api, settings, lang):
    from app import mint_customer_token

    customer, own, other = ("C1001", "RW-100251", "RW-100280") if lang == "ar" else (
        "C1002", "RW-100280", "RW-100251")
    cid = start(api, customer_token=mint_customer_token(settings, customer))
    reply = say(api, cid, "اعرض طلباتي" if lang == "ar" else "show me my orders")["replies"][-1]
    assert reply["kind"] == "orders" and reply["lang"] == lang
    assert own in reply["text"] and other not in reply["text"]


@pytest.mark.parametrize("lang,text", [
    ("ar", "كم يوم عندي عشان ارجع جوال اشتريته؟"),
    ("en", "how many days do I have to send back a phone?"),
])
def test_dialect_question_is_answered_from_the_right_topic(api, lang, text):
    # Either an answer citing the returns content, or a clarifying question led by it.
    cid = start(api)
    reply = say(api, cid, text)["replies"][0]
    assert reply["lang"] == lang
    if reply["citations"]:
        cited = reply["citations"][0]
        assert "return" in cited["source"] or cited["anchor"].startswith("returns"), cited
    else:
        assert reply["data"]["template"] == "knowledge.clarify", reply
        first = reply["quick_replies"][0]["text"].lower()
        assert any(w in first for w in ("return", "إرجاع", "ارجاع")), reply["quick_replies"]


def test_only_configured_origins_may_call_from_a_browser(data_dir):
    from app import create_app
    from tests.conftest import make_settings, serve

    settings = make_settings(data_dir, cors_origins=["https://shop.example"])
    with serve(create_app(settings)) as base, httpx.Client(base_url=base, timeout=60) as api:
        ok = api.options("/v1/conversations", headers={
            "origin": "https://shop.example", "access-control-request-method": "POST"})
        assert ok.headers.get("access-control-allow-origin") == "https://shop.example"
        other = api.options("/v1/conversations", headers={
            "origin": "https://evil.example", "access-control-request-method": "POST"})
        assert "access-control-allow-origin" not in other.headers


def test_streaming_to_an_unknown_conversation_is_a_404(api):
    r = api.post("/v1/conversations/cv_nope/messages", json={"text": "hi"},
                 headers={"accept": "text/event-stream", "Authorization": "Bearer x"})
    assert r.status_code == 404 and r.json()["error"] == "conversation not found"
