"""Identity checks that cannot be brute-forced across conversations (issue 15, finding 1).

A guesser who knows a customer's mobile (it is in the README) opens a fresh conversation every
two tries; before the cross-conversation limits, 10 requests verified the owner. These tests
play that attacker in both directions and in both languages, and check the customer-facing side:
the pause is explained in the customer's language, with a way to a person, and audited.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tools.backend import now

PHONE = "0501234567"  # C1001, orders RW-100251 (shipped) and others
OWN_ORDER = "100251"
CLIENT = "198.51.100.7"


async def attempt(assistant, text: str, client: str | None = CLIENT, lang: str = "en"):
    conv = await assistant.start("web", lang, None)
    out = await assistant.turn(conv.id, text, client=client)
    return conv.id, out


def ask(order: str, contact: str, lang: str) -> str:
    if lang == "ar":
        return f"وين طلبي {order} جوالي {contact}"
    return f"where is my order {order}, my phone is {contact}"


def wrong_orders(n: int) -> list[str]:
    # Order numbers that exist but belong to other customers, then ones that do not exist.
    return [str(100101 + i) for i in range(n) if str(100101 + i) != OWN_ORDER]


async def verified(assistant, cid: str) -> bool:
    conv = await assistant.store.get(cid)
    return conv.customer_id is not None


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_a_known_phone_and_order_guesses_across_conversations_verify_nobody(assistant, lang):
    limit = assistant.deps.policies.actions.identity.per_contact.failures
    for order in wrong_orders(limit):
        cid, _ = await attempt(assistant, ask(order, PHONE, lang), lang=lang)
        assert not await verified(assistant, cid)
    # The right order number now, from a fresh conversation and another client address:
    # the contact's count is full, so nothing is checked.
    cid, out = await attempt(assistant, ask(OWN_ORDER, PHONE, lang), client="203.0.113.50",
                             lang=lang)
    assert not await verified(assistant, cid)
    reply = out.replies[-1]
    assert reply["data"]["template"] == "verify_throttled" and reply["lang"] == lang
    assert ("try again" in reply["text"]) if lang == "en" else ("حاول مرة أخرى" in reply["text"])
    # A way to a person, labelled in the customer's language.
    label = assistant.deps.replies.label("quick.talk_to_human", lang)
    assert [q["label"] for q in reply["quick_replies"]] == [label]
    # Nothing about which detail was wrong, or that the pair would have matched.
    assert "RW-100251" not in reply["text"] and "0501234567" not in reply["text"]
    trail = await assistant.deps.backend.audit_trail(cid)
    paused = [r for r in trail if r.action == "verify_identity"]
    assert paused and not paused[-1].allowed and paused[-1].details["outcome"] == "throttled"
    assert paused[-1].details["scope"] == "contact"


async def test_many_phones_against_one_order_are_stopped_by_the_order_count(assistant):
    limit = assistant.deps.policies.actions.identity.per_order.failures
    for n in range(limit):
        # A different client each time: only the order's own count can stop this.
        cid, out = await attempt(assistant, ask(OWN_ORDER, f"05000000{n:02d}", "en"),
                                 client=f"203.0.113.{n}")
        assert not await verified(assistant, cid)
    cid, out = await attempt(assistant, ask(OWN_ORDER, PHONE, "en"), client="192.0.2.200")
    assert not await verified(assistant, cid)
    assert out.replies[-1]["data"]["template"] == "verify_throttled"


async def test_one_client_guessing_many_pairs_is_paused_and_stays_paused(assistant):
    policy = assistant.deps.policies.actions.identity
    # Every pair different, so neither an order nor a contact count fills: the client's does.
    for n in range(policy.per_client.failures):
        await attempt(assistant, ask(str(100120 + n), f"0511111{n:03d}", "en"))
    cid, out = await attempt(assistant, ask(OWN_ORDER, PHONE, "en"))
    assert not await verified(assistant, cid)
    assert out.replies[-1]["data"]["template"] == "verify_throttled"
    # The real customer on another client is not affected by this client's pause.
    cid, _ = await attempt(assistant, ask(OWN_ORDER, PHONE, "en"), client="192.0.2.1")
    assert await verified(assistant, cid)


async def test_the_pause_lifts_when_the_window_slides_past_but_not_while_retrying(assistant):
    throttle = assistant.deps.toolbox.throttle
    policy = assistant.deps.policies.actions.identity
    keys = throttle.keys("RW-100251", PHONE, CLIENT)
    start = now() - timedelta(minutes=policy.per_client.window_minutes * 2)
    for n in range(policy.per_contact.failures):
        await throttle.record(keys, "failed", "c-test", at=start + timedelta(minutes=n))
    during = await throttle.paused(keys, policy, at=start + timedelta(minutes=10))
    assert during is not None and during.scope in {"contact", "order"}
    assert during.retry_after_seconds > 0
    window = timedelta(minutes=policy.per_contact.window_minutes)
    assert await throttle.paused(keys, policy, at=start + window + timedelta(minutes=5)) is None
    # Refusals while paused count against the client only, never the order or contact:
    # a guesser cannot keep a customer's own order locked for good.
    client_only = {"client": keys["client"]}
    for n in range(policy.per_client.failures):
        await throttle.record(keys, "blocked", "c-test", at=start + timedelta(minutes=20 + n))
    later = start + window + timedelta(minutes=5)
    assert await throttle.paused({k: v for k, v in keys.items() if k != "client"}, policy,
                                 at=later) is None
    recent = now()
    for n in range(policy.per_client.failures):
        await throttle.record(client_only, "blocked", "c-test", at=recent)
    assert (await throttle.paused(client_only, policy, at=recent)).scope == "client"


async def test_no_phone_or_email_is_stored_with_the_attempts(assistant, settings):
    import sqlite3

    await attempt(assistant, ask("100102", PHONE, "en"))
    await attempt(assistant, "where is my order 100103, my email is someone@example.com")
    with sqlite3.connect(settings.data_dir / "cx.db") as db:
        rows = db.execute("select scope, key from verification_attempts").fetchall()
    assert {s for s, _ in rows} == {"order", "contact", "client"}
    blob = " ".join(k for _, k in rows)
    for secret in ("0501234567", "966501234567", "someone@example.com", CLIENT, "100102"):
        assert secret not in blob


def test_the_web_api_counts_the_callers_address(api, settings):
    """Over real HTTP: fresh conversations from one address hit the client's limit."""
    import sqlite3

    for n in range(3):
        cid = api.post("/v1/conversations", json={"channel": "web"}).json()["id"]
        r = api.post(f"/v1/conversations/{cid}/messages",
                     json={"text": f"where is my order {100130 + n}, my phone is 05222220{n:02d}"})
        assert r.status_code == 200
    with sqlite3.connect(settings.data_dir / "cx.db") as db:
        clients = db.execute("select count(distinct key), count(*) from verification_attempts "
                             "where scope = 'client'").fetchone()
    assert clients == (1, 3)


def test_a_paused_check_is_explained_over_http_in_arabic(api):
    limit = 5
    for n in range(limit):
        cid = api.post("/v1/conversations", json={"channel": "web"}).json()["id"]
        api.post(f"/v1/conversations/{cid}/messages",
                 json={"text": f"وين طلبي {100140 + n} جوالي {PHONE}"})
    cid = api.post("/v1/conversations", json={"channel": "web"}).json()["id"]
    body = api.post(f"/v1/conversations/{cid}/messages",
                    json={"text": f"وين طلبي {OWN_ORDER} جوالي {PHONE}"}).json()
    reply = body["replies"][-1]
    assert reply["lang"] == "ar" and "حاول مرة أخرى" in reply["text"]
    assert reply["quick_replies"][0]["label"] == "التحدث مع موظف"
    assert api.get(f"/v1/conversations/{cid}").json()["verified"] is False


# --- bad input is a clear 4xx, never a server error (finding 5) ---------------------------------

def _login(api, username: str = "admin") -> dict[str, str]:
    r = api.post("/v1/agent/login", json={"username": username, "password": f"demo-{username}"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_a_lone_surrogate_in_a_message_is_refused_and_nothing_is_stored(api):
    cid = api.post("/v1/conversations", json={"channel": "web"}).json()["id"]
    body = '{"text": "hello \\ud800"}'
    r = api.post(f"/v1/conversations/{cid}/messages", content=body,
                 headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert "Unicode" in r.text
    assert api.get(f"/v1/conversations/{cid}").json()["messages"] == []


def test_a_signed_token_with_a_non_text_customer_id_is_refused(api, settings):
    from app import identity_serializer

    for claims in ({"customer_id": ["C1001"]}, {"customer_id": {"id": "C1001"}}, ["C1001"],
                   {"customer_id": 1001}):
        token = identity_serializer(settings).dumps(claims)
        r = api.post("/v1/conversations", json={"channel": "web", "customer_token": token})
        assert r.status_code == 401, (claims, r.text)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_metrics_for_a_day_outside_any_calendar_we_serve_is_a_422(api, day):
    r = api.get(f"/v1/supervisor/metrics?day={day}", headers=_login(api))
    assert r.status_code == 422, r.text


@pytest.mark.parametrize("header", ["²", "١٢", "99999999999999999999999", "-1", "12a"])
def test_a_malformed_last_event_id_is_a_422_not_a_broken_stream(api, header):
    cid = api.post("/v1/conversations", json={"channel": "web"}).json()["id"]
    # Sent as raw UTF-8 bytes, as a hostile client would (httpx only sends str as ASCII).
    r = api.get(f"/v1/conversations/{cid}/events", headers={"Last-Event-ID": header.encode()})
    assert r.status_code == 422, (header, r.status_code, r.text)


def test_an_after_beyond_64_bits_is_a_422(api):
    cid = api.post("/v1/conversations", json={"channel": "web"}).json()["id"]
    r = api.get(f"/v1/conversations/{cid}/events?after={2**64}")
    assert r.status_code == 422, r.text


async def test_messages_to_unknown_conversations_leave_no_lock_behind(assistant):
    from agent.service import UnknownConversation

    for n in range(200):
        with pytest.raises(UnknownConversation):
            await assistant.turn(f"cv_nope_{n}", "hello")
    conv = await assistant.start("web", "en", None)
    await assistant.turn(conv.id, "hello")
    # Idle locks go as soon as their turn ends: the table does not grow with traffic.
    assert len(assistant._locks) == 0


# --- production refuses what development only warns about (finding 4) -------------------------

def test_production_refuses_short_secrets():
    from pydantic import ValidationError

    from settings import Settings

    with pytest.raises(ValidationError, match="CX_IDENTITY_SECRET must be at least 32 bytes"):
        Settings(_env_file=None, environment="production", identity_secret="a",
                 agent_secret="y" * 32)
    with pytest.raises(ValidationError, match="CX_AGENT_SECRET must be at least 32 bytes"):
        Settings(_env_file=None, environment="production", identity_secret="x" * 32,
                 agent_secret="short")
    Settings(_env_file=None, environment="production", identity_secret="x" * 32,
             agent_secret="y" * 32)


async def test_production_refuses_to_start_while_demo_logins_work(data_dir):
    from app import UnsafeDeployment, create_app
    from tests.conftest import make_settings
    from tools.agents import DEMO_AGENTS, AgentStore
    from tools.db import make_engine

    settings = make_settings(data_dir, environment="production", identity_secret="x" * 32,
                             agent_secret="y" * 32)
    app = create_app(settings)
    with pytest.raises(UnsafeDeployment, match="admin") as refused:
        async with app.router.lifespan_context(app):
            pass
    assert "cx agent passwd" in str(refused.value)
    # Every published password changed or the account disabled: it starts.
    engine = make_engine(settings.db_url)
    store = AgentStore(engine)
    for demo in DEMO_AGENTS:
        if demo.username == "admin":
            await store.set_active("admin", False)
        else:
            await store.set_password(demo.username, f"{demo.username}-a-long-new-password")
    await engine.dispose()
    async with app.router.lifespan_context(app):
        pass


async def test_development_says_what_production_would_refuse(data_dir, caplog):
    import logging

    from app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(data_dir))
    with caplog.at_level(logging.WARNING, logger="cx"):
        async with app.router.lifespan_context(app):
            pass
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "CX_IDENTITY_SECRET" in warned and "demo agent accounts" in warned


# --- a retried message is answered once (finding 7) -------------------------------------------

@pytest.mark.parametrize("lang,text", [("en", "how long does delivery take to jeddah?"),
                                       ("ar", "كم ياخذ التوصيل لجدة؟")])
def test_a_retried_message_is_stored_and_answered_once(api, lang, text):
    cid = api.post("/v1/conversations", json={"channel": "web", "locale": lang}).json()["id"]
    first = api.post(f"/v1/conversations/{cid}/messages",
                     json={"text": text, "client_message_id": "m-1"})
    again = api.post(f"/v1/conversations/{cid}/messages",
                     json={"text": text, "client_message_id": "m-1"})
    header = api.post(f"/v1/conversations/{cid}/messages", json={"text": text},
                      headers={"Idempotency-Key": "m-1"})
    assert first.status_code == again.status_code == header.status_code == 200
    assert first.json() == again.json() == header.json()
    messages = api.get(f"/v1/conversations/{cid}").json()["messages"]
    assert [m["role"] for m in messages].count("customer") == 1
    # A new id is a new message; the same id with other words is refused, and stores nothing.
    api.post(f"/v1/conversations/{cid}/messages", json={"text": text, "client_message_id": "m-2"})
    clash = api.post(f"/v1/conversations/{cid}/messages",
                     json={"text": "something else", "client_message_id": "m-1"})
    assert clash.status_code == 409 and clash.json()["error"] == "message id reused"
    messages = api.get(f"/v1/conversations/{cid}").json()["messages"]
    assert [m["role"] for m in messages].count("customer") == 2


def test_a_retried_stream_replays_the_first_answer(api):
    cid = api.post("/v1/conversations", json={"channel": "web"}).json()["id"]
    headers = {"accept": "text/event-stream"}
    body = {"text": "can i pay with tabby?", "client_message_id": "s-1"}
    one = api.post(f"/v1/conversations/{cid}/messages", json=body, headers=headers).text
    two = api.post(f"/v1/conversations/{cid}/messages", json=body, headers=headers).text
    pick = lambda raw: [ln for ln in raw.splitlines() if ln.startswith("data:")]  # noqa: E731
    assert pick(one) and pick(one)[-2:] == pick(two)[-2:]
    messages = api.get(f"/v1/conversations/{cid}").json()["messages"]
    assert [m["role"] for m in messages].count("customer") == 1


async def test_a_turn_that_died_after_storing_the_message_runs_once_more_without_a_copy(
        assistant):
    from agent.service import _text_hash

    conv = await assistant.start("web", "en", None)
    # What a crash between storing the message and answering it leaves behind.
    await assistant.store.append(conv.id, "customer", "hello", receipt=("m-9", _text_hash("hello")))
    out = await assistant.turn(conv.id, "hello", message_id="m-9")
    assert out.replies
    _, messages = await assistant.transcript(conv.id)
    assert [m.role for m in messages].count("customer") == 1
    assert (await assistant.turn(conv.id, "hello", message_id="m-9")) == out


# --- the conversation secret: an id alone opens nothing (finding 2) ----------------------------

def _customer_calls(cid: str) -> list[tuple[str, str, dict]]:
    """Every call a customer's client makes about its conversation."""
    base = f"/v1/conversations/{cid}"
    return [("GET", base, {}), ("POST", f"{base}/messages", {"json": {"text": "list my orders"}}),
            ("GET", f"{base}/events", {}), ("POST", f"{base}/stream-token", {}),
            ("POST", f"{base}/end", {}), ("GET", f"{base}/csat", {}),
            ("POST", f"{base}/csat", {"json": {"score": 1}})]


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_verified_conversations_id_alone_opens_nothing(api, settings, lang):
    """Someone who saw the id (an access log, an export, a screenshot) cannot read the
    transcript, follow the stream or chat as the signed-in customer."""
    import httpx

    from app import mint_customer_token

    created = api.post("/v1/conversations", json={
        "locale": lang, "customer_token": mint_customer_token(settings, "C1001")}).json()
    cid, secret = created["id"], created["secret"]
    text = "وين طلبي" if lang == "ar" else "where is my order"
    assert api.post(f"/v1/conversations/{cid}/messages", json={"text": text}).status_code == 200
    other = api.post("/v1/conversations", json={"locale": lang}).json()["secret"]
    with httpx.Client(base_url=str(api.base_url), timeout=30) as stranger:
        for method, path, extra in _customer_calls(cid):
            for headers in ({}, {"Authorization": "Bearer " + other},
                            {"Authorization": "Bearer " + secret[:-1] + "x"},
                            {"Authorization": "Basic " + secret}):
                r = stranger.request(method, path, headers=headers, **extra)
                assert r.status_code == 401, (method, path, headers, r.status_code)
                assert r.json()["error"] == "not authenticated" and r.json()["detail"]
                assert r.headers["www-authenticate"] == "Bearer"
        # The owner's secret opens it; nothing the stranger sent was stored or changed.
        r = stranger.get(f"/v1/conversations/{cid}", headers={"Authorization": "Bearer " + secret})
    assert r.status_code == 200 and r.json()["verified"] is True
    assert [m["role"] for m in r.json()["messages"]] == ["customer", "assistant"]
    assert r.json()["mode"] == "assistant"


def test_only_a_hash_of_the_secret_is_stored(api, settings):
    import sqlite3

    created = api.post("/v1/conversations", json={}).json()
    assert len(created["secret"]) >= 43  # 32 random bytes
    with sqlite3.connect(settings.data_dir / "cx.db") as db:
        (stored,) = db.execute("select secret_hash from conversation_secrets "
                               "where conversation_id = ?", (created["id"],)).fetchone()
    assert created["secret"] not in stored and len(stored) == 64
    assert (settings.data_dir / "cx.db").read_bytes().find(created["secret"].encode()) < 0


def test_the_event_stream_opens_with_a_fresh_token_for_its_own_conversation(data_dir):
    import time

    import httpx

    from app import create_app
    from tests.conftest import customer_client, make_settings, serve

    settings = make_settings(data_dir, stream_token_ttl_s=1)
    with serve(create_app(settings)) as base, customer_client(base) as api:
        mine = api.post("/v1/conversations", json={}).json()["id"]
        theirs = api.post("/v1/conversations", json={}).json()["id"]
        token = api.post(f"/v1/conversations/{mine}/stream-token").json()
        assert token["expires_in"] == 1
        with httpx.Client(base_url=base, timeout=30) as browser:
            wrong = browser.get(f"/v1/conversations/{theirs}/events",
                                params={"token": token["token"]})
            assert wrong.status_code == 401 and "another conversation" in wrong.json()["detail"][0]
            forged = browser.get(f"/v1/conversations/{mine}/events", params={"token": "x.y.z"})
            assert forged.status_code == 401
            with browser.stream("GET", f"/v1/conversations/{mine}/events",
                                params={"token": token["token"]}) as live:
                assert live.status_code == 200
                first = next(line for line in live.iter_lines() if line.startswith("data:"))
                assert mine in first
            time.sleep(2.1)  # past the token's life: it no longer opens the stream
            late = browser.get(f"/v1/conversations/{mine}/events", params={"token": token["token"]})
            assert late.status_code == 401 and "expired" in late.json()["detail"][0]
