"""Replay scenarios: scripted customer turns with what must happen, for `cx eval replay`.

A scenario file is YAML (`scenarios: [...]`); a folder is every `*.yaml` under it. Each
scenario starts from a fresh copy of the demo world (customers and orders as `cx seed` loads
them, dated relative to today), so an end-state check sees only what that scenario did, as
tau-bench grades the final state rather than one path through the conversation.

    - id: cancel-pending-en
      language: en                 # the language the customer writes in (ar or en)
      customer: C1001              # signed in as this customer (omit: anonymous visitor)
      channel: web                 # web or whatsapp
      team: on_duty                # on_duty (default), off_duty, queue_full
      tags: [cancel_order, action] # free labels, counted in the report
      turns:
        - say: "cancel my order RW-100234"
          expect:
            intent: cancel_order
            tools: [{name: cancel_order, allowed: false, reason: "awaiting customer confirmation"}]
            escalate: false
            reply_contains: ["RW-100234"]
        - say: "yes"
          expect:
            tools: [{name: cancel_order, allowed: true, args: {order_id: RW-100234}}]
      end:
        orders: {RW-100234: {status: cancelled}}
        handoff: false
        tickets: 0

Expectations are all optional and only what is written is checked. `end.unchanged: true`
is the "do nothing" grade: no order, refund or ticket may change at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from evals.transcript import LineProblem, describe_error
from policies.loader import parse_yaml, compose_yaml

Lang = Literal["ar", "en"]


class _Strict(BaseModel):
    # A typo in an expectation ("replay_contains") must fail loudly, not pass silently.
    model_config = ConfigDict(extra="forbid")


class ToolExpectation(_Strict):
    """A tool call the audit log must show during this turn (all fields that are given match).

    `args` match the audited details as a subset (e.g. {order_id: RW-100234}); `reason` is a
    case-insensitive substring of the audited reason."""

    name: str
    allowed: bool | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    reason: str | None = None


class TurnExpectation(_Strict):
    intent: str | list[str] | None = Field(
        None, description="the intent understood (one of a list, when several are fine)")
    tools: list[ToolExpectation] = Field(
        default_factory=list, description="calls that must appear in the audit log this turn")
    no_tools: list[str] | Literal["writes", "any"] | None = Field(
        None, description="tools that must not be called this turn; 'writes' = cancel_order, "
                          "start_return, request_refund; 'any' = no tool at all")
    escalate: bool | None = Field(
        None, description="true: handed to people (or a callback ticket) by the end of this "
                          "turn; false: the assistant still owns the conversation")
    rule: str | None = Field(None, description="the escalation rule that decided the handoff")
    reply_contains: list[str] = Field(
        default_factory=list, description="each must appear in the replies (case-insensitive, "
                                          "any digit script)")
    reply_any: list[str] = Field(
        default_factory=list, description="at least one must appear in the replies")
    reply_excludes: list[str] = Field(default_factory=list)
    cites: str | bool | None = Field(
        None, description="true: some reply cites the knowledge base; a string: a citation "
                          "whose source or title contains it; false: no citation")
    template: str | None = Field(
        None, description="an approved template (replies.yaml) some reply used, e.g. "
                          "cancel.done; a trailing * matches a prefix")
    reply_language: Lang | None = Field(
        None, description="the replies' language (default: the scenario's language)")


class Turn(_Strict):
    say: str = Field(min_length=1)
    expect: TurnExpectation = Field(default_factory=TurnExpectation)


class OrderExpectation(_Strict):
    status: str | None = None
    refunded_amount: float | None = None


class HandoffExpectation(_Strict):
    rule: str | None = None
    priority: Literal["low", "normal", "high", "urgent"] | None = None
    skill: str | None = None


class EndExpectation(_Strict):
    orders: dict[str, OrderExpectation] = Field(default_factory=dict)
    handoff: bool | HandoffExpectation | None = Field(
        None, description="false: no handoff was opened; true or fields: one was")
    tickets: int | None = Field(None, ge=0, description="tickets opened in the conversation")
    mode: Literal["assistant", "waiting_human", "human", "closed"] | None = None
    unchanged: bool = Field(
        False, description="do nothing: no order, refund or ticket changed at all")


class Scenario(_Strict):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    language: Lang
    description: str | None = None
    customer: str | None = Field(None, description="signed-in customer id, e.g. C1001")
    channel: Literal["web", "whatsapp"] = "web"
    page_language: Lang | None = Field(
        None, description="the language of the page the widget is on (a default only: the "
                          "customer's own words decide)")
    team: Literal["on_duty", "off_duty", "queue_full"] = Field(
        "on_duty", description="people available to take a handoff (fixed so a result does "
                               "not depend on the hour the suite runs)")
    tags: list[str] = Field(default_factory=list)
    turns: list[Turn] = Field(min_length=1)
    end: EndExpectation = Field(default_factory=EndExpectation)
    file: str | None = Field(None, exclude=True, description="where it was read from")

    @model_validator(mode="after")
    def _consistent(self) -> "Scenario":
        if self.end.unchanged and (self.end.orders or self.end.tickets):
            raise ValueError("end.unchanged cannot be combined with orders or tickets changes")
        return self

    def should_escalate(self) -> bool | None:
        """The QA label this scenario implies (for the scorer's agreement with labels): a
        turn that must escalate (a handoff, or a callback ticket when nobody is available) or
        an expected handoff says yes; otherwise an explicit "no handoff" or "stays" says no."""
        marks = [t.expect.escalate for t in self.turns if t.expect.escalate is not None]
        if any(marks) or self.end.handoff:
            return True
        if self.end.handoff is False or marks:
            return False
        return None

    def escalate_at(self) -> int | None:
        for i, t in enumerate(self.turns, 1):
            if t.expect.escalate:
                return i
        return None


class ScenarioFile(_Strict):
    scenarios: list[dict[str, Any]]


class LoadResult(BaseModel):
    scenarios: list[Scenario]
    problems: list[LineProblem]
    files: list[str]


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.yaml") if p.is_file())
    return [path]


def load_scenarios(paths: list[Path]) -> LoadResult:
    """Every scenario of the files (and folders) given. A scenario that does not validate is
    reported with its file, line and reason and skipped; the others still run."""
    scenarios: list[Scenario] = []
    problems: list[LineProblem] = []
    files: list[str] = []
    seen: dict[str, str] = {}
    for root in paths:
        if not root.exists():
            raise FileNotFoundError(f"{root}: no such file or folder")
        for path in _files(root):
            files.append(str(path))
            text = path.read_text("utf-8")
            try:
                nodes = compose_yaml(text)
                doc = ScenarioFile.model_validate(parse_yaml(text))
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                problems.append(LineProblem(line=(mark.line + 1) if mark else 1,
                                            reason=f"{path}: not valid YAML: {exc}"))
                continue
            except ValidationError as exc:
                problems.append(LineProblem(line=1, reason=f"{path}: {describe_error(exc)} "
                                                           "(expected `scenarios:` and a list)"))
                continue
            items = _item_lines(nodes)
            for n, raw in enumerate(doc.scenarios):
                line = items[n] if n < len(items) else 1
                try:
                    s = Scenario.model_validate(raw | {"file": str(path)})
                except ValidationError as exc:
                    sid = raw.get("id", f"#{n + 1}") if isinstance(raw, dict) else f"#{n + 1}"
                    problems.append(LineProblem(line=line,
                                                reason=f"{path}: scenario {sid}: "
                                                       f"{describe_error(exc)}"))
                    continue
                if s.id in seen:
                    problems.append(LineProblem(line=line, reason=f"{path}: scenario id {s.id} "
                                                                  f"already used in {seen[s.id]}"))
                    continue
                seen[s.id] = str(path)
                scenarios.append(s)
    return LoadResult(scenarios=scenarios, problems=problems, files=files)


def _item_lines(root: yaml.Node | None) -> list[int]:
    """1-based line of each item of the top-level `scenarios` list (for error messages)."""
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if getattr(key, "value", None) == "scenarios" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []
