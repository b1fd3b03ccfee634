"""Relational schema (SQLAlchemy Core) for the embedded store.

One schema serves SQLite (default) and PostgreSQL (scale-out): nested records such as items
and tracking events live in JSON columns because they are always read with their order.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
)
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

metadata = MetaData()

customers = Table(
    "customers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", JSON, nullable=False),
    Column("email", String(255), nullable=False, unique=True),
    Column("phone", String(32), nullable=False, unique=True),
    Column("language", String(2), nullable=False),
    Column("tier", String(16), nullable=False),
    Column("city", JSON, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("notes", JSON, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("customer_id", String(32), ForeignKey("customers.id"), nullable=False, index=True),
    Column("status", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("total", Float, nullable=False),
    Column("record", JSON, nullable=False),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("conversation_id", String(64), index=True),
    Column("customer_id", String(32)),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("priority", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("callback_by", DateTime(timezone=True)),
)

handoffs = Table(
    "handoffs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("conversation_id", String(64), nullable=False, index=True),
    Column("customer_id", String(32)),
    Column("language", String(2), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("skill", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("rule_id", String(64)),
    Column("packet", JSON),
    Column("assigned_to", String(64)),
    Column("claimed_at", DateTime(timezone=True)),
    Column("resolved_at", DateTime(timezone=True)),
)

# People who answer handed-off conversations (the inbox). Passwords are bcrypt hashes.
agents = Table(
    "agents",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", JSON, nullable=False),  # {"en": ..., "ar": ...}
    Column("password_hash", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("languages", JSON, nullable=False),
    Column("skills", JSON, nullable=False),
    Column("ui_language", String(2), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Internal notes on a handoff: agents only, never part of the customer's transcript.
handoff_notes = Table(
    "handoff_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("handoff_id", String(32), ForeignKey("handoffs.id"), nullable=False, index=True),
    Column("conversation_id", String(64), nullable=False),
    Column("author", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("conversation_id", String(64), index=True),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("allowed", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("details", JSON, nullable=False),
)

# A retried write (same key) returns the stored result instead of acting twice.
idempotency = Table(
    "idempotency",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("action", String(64), nullable=False),
    Column("result", JSON, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# Failed identity checks across all conversations (tools/throttle.py). Keys are HMACs of the
# order number, contact or client address, never the values themselves.
verification_attempts = Table(
    "verification_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope", String(8), nullable=False),  # order, contact or client
    Column("key", String(64), nullable=False),
    Column("kind", String(8), nullable=False),  # failed (a wrong pair) or blocked (while locked)
    Column("conversation_id", String(64)),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_verification_attempts_key", verification_attempts.c.scope,
      verification_attempts.c.key, verification_attempts.c.at)

conversations = Table(
    "conversations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("locale", String(8)),
    Column("customer_id", String(32)),
    Column("mode", String(16), nullable=False),
    Column("language", String(2)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Each conversation's credential: the SHA-256 of the secret its client got when it was created
# (POST /v1/conversations). The id alone opens nothing. A table of its own so a store made
# before secrets existed gains it with create_all; conversations without a row (made then, or
# by a channel such as WhatsApp that never hands one out) cannot be opened over HTTP.
conversation_secrets = Table(
    "conversation_secrets",
    metadata,
    Column("conversation_id", String(64), ForeignKey("conversations.id"), primary_key=True),
    Column("secret_hash", String(64), nullable=False),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), ForeignKey("conversations.id"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("language", String(2)),
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_messages_conversation", messages.c.conversation_id, messages.c.id)

# A client's id for each customer message it sent: a retry of the same message (a dropped
# connection) returns the first result instead of storing and answering it twice.
message_receipts = Table(
    "message_receipts",
    metadata,
    Column("conversation_id", String(64), ForeignKey("conversations.id"), primary_key=True),
    Column("client_message_id", String(64), primary_key=True),
    Column("text_hash", String(64), nullable=False),
    Column("result", JSON),  # the turn's result; NULL until the turn has finished
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Customer satisfaction, given in the chat widget when a conversation ends: one rating per
# conversation (the primary key makes a second one a conflict, however concurrent).
csat = Table(
    "csat",
    metadata,
    Column("conversation_id", String(64), ForeignKey("conversations.id"), primary_key=True),
    Column("score", Integer, nullable=False),
    Column("comment", Text),
    Column("resolved_by", String(16), nullable=False),  # "assistant" or "human"
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("score BETWEEN 1 AND 5", name="ck_csat_score"),
    CheckConstraint("resolved_by IN ('assistant', 'human')", name="ck_csat_resolved_by"),
)


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url)
    if url.startswith("sqlite"):
        # WAL lets the HTTP server and `cx` commands read while another writes.
        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - driver hook
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=15000")
            cur.close()
            # The driver's own BEGIN is deferred: a transaction that reads and then writes
            # fails at once with "database is locked" when another connection wrote in
            # between (the busy timeout does not apply to that upgrade). We begin ourselves.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(conn):  # pragma: no cover - driver hook
            # Take the write lock up front, waiting up to busy_timeout for it.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
