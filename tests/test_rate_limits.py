"""Per-client rate limits (issue 15, finding 3): a flood of new conversations, messages,
handoff requests or wrong passwords from one address is refused with 429 and Retry-After (or,
for handoffs, told in the chat), in the caller's language; real customers are not crowded out.
"""

from __future__ import annotations

import socket
import uuid

import httpx
import pytest

from tests.conftest import ALWAYS_OPEN, customer_client, make_settings, policies_copy, serve


def limited(data_dir, tmp_path, **limits):
    policies = policies_copy(tmp_path / "policies", hours=ALWAYS_OPEN, closed_dates=[])
    return make_settings(data_dir, policies_dir=policies,
                         **{f"rate_limit_{k}": v for k, v in limits.items()})


@pytest.fixture
def app_with(data_dir, tmp_path):
    from app import create_app

    def start(**limits):
        return serve(create_app(limited(data_dir, tmp_path, **limits)))
    return start


def refused(r: httpx.Response, lang: str) -> None:
    assert r.status_code == 429, r.text
    assert int(r.headers["retry-after"]) >= 1
    body = r.json()
    assert body["error"] == "too many requests"
    text = body["detail"][0]
    if lang == "ar":
        assert "حاول مرة أخرى" in text and "دقيقة" in text
    else:
        assert "try again in about" in text and "minute" in text


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_new_conversations_from_one_address_are_limited(app_with, lang):
    with app_with(conversations="3/minute") as base, customer_client(base) as api:
        for _ in range(3):
            assert api.post("/v1/conversations", json={"locale": lang}).status_code == 201
        refused(api.post("/v1/conversations", json={"locale": lang}), lang)
        # With no page language, the browser's says which language to refuse in.
        refused(api.post("/v1/conversations", json={},
                         headers={"Accept-Language": f"{lang}-SA,{lang};q=0.9"}), lang)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_message_flood_is_refused_and_nothing_of_it_is_stored(app_with, lang):
    text = "وش طرق الدفع؟" if lang == "ar" else "what payment methods do you take?"
    with app_with(messages="2/minute") as base, customer_client(base) as api:
        cid = api.post("/v1/conversations", json={"locale": lang}).json()["id"]
        for _ in range(2):
            assert api.post(f"/v1/conversations/{cid}/messages", json={"text": text}).status_code == 200
        refused(api.post(f"/v1/conversations/{cid}/messages", json={"text": text}), lang)
        said = [m for m in api.get(f"/v1/conversations/{cid}").json()["messages"]
                if m["role"] == "customer"]
        assert len(said) == 2


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_handoff_flood_does_not_fill_the_queue(app_with, lang):
    # A first calm request is offered a person (escalation.yaml); the yes queues the handoff.
    ask, yes = ("ابي اكلم موظف", "نعم") if lang == "ar" else ("I want to talk to a person", "yes")
    with app_with(handoffs="2/minute") as base, customer_client(base) as api:
        modes = []
        for _ in range(3):
            cid = api.post("/v1/conversations", json={"locale": lang}).json()["id"]
            for text in (ask, yes):
                out = api.post(f"/v1/conversations/{cid}/messages", json={"text": text}).json()
            modes.append(out["mode"])
        assert modes == ["waiting_human", "waiting_human", "assistant"]
        reply = out["replies"][-1]
        assert reply["data"]["template"] == "handoff.rate_limited" and reply["lang"] == lang
        assert ("حاول مرة أخرى" if lang == "ar" else "try again in about") in reply["text"]
        r = api.post("/v1/agent/login", json={"username": "admin", "password": "demo-admin"})
        inbox = api.get("/v1/inbox", headers={"Authorization": f"Bearer {r.json()['token']}"})
        assert len(inbox.json()["items"]) == 2


def test_the_refused_handoff_is_audited(app_with, data_dir):
    import sqlite3

    with app_with(handoffs="1/minute") as base, customer_client(base) as api:
        for _ in range(2):
            cid = api.post("/v1/conversations", json={"locale": "en"}).json()["id"]
            for text in ("get me a human", "yes"):
                api.post(f"/v1/conversations/{cid}/messages", json={"text": text})
    with sqlite3.connect(data_dir / "cx.db") as db:
        rows = db.execute("select allowed, reason from audit_log where action = "
                          "'handoff.refused'").fetchall()
    assert rows == [(0, "too many handoff requests from this connection")]


def test_wrong_passwords_pause_the_account_even_for_the_right_one(app_with):
    with app_with(login_account="3/minute", login_client="100/minute") as base, \
            httpx.Client(base_url=base, timeout=30) as api:
        for _ in range(3):
            r = api.post("/v1/agent/login", json={"username": "sara", "password": "guess"})
            assert r.status_code == 401
        right = api.post("/v1/agent/login", json={"username": "sara", "password": "demo-sara"},
                         headers={"Accept-Language": "ar"})
        refused(right, "ar")
        # Another account from the same address is not paused by sara's failures.
        ok = api.post("/v1/agent/login", json={"username": "huda", "password": "demo-huda"})
        assert ok.status_code == 200


def test_one_address_guessing_across_accounts_is_paused(app_with):
    with app_with(login_account="100/minute", login_client="4/minute") as base, \
            httpx.Client(base_url=base, timeout=30) as api:
        for name in ("sara", "huda", "omar", "admin"):
            r = api.post("/v1/agent/login", json={"username": name, "password": "guess"})
            assert r.status_code == 401
        refused(api.post("/v1/agent/login", json={"username": "sara", "password": "demo-sara"}),
                "en")


def test_settings_refuse_a_limit_they_cannot_read(data_dir):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="is not a rate limit"):
        make_settings(data_dir, rate_limit_messages="lots")


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs the local Redis at 127.0.0.1:6379 "
                                             "(.ci/run starts it)")
async def test_workers_sharing_redis_count_one_client_together(data_dir):
    """Two server processes' limiters, one Redis: the client's third message is refused by
    whichever worker receives it."""
    from tools.rate_limits import RateLimits

    settings = make_settings(data_dir, redis_url="redis://127.0.0.1:6379/15",
                             rate_limit_messages="2/minute")
    one, two = RateLimits(settings), RateLimits(settings)
    client = f"203.0.113.{uuid.uuid4().int % 250}-{uuid.uuid4().hex}"
    assert (await one.hit("messages", client)).allowed
    assert (await two.hit("messages", client)).allowed
    third = await one.hit("messages", client)
    assert not third.allowed and third.retry_after >= 1
    assert (await two.hit("messages", "someone else")).allowed


def test_counters_live_in_memory_unless_redis_is_configured(data_dir):
    from tools.rate_limits import storage_uri

    assert storage_uri(make_settings(data_dir)) == "async+memory://"
    assert storage_uri(make_settings(data_dir, redis_url="redis://10.0.0.5:6379/2")) == (
        "async+valkey://10.0.0.5:6379/2")
    assert storage_uri(make_settings(data_dir, redis_url="rediss://:pw@cache:6380/0")) == (
        "async+valkeys://:pw@cache:6380/0")
    with pytest.raises(ValueError, match="redis://"):
        storage_uri(make_settings(data_dir, redis_url="memcached://x"))
