"""What the graph's nodes need, built once in the app's lifespan and passed as run context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.flows import Flows
from agent.understanding import Understanding
from agent.replies import ReplyBook
from knowledge.index import KnowledgeIndex
from policies.engine import Policies
from settings import Settings
from tools.actions import Toolbox
from tools.backend import CommerceBackend
from tools.rate_limits import RateLimits

if TYPE_CHECKING:
    from agent.brains.base import Brain


@dataclass(frozen=True)
class Deps:
    settings: Settings
    backend: CommerceBackend
    toolbox: Toolbox
    knowledge: KnowledgeIndex
    understanding: Understanding
    policies: Policies
    replies: ReplyBook
    brain: "Brain"
    # Per-client limits (handoffs here; conversations, messages, sign-ins at the HTTP layer).
    rate_limits: RateLimits | None = None

    @property
    def flows(self) -> Flows:
        return self.understanding.flows
