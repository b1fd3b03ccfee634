"""The graph's nodes. Each takes the state and the run's Deps and returns a partial update."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.runtime import Runtime

from agent import confirmation, language
from agent.brains.offline import tool_call
from agent.deps import Deps
from agent.outcomes import outcome_reply
from agent.state import ConversationState, Pending, Reply, TurnRecord
from knowledge.normalize import normalize
from policies.models import FRUSTRATION_ORDER, Facts
from tools.actions import Session
from tools.backend import new_id, now
from tools.models import AuditRecord, Handoff

_INJECTION = re.compile(
    r"ignore (all |any )?(previous|prior|above) (instructions|rules)|system prompt|you are now|"
    r"developer mode|تجاهل (كل |جميع )?(التعليمات|الأوامر)|انس(ى)? التعليمات",
    re.I,
)
_SMALL_TALK = {"greeting", "thanks", "goodbye", "affirm", "deny"}
_KEEP_TEXTS = 10
_TOPIC_HINT_CONFIDENCE = 0.2


async def _audit(
    deps: Deps, state: ConversationState, actor: str, action: str, reason: str, **details: Any
) -> None:
    await deps.backend.record_audit(
        AuditRecord(at=now(), conversation_id=state["conversation_id"], actor=actor,
                    action=action, allowed=True, reason=reason, details=details)
    )


async def guard_input(state: ConversationState, runtime: Runtime[Deps]) -> dict[str, Any]:
    settings = runtime.context.settings
    text = state["text"].strip()[: settings.max_message_chars]
    current = state.get("language") or state.get("page_language") or settings.default_language
    override = state.get("locale_override")
    if override:
        # The customer used the page's language switch: that choice holds until changed.
        lang, locked, switched = override, True, False
    else:
        lang, locked, switched = language.choose(
            current, state.get("language_locked", False), text
        )
    flags = ["injection"] if _INJECTION.search(text) else []
    texts = (state.get("customer_texts") or []) + [text]
    mode = state.get("mode") or "assistant"
    return {
        "text": text,
        "normalized": normalize(text),
        "language": lang,
        "language_locked": locked,
        "language_switched": switched,
        "guard_flags": flags,
        "customer_texts": texts[-_KEEP_TEXTS:],
        "mode": "assistant" if mode == "closed" else mode,
        "messages": [HumanMessage(content=text)],
    }


async def sense(state: ConversationState, runtime: Runtime[Deps]) -> dict[str, Any]:
    deps = runtime.context
    trajectory = state.get("trajectory") or []
    understood = deps.understanding.understand(
        state["text"],
        previous_texts=(state.get("customer_texts") or [])[:-1],
        failures=state.get("failures", 0),
        previous_score=trajectory[-1]["frustration"] if trajectory else None,
        waited_minutes=_minutes_waiting(state),
        today=now().date(),
    )
    return {
        "sense": {
            "intent": understood.intent,
            "confidence": understood.confidence,
            "alternatives": [g.model_dump() for g in understood.alternatives],
            "slots": understood.slots,
            "frustration": understood.frustration.model_dump(),
            "language": understood.language,
            "slot_only": understood.slot_only,
        },
        "slots": (state.get("slots") or {}) | understood.slots,
    }


def _minutes_waiting(state: ConversationState) -> float | None:
    """How long the customer has been waiting in the queue for a person, if they are."""
    handoff = state.get("handoff") or {}
    if state.get("mode") != "waiting_human" or not handoff.get("created_at"):
        return None
    created = datetime.fromisoformat(handoff["created_at"])
    return max(0.0, (now() - created).total_seconds() / 60)


async def policy_gate(state: ConversationState, runtime: Runtime[Deps]) -> dict[str, Any]:
    deps = runtime.context
    mode = state.get("mode", "assistant")
    if mode == "human":
        # A person owns the conversation: the assistant stays silent.
        return {"route": "inbox"}
    if mode == "waiting_human":
        handoff = state.get("handoff") or {}
        reply = deps.replies.reply(
            "handoff.already", state["language"], kind="handoff",
            data={"handoff_id": handoff.get("id"), "status": "queued"},
            handoff_id=handoff.get("id"),
        )
        return {"route": "inbox", "replies": [reply]}
    sense_ = state["sense"]
    history = [t["level"] for t in state.get("trajectory") or []]
    decision = deps.policies.decide_escalation(
        Facts(
            text=state["text"],
            intent=sense_["intent"],
            # A bare order number or phone expresses no request: no rule may read one into it.
            intent_confidence=0.0 if sense_.get("slot_only") else sense_["confidence"],
            frustration_levels=(history + [sense_["frustration"]["level"]])[-10:],
            frustration_trend=sense_["frustration"].get("trend", "steady"),
            signals=sorted({s["kind"] for s in sense_["frustration"]["signals"]}),
            clarifications=state.get("failures", 0),
            channel=state.get("channel") or "web",
        )
    )
    update: dict[str, Any] = {
        "decision": decision.model_dump(),
        "route": "continue",
        "wants_knowledge": needs_knowledge(state, deps),
    }
    if decision.escalate:
        update["route"] = "handoff"
        await _audit(deps, state, "policy_gate", "escalate", decision.reason,
                     rule_id=decision.rule_id, policy_version=decision.policy_version,
                     fired=[f.model_dump() for f in decision.fired])
    return update


def needs_knowledge(state: ConversationState, deps: Deps) -> bool:
    sense_ = state["sense"]
    if state.get("pending") and (
        sense_["intent"] in {"affirm", "deny"}
        or confirmation.is_yes(state["text"])
        or confirmation.is_no(state["text"])
    ):
        return False
    if state.get("active_flow") and {"order_id", "contact"} & set(sense_["slots"]):
        return False  # an answer to our question, not a new question
    if deps.flows.needs_knowledge(sense_["intent"]):
        return True
    if sense_["confidence"] < deps.settings.intent_min_confidence:
        return True
    return deps.settings.use_llm and sense_["intent"] not in _SMALL_TALK


async def retrieve(state: ConversationState, runtime: Runtime[Deps]) -> dict[str, Any]:
    deps = runtime.context
    sense_ = state["sense"]
    # The intent guesses that are plausible at all say which topics the question is about.
    guesses = [(sense_["intent"], sense_["confidence"])] + [
        (g["intent"], g["confidence"]) for g in sense_["alternatives"]
    ]
    plausible = [(deps.flows.topics(i), c) for i, c in guesses if c >= _TOPIC_HINT_CONFIDENCE]
    topics = frozenset().union(*(t for t, _ in plausible)) if plausible else frozenset()
    # Embedding the query is CPU work; keep the event loop free for other conversations.
    result = await asyncio.to_thread(deps.knowledge.search, state["text"], 5, topics)
    if result.passages:
        top_topics = set(result.passages[0].chunk.topics)
        support = max((c for t, c in plausible if t & top_topics), default=0.0)
        # Two independent signals agree (an intent and the passage's topic): trust the
        # answer as much as the more confident of them.
        result.confidence = max(result.confidence, support)
    return {"retrieval": result.model_dump()}


async def respond(state: ConversationState, runtime: Runtime[Deps]) -> dict[str, Any]:
    deps = runtime.context
    lang = state["language"]
    rounds = state.get("rounds", 0)
    if rounds >= deps.settings.llm_max_tool_rounds + 2:
        return {"replies": [deps.replies.reply("tool_error", lang)]}
    pending = state.get("pending")
    if pending and not state.get("tool_results"):
        intent = state["sense"]["intent"]
        prefix = deps.flows.prefix_for_tool(pending["tool"])
        if confirmation.is_yes(state["text"]):
            # The explicit yes is recognised by the graph, never taken from a model's word.
            call = tool_call(pending["tool"], pending["args"])
            return {"confirmed": pending["key"], "tool_calls": [call], "pending": None,
                    "rounds": rounds + 1}
        if confirmation.is_no(state["text"]) or intent == "deny":
            reply = deps.replies.reply(
                f"{prefix}.kept", lang, order_id=pending["args"].get("order_id")
            )
            return {"replies": [reply], "pending": None, "active_flow": None, "rounds": rounds + 1}
        if intent == "affirm":
            # Sounds like consent but is not an explicit yes: ask again rather than act.
            again = outcome_reply(
                {"tool": pending["tool"], "outcome": "needs_confirmation", "data": pending["data"]},
                prefix, lang, deps.replies,
            )
            return {"replies": [again], "rounds": rounds + 1}
        state = {**state, "pending": None}
        update = await deps.brain.respond(state, deps)
        return {"pending": None, "rounds": rounds + 1} | update
    update = await deps.brain.respond(state, deps)
    return update | {"rounds": rounds + 1}


async def tools(state: ConversationState, runtime: Runtime[Deps]) -> dict[str, Any]:
    deps = runtime.context
    session = Session(
        conversation_id=state["conversation_id"],
        customer_id=state.get("customer_id"),
        verify_failures=state.get("verify_failures", 0),
        confirmed=state.get("confirmed"),
    )
    results = list(state.get("tool_results") or [])
    update: dict[str, Any] = {}
    llm_ids = _pending_llm_call_ids(state)
    messages = []
    for call in state.get("tool_calls") or []:
        outcome = await deps.toolbox.run(call["name"], call["args"], session)
        if outcome.verified_customer_id:
            session.customer_id = outcome.verified_customer_id
            update["customer_id"] = outcome.verified_customer_id
        if call["name"] == "verify_identity" and outcome.outcome == "mismatch":
            session.verify_failures += 1
            update["verify_failures"] = session.verify_failures
        if outcome.outcome == "needs_confirmation" and outcome.confirmation_key:
            update["pending"] = Pending(
                key=outcome.confirmation_key, tool=call["name"], args=call["args"], data=outcome.data
            )
        if outcome.outcome in {"handoff", "locked"}:
            update["route"] = "handoff"
        results.append(outcome.model_dump())
        if call["id"] in llm_ids:
            messages.append(ToolMessage(content=outcome.model_dump_json(), tool_call_id=call["id"]))
    update |= {"tool_results": results, "tool_calls": [], "confirmed": None}
    if messages:
        update["messages"] = messages
    return update


def _pending_llm_call_ids(state: ConversationState) -> set[str]:
    msgs = state.get("messages") or []
    if msgs and isinstance(msgs[-1], AIMessage):
        return {tc["id"] for tc in msgs[-1].tool_calls if tc.get("id")}
    return set()


def _summary(state: ConversationState) -> str:
    """What a human needs to pick up without making the customer repeat themselves."""
    lines = []
    sense_ = state.get("sense") or {}
    decision = state.get("decision") or {}
    if decision.get("rule_id"):
        lines.append(f"Escalation rule: {decision['rule_id']} ({decision.get('reason', '')})")
    lines.append(f"Language: {state.get('language')}; verified customer: "
                 f"{state.get('customer_id') or 'no'}")
    if sense_:
        f = sense_["frustration"]
        lines.append(f"Latest intent: {sense_['intent']} ({sense_['confidence']:.2f}); "
                     f"frustration: {f['level']} ({f['score']:.2f})")
    known = {k: v for k, v in (state.get("slots") or {}).items() if k in {"order_id"}}
    if known:
        lines.append(f"Details given: {known}")
    tried = [t for rec in state.get("trajectory") or [] for t in rec["tools"]]
    if tried:
        lines.append(f"Already tried: {', '.join(tried)}")
    lines.append("Customer said: " + " | ".join((state.get("customer_texts") or [])[-4:]))
    return "\n".join(lines)


async def handoff(state: ConversationState, runtime: Runtime[Deps]) -> dict[str, Any]:
    deps = runtime.context
    decision = state.get("decision") or {}
    reason = decision.get("reason") or "customer asked for a person"
    results = state.get("tool_results") or []
    if results and results[-1]["outcome"] == "locked":
        reason = "identity verification locked after repeated failures"
    record = await deps.backend.create_handoff(
        Handoff(
            id=new_id("HO"),
            conversation_id=state["conversation_id"],
            customer_id=state.get("customer_id"),
            language=state["language"],
            priority=decision.get("priority", "normal") if decision.get("escalate") else "normal",
            skill=decision.get("skill", "general") if decision.get("escalate") else "general",
            reason=reason,
            summary=_summary(state),
            created_at=now(),
        )
    )
    await _audit(deps, state, "assistant", "handoff", reason, handoff_id=record.id,
                 priority=record.priority, rule_id=decision.get("rule_id"))
    lang = state["language"]
    replies = list(state.get("replies") or [])
    if results and results[-1]["outcome"] == "locked":
        replies.append(deps.replies.reply("verify_locked", lang))
    replies.append(
        deps.replies.reply(
            "handoff.created", lang, kind="handoff",
            data={"handoff_id": record.id, "status": "queued", "priority": record.priority},
            handoff_id=record.id,
        )
    )
    return {
        "replies": replies,
        "mode": "waiting_human",
        "handoff": record.model_dump(mode="json"),
        "active_flow": None,
        "pending": None,
    }


async def finalize(state: ConversationState, runtime: Runtime[Deps]) -> dict[str, Any]:
    deps = runtime.context
    lang = state["language"]
    replies: list[Reply] = list(state.get("replies") or [])
    sense_ = state.get("sense") or {}
    level = (sense_.get("frustration") or {}).get("level", "calm")
    prefix: list[str] = []
    if state.get("language_switched"):
        prefix.append(deps.replies.text("language_switched", lang))
    if replies and state.get("route") != "inbox" and FRUSTRATION_ORDER[level] >= 1:
        # Empathy first; a stronger acknowledgement once the customer is frustrated.
        key = "empathy_strong" if FRUSTRATION_ORDER[level] >= 2 else "empathy"
        if not replies[0]["data"].get("template", "").startswith("not_understood"):
            prefix.append(deps.replies.text(key, lang))
    if prefix and replies:
        first = replies[0]
        replies[0] = {**first, "text": " ".join(prefix + [first["text"]])}
    record = TurnRecord(
        intent=sense_.get("intent", ""),
        confidence=sense_.get("confidence", 0.0),
        frustration=(sense_.get("frustration") or {}).get("score", 0.0),
        level=level,
        rule_id=(state.get("decision") or {}).get("rule_id"),
        tools=[r["tool"] for r in state.get("tool_results") or []],
    )
    # Templated replies join the model-visible history so an LLM sees what was said.
    said = [AIMessage(content=r["text"]) for r in replies if "template" in r["data"]]
    update: dict[str, Any] = {
        "replies": replies,
        "trajectory": (state.get("trajectory") or []) + [record],
    }
    if said:
        update["messages"] = said
    return update
