"""The transcript format QA scores: `cx-transcript/1`, one conversation per JSONL line.

Written by `cx eval export` (from the product's own store) and `cx eval import` (from a plain
CSV), read by `cx eval score`. Documented with an example in evals/README.md.

A conversation has its channel, language, a customer reference (pseudonymised in exports),
timestamped turns and optional QA labels. A turn is one of:

- `customer`, `assistant`, `agent` (a person from the team): something said, with `text`;
- `system`: an event, named by `event`: a tool call (`tool_call`, with `name`, `allowed`,
  `reason` and `details` as audited), a request for the customer's yes to a change
  (`confirmation_request`), an explicit confirmation (`confirmed`), an escalation decision
  (`escalation`, with `rule_id`), a handoff to people (`handoff`), a callback ticket when
  nobody was available (`handoff_unavailable`), an action of a person on the handoff
  (`agent_action`: claim, transfer, resolve, handback) or a notice shown to the customer
  (`notice`, with `text`).

Reading never stops at a bad line: each one is reported with its line number and reason and
skipped, and the rest is returned.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tools.wire import as_utc  # noqa: F401  (evals import it from here)

SCHEMA = "cx-transcript/1"
ROLES = ("customer", "assistant", "agent", "system")
EVENTS = ("tool_call", "confirmation_request", "confirmed", "escalation", "handoff",
          "handoff_unavailable", "agent_action", "notice")

Lang = Literal["ar", "en"]
Event = Literal["tool_call", "confirmation_request", "confirmed", "escalation", "handoff",
                "handoff_unavailable", "agent_action", "notice"]


class _Model(BaseModel):
    # Unknown fields are refused: a typo in a label ("shouldEscalate") must not pass silently.
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Citation(_Model):
    """A knowledge passage a reply cites. `id` is the chunk id in the knowledge index;
    `text` may carry the passage itself (then the index is not needed to check grounding)."""

    id: str = Field(min_length=1)
    title: str | None = None
    source: str | None = None
    anchor: str | None = None
    text: str | None = None


class PiiMark(_Model):
    """Personal data found in a message before it was redacted: its kind and whether it is
    the conversation's own customer's (their email or phone, or something they typed)."""

    kind: Literal["email", "phone", "card", "iban", "national_id", "secret_code", "secret"]
    own: bool


class _Turn(_Model):
    at: datetime

    @field_validator("at")
    @classmethod
    def _zone(cls, v: datetime) -> datetime:
        return as_utc(v)


class CustomerTurn(_Turn):
    role: Literal["customer"]
    text: str = Field(min_length=1)
    language: Lang | None = None


class AssistantTurn(_Turn):
    role: Literal["assistant"]
    text: str = Field(min_length=1)
    language: Lang | None = None
    kind: str | None = Field(None, description="text, order, orders, confirmation, handoff, error")
    template: str | None = Field(None, description="the approved template (replies.yaml) used")
    citations: list[Citation] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)
    pii: list[PiiMark] | None = None


class AgentTurn(_Turn):
    role: Literal["agent"]
    text: str = Field(min_length=1)
    language: Lang | None = None
    agent: str | None = Field(None, description="the person's display name")
    pii: list[PiiMark] | None = None


class SystemTurn(_Turn):
    role: Literal["system"]
    event: Event
    name: str | None = Field(None, description="tool_call, confirmation_request: the tool; "
                                                "agent_action: claim, transfer, resolve, handback")
    text: str | None = None
    actor: str | None = Field(None, description="as audited: customer:<ref>, anonymous, "
                                                 "policy_gate, assistant, agent:<username>")
    allowed: bool | None = None
    reason: str | None = None
    rule_id: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _needs(self) -> "SystemTurn":
        if self.event in ("tool_call", "confirmation_request", "agent_action") and not self.name:
            raise ValueError(f"a {self.event} event needs a name")
        if self.event == "tool_call" and self.allowed is None:
            raise ValueError("a tool_call event needs allowed (true or false)")
        return self


Turn = Annotated[Union[CustomerTurn, AssistantTurn, AgentTurn, SystemTurn],
                 Field(discriminator="role")]


class Customer(_Model):
    ref: str | None = Field(None, description="customer id, or its pseudonym in exports")
    tier: str | None = None
    contacts: list[str] = Field(default_factory=list,
                                description="own email/phone; only in unredacted files")


class HandoffRecord(_Model):
    id: str
    status: str
    priority: str | None = None
    skill: str | None = None
    rule_id: str | None = None
    created_at: datetime | None = None
    claimed_at: datetime | None = None
    resolved_at: datetime | None = None
    transfers: int = 0


class TicketRecord(_Model):
    id: str
    priority: str | None = None
    status: str | None = None
    created_at: datetime | None = None
    callback_by: datetime | None = None


class Outcome(_Model):
    mode: str | None = Field(None, description="assistant, waiting_human, human, closed")
    handoffs: list[HandoffRecord] = Field(default_factory=list)
    tickets: list[TicketRecord] = Field(default_factory=list)


class Labels(_Model):
    """What QA (or the customer) says about the conversation. Every field is optional."""

    should_escalate: bool | None = None
    escalate_at_turn: int | None = Field(
        None, ge=1, description="the customer message (1 = their first) that should have "
                                "been handed over at the latest")
    expected_intents: list[str | None] | None = Field(
        None, description="per customer message, in order; null = not labelled")
    resolved: bool | None = None
    csat: int | None = Field(None, ge=1, le=5)
    notes: str | None = None


class Transcript(_Model):
    schema_version: Literal["cx-transcript/1"] = Field(SCHEMA, alias="schema")
    id: str = Field(min_length=1)
    channel: str = "web"
    language: Lang | None = None
    customer: Customer | None = None
    started_at: datetime | None = None
    source: str | None = None
    redacted: bool | None = None
    turns: list[Turn] = Field(min_length=1)
    outcome: Outcome | None = None
    labels: Labels | None = None

    @model_validator(mode="after")
    def _labels_fit(self) -> "Transcript":
        labels = self.labels
        if labels is None:
            return self
        n = sum(1 for t in self.turns if t.role == "customer")
        if labels.escalate_at_turn is not None:
            if labels.should_escalate is False:
                raise ValueError("labels.escalate_at_turn is set but should_escalate is false")
            if labels.escalate_at_turn > n:
                raise ValueError(f"labels.escalate_at_turn {labels.escalate_at_turn} is past the "
                                 f"last customer message ({n})")
        if labels.expected_intents is not None and len(labels.expected_intents) > n:
            raise ValueError(f"labels.expected_intents has {len(labels.expected_intents)} "
                             f"entries for {n} customer messages")
        return self

    def customer_turns(self) -> list[CustomerTurn]:
        return [t for t in self.turns if isinstance(t, CustomerTurn)]


class LineProblem(BaseModel):
    line: int
    reason: str


class ReadResult(BaseModel):
    transcripts: list[Transcript]
    problems: list[LineProblem]


def describe_error(exc: ValidationError, limit: int = 3) -> str:
    """A validation error in a line a person can fix: the field path and what is wrong."""
    parts = []
    for err in exc.errors()[:limit]:
        loc = [str(p) for p in err["loc"]]
        # A discriminated union adds the role to the path (turns.2.customer.text).
        loc = [p for i, p in enumerate(loc)
               if not (p in ROLES and i > 0 and loc[i - 1].isdigit())]
        where = ".".join(loc) or "line"
        kind = err["type"]
        if kind == "missing":
            parts.append(f"{where}: missing field")
        elif kind == "union_tag_invalid":
            tag = (err.get("ctx") or {}).get("tag")
            parts.append(f"{where}: unknown role {tag!r} (expected {', '.join(ROLES)})")
        elif kind == "union_tag_not_found":
            parts.append(f"{where}: missing field role")
        elif kind == "extra_forbidden":
            parts.append(f"{where}: unknown field")
        elif kind == "literal_error" and loc == ["schema"]:
            parts.append(f"schema: unsupported {err.get('input')!r} (this reader reads {SCHEMA})")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            parts.append(f"{where}: {msg}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def parse_line(text: str) -> Transcript:
    """One JSONL line; ValueError with a readable reason when it is not a valid transcript."""
    text = text.rstrip("\r\n")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at character {exc.pos + 1})") from None
    if not isinstance(raw, dict):
        raise ValueError("a line must be one JSON object")
    if "schema" not in raw:
        raise ValueError(f"missing field schema (expected {SCHEMA!r})")
    try:
        return Transcript.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(describe_error(exc)) from None


def read_lines(lines: Iterable[str]) -> ReadResult:
    transcripts: list[Transcript] = []
    problems: list[LineProblem] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            t = parse_line(line)
        except ValueError as exc:
            problems.append(LineProblem(line=number, reason=str(exc)))
            continue
        if t.id in seen:
            problems.append(LineProblem(
                line=number, reason=f"conversation {t.id} already on line {seen[t.id]}"))
            continue
        seen[t.id] = number
        transcripts.append(t)
    return ReadResult(transcripts=transcripts, problems=problems)


def read_transcripts(path: Path) -> ReadResult:
    """Every valid conversation of a JSONL file, and every invalid line with its reason."""
    with path.open(encoding="utf-8-sig") as fh:
        return read_lines(fh)


def dump_line(t: Transcript) -> str:
    """One transcript as a JSONL line (UTF-8 text, Arabic kept readable)."""
    data = _compact(t.model_dump(mode="json", by_alias=True, exclude_none=True))
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


# Fields whose default is empty: left out when empty, so lines stay short to read. (`pii: []`
# stays: it says "checked, none found", which is not the same as not checked.)
_EMPTY_DEFAULTS = {"citations", "data", "details", "contacts", "handoffs", "tickets"}


def _compact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v if k in ("details", "data") else _compact(v)
                for k, v in value.items() if not (k in _EMPTY_DEFAULTS and not v)}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def write_transcripts(transcripts: Iterable[Transcript], fh) -> int:
    n = 0
    for t in transcripts:
        fh.write(dump_line(t) + "\n")
        n += 1
    return n
