"""The graph's typed state.

`TurnInput` is the narrow schema a caller passes for one customer message; `ConversationState`
is the full state the checkpointer keeps per conversation. Nested values are plain typed dicts
so checkpoints stay JSON-like and readable across versions.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

from agent.dialogue import Dialogue

Lang = Literal["ar", "en"]
Mode = Literal["assistant", "waiting_human", "human", "closed"]
Route = Literal["continue", "handoff", "inbox", "reject"]


class Citation(TypedDict):
    id: str
    title: str
    source: str
    anchor: str


class QuickReply(TypedDict):
    label: str
    text: str


class Reply(TypedDict):
    text: str
    lang: Lang
    kind: Literal["text", "order", "orders", "handoff", "confirmation", "error"]
    citations: list[Citation]
    quick_replies: list[QuickReply]
    data: dict[str, Any]


class ToolCall(TypedDict):
    id: str
    name: str
    args: dict[str, Any]


class Sense(TypedDict):
    intent: str
    confidence: float
    alternatives: list[dict[str, Any]]
    slots: dict[str, str]
    frustration: dict[str, Any]
    language: Lang | None
    # Only an order number, email or phone: an answer to a question, not a new request.
    slot_only: bool


class Pending(TypedDict):
    """A write action waiting for the customer's explicit yes."""

    key: str
    tool: str
    args: dict[str, Any]
    data: dict[str, Any]


class Decision(TypedDict):
    escalate: bool
    rule_id: str | None
    reason: str
    priority: str
    skill: str
    policy_version: str


class TurnRecord(TypedDict):
    """One line of the conversation's trajectory (intents, frustration, rules fired)."""

    intent: str
    confidence: float
    frustration: float
    level: str
    rule_id: str | None
    tools: list[str]
    rules: list[str]
    templates: list[str]


class TurnInput(TypedDict, total=False):
    conversation_id: str
    channel: str
    text: str
    mode: Mode
    customer_id: str | None
    page_language: Lang | None
    locale_override: Lang | None
    # The caller (web: the client's address), for identity-check limits across conversations.
    client: str | None
    # Per-turn scratch values are reset by the caller with every message.
    replies: list[Reply]
    tool_calls: list[ToolCall]
    tool_results: list[dict[str, Any]]
    retrieval: dict[str, Any] | None
    rounds: int
    route: Route
    # Replies to the parts of a multi-part message already handled this turn.
    part_replies: list[Reply]


class ConversationState(TurnInput, total=False):
    normalized: str
    guard_flags: list[str]
    sense: Sense
    decision: Decision
    wants_knowledge: bool
    language: Lang
    language_locked: bool
    language_switched: bool
    verify_failures: int
    failures: int
    slots: dict[str, str]
    active_flow: str | None
    pending: Pending | None
    confirmed: str | None
    customer_texts: list[str]
    trajectory: list[TurnRecord]
    # Where the current assistant episode began in `trajectory` (after a human resolved).
    episode_start: int
    # Streaks the escalation policy reads.
    human_requests: int
    low_retrieval: int
    no_progress: int
    # We offered to connect a person: a plain "yes" now counts as asking for one.
    offered_human: bool
    # The verified customer's tier and the value of the order under discussion (cached).
    profile: dict[str, Any]
    handoff: dict[str, Any] | None
    # What is in focus and what the assistant waits for (agent/dialogue.py).
    dialogue: Dialogue
    # The customer's whole message when it had several parts (text holds the part at hand).
    message_text: str
    messages: Annotated[list[AnyMessage], add_messages]


def fresh_turn(text: str) -> dict[str, Any]:
    """Values that must not leak from one turn into the next."""
    return {
        "text": text,
        "replies": [],
        "tool_calls": [],
        "tool_results": [],
        "retrieval": None,
        "rounds": 0,
        "route": "continue",
        "part_replies": [],
        "confirmed": None,
        "language_switched": False,
        "guard_flags": [],
    }
