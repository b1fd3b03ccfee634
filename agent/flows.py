"""Flows of the offline engine (each catalogue file's `flow:`), validated at start-up."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, RootModel, model_validator

from tools.actions import TOOLS

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
    @classmethod
    def load(cls, path: Path) -> "Flows":
        return cls.model_validate(yaml.safe_load(path.read_text("utf-8")))

    def get(self, intent: str) -> Flow | None:
        return self.root.get(intent)

    def topics(self, intent: str) -> frozenset[str]:
        flow = self.root.get(intent)
        return frozenset(flow.topics) if flow else frozenset()

    def needs_knowledge(self, intent: str) -> bool:
        flow = self.root.get(intent)
        return flow is not None and flow.knowledge

    def prefix_for_tool(self, tool: str) -> str | None:
        """Template prefix of the flow that runs `tool` (for outcomes reached outside it)."""
        for flow in self.root.values():
            if flow.tool == tool and flow.replies:
                return flow.replies
        return None
