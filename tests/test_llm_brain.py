"""The LLM brain against a local OpenAI-compatible server: real HTTP, real openai client."""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest

from tests.conftest import customer_client, make_settings, serve
from tests.openai_stub import create_stub


@pytest.fixture
def stub():
    app, model = create_stub()
    with serve(app) as base:
        yield base, model


@pytest.fixture
def llm_api(data_dir, settings, stub, monkeypatch):
    from app import create_app

    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    base, model = stub
    settings = make_settings(
        data_dir, brain="llm", openai_api_key="sk-test", openai_base_url=f"{base}/v1",
        llm_model="stub-model", policies_dir=settings.policies_dir,
    )
    with serve(create_app(settings)) as url, customer_client(url) as client:
        yield client, model, settings


def start(client: httpx.Client, locale: str) -> str:
    return client.post("/v1/conversations", json={"locale": locale}).json()["id"]


def sse_events(client: httpx.Client, cid: str, text: str) -> list[tuple[str, dict]]:
    events, name = [], None
    with client.stream("POST", f"/v1/conversations/{cid}/messages", json={"text": text},
                       headers={"accept": "text/event-stream"}) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and name:
                events.append((name, json.loads(line.split(":", 1)[1])))
    return events


CASES = {
    "ar": ("وين طلبي RW-100251 وجوالي 0501234567", "RW-100251", "حالته الآن"),
    "en": ("Where is my order RW-100280? email sarah.aldosari@example.com", "RW-100280", "is shipped"),
}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_llm_calls_tools_and_answers_in_the_customers_language(llm_api, lang):
    client, model, _ = llm_api
    text, order, phrase = CASES[lang]
    cid = start(client, lang)
    out = client.post(f"/v1/conversations/{cid}/messages", json={"text": text}).json()
    reply = out["replies"][-1]
    assert order in reply["text"] and phrase in reply["text"]
    assert reply["lang"] == lang
    # The product sent its tools and the tool results back to the model over HTTP.
    sent = model.requests
    assert {t["function"]["name"] for t in sent[0]["tools"]} >= {
        "verify_identity", "track_shipment", "cancel_order", "request_human", "list_orders",
    }
    tool_msgs = [m for m in sent[-1]["messages"] if m["role"] == "tool"]
    assert [json.loads(m["content"])["tool"] for m in tool_msgs] == [
        "verify_identity", "track_shipment",
    ]


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_llm_reply_streams_token_deltas(llm_api, lang):
    client, model, _ = llm_api
    text, order, _ = CASES[lang]
    cid = start(client, lang)
    events = sse_events(client, cid, text)
    deltas = [d["text"] for e, d in events if e == "delta"]
    messages = [d for e, d in events if e == "message"]
    assert len(deltas) > 3, events
    assert "".join(deltas).strip() == messages[-1]["text"].strip()
    assert events[-1][0] == "done"
    assert any(r.get("stream") for r in model.requests)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_llm_cancellation_uses_approved_wording_and_needs_yes(llm_api, lang):
    client, _, settings = llm_api
    order, contact = ("RW-100316", "0501234567") if lang == "ar" else (
        "RW-100310", "sarah.aldosari@example.com")
    cid = start(client, lang)
    post = lambda t: client.post(f"/v1/conversations/{cid}/messages", json={"text": t}).json()
    verify = f"طلبي {order} وجوالي {contact}" if lang == "ar" else f"order {order}, {contact}"
    post(verify)
    confirm = post(f"الغ الطلب {order}" if lang == "ar" else f"cancel {order}")["replies"][-1]
    assert confirm["data"]["template"] == "cancel.needs_confirmation"
    with sqlite3.connect(settings.data_dir / "cx.db") as db:
        assert db.execute("select status from orders where id=?", (order,)).fetchone()[0] == "pending"
    done = post("نعم" if lang == "ar" else "yes")["replies"][-1]
    assert done["data"]["template"] == "cancel.ok"
    with sqlite3.connect(settings.data_dir / "cx.db") as db:
        assert db.execute("select status from orders where id=?", (order,)).fetchone()[0] == "cancelled"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_misbehaving_model_cannot_touch_another_customers_order(llm_api, lang):
    client, model, settings = llm_api
    cid = start(client, lang)
    post = lambda t: client.post(f"/v1/conversations/{cid}/messages", json={"text": t}).json()
    post("طلبي RW-100316 وجوالي 0501234567" if lang == "ar" else
         "order RW-100316, phone 0501234567")  # verified as C1001
    model.evil_order = "RW-100310"  # C1002's pending order
    post("نعم" if lang == "ar" else "yes")
    post("yes")
    with sqlite3.connect(settings.data_dir / "cx.db") as db:
        assert db.execute("select status from orders where id='RW-100310'").fetchone()[0] == "pending"
        refused = db.execute(
            "select reason from audit_log where conversation_id=? and action='cancel_order' "
            "and allowed=0", (cid,)).fetchall()
    assert refused and "another customer" in refused[0][0]


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_llm_handoff_tool_creates_a_handoff_with_the_approved_notice(llm_api, lang):
    client, model, _ = llm_api
    cid = start(client, lang)
    # Whether the escalation rule or the model's request_human call decides, the customer
    # gets the approved notice and the conversation joins the queue.
    text = "ممكن انسان يساعدني" if lang == "ar" else "could a person look at this"
    out = client.post(f"/v1/conversations/{cid}/messages", json={"text": text}).json()
    assert out["mode"] == "waiting_human"
    assert out["replies"][-1]["data"]["template"] == "handoff.created"
    assert out["replies"][-1]["lang"] == lang


def test_model_outage_gets_an_honest_reply_and_keeps_the_message(data_dir, monkeypatch):
    from app import create_app
    from tests.conftest import free_port

    settings = make_settings(data_dir, brain="llm", openai_api_key="sk-test",
                             openai_base_url=f"http://127.0.0.1:{free_port()}/v1",
                             llm_timeout_s=2)
    with serve(create_app(settings)) as url, customer_client(url) as client:
        cid = start(client, "en")
        out = client.post(f"/v1/conversations/{cid}/messages",
                          json={"text": "What payment methods do you accept?"}).json()
        assert out["replies"][0]["kind"] == "error"
        roles = [m["role"] for m in client.get(f"/v1/conversations/{cid}").json()["messages"]]
        assert roles == ["customer", "assistant"]


def test_history_drops_tool_calls_that_never_got_results():
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    from agent.brains.llm import _history

    done = AIMessage(content="", tool_calls=[{"id": "a", "name": "get_order", "args": {}}])
    broken = AIMessage(content="", tool_calls=[{"id": "b", "name": "get_order", "args": {}}])
    msgs = [HumanMessage("hi"), done, ToolMessage("{}", tool_call_id="a"), AIMessage("ok"),
            HumanMessage("again"), broken, HumanMessage("hello?")]
    kept = _history(msgs)
    assert broken not in kept and done in kept
    assert isinstance(kept[0], HumanMessage)


def test_openai_compatible_embeddings_for_the_knowledge_index(data_dir, stub, tmp_path):
    """With CX_EMBEDDING_BACKEND=openai the index embeds through the configured endpoint."""
    from agent.service import open_knowledge
    from knowledge.ingest import ingest_folder

    base, model = stub
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "faq.csv").write_text(
        "id,question,answer\n"
        "hours,When is the showroom open?,Daily from 10:00 to 23:00.\n"
        "parking,Is there parking at the showroom?,Yes: free parking for 200 cars.\n",
        encoding="utf-8")
    settings = make_settings(data_dir, embedding_backend="openai", openai_api_key="sk-test",
                             openai_base_url=f"{base}/v1", chroma_collection="openai-kb")
    index = open_knowledge(settings)
    result = ingest_folder(index, folder, settings.model_cache_dir, settings.chunk_tokens)
    assert result.report.added == 2
    top = index.search("is there free parking", mode="vector").passages[0].chunk
    assert top.anchor == "parking"
    sent = [r for r in model.requests if "input" in r]
    assert sent and all(r["model"] == settings.openai_embedding_model for r in sent)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_model_sees_the_dialogue_state(llm_api, lang):
    client, model, _ = llm_api
    cid = start(client, lang)
    post = lambda t: client.post(f"/v1/conversations/{cid}/messages", json={"text": t}).json()
    post(CASES[lang][0])  # verified and tracked
    post("شكرا" if lang == "ar" else "thanks")
    system = next(m["content"] for m in model.requests[-1]["messages"] if m["role"] == "system")
    assert "DIALOGUE STATE" in system and CASES[lang][1] in system
    assert "last action on an order: track_order" in system


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_model_cannot_change_an_order_the_customer_never_named(llm_api, lang):
    client, model, settings = llm_api
    cid = start(client, lang)
    post = lambda t: client.post(f"/v1/conversations/{cid}/messages", json={"text": t}).json()
    post("طلبي RW-100316 وجوالي 0501234567" if lang == "ar" else
         "order RW-100316, phone 0501234567")  # verified as C1001
    model.evil_order = "RW-100295"  # C1001's own processing order, never mentioned
    post("ابي الغي" if lang == "ar" else "i want to cancel")
    post("نعم" if lang == "ar" else "yes")
    with sqlite3.connect(settings.data_dir / "cx.db") as db:
        assert db.execute("select status from orders where id='RW-100295'").fetchone()[0] == \
            "processing"
        refused = db.execute(
            "select reason from audit_log where conversation_id=? and action='cancel_order' "
            "and allowed=0", (cid,)).fetchall()
    assert refused and "did not name" in refused[0][0]
