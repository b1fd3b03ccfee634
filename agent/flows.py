"""Flows of the offline engine (each catalogue file's `flow:`), validated at start-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, RootModel, model_validator

from tools.actions import TOOLS
from tools.models import OrderStatus
from policies.loader import parse_yaml

SLOT_NAMES = {"order_id", "contact"}


class Flow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reply: str | None = None
    knowledge: bool = False
    topics: list[str] = []
    tool: str | None = None
    slots: list[str] = []
    identity: bool = False
    replies: str | None = None
    handoff: bool = False
    # Following a conversation (agent/dialogue.py). `statuses`: which of a signed-in customer's
    # orders "my order" means for this request, most likely first (a list of tiers, e.g.
    # [[out_for_delivery, shipped], [processing, pending]]). `followup`: a short message
    # after this intent's answer ("and the fridge?") asks the same question about something
    # else (knowledge flows; default true). `about`: after this action is done, a question
    # about it ("is the pickup free?") goes to this knowledge intent instead of repeating it.
    statuses: list[list[str]] | None = None
    followup: bool = True
    about: str | None = None
    # `called`: what "it" / "that one" means after this intent's answer, per language ("the
    # invoice"), so "where do I download that one?" is searched as a question about it.
    called: dict[str, str] = {}

    @model_validator(mode="after")
    def _one_action(self) -> "Flow":
        actions = [self.reply is not None, self.knowledge, self.tool is not None, self.handoff]
        if sum(actions) != 1:
            raise ValueError("a flow has exactly one of reply, knowledge, tool, handoff")
        if self.tool is not None and self.tool not in TOOLS:
            raise ValueError(f"unknown tool {self.tool!r}")
        unknown = set(self.slots) - SLOT_NAMES
        if unknown:
            raise ValueError(f"unknown slots {sorted(unknown)}")
        return self


class Flows(RootModel[dict[str, Flow]]):
    @model_validator(mode="after")
    def _references(self) -> "Flows":
        known = {s.value for s in OrderStatus}
        for name, flow in self.root.items():
            if flow.about is not None:
                target = self.root.get(flow.about)
                if target is None or not target.knowledge:
                    raise ValueError(f"{name}: about {flow.about!r} is not a knowledge intent")
            for tier in flow.statuses or []:
                unknown = set(tier) - known
                if unknown:
                    raise ValueError(f"{name}: unknown order statuses {sorted(unknown)}")
        return self

    @classmethod
    def load(cls, path: Path) -> "Flows":
        return cls.model_validate(parse_yaml(path.read_text("utf-8")))

    def get(self, intent: str) -> Flow | None:
        return self.root.get(intent)

    def topics(self, intent: str) -> frozenset[str]:
        flow = self.root.get(intent)
        return frozenset(flow.topics) if flow else frozenset()

    def needs_knowledge(self, intent: str) -> bool:
        flow = self.root.get(intent)
        return flow is not None and flow.knowledge

    def tiers(self, intent: str) -> tuple[tuple[str, ...], ...] | None:
        flow = self.root.get(intent)
        if flow is None or flow.statuses is None:
            return None
        return tuple(tuple(t) for t in flow.statuses)

    def follows_up(self, intent: str) -> bool:
        flow = self.root.get(intent)
        return flow is not None and flow.knowledge and flow.followup

    def about(self, intent: str) -> str | None:
        flow = self.root.get(intent)
        return flow.about if flow else None

    def called(self, intent: str, lang: str) -> str | None:
        flow = self.root.get(intent)
        return (flow.called.get(lang) or None) if flow else None

    def prefix_for_tool(self, tool: str) -> str | None:
        """Template prefix of the flow that runs `tool` (for outcomes reached outside it)."""
        for flow in self.root.values():
            if flow.tool == tool and flow.replies:
                return flow.replies
        return None
