"""`cx seed` is safe to re-run: demo orders changed by customers are not silently reset."""

from __future__ import annotations

import asyncio
import sqlite3

from cli import _seed


def test_reseeding_keeps_changes_unless_reset(settings):
    db = settings.data_dir / "cx.db"
    with sqlite3.connect(db) as conn:
        conn.execute("update orders set status='cancelled' where id='RW-100316'")
    asyncio.run(_seed(settings))
    with sqlite3.connect(db) as conn:
        assert conn.execute("select status from orders where id='RW-100316'").fetchone()[0] == (
            "cancelled")
    asyncio.run(_seed(settings, reset=True))
    with sqlite3.connect(db) as conn:
        assert conn.execute("select status from orders where id='RW-100316'").fetchone()[0] == (
            "pending")
        assert conn.execute("select count(*) from customers").fetchone()[0] == 60
        assert conn.execute("select count(distinct status) from orders").fetchone()[0] == 8
