"""The human side of a handoff over real HTTP: agents log in, work the queue, talk to the
customer live (server-sent events both ways), and hand the conversation back, in both languages."""

from __future__ import annotations

import asyncio
import json
import queue
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from tests.conftest import customer_client, serve

CASES = {
    "ar": {
        "ask": ["أبي أكلم موظف", "أبي موظف الحين", "ابغى اكلم موظف خدمة العملاء"],
        "joined": "سارة من فريق رواف",
        "reply": "أهلًا، معك سارة من فريق رواف. شفت طلبك وأتابعه الحين.",
        "again": "طيب متى يوصل طلبي؟",
        "faq": "كم رسوم التوصيل؟",
        "faq_expect": "25",
    },
    "en": {
        "ask": ["I want to talk to a human agent", "a human please", "human"],
        "joined": "Sara from the Rawaf team",
        "reply": "Hi, this is Sara from Rawaf. I can see your request and I'm on it.",
        "again": "ok, when will my order arrive?",
        "faq": "How much is delivery?",
        "faq_expect": "25",
    },
}


@pytest.fixture
def settings(settings):
    """Frequent keep-alive pings, so stream readers notice quickly when they should stop."""
    return settings.model_copy(update={"sse_ping_s": 0.5})


class Stream:
    """A server-sent event stream read in a thread: events (and pings) land in a queue."""

    def __init__(self, base: str, path: str, *, params: dict | None = None,
                 headers: dict | None = None) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._backlog: list[dict[str, Any]] = []
        self.status: int | None = None
        self.body = b""
        self.ended = threading.Event()  # the server finished the response
        self._stop = threading.Event()
        self._opened = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(base, path, params, headers), daemon=True)
        self._thread.start()
        assert self._opened.wait(15), "the stream did not open"

    def _run(self, base, path, params, headers) -> None:
        try:
            with httpx.Client(base_url=base, timeout=httpx.Timeout(15)) as client, \
                    client.stream("GET", path, params=params, headers=headers) as response:
                self.status = response.status_code
                if response.status_code != 200:
                    self.body = response.read()
                    return
                self._opened.set()
                event: dict[str, Any] = {}
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if not line:
                        if event:
                            self.events.put(event)
                        event = {}
                    elif line.startswith(":"):
                        self.events.put({"event": "ping"})
                    else:
                        field, _, value = line.partition(":")
                        value = value[1:] if value.startswith(" ") else value
                        event[field] = json.loads(value) if field == "data" else value
                self.ended.set()
        finally:
            self._opened.set()

    def next(self, event: str, where: Callable[[dict], bool] = lambda d: True,
             timeout: float = 15) -> dict[str, Any]:
        """The first event of this type whose data matches, in order of arrival; other
        events stay for later calls (pings are dropped)."""
        def matches(ev: dict) -> bool:
            return ev.get("event") == event and where(ev.get("data") or {})

        for ev in self._backlog:
            if matches(ev):
                self._backlog.remove(ev)
                return ev
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                ev = self.events.get(timeout=left)
            except queue.Empty:
                break
            if matches(ev):
                return ev
            if ev.get("event") != "ping":
                self._backlog.append(ev)
        raise AssertionError(f"no {event!r} event within {timeout} s; got {self._backlog}")

    def drain(self, wait: float = 1.0) -> list[dict[str, Any]]:
        """Every event not taken yet, waiting `wait` seconds for more (pings dropped)."""
        seen, self._backlog = self._backlog, []
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            try:
                ev = self.events.get(timeout=left)
            except queue.Empty:
                break
            if ev.get("event") != "ping":
                seen.append(ev)
        return seen

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)


def start(api: httpx.Client, lang: str) -> str:
    r = api.post("/v1/conversations", json={"locale": lang})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def say(api: httpx.Client, cid: str, text: str) -> dict[str, Any]:
    r = api.post(f"/v1/conversations/{cid}/messages", json={"text": text})
    assert r.status_code == 200, r.text
    return r.json()


def escalate(api: httpx.Client, cid: str, lang: str) -> dict[str, Any]:
    """Ask for a person until the conversation waits for one (at most three messages)."""
    for text in CASES[lang]["ask"]:
        out = say(api, cid, text)
        if out["mode"] == "waiting_human":
            assert out["handoff"]["status"] == "queued"
            return out
    raise AssertionError(f"no handoff after {CASES[lang]['ask']}: {out}")


def login(api: httpx.Client, username: str) -> dict[str, str]:
    r = api.post("/v1/agent/login", json={"username": username, "password": f"demo-{username}"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["agent"]["username"] == username and "password_hash" not in body["agent"]
    return {"Authorization": f"Bearer {body['token']}"}


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].split(" ", 1)[1]


def transcript(api: httpx.Client, cid: str) -> dict[str, Any]:
    r = api.get(f"/v1/conversations/{cid}")
    assert r.status_code == 200, r.text
    return r.json()


def audit(settings, cid: str | None = None) -> list[tuple[str, str, bool]]:
    query = "select actor, action, allowed from audit_log where actor like 'agent:%'"
    args: tuple = ()
    if cid:
        query += " and conversation_id = ?"
        args = (cid,)
    with sqlite3.connect(settings.data_dir / "cx.db") as conn:
        return [(a, b, bool(c)) for a, b, c in conn.execute(query + " order by id", args)]


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_round_trip_with_a_person(api, settings, lang):
    case = CASES[lang]
    base = str(api.base_url)
    cid = start(api, lang)
    hid = escalate(api, cid, lang)["handoff"]["id"]

    widget = widget_stream(api, cid)
    assert widget.next("state")["data"]["mode"] == "waiting_human"
    sara = login(api, "sara")
    console = Stream(base, "/v1/inbox/events",
                     params={"token": token_of(sara), "conversation_id": cid})
    console.next("ready")
    try:
        # The queue shows it, with its priority, language and SLA clock.
        items = api.get("/v1/inbox", headers=sara).json()["items"]
        item = next(i for i in items if i["id"] == hid)
        assert (item["status"], item["priority"], item["language"]) == ("queued", "normal", lang)
        # The summary is in each agent's console language: Sara works in Arabic, Omar in English.
        assert item["summary"].startswith("يحتاج العميل")
        omar_items = api.get("/v1/inbox", headers=login(api, "omar")).json()["items"]
        assert next(i for i in omar_items if i["id"] == hid)["summary"].startswith(
            "The customer wants help with")
        assert item["sla_breached"] is False and item["sla_minutes_left"] > 0
        assert item["waiting_minutes"] >= 0
        assert any(i["id"] == hid for i in
                   api.get("/v1/inbox", params={"language": lang}, headers=sara).json()["items"])
        other = "en" if lang == "ar" else "ar"
        assert all(i["id"] != hid for i in
                   api.get("/v1/inbox", params={"language": other}, headers=sara).json()["items"])

        # Opening it shows the packet and what was said.
        detail = api.get(f"/v1/inbox/{hid}", headers=sara).json()
        assert detail["packet"] and detail["packet"]["summary"]["en"]
        assert detail["conversation"]["mode"] == "waiting_human"
        assert case["ask"][0] in [m["text"] for m in detail["transcript"]]

        # Claim: the conversation is the agent's; the customer is told, in their language.
        r = api.post(f"/v1/inbox/{hid}/claim", headers=sara)
        assert r.status_code == 200, r.text
        assert r.json()["mode"] == "human" and r.json()["handoff"]["assigned_to"] == "sara"
        joined = widget.next("message", lambda d: d["role"] == "system")
        assert case["joined"] in joined["data"]["text"] and joined["data"]["language"] == lang
        assert widget.next("mode")["data"]["mode"] == "human"
        conv = transcript(api, cid)
        assert conv["mode"] == "human"
        assert conv["messages"][-1]["text"] == joined["data"]["text"]

        # The agent's reply reaches the customer live and stays in the transcript.
        r = api.post(f"/v1/inbox/{hid}/reply", headers=sara, json={"text": case["reply"]})
        assert r.status_code == 200, r.text
        live = widget.next("message", lambda d: d["role"] == "agent")
        assert live["data"]["text"] == case["reply"]
        assert live["id"] == str(r.json()["message"]["id"])
        stored = transcript(api, cid)["messages"][-1]
        assert (stored["role"], stored["text"]) == ("agent", case["reply"])
        assert stored["payload"]["agent_name"] == ("سارة" if lang == "ar" else "Sara")

        # The customer writes: the assistant stays silent, the agent sees it live.
        out = say(api, cid, case["again"])
        assert out["replies"] == [] and out["mode"] == "human"
        seen = console.next("message", lambda d: d["role"] == "customer"
                            and d["text"] == case["again"])
        assert seen["data"]["conversation_id"] == cid

        # An internal note: for agents only.
        note = f"internal-{lang}: checked the courier portal"
        r = api.post(f"/v1/inbox/{hid}/note", headers=sara, json={"text": note})
        assert r.status_code == 200, r.text
        assert note not in json.dumps(transcript(api, cid), ensure_ascii=False)
        notes = api.get(f"/v1/inbox/{hid}", headers=sara).json()["notes"]
        assert [(n["text"], n["author"]) for n in notes] == [(note, "sara")]

        # Resolve: the customer is told and the conversation closes.
        r = api.post(f"/v1/inbox/{hid}/resolve", headers=sara)
        assert r.status_code == 200, r.text
        assert r.json()["mode"] == "closed" and r.json()["handoff"]["status"] == "resolved"
        told = widget.next("message", lambda d: d["role"] == "system"
                           and d["payload"]["template"] == "inbox.resolved")
        assert told["data"]["language"] == lang
        assert transcript(api, cid)["mode"] == "closed"
        assert all(i["id"] != hid for i in api.get("/v1/inbox", headers=sara).json()["items"])
    finally:
        widget.close()
        console.close()

    # The next message is the assistant's again, and does not escalate once more.
    out = say(api, cid, case["faq"])
    assert out["mode"] != "waiting_human" and out["handoff"] is None
    assert out["replies"] and case["faq_expect"] in out["replies"][0]["text"]
    with sqlite3.connect(settings.data_dir / "cx.db") as conn:
        assert conn.execute("select count(*) from handoffs where conversation_id = ?",
                            (cid,)).fetchone()[0] == 1

    # Every agent action is in the audit trail.
    actions = [a for a in audit(settings, cid)]
    assert ("agent:sara", "inbox.open", True) in actions
    for action in ("inbox.claim", "inbox.reply", "inbox.note", "inbox.resolve"):
        assert ("agent:sara", action, True) in actions, actions
    assert ("agent:sara", "inbox.login", True) in audit(settings)


def test_transfer_handback_and_conflicts(api, settings):
    base = str(api.base_url)
    sara, omar, huda = login(api, "sara"), login(api, "omar"), login(api, "huda")
    cid = start(api, "en")
    hid = escalate(api, cid, "en")["handoff"]["id"]
    # A legal threat is urgent and goes before the earlier, normal handoff.
    cid_urgent = start(api, "ar")
    out = say(api, cid_urgent, "إذا ما رجعتوا فلوسي برفع قضية عند محامي")
    assert out["mode"] == "waiting_human" and out["handoff"]["priority"] == "urgent"
    ids = [i["id"] for i in api.get("/v1/inbox", headers=huda).json()["items"]]
    assert ids.index(out["handoff"]["id"]) < ids.index(hid)
    complaints = api.get("/v1/inbox", params={"skill": "complaints"}, headers=huda).json()
    assert [i["id"] for i in complaints["items"]] == [out["handoff"]["id"]]

    # Two agents claim at once: exactly one wins.
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda h: api.post(f"/v1/inbox/{hid}/claim", headers=h),
                                [sara, omar]))
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [r.text for r in results]
    loser = next(r for r in results if r.status_code == 409).json()
    assert loser["error"] == "conflict" and "already claimed by" in loser["detail"][0]
    owner, other = (sara, omar) if results[0].status_code == 200 else (omar, sara)
    owner_name = "sara" if owner is sara else "omar"

    # The other agent may not write in it, nor move someone else's handoff.
    r = api.post(f"/v1/inbox/{hid}/reply", headers=other, json={"text": "hello"})
    assert r.status_code == 409 and f"claimed by {owner_name}" in r.json()["detail"][0]
    r = api.post(f"/v1/inbox/{hid}/transfer", headers=other, json={"skill": "complaints"})
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert api.post(f"/v1/inbox/{hid}/resolve", headers=other).status_code == 403
    r = api.post(f"/v1/inbox/{hid}/transfer", headers=owner, json={})
    assert r.status_code == 422 and r.json()["error"] == "invalid request"

    # The owner sends it back to the queue for another team; the customer is told.
    widget = widget_stream(api, cid)
    try:
        widget.next("state")
        r = api.post(f"/v1/inbox/{hid}/transfer", headers=owner, json={"skill": "complaints"})
        assert r.status_code == 200, r.text
        moved = r.json()
        assert moved["mode"] == "waiting_human"
        assert (moved["handoff"]["status"], moved["handoff"]["skill"],
                moved["handoff"]["assigned_to"]) == ("queued", "complaints", None)
        assert widget.next("message", lambda d: d["payload"].get("template")
                           == "inbox.transferred")["data"]["language"] == "en"
        assert transcript(api, cid)["mode"] == "waiting_human"
        # While queued again, the customer hears it is with the team, not silence.
        assert say(api, cid, "hello?")["replies"][0]["data"]["template"] == "handoff.already"

        # A supervisor hands it straight to Sara; the customer meets her.
        r = api.post(f"/v1/inbox/{hid}/transfer", headers=huda, json={"agent_username": "sara"})
        assert r.status_code == 200, r.text
        assert r.json()["mode"] == "human" and r.json()["handoff"]["assigned_to"] == "sara"
        assert "Sara from the Rawaf team" in widget.next(
            "message", lambda d: d["role"] == "system"
            and d["payload"].get("template") == "inbox.agent_joined")["data"]["text"]
        r = api.post(f"/v1/inbox/{hid}/transfer", headers=huda, json={"agent_username": "nobody"})
        assert r.status_code == 422

        # Sara hands it back to the assistant, who answers the next message.
        r = api.post(f"/v1/inbox/{hid}/handback", headers=sara)
        assert r.status_code == 200, r.text
        assert r.json()["mode"] == "assistant" and r.json()["handoff"]["status"] == "returned"
        back = widget.next("message", lambda d: d["payload"].get("template") == "inbox.handback")
        assert "Noura" in back["data"]["text"]
        assert widget.next("mode", lambda d: d["mode"] == "assistant")
    finally:
        widget.close()
    out = say(api, cid, "How much is delivery?")
    assert out["mode"] == "assistant" and "25" in out["replies"][0]["text"]

    # Nothing more can be done with a closed handoff.
    for action, body in [("claim", None), ("reply", {"text": "hi"}), ("resolve", None),
                         ("handback", None), ("transfer", {"skill": "general"})]:
        r = api.post(f"/v1/inbox/{hid}/{action}", headers=huda, json=body)
        assert r.status_code == 409, (action, r.text)
        assert "returned" in r.json()["detail"][0]
    assert api.post("/v1/inbox/HO-NOPE/claim", headers=sara).status_code == 404

    # Every action, refused ones included, is in the audit trail.
    trail = audit(settings, cid)
    for who, action, allowed in [
        (owner_name, "inbox.claim", True), (owner_name, "inbox.transfer", True),
        ("huda", "inbox.transfer", True), ("sara", "inbox.handback", True),
        ("sara" if owner is omar else "omar", "inbox.claim", False),
        ("sara" if owner is omar else "omar", "inbox.reply", False),
        ("sara" if owner is omar else "omar", "inbox.transfer", False),
        ("huda", "inbox.resolve", False),
    ]:
        assert (f"agent:{who}", action, allowed) in trail, (who, action, allowed, trail)


def test_authentication_and_roles(api, settings):
    from cli import _agents

    r = api.get("/v1/inbox")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json()["error"] == "not authenticated" and "login" in r.json()["detail"][0]
    r = api.get("/v1/inbox", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json()["detail"] == ["the token is not valid"]
    r = api.post("/v1/agent/login", json={"username": "sara", "password": "wrong-password"})
    assert r.status_code == 401 and r.json()["detail"] == ["wrong username or password"]
    r = api.post("/v1/agent/login", json={"username": "nobody", "password": "demo-sara"})
    assert r.status_code == 401
    assert api.post("/v1/agent/login", json={"username": "sara"}).status_code == 422
    assert ("agent:sara", "inbox.login", False) in audit(settings)

    omar = login(api, "omar")
    assert api.get("/v1/agent/me", headers=omar).json()["username"] == "omar"
    # An expired session.
    signer = URLSafeTimedSerializer(settings.agent_secret.get_secret_value(),
                                    salt="cx-agent-session")
    claims = signer.loads(token_of(omar))

    class Yesterday(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 86400

    old = URLSafeTimedSerializer(settings.agent_secret.get_secret_value(),
                                 salt="cx-agent-session", signer=Yesterday).dumps(claims)
    r = api.get("/v1/inbox", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"][0]
    # Streams take the token as a query parameter, and refuse without one.
    r = api.get("/v1/inbox/events", params={"token": "bad"})
    assert r.status_code == 401

    # Roles: the agent list is for supervisors and admins.
    r = api.get("/v1/agents", headers=omar)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    names = {a["username"] for a in api.get("/v1/agents", headers=login(api, "huda")).json()}
    assert {"sara", "omar", "huda", "admin"} <= names
    assert api.get("/v1/agents", headers=login(api, "admin")).status_code == 200

    # A changed password ends the sessions opened with the old one.
    asyncio.run(_agents(settings, lambda store: store.set_password("omar", "a-new-password")))
    r = api.get("/v1/inbox", headers=omar)
    assert r.status_code == 401 and "log in again" in r.json()["detail"][0]
    r = api.post("/v1/agent/login", json={"username": "omar", "password": "a-new-password"})
    assert r.status_code == 200
    # Unknown conversations have no stream (with no secret at all: 401, see test_security).
    r = api.get("/v1/conversations/cv_nope/events", headers={"Authorization": "Bearer x"})
    assert r.status_code == 404 and r.json()["error"] == "conversation not found"


def widget_stream(client, cid: str, params: dict | None = None,
                  headers: dict | None = None) -> Stream:
    """The conversation's live stream as the widget opens it: with a fresh stream token."""
    token = client.post(f"/v1/conversations/{cid}/stream-token").json()["token"]
    return Stream(str(client.base_url), f"/v1/conversations/{cid}/events",
                  params={"token": token} | (params or {}), headers=headers)


def test_reconnect_replays_only_missed_messages(api):
    base = str(api.base_url)
    cid = start(api, "en")
    hid = escalate(api, cid, "en")["handoff"]["id"]
    sara = login(api, "sara")
    assert api.post(f"/v1/inbox/{hid}/claim", headers=sara).status_code == 200

    first = widget_stream(api, cid, params={"after": 0})
    try:
        replayed = [first.next("message") for _ in transcript(api, cid)["messages"]]
        last_seen = int(replayed[-1]["id"])
        stored = transcript(api, cid)["messages"]
        assert [int(e["id"]) for e in replayed] == [m["id"] for m in stored]
        assert first.next("ping", timeout=5)  # keep-alive
    finally:
        first.close()

    # While the widget is away, the agent writes twice.
    missed = [api.post(f"/v1/inbox/{hid}/reply", headers=sara, json={"text": t}).json()["message"]
              for t in ("Are you still there?", "I have refunded the delivery fee.")]
    again = widget_stream(api, cid, headers={"Last-Event-ID": str(last_seen)},
                          params={"after": 0})
    try:
        assert again.next("state")["data"]["mode"] == "human"
        got = [again.next("message"), again.next("message")]
        assert [(int(e["id"]), e["data"]["text"]) for e in got] == [
            (m["id"], m["text"]) for m in missed]
        # Then live, once each.
        live = api.post(f"/v1/inbox/{hid}/reply", headers=sara, json={"text": "Anything else?"})
        rest = [e for e in again.drain(1.5) if e["event"] == "message"]
        assert [e["data"]["text"] for e in rest] == ["Anything else?"]
        assert rest[0]["id"] == str(live.json()["message"]["id"])
    finally:
        again.close()
    r = api.get(f"/v1/conversations/{cid}/events", headers={"Last-Event-ID": "yesterday"})
    assert r.status_code == 422


def test_open_streams_end_when_the_server_stops(settings):
    from app import create_app

    with serve(create_app(settings)) as base, customer_client(base) as client:
        cid = client.post("/v1/conversations", json={"locale": "ar"}).json()["id"]
        r = client.post("/v1/agent/login", json={"username": "huda", "password": "demo-huda"})
        widget = widget_stream(client, cid)
        console = Stream(base, "/v1/inbox/events", params={"token": r.json()["token"]})
        widget.next("state")
        console.next("ready")
        stopping = time.monotonic()
    # `serve` waited for the server to stop: the open streams did not hold it up.
    assert time.monotonic() - stopping < 10
    assert widget.ended.wait(5) and console.ended.wait(5)


def test_cx_agent_add_and_the_production_guard(data_dir, settings):
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from pydantic import ValidationError

    from settings import Settings
    from tools.agents import AgentStore
    from tools.db import make_engine

    cx = shutil.which("cx", path=str(Path(sys.executable).parent)) or "cx"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CX_"))}
    env |= {"CX_DATA_DIR": str(data_dir)}
    out = subprocess.run(
        [cx, "agent", "add", "layla", "--role", "supervisor", "--name", "Layla",
         "--name-ar", "ليلى", "--skills", "general,payments", "--password-stdin"],
        input="a-long-password\n", capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    again = subprocess.run([cx, "agent", "add", "layla", "--password-stdin"],
                           input="a-long-password\n", capture_output=True, text=True, env=env,
                           timeout=60)
    assert again.returncode == 2 and "already exists" in again.stdout

    async def check():
        engine = make_engine(settings.db_url)
        try:
            found = await AgentStore(engine).authenticate("layla", "a-long-password")
            assert await AgentStore(engine).authenticate("layla", "wrong-password") is None
        finally:
            await engine.dispose()
        return found

    account, _ = asyncio.run(check())
    assert (account.role, account.display_name.ar, account.skills) == (
        "supervisor", "ليلى", ["general", "payments"])

    with pytest.raises(ValidationError, match="CX_AGENT_SECRET"):
        Settings(_env_file=None, environment="production", identity_secret="x" * 32)
    Settings(_env_file=None, environment="production", identity_secret="x" * 32,
             agent_secret="y" * 32)
