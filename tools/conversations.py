"""Conversation records and their transcript (what the customer, assistant and humans said)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from tools.wire import UtcDateTime
from tools import db
from tools.backend import now

Mode = Literal["assistant", "waiting_human", "human", "closed"]
Role = Literal["customer", "assistant", "agent", "system"]


class Conversation(BaseModel):
    id: str
    channel: str
    locale: str | None
    customer_id: str | None
    mode: Mode
    language: str | None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class TranscriptMessage(BaseModel):
    id: int
    role: Role
    text: str
    language: str | None
    payload: dict[str, Any] = Field(default_factory=dict)
    created_at: UtcDateTime


class Csat(BaseModel):
    """A customer's rating of a finished conversation (the chat widget asks for it)."""

    conversation_id: str
    score: int = Field(ge=1, le=5)
    comment: str | None = None
    resolved_by: Literal["assistant", "human"]
    created_at: UtcDateTime


class Receipt(BaseModel):
    """A client message id already seen: its text's hash and, once answered, the result."""

    text_hash: str
    result: dict[str, Any] | None


class ConversationStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @property
    def engine(self) -> AsyncEngine:
        """The store's database (the inbox keeps its tables in the same one)."""
        return self._engine

    async def create(
        self, conversation_id: str, channel: str, locale: str | None, customer_id: str | None,
        secret_hash: str | None = None,
    ) -> Conversation:
        ts = now()
        values = dict(
            id=conversation_id,
            channel=channel,
            locale=locale,
            customer_id=customer_id,
            mode="assistant",
            language=locale,
            created_at=ts,
            updated_at=ts,
        )
        async with self._engine.begin() as conn:
            await conn.execute(insert(db.conversations).values(**values))
            if secret_hash is not None:
                await conn.execute(insert(db.conversation_secrets).values(
                    conversation_id=conversation_id, secret_hash=secret_hash))
        return Conversation.model_validate(values)

    async def secret_hash(self, conversation_id: str) -> str | None:
        """The hash of the conversation's secret (None: it has none, or does not exist)."""
        async with self._engine.connect() as conn:
            return (await conn.execute(
                select(db.conversation_secrets.c.secret_hash)
                .where(db.conversation_secrets.c.conversation_id == conversation_id)
            )).scalar()

    async def get(self, conversation_id: str) -> Conversation | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(db.conversations).where(db.conversations.c.id == conversation_id)
                )
            ).mappings().first()
        return Conversation.model_validate(dict(row)) if row else None

    async def append(
        self,
        conversation_id: str,
        role: Role,
        text: str,
        language: str | None = None,
        payload: dict[str, Any] | None = None,
        receipt: tuple[str, str] | None = None,
    ) -> TranscriptMessage:
        """Store one message; `receipt` (client message id, text hash) is written in the same
        transaction, so a stored message always has its receipt and a retry finds it."""
        values = dict(
            conversation_id=conversation_id,
            role=role,
            text=text,
            language=language,
            payload=payload or {},
            created_at=now(),
        )
        async with self._engine.begin() as conn:
            result = await conn.execute(insert(db.messages).values(**values))
            msg_id = result.inserted_primary_key[0]
            if receipt is not None:
                await conn.execute(insert(db.message_receipts).values(
                    conversation_id=conversation_id, client_message_id=receipt[0],
                    text_hash=receipt[1], result=None, created_at=values["created_at"]))
        return TranscriptMessage.model_validate(values | {"id": msg_id})

    async def receipt(self, conversation_id: str, client_message_id: str
                      ) -> Receipt | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(db.message_receipts).where(
                db.message_receipts.c.conversation_id == conversation_id,
                db.message_receipts.c.client_message_id == client_message_id))).mappings().first()
        return Receipt(text_hash=row["text_hash"], result=row["result"]) if row else None

    async def settle_receipt(self, conversation_id: str, client_message_id: str,
                             result: dict[str, Any]) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(update(db.message_receipts).where(
                db.message_receipts.c.conversation_id == conversation_id,
                db.message_receipts.c.client_message_id == client_message_id,
            ).values(result=result))

    async def record_replies(
        self,
        conversation_id: str,
        replies: list[tuple[str, str | None, dict[str, Any]]],
        **conversation: Any,
    ) -> list[TranscriptMessage]:
        """Store the assistant's replies and the conversation's new state in one transaction.

        Returns the stored messages with their ids, which live streams use as event ids."""
        ts = now()
        stored = []
        async with self._engine.begin() as conn:
            for text, lang, payload in replies:
                values = dict(conversation_id=conversation_id, role="assistant", text=text,
                              language=lang, payload=payload, created_at=ts)
                result = await conn.execute(insert(db.messages).values(**values))
                stored.append(TranscriptMessage.model_validate(
                    values | {"id": result.inserted_primary_key[0]}))
            await conn.execute(
                update(db.conversations)
                .where(db.conversations.c.id == conversation_id)
                .values(**conversation, updated_at=ts)
            )
        return stored

    async def last_message_id(self, conversation_id: str) -> int:
        query = select(func.max(db.messages.c.id)).where(
            db.messages.c.conversation_id == conversation_id)
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).scalar_one_or_none() or 0

    async def last_customer_text(self, conversation_id: str) -> str | None:
        """The customer's previous message: what a bare code typed now may answer."""
        query = (
            select(db.messages.c.text)
            .where(db.messages.c.conversation_id == conversation_id,
                   db.messages.c.role == "customer")
            .order_by(db.messages.c.id.desc()).limit(1)
        )
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).scalar_one_or_none()

    async def transcript_after(self, conversation_id: str, after: int) -> list[TranscriptMessage]:
        """Messages with an id above `after`: what a reconnecting client has not seen yet."""
        query = (
            select(db.messages)
            .where(db.messages.c.conversation_id == conversation_id, db.messages.c.id > after)
            .order_by(db.messages.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [TranscriptMessage.model_validate(dict(r)) for r in rows]

    async def set_mode(self, conversation_id: str, mode: Mode) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(db.conversations)
                .where(db.conversations.c.id == conversation_id)
                .values(mode=mode, updated_at=now())
            )

    async def transcript(self, conversation_id: str) -> list[TranscriptMessage]:
        query = (
            select(db.messages)
            .where(db.messages.c.conversation_id == conversation_id)
            .order_by(db.messages.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [TranscriptMessage.model_validate(dict(r)) for r in rows]

    async def rate(self, conversation_id: str, score: int, comment: str | None) -> Csat | None:
        """Store the customer's rating; None if this conversation was rated already.

        `resolved_by` is "human" when a person resolved a handoff of this conversation."""
        try:
            async with self._engine.begin() as conn:
                resolved = (await conn.execute(
                    select(func.count()).select_from(db.handoffs).where(
                        db.handoffs.c.conversation_id == conversation_id,
                        db.handoffs.c.status == "resolved"))).scalar_one()
                values = dict(conversation_id=conversation_id, score=score, comment=comment,
                              resolved_by="human" if resolved else "assistant", created_at=now())
                await conn.execute(insert(db.csat).values(**values))
        except IntegrityError:  # the primary key: rated already (the transaction is rolled back)
            return None
        return Csat.model_validate(values)

    async def rating(self, conversation_id: str) -> Csat | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(
                select(db.csat).where(db.csat.c.conversation_id == conversation_id)
            )).mappings().first()
        return Csat.model_validate(dict(row)) if row else None
