"""Live events for the widget and the agent console (server-sent events are built on this).

The embedded bus lives in the app's lifespan and reaches subscribers in this process only;
running several workers needs a shared bus (Redis pub/sub) behind the same interface.

Channels: `conversation:<id>` (what the customer's widget shows) and `inbox` (queue changes
and customer activity for agents).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Protocol

from pydantic import BaseModel, Field

from tools.backend import now


class Event(BaseModel):
    id: int = 0
    channel: str
    type: str = Field(description="e.g. message, handoff, agent_joined, typing, resolved")
    data: dict[str, Any] = Field(default_factory=dict)
    at: str = Field(default_factory=lambda: now().isoformat())


def conversation_channel(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


INBOX = "inbox"


class EventBus(Protocol):
    async def publish(self, channel: str, type: str, data: dict[str, Any]) -> Event: ...

    def subscribe(self, channel: str) -> Any:
        """An async context manager yielding an async iterator of events."""


class LocalEventBus:
    """In-process fan-out. A slow subscriber drops its oldest events rather than block others;
    clients recover what they missed from the transcript, which is the source of truth."""

    def __init__(self, max_queue: int = 256) -> None:
        self._subs: dict[str, set[asyncio.Queue[Event]]] = {}
        self._ids = itertools.count(1)
        self._max = max_queue

    async def publish(self, channel: str, type: str, data: dict[str, Any]) -> Event:
        event = Event(id=next(self._ids), channel=channel, type=type, data=data)
        for queue in list(self._subs.get(channel, ())):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)
        return event

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue(self._max)
        self._subs.setdefault(channel, set()).add(queue)

        async def events() -> AsyncIterator[Event]:
            while True:
                yield await queue.get()

        try:
            yield events()
        finally:
            subs = self._subs.get(channel)
            if subs is not None:
                subs.discard(queue)
                if not subs:
                    del self._subs[channel]


@asynccontextmanager
async def follow(bus: EventBus, channels: list[str], max_queue: int = 256
                 ) -> AsyncIterator[asyncio.Queue[Event]]:
    """Several channels as one queue, subscribed before this returns.

    A stream needs to wait with a timeout (to notice the server stopping) and to subscribe
    before it reads what it must replay; a subscription's own iterator allows neither, since
    cancelling it ends it. Like the bus, a full queue drops its oldest event."""
    out: asyncio.Queue[Event] = asyncio.Queue(max_queue)

    async def forward(events: AsyncIterator[Event]) -> None:
        async for event in events:
            if out.full():
                out.get_nowait()
            out.put_nowait(event)

    async with AsyncExitStack() as stack:
        tasks = []
        for channel in channels:
            events = await stack.enter_async_context(bus.subscribe(channel))
            tasks.append(asyncio.create_task(forward(events)))
        try:
            yield out
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
