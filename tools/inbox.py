"""The human side of a handoff: the queue agents work from, its state changes, internal notes.

The store owns the rules of who may move a handoff where, and makes every move a single
conditional UPDATE (`... WHERE status IN (...) [AND assigned_to = me]`): two agents claiming
at once cannot both win, whatever the database. What the customer is told and the
conversation's mode are the caller's business (the inbox API), not the store's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from policies.staffing import StaffingPolicy
from tools.wire import UtcDateTime, as_utc
from tools import db
from tools.agents import AgentAccount
from tools.backend import now
from tools.models import Handoff, HandoffStatus, Lang, Priority

PRIORITY_RANK: dict[str, int] = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
OPEN: tuple[HandoffStatus, ...] = ("queued", "claimed")
CLOSED: tuple[HandoffStatus, ...] = ("resolved", "returned")


class NotFound(LookupError):
    pass


class Conflict(Exception):
    """The handoff is not in a state that allows this (HTTP 409)."""


class Forbidden(Exception):
    """The agent's role does not allow this on someone else's handoff (HTTP 403)."""


class InboxItem(BaseModel):
    """One line of the queue, with the SLA clock the console shows."""

    id: str
    conversation_id: str
    customer_id: str | None
    language: Lang
    priority: Priority
    skill: str
    status: HandoffStatus
    reason: str
    summary: str
    channel: str
    rule_id: str | None
    created_at: UtcDateTime
    assigned_to: str | None
    claimed_at: UtcDateTime | None
    resolved_at: UtcDateTime | None
    waiting_minutes: float
    sla_minutes: int
    sla_due_at: UtcDateTime
    sla_minutes_left: float | None
    sla_breached: bool


class Note(BaseModel):
    id: int
    handoff_id: str
    author: str
    text: str
    created_at: UtcDateTime


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _handoff(row: Any) -> Handoff:
    values = dict(row)
    for key in ("created_at", "claimed_at", "resolved_at"):
        values[key] = _utc(values[key])
    return Handoff.model_validate(values)


class InboxStore:
    def __init__(self, engine: AsyncEngine, staffing: Callable[[], StaffingPolicy]) -> None:
        # A function, not the policy: policies can be reloaded while the server runs.
        self._engine = engine
        self._staffing = staffing

    def item(self, h: Handoff, at: datetime | None = None, lang: Lang = "en") -> InboxItem:
        """The SLA clock runs from the handoff until a person picks it up (or it closes).

        The summary is given in `lang`, the agent's console language."""
        at = at or now()
        sla = self._staffing().sla_minutes[h.priority]
        due = h.created_at + timedelta(minutes=sla)
        stopped = (h.claimed_at or h.resolved_at) if h.status != "queued" else None
        end = stopped or at
        return InboxItem(
            **h.model_dump(exclude={"packet", "summary"}),
            summary=h.packet.summary.pick(lang) if h.packet else h.summary,
            waiting_minutes=round(max(0.0, (end - h.created_at).total_seconds() / 60), 1),
            sla_minutes=sla,
            sla_due_at=due,
            sla_minutes_left=None if stopped else round((due - at).total_seconds() / 60, 1),
            sla_breached=end > due,
        )

    async def get(self, handoff_id: str) -> Handoff:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(db.handoffs).where(db.handoffs.c.id == handoff_id))
            ).mappings().first()
        if row is None:
            raise NotFound(handoff_id)
        return _handoff(row)

    async def list(
        self, *, statuses: list[str] | None = None, language: str | None = None,
        skill: str | None = None, assigned_to: str | None = None, limit: int = 100,
        lang: Lang = "en",
    ) -> list[InboxItem]:
        """Most urgent first, then the nearest SLA deadline."""
        query = select(db.handoffs).where(db.handoffs.c.status.in_(statuses or OPEN))
        if language:
            query = query.where(db.handoffs.c.language == language)
        if skill:
            query = query.where(db.handoffs.c.skill == skill)
        if assigned_to:
            query = query.where(db.handoffs.c.assigned_to == assigned_to)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        at = now()
        items = [self.item(_handoff(r), at, lang) for r in rows]
        items.sort(key=lambda i: (PRIORITY_RANK[i.priority], i.sla_due_at, i.id))
        return items[:limit]

    async def _move(
        self, handoff_id: str, *, allowed: tuple[str, ...], owner: str | None,
        values: dict[str, Any],
    ) -> bool:
        query = update(db.handoffs).where(
            db.handoffs.c.id == handoff_id, db.handoffs.c.status.in_(allowed))
        if owner is not None:
            query = query.where(db.handoffs.c.assigned_to == owner)
        async with self._engine.begin() as conn:
            return (await conn.execute(query.values(**values))).rowcount == 1

    async def _refusal(self, handoff_id: str, actor: AgentAccount, action: str) -> Exception:
        """Why a conditional update changed nothing, from the handoff as it is now."""
        h = await self.get(handoff_id)  # NotFound propagates
        if h.status in CLOSED:
            return Conflict(f"handoff {h.id} is already {h.status}; it cannot be {action}")
        if h.status == "queued":
            return Conflict(f"handoff {h.id} is not claimed yet: claim it first")
        if h.assigned_to != actor.username:
            return Forbidden(f"handoff {h.id} is claimed by {h.assigned_to}; only they or a "
                             f"supervisor can have it {action}")
        return Conflict(f"handoff {h.id} changed while you acted; reload and try again")

    async def claim(self, handoff_id: str, actor: AgentAccount) -> Handoff:
        ts = now()
        if await self._move(handoff_id, allowed=("queued",), owner=None,
                            values=dict(status="claimed", assigned_to=actor.username,
                                        claimed_at=ts)):
            return await self.get(handoff_id)
        h = await self.get(handoff_id)
        if h.status == "claimed":
            who = "you" if h.assigned_to == actor.username else h.assigned_to
            raise Conflict(f"handoff {h.id} is already claimed by {who}")
        raise Conflict(f"handoff {h.id} is already {h.status}; it cannot be claimed")

    async def _act(self, handoff_id: str, actor: AgentAccount, action: str,
                   values: dict[str, Any]) -> Handoff:
        """An agent acts on their own claimed handoff; a supervisor on any open one."""
        moved = await self._move(
            handoff_id,
            allowed=OPEN if actor.supervises else ("claimed",),
            owner=None if actor.supervises else actor.username,
            values=values,
        )
        if not moved:
            raise await self._refusal(handoff_id, actor, action)
        return await self.get(handoff_id)

    async def transfer(
        self, handoff_id: str, actor: AgentAccount, *, skill: str | None = None,
        to: AgentAccount | None = None,
    ) -> Handoff:
        """Back to the queue (for `skill`) or straight to another agent."""
        current = await self.get(handoff_id)
        if to is not None and current.status == "claimed" and current.assigned_to == to.username:
            raise Conflict(f"handoff {handoff_id} is already with {to.username}")
        values: dict[str, Any] = {"skill": skill} if skill else {}
        if to is None:
            values |= dict(status="queued", assigned_to=None, claimed_at=None)
        else:
            values |= dict(status="claimed", assigned_to=to.username, claimed_at=now())
        return await self._act(handoff_id, actor, "transferred", values)

    async def close(
        self, handoff_id: str, actor: AgentAccount, status: Literal["resolved", "returned"]
    ) -> Handoff:
        return await self._act(handoff_id, actor, status,
                               dict(status=status, resolved_at=now()))

    async def add_note(self, handoff: Handoff, author: str, text: str) -> Note:
        values = dict(handoff_id=handoff.id, conversation_id=handoff.conversation_id,
                      author=author, text=text, created_at=now())
        async with self._engine.begin() as conn:
            result = await conn.execute(insert(db.handoff_notes).values(**values))
        return Note.model_validate(values | {"id": result.inserted_primary_key[0]})

    async def notes(self, handoff_id: str) -> list[Note]:
        query = (select(db.handoff_notes).where(db.handoff_notes.c.handoff_id == handoff_id)
                 .order_by(db.handoff_notes.c.id))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [Note.model_validate(dict(r) | {"created_at": _utc(r["created_at"])}) for r in rows]
