"""The commerce backend: customers, orders, tickets, handoffs and the audit log.

`CommerceBackend` is the seam for real systems (Salesforce, Zendesk, a Shopify store...);
`SqlCommerceBackend` is the embedded implementation over SQLite or PostgreSQL.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo
from typing import Any, Protocol

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from tools import db
from tools.contact import normalize_email, normalize_phone
from tools.models import (
    AuditRecord, Customer, Handoff, HandoffPacket, Order, OrderStatus, Ticket, TrackingEvent,
)


def now() -> datetime:
    return datetime.now(UTC)


# The shop's calendar: "delivered 15 days ago" and "arrives in 2 days" count days where the
# shop is, as the demo seed does. Stored times come back in UTC, and counting in UTC would move
# every window by a day from 21:00 to midnight UTC (midnight in Riyadh).
SHOP_ZONE = ZoneInfo("Asia/Riyadh")


def shop_day(at: datetime) -> date:
    return at.astimezone(SHOP_ZONE).date()


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4).upper()}"


class CommerceBackend(Protocol):
    async def get_customer(self, customer_id: str) -> Customer | None: ...
    async def find_customer(self, contact: str) -> Customer | None: ...
    async def get_order(self, order_id: str) -> Order | None: ...
    async def list_orders(self, customer_id: str, limit: int = 10) -> list[Order]: ...
    async def set_order_status(
        self, order_id: str, status: OrderStatus, event: TrackingEvent,
        expected: OrderStatus | None = None, refunded: float = 0.0,
        return_items: list[str] | None = None, return_qty: dict[str, int] | None = None,
    ) -> Order | None: ...
    async def create_ticket(self, ticket: Ticket) -> Ticket: ...
    async def open_tickets(self, conversation_id: str) -> list[Ticket]: ...
    async def update_ticket(self, ticket_id: str, **values: Any) -> None: ...
    async def solve_tickets(self, conversation_id: str) -> list[str]: ...
    async def create_handoff(self, handoff: Handoff) -> Handoff: ...
    async def open_handoff(self, conversation_id: str) -> Handoff | None: ...
    async def update_packet(self, handoff_id: str, packet: HandoffPacket) -> None: ...
    async def count_waiting(self) -> int: ...
    async def record_audit(self, record: AuditRecord) -> None: ...
    async def audit_trail(self, conversation_id: str) -> list[AuditRecord]: ...
    async def recall(self, key: str) -> dict[str, Any] | None: ...
    async def remember(self, key: str, action: str, result: dict[str, Any]) -> dict[str, Any]: ...


class SqlCommerceBackend:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get_customer(self, customer_id: str) -> Customer | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(db.customers).where(db.customers.c.id == customer_id))
            ).mappings().first()
        return Customer.model_validate(dict(row)) if row else None

    async def find_customer(self, contact: str) -> Customer | None:
        phone = normalize_phone(contact)
        email = normalize_email(contact) if "@" in contact else None
        if not phone and not email:
            return None
        conds = []
        if phone:
            conds.append(db.customers.c.phone == phone)
        if email:
            conds.append(db.customers.c.email == email)
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(db.customers).where(or_(*conds)))).mappings().first()
        return Customer.model_validate(dict(row)) if row else None

    async def get_order(self, order_id: str) -> Order | None:
        async with self._engine.connect() as conn:
            rec = (
                await conn.execute(select(db.orders.c.record).where(db.orders.c.id == order_id))
            ).scalar_one_or_none()
        return Order.model_validate(rec) if rec else None

    async def list_orders(self, customer_id: str, limit: int = 10) -> list[Order]:
        query = (
            select(db.orders.c.record)
            .where(db.orders.c.customer_id == customer_id)
            .order_by(db.orders.c.created_at.desc())
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            recs = (await conn.execute(query)).scalars().all()
        return [Order.model_validate(r) for r in recs]

    async def set_order_status(
        self, order_id: str, status: OrderStatus, event: TrackingEvent,
        expected: OrderStatus | None = None, refunded: float = 0.0,
        return_items: list[str] | None = None, return_qty: dict[str, int] | None = None,
    ) -> Order | None:
        """Move an order to `status`. With `expected`, only from that status (None otherwise):
        two concurrent requests cannot both refund or both cancel."""
        async with self._engine.begin() as conn:
            rec = (
                await conn.execute(
                    select(db.orders.c.record).where(db.orders.c.id == order_id).with_for_update()
                )
            ).scalar_one()
            order = Order.model_validate(rec)
            if expected is not None and order.status != expected:
                return None
            order.status = status
            order.refunded_amount += refunded
            if return_items is not None:
                order.return_items = return_items
                order.return_qty = dict(return_qty or {})
            order.tracking_events.append(event)
            if status == OrderStatus.cancelled:
                order.expected_delivery = None
            await conn.execute(
                update(db.orders)
                .where(db.orders.c.id == order_id)
                .values(status=status.value, record=order.model_dump(mode="json"))
            )
        return order

    async def create_ticket(self, ticket: Ticket) -> Ticket:
        async with self._engine.begin() as conn:
            await conn.execute(insert(db.tickets).values(**ticket.model_dump()))
        return ticket

    async def open_tickets(self, conversation_id: str) -> list[Ticket]:
        """The conversation's tickets nobody has solved yet, oldest first."""
        async with self._engine.connect() as conn:
            rows = (await conn.execute(
                select(db.tickets).where(db.tickets.c.conversation_id == conversation_id,
                                         db.tickets.c.status != "solved")
                .order_by(db.tickets.c.created_at)
            )).mappings().all()
        return [Ticket.model_validate(dict(r)) for r in rows]

    async def update_ticket(self, ticket_id: str, **values: Any) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(update(db.tickets).where(db.tickets.c.id == ticket_id)
                               .values(**values))

    async def solve_tickets(self, conversation_id: str) -> list[str]:
        """Mark the conversation's open tickets solved (a person resolved it); their ids."""
        open_ = await self.open_tickets(conversation_id)
        if open_:
            async with self._engine.begin() as conn:
                await conn.execute(update(db.tickets)
                                   .where(db.tickets.c.id.in_([t.id for t in open_]))
                                   .values(status="solved"))
        return [t.id for t in open_]

    async def create_handoff(self, handoff: Handoff) -> Handoff:
        async with self._engine.begin() as conn:
            await conn.execute(insert(db.handoffs).values(
                **handoff.model_dump(exclude={"packet"}),
                packet=handoff.packet.model_dump(mode="json") if handoff.packet else None,
            ))
        return handoff

    async def open_handoff(self, conversation_id: str) -> Handoff | None:
        query = (
            select(db.handoffs)
            .where(
                db.handoffs.c.conversation_id == conversation_id,
                db.handoffs.c.status.in_(["queued", "claimed"]),
            )
            .order_by(db.handoffs.c.created_at.desc())
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        return Handoff.model_validate(dict(row)) if row else None

    async def update_packet(self, handoff_id: str, packet: HandoffPacket) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(db.handoffs).where(db.handoffs.c.id == handoff_id)
                .values(packet=packet.model_dump(mode="json"))
            )

    async def count_waiting(self) -> int:
        """Handoffs queued and not yet claimed by anyone."""
        query = select(func.count()).select_from(db.handoffs).where(db.handoffs.c.status == "queued")
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).scalar_one()

    async def record_audit(self, record: AuditRecord) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(insert(db.audit_log).values(**record.model_dump(mode="json") | {"at": record.at}))

    async def audit_trail(self, conversation_id: str) -> list[AuditRecord]:
        query = (
            select(db.audit_log)
            .where(db.audit_log.c.conversation_id == conversation_id)
            .order_by(db.audit_log.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [AuditRecord.model_validate(dict(r)) for r in rows]

    async def recall(self, key: str) -> dict[str, Any] | None:
        async with self._engine.connect() as conn:
            return (
                await conn.execute(select(db.idempotency.c.result).where(db.idempotency.c.key == key))
            ).scalar_one_or_none()

    async def remember(self, key: str, action: str, result: dict[str, Any]) -> dict[str, Any]:
        """Store the result under key; when a concurrent retry won the race, return its result."""
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    insert(db.idempotency).values(key=key, action=action, result=result, at=now())
                )
            return result
        except IntegrityError:
            stored = await self.recall(key)
            assert stored is not None
            return stored
