"""A local OpenAI-compatible chat server for tests: real HTTP, real `openai` client.

It plays a small, deterministic "model" that behaves like a tool-using assistant:
it verifies the customer, tracks or cancels orders, asks for a person, and can be told to
misbehave (`evil` mode: try to cancel someone else's order) to prove the guards hold.
Every request is recorded so tests can check what the product sent.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

_ORDER = re.compile(r"RW-?\d{6}", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"05\d{8}")


class StubModel:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.evil_order: str | None = None
        # Adversary mode: on each customer message, make the next of these tool calls and
        # then claim success, whatever the tool said.
        self.attacks: list[tuple[str, dict[str, Any]]] = []
        self.lie: str | None = None
        # Flaky mode (for pass^k): every n-th knowledge answer comes in the wrong language.
        self.flaky_every: int = 0
        self.knowledge_answers = 0

    def decide(self, body: dict[str, Any]) -> dict[str, Any]:
        """Return {"content": str} or {"tool_calls": [(name, args)]}."""
        messages = body["messages"]
        system = messages[0]["content"] if messages[0]["role"] == "system" else ""
        arabic = "Reply in Arabic" in system
        last = messages[-1]
        if self.attacks and last["role"] == "user":
            return {"tool_calls": [self.attacks.pop(0)]}
        if last["role"] == "tool" and self.lie:
            return {"content": self.lie}
        if last["role"] == "tool":
            result = json.loads(last["content"])
            if result["tool"] == "verify_identity" and result["outcome"] == "ok":
                order = _last_user_match(messages, _ORDER)
                return {"tool_calls": [("track_shipment", {"order_id": order})]}
            data = result.get("data", {})
            if result["tool"] == "track_shipment" and result["outcome"].startswith("status_"):
                status = data["status"]
                if arabic:
                    return {"content": f"طلبك {data['order_id']} حالته الآن: {status}، مع {data['carrier']}."}
                return {"content": f"Your order {data['order_id']} is {status} with {data['carrier']}."}
            if arabic:
                return {"content": "عذراً، لم أتمكن من إتمام ذلك."}
            return {"content": f"Sorry, that did not work ({result['outcome']})."}
        text = last["content"] if isinstance(last["content"], str) else ""
        if self.evil_order:
            return {"tool_calls": [("cancel_order", {"order_id": self.evil_order})]}
        if re.search(r"human|person|agent|موظف|انسان", text, re.I):
            return {"tool_calls": [("request_human", {"reason": "customer asked"})]}
        order = _ORDER.search(text)
        contact = _EMAIL.search(text) or _PHONE.search(text)
        if re.search(r"cancel|الغ", text, re.I) and order:
            return {"tool_calls": [("cancel_order", {"order_id": order.group(0)})]}
        if order and contact:
            return {"tool_calls": [("verify_identity",
                                    {"order_id": order.group(0), "contact": contact.group(0)})]}
        if "CONTEXT:" in system:
            first = re.search(r"\[1\] ([^\n]+)", system)
            title = first.group(1)[:80] if first else ""
            self.knowledge_answers += 1
            if self.flaky_every and self.knowledge_answers % self.flaky_every == 0:
                return {"content": "Sorry, I can only help in English here [1]." if arabic
                        else "عذراً، أقدر أساعدك بالعربي فقط [1]."}
            if arabic:
                return {"content": f"حسب سياسة رواف [1]: {title}"}
            return {"content": f"According to Rawaf's policy [1]: {title}"}
        return {"content": "مرحبا! كيف أقدر أساعدك؟" if arabic else "Hello! How can I help?"}


def _last_user_match(messages: list[dict[str, Any]], pattern: re.Pattern) -> str | None:
    for m in reversed(messages):
        if m["role"] == "user" and isinstance(m["content"], str):
            found = pattern.search(m["content"])
            if found:
                return found.group(0)
    return None


def _completion(model: str, decision: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": decision.get("content")}
    finish = "stop"
    if "tool_calls" in decision:
        finish = "tool_calls"
        message["tool_calls"] = [
            {"id": f"call_{uuid.uuid4().hex[:8]}", "type": "function",
             "function": {"name": n, "arguments": json.dumps(a)}}
            for n, a in decision["tool_calls"]
        ]
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:8]}", "object": "chat.completion",
        "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _chunks(model: str, decision: dict[str, Any]):
    cid = f"chatcmpl-{uuid.uuid4().hex[:8]}"

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        body = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    if "tool_calls" in decision:
        for i, (name, args) in enumerate(decision["tool_calls"]):
            raw = json.dumps(args)
            yield chunk({"tool_calls": [{"index": i, "id": f"call_{uuid.uuid4().hex[:8]}",
                                         "type": "function",
                                         "function": {"name": name, "arguments": ""}}]})
            half = len(raw) // 2
            for part in (raw[:half], raw[half:]):
                yield chunk({"tool_calls": [{"index": i, "function": {"arguments": part}}]})
        yield chunk({}, "tool_calls")
    else:
        words = decision["content"].split(" ")
        for n, word in enumerate(words):
            yield chunk({"content": word + (" " if n < len(words) - 1 else "")})
        yield chunk({}, "stop")
    yield "data: [DONE]\n\n"


def create_stub() -> tuple[FastAPI, StubModel]:
    model = StubModel()
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def completions(request: Request):
        body = await request.json()
        model.requests.append(body)
        decision = model.decide(body)
        if body.get("stream"):
            return StreamingResponse(_chunks(body["model"], decision),
                                     media_type="text/event-stream")
        return JSONResponse(_completion(body["model"], decision))

    @app.post("/v1/embeddings")
    async def embeddings(request: Request):
        body = await request.json()
        model.requests.append(body)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        return JSONResponse({
            "object": "list", "model": body["model"],
            "data": [{"object": "embedding", "index": i, "embedding": _bag_of_words(text)}
                     for i, text in enumerate(inputs)],
            "usage": {"prompt_tokens": 1, "total_tokens": 1},
        })

    return app, model


def _bag_of_words(text: str, dim: int = 64) -> list[float]:
    """A deterministic stand-in embedding: hashed word counts, L2-normalised."""
    import hashlib
    import math

    vec = [0.0] * dim
    for word in re.findall(r"\w+", text.lower()):
        vec[int(hashlib.md5(word.encode()).hexdigest(), 16) % dim] += 1.0
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]
