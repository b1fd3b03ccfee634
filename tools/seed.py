"""Load the demo brand's CRM (readable YAML/JSON files) into the store. Idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from pydantic import TypeAdapter
from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from tools import db
from tools.models import Customer, Order

_customers = TypeAdapter(list[Customer])
_orders = TypeAdapter(list[Order])


def load_demo_crm(folder: Path) -> tuple[list[Customer], list[Order]]:
    customers = _customers.validate_python(
        yaml.safe_load((folder / "customers.yaml").read_text(encoding="utf-8"))
    )
    orders = _orders.validate_python(
        json.loads((folder / "orders.json").read_text(encoding="utf-8"))
    )
    known = {c.id for c in customers}
    orphans = [o.id for o in orders if o.customer_id not in known]
    if orphans:
        raise ValueError(f"orders with unknown customers: {orphans[:5]}")
    return customers, orders


async def seed_demo_crm(engine: AsyncEngine, folder: Path) -> tuple[int, int]:
    """Replace customers and orders with the demo files; conversations are kept."""
    customers, orders = load_demo_crm(folder)
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
    return len(customers), len(orders)
