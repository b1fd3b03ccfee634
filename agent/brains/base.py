"""The interface both brains implement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from agent.state import ConversationState

if TYPE_CHECKING:
    from agent.deps import Deps


class Brain(Protocol):
    name: str

    async def respond(self, state: ConversationState, deps: "Deps") -> dict[str, Any]:
        """Return a state update with either `tool_calls` to run or `replies` to send."""
        ...
