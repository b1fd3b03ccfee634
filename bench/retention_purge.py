"""The retention purge on a seeded store (issue 15, finding 8).

    python bench/retention_purge.py [--conversations 300] [--json]

Seeds a private copy of the demo data, holds real conversations through the assistant (Arabic
and English, questions, order tracking, requests for a person that become handoffs), then
dates two thirds of them past `retention.transcripts_days` (half of those past
`retention.audit_days` too) and runs the purge the server runs. Prints the rows per table
before and after, what should have gone (computed from the dates, not from the purge), and the
purge's duration; a second purge must find nothing left to delete.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from settings import Settings  # noqa: E402

SCRIPTS = [
    ("ar", ["كم رسوم التوصيل لجدة؟", "وكم يوم ياخذ؟"]),
    ("en", ["where is my order RW-100251", "0501234567"]),
    ("ar", ["ابي اكلم موظف", "نعم"]),
    ("en", ["can I pay with tabby?", "thanks"]),
]


def _age(db: Path, ids: list[str], days: int) -> None:
    then = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S.000000")
    with sqlite3.connect(db) as conn:
        for cid in ids:
            conn.execute("update conversations set created_at = ?, updated_at = ? where id = ?",
                         (then, then, cid))
            conn.execute("update messages set created_at = ? where conversation_id = ?",
                         (then, cid))
            conn.execute("update audit_log set at = ? where conversation_id = ?", (then, cid))


async def run(folder: Path, n: int) -> dict:
    from agent.service import open_assistant
    from privacy_api import purge_now

    settings = Settings(_env_file=None, data_dir=folder, brain="offline", openai_api_key=None,
                        openai_base_url=None, rate_limit_handoffs="100000/minute")
    async with open_assistant(settings) as assistant:
        retention = assistant.deps.policies.privacy.retention
        ids = []
        for k in range(n):
            lang, texts = SCRIPTS[k % len(SCRIPTS)]
            conv = await assistant.start("web", lang, None)
            for text in texts:
                await assistant.turn(conv.id, text)
            ids.append(conv.id)
        old = ids[: 2 * n // 3]
        _age(settings.data_dir / "cx.db", old[: len(old) // 2], retention.transcripts_days + 35)
        _age(settings.data_dir / "cx.db", old[len(old) // 2:], retention.audit_days + 5)
        started = time.perf_counter()
        report = await purge_now(assistant, "bench")
        seconds = time.perf_counter() - started
        again = await purge_now(assistant, "bench")
    return {"conversations": n, "past_retention": len(old),
            "purged": report.conversations_purged, "purge_seconds": round(seconds, 3),
            "before": report.before, "after": report.after,
            "second_purge_found": again.conversations_purged}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from cli import _seed

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        asyncio.run(_seed(Settings(_env_file=None, data_dir=folder, brain="offline")))
        result = asyncio.run(run(folder, args.conversations))
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"{result['conversations']} conversations, {result['past_retention']} past retention: "
          f"{result['purged']} purged in {result['purge_seconds']} s; a second purge found "
          f"{result['second_purge_found']}")
    print(f"{'table':<24}{'before':>8}{'after':>8}")
    for name, n in result["before"].items():
        print(f"{name:<24}{n:>8}{result['after'][name]:>8}")


if __name__ == "__main__":
    main()
