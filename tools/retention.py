"""Retention and customers' data requests (PDPL), from `policies/privacy.yaml`.

**Purge.** A conversation whose last message is older than `retention.transcripts_days` is
deleted with everything that repeats what was said in it: messages, message receipts, its
secret, its rating, handoffs (their packets quote the customer) and their internal notes,
callback tickets, and its LangGraph checkpoints. The audit log is evidence for disputes and
keeps its rows until `retention.audit_days`; failed identity checks (already keyed HMACs) are
dropped after a week, long past any throttle window.

**A customer's data.** `export_customer` gathers what we hold about one customer: profile,
orders, conversations with their transcripts, handoffs, tickets, ratings and the audit trail.
`delete_customer` deletes their conversations as a purge would and erases the profile's
personal fields (name, email, phone, city, notes); orders stay, as tax invoices must, linked to
the erased profile. Both are audited by the caller (who asked, and what was done).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from policies.privacy import Retention
from tools import db
from tools.backend import now
from tools.wire import as_utc

ForgetThread = Callable[[str], Awaitable[None]]
# Identity-check attempts only matter inside the throttle's windows (a day at most).
_ATTEMPTS_KEPT = timedelta(days=7)
_CHUNK = 500
# What a purge reports, table by table.
COUNTED = ("conversations", "messages", "message_receipts", "conversation_secrets", "csat",
           "handoffs", "handoff_notes", "tickets", "audit_log", "verification_attempts")


class PurgeReport(BaseModel):
    at: datetime
    transcripts_before: datetime
    audit_before: datetime
    dry_run: bool
    before: dict[str, int]
    after: dict[str, int]
    conversations_purged: int


async def counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {name: (await conn.execute(select(func.count()).select_from(
            db.metadata.tables[name]))).scalar_one() for name in COUNTED}


async def _stale_conversations(conn: Any, before: datetime) -> list[str]:
    m, c = db.messages, db.conversations
    last = (select(m.c.conversation_id, func.max(m.c.created_at).label("last"))
            .group_by(m.c.conversation_id).subquery())
    rows = (await conn.execute(
        select(c.c.id, c.c.created_at, last.c.last).outerjoin(last, last.c.conversation_id == c.c.id)
    )).all()
    return [r.id for r in rows if as_utc(r.last or r.created_at) < before]


async def _delete_conversations(conn: Any, ids: list[str]) -> None:
    """Everything that repeats what was said in these conversations (not the audit log)."""
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        handoffs = [r[0] for r in (await conn.execute(
            select(db.handoffs.c.id).where(db.handoffs.c.conversation_id.in_(chunk)))).all()]
        if handoffs:
            await conn.execute(delete(db.handoff_notes).where(
                db.handoff_notes.c.handoff_id.in_(handoffs)))
        for table in (db.message_receipts, db.csat, db.conversation_secrets, db.messages,
                      db.handoffs, db.tickets):
            await conn.execute(delete(table).where(table.c.conversation_id.in_(chunk)))
        await conn.execute(delete(db.conversations).where(db.conversations.c.id.in_(chunk)))


async def purge(engine: AsyncEngine, retention: Retention, forget_thread: ForgetThread, *,
                at: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Delete what is past retention; with `dry_run`, only say what would go."""
    at = at or now()
    transcripts_before = at - timedelta(days=retention.transcripts_days)
    audit_before = at - timedelta(days=retention.audit_days)
    before = await counts(engine)
    async with engine.begin() as conn:
        stale = await _stale_conversations(conn, transcripts_before)
        if not dry_run:
            await _delete_conversations(conn, stale)
            await conn.execute(delete(db.audit_log).where(db.audit_log.c.at < audit_before))
            await conn.execute(delete(db.verification_attempts).where(
                db.verification_attempts.c.at < at - _ATTEMPTS_KEPT))
    if not dry_run:
        for conversation_id in stale:  # after the commit: a failure here leaves no transcript
            await forget_thread(conversation_id)
    return PurgeReport(at=at, transcripts_before=transcripts_before, audit_before=audit_before,
                       dry_run=dry_run, before=before,
                       after=before if dry_run else await counts(engine),
                       conversations_purged=len(stale))


def _rows(result: Any) -> list[dict[str, Any]]:
    return [{k: (as_utc(v).isoformat() if isinstance(v, datetime) else v)
             for k, v in dict(r).items()} for r in result.mappings().all()]


async def export_customer(engine: AsyncEngine, customer_id: str) -> dict[str, Any] | None:
    """Everything held about one customer, as JSON-ready data; None if there is no such one."""
    async with engine.connect() as conn:
        profile = _rows(await conn.execute(
            select(db.customers).where(db.customers.c.id == customer_id)))
        if not profile:
            return None
        conversations = _rows(await conn.execute(select(db.conversations).where(
            db.conversations.c.customer_id == customer_id).order_by(db.conversations.c.created_at)))
        ids = [c["id"] for c in conversations]
        messages = _rows(await conn.execute(select(db.messages).where(
            db.messages.c.conversation_id.in_(ids)).order_by(db.messages.c.id))) if ids else []
        for conv in conversations:
            conv["messages"] = [m for m in messages if m["conversation_id"] == conv["id"]]
        in_scope = (db.audit_log.c.conversation_id.in_(ids) if ids else False)
        return {
            "customer": profile[0],
            "orders": _rows(await conn.execute(select(db.orders).where(
                db.orders.c.customer_id == customer_id).order_by(db.orders.c.created_at))),
            "conversations": conversations,
            "handoffs": _rows(await conn.execute(select(db.handoffs).where(
                db.handoffs.c.customer_id == customer_id))),
            "tickets": _rows(await conn.execute(select(db.tickets).where(
                db.tickets.c.customer_id == customer_id))),
            "ratings": _rows(await conn.execute(select(db.csat).where(
                db.csat.c.conversation_id.in_(ids)))) if ids else [],
            "audit": _rows(await conn.execute(select(db.audit_log).where(in_scope).order_by(
                db.audit_log.c.id))) if ids else [],
        }


ERASED = "[erased]"


async def delete_customer(engine: AsyncEngine, customer_id: str,
                          forget_thread: ForgetThread) -> dict[str, int] | None:
    """Delete the customer's conversations and erase the profile's personal fields."""
    async with engine.begin() as conn:
        found = (await conn.execute(select(db.customers.c.id).where(
            db.customers.c.id == customer_id))).first()
        if found is None:
            return None
        ids = [r[0] for r in (await conn.execute(select(db.conversations.c.id).where(
            db.conversations.c.customer_id == customer_id))).all()]
        await _delete_conversations(conn, ids)
        for table in (db.handoffs, db.tickets):  # any left from conversations not theirs
            await conn.execute(delete(table).where(table.c.customer_id == customer_id))
        # Email and phone are unique: the erased values carry the id to stay distinct.
        await conn.execute(update(db.customers).where(db.customers.c.id == customer_id).values(
            name={"en": ERASED, "ar": ERASED}, email=f"{ERASED}-{customer_id}",
            phone=f"{ERASED}-{customer_id}", city={"en": ERASED, "ar": ERASED}, notes=[]))
    for conversation_id in ids:
        await forget_thread(conversation_id)
    return {"conversations": len(ids)}
