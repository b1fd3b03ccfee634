"""Brute-forcing the in-chat identity check across conversations (issue 15, finding 1).

    python bench/verification_attack.py [--guesses 1000] [--per-conversation 2] [--json]

Plays two attackers against a private seeded copy of the demo data, through the assistant the
web API runs (every message a real turn: understanding, policy, tools, audit):
- a known mobile (0501234567, C1001's, printed in the README) with order-number guesses, two
  per fresh conversation, the owner's real order hidden at a random position;
- one order number (RW-100251) with phone-number guesses, the owner's real phone hidden the
  same way.
Each runs twice: from one client address, and rotating a new address every conversation (the
per-order and per-contact counts must hold on their own). Prints how many guesses verified
someone, how many were actually checked (the rest were refused while paused), and the time.
The baseline in the same run is the same attack with the cross-conversation limits switched
off (per-conversation lockout only), as before this check existed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from settings import Settings  # noqa: E402

PHONE, OWN_ORDER = "0501234567", "100251"


def guesses(kind: str, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """(order, phone) pairs; exactly one is right, at a random position."""
    if kind == "orders":
        wrong = [str(o) for o in rng.sample(range(100000, 999999), n) if str(o) != OWN_ORDER]
        pairs = [(o, PHONE) for o in wrong[: n - 1]]
        pairs.insert(rng.randrange(len(pairs) + 1), (OWN_ORDER, PHONE))
    else:
        wrong = [f"05{rng.randrange(10**8):08d}" for _ in range(n)]
        pairs = [(OWN_ORDER, p) for p in wrong[: n - 1] if p != PHONE]
        pairs.insert(rng.randrange(len(pairs) + 1), (OWN_ORDER, PHONE))
    return pairs


async def attack(folder: Path, pairs, per_conversation: int, rotate: bool,
                 limits: bool) -> dict:
    from agent.service import open_assistant

    settings = Settings(_env_file=None, data_dir=folder, brain="offline", openai_api_key=None,
                        openai_base_url=None)
    verified = checked = 0
    started = time.perf_counter()
    async with open_assistant(settings) as assistant:
        if not limits:
            assistant.deps.toolbox.throttle = None
        for start in range(0, len(pairs), per_conversation):
            client = f"10.{start // 65536 % 256}.{start // 256 % 256}.{start % 256}" if (
                rotate) else "198.51.100.7"
            conv = await assistant.start("web", "en", None)
            for order, phone in pairs[start : start + per_conversation]:
                await assistant.turn(conv.id, f"where is my order {order}, my phone is {phone}",
                                     client=client)
            if (await assistant.store.get(conv.id)).customer_id is not None:
                verified += 1
            trail = await assistant.deps.backend.audit_trail(conv.id)
            checked += sum(1 for r in trail if r.action == "verify_identity"
                           and r.details.get("outcome") not in {"throttled", "locked"})
    return {"guesses": len(pairs), "conversations": -(-len(pairs) // per_conversation),
            "verified": verified, "checked": checked,
            "seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guesses", type=int, default=1000)
    parser.add_argument("--per-conversation", type=int, default=2)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from cli import _seed

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "seeded"
        asyncio.run(_seed(Settings(_env_file=None, data_dir=template, brain="offline",
                                   openai_api_key=None, openai_base_url=None)))
        for kind in ("orders", "phones"):
            pairs = guesses(kind, args.guesses, random.Random(args.seed))
            for rotate in (False, True):
                for limits in (True, False):
                    folder = Path(tmp) / f"run-{kind}-{rotate}-{limits}"
                    shutil.copytree(template, folder)
                    name = (f"{kind}, {'rotating client' if rotate else 'one client'}, "
                            f"{'limits' if limits else 'baseline: per-conversation only'}")
                    results[name] = asyncio.run(attack(folder, pairs, args.per_conversation,
                                                       rotate, limits))
    if args.json:
        print(json.dumps(results))
        return
    for name, r in results.items():
        print(f"{name:<58} verified {r['verified']}/{r['conversations']} conversations; "
              f"{r['checked']} of {r['guesses']} guesses checked; {r['seconds']} s")


if __name__ == "__main__":
    main()
