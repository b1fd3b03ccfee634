"""Load the demo brand's CRM (readable YAML/JSON files) into the store. Idempotent."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pydantic import TypeAdapter
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tools import db
from tools.backend import shop_day
from tools.models import Customer, Order
from policies.loader import parse_yaml

_customers = TypeAdapter(list[Customer])
_orders = TypeAdapter(list[Order])


def demo_shift(orders: list[Order], today: date | None = None) -> timedelta:
    """How far the demo moves in time so its newest order is from yesterday.

    The files were written on one day; return windows, "out for delivery today" and recent
    orders only make sense if the demo keeps that distance from the day it is seeded. "Today"
    is the shop's own date (the orders' time zone), so the demo is the same at any hour."""
    newest = shop_day(max(o.created_at for o in orders))
    if today is None:
        today = shop_day(datetime.now(UTC))
    return timedelta(days=(today - newest).days - 1) if today > newest else timedelta(0)


def shift_to_today(orders: list[Order], today: date | None = None) -> list[Order]:
    """The demo orders moved by `demo_shift`."""
    delta = demo_shift(orders, today)
    if not delta:
        return orders
    shifted = []
    for o in orders:
        o = o.model_copy(deep=True)
        o.created_at += delta
        for e in o.tracking_events:
            e.at += delta
        if o.expected_delivery:
            o.expected_delivery = (date.fromisoformat(o.expected_delivery[:10]) + delta).isoformat()
        shifted.append(o)
    return shifted


_ISO_DAY = re.compile(r"\b(20\d\d-\d\d-\d\d)\b")


def shift_notes(customers: list[Customer], delta: timedelta) -> list[Customer]:
    """The customers' notes moved with their orders: a note about an order's late delivery
    is dated after that order, and the dates it quotes ("promised 2026-07-14") move too."""
    if not delta:
        return customers

    def moved(day: str) -> str:
        return (date.fromisoformat(day) + delta).isoformat()

    shifted = []
    for c in customers:
        c = c.model_copy(deep=True)
        for note in c.notes:
            note.date = moved(note.date[:10])
            note.text = _ISO_DAY.sub(lambda m: moved(m.group(1)), note.text)
        shifted.append(c)
    return shifted


def load_demo_crm(folder: Path) -> tuple[list[Customer], list[Order]]:
    customers = _customers.validate_python(
        parse_yaml((folder / "customers.yaml").read_text(encoding="utf-8"))
    )
    orders = _orders.validate_python(
        json.loads((folder / "orders.json").read_text(encoding="utf-8"))
    )
    known = {c.id for c in customers}
    orphans = [o.id for o in orders if o.customer_id not in known]
    if orphans:
        raise ValueError(f"orders with unknown customers: {orphans[:5]}")
    return customers, orders


async def seed_demo_crm(
    engine: AsyncEngine, folder: Path, reset: bool = False, today: date | None = None
) -> tuple[int, int, bool]:
    """Load the demo customers and orders into an empty store, or replace them on `reset`.

    Returns (customers, orders, loaded). Conversations, tickets and the audit log are kept.
    """
    async with engine.connect() as conn:
        existing = (await conn.execute(select(func.count()).select_from(db.customers))).scalar()
    if existing and not reset:
        async with engine.connect() as conn:
            n_orders = (await conn.execute(select(func.count()).select_from(db.orders))).scalar()
        return existing, n_orders or 0, False
    customers, orders = load_demo_crm(folder)
    customers = shift_notes(customers, demo_shift(orders, today))
    orders = shift_to_today(orders, today)
    async with engine.begin() as conn:
        await conn.execute(delete(db.orders))
        await conn.execute(delete(db.customers))
        await conn.execute(
            insert(db.customers),
            [c.model_dump(mode="json") for c in customers],
        )
        await conn.execute(
            insert(db.orders),
            [
                dict(
                    id=o.id,
                    customer_id=o.customer_id,
                    status=o.status.value,
                    created_at=o.created_at,
                    total=o.total,
                    record=o.model_dump(mode="json"),
                )
                for o in orders
            ],
        )
    return len(customers), len(orders), True
