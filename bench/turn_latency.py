"""Turn latency of the offline brain: in-process and over HTTP, plus HTTP throughput.

    python bench/turn_latency.py [--turns 200] [--concurrency 20] [--json]

Runs against a private copy of a seeded data folder (built with `cx seed` into a temp dir),
so it never touches your own data. Prints p50/p95/p99 in milliseconds and turns per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from settings import Settings  # noqa: E402

# A realistic mix: small talk, FAQ (retrieval), order flows with verification, in both languages.
SCRIPTS = [
    ["hello", "How long does delivery take to Jeddah?", "thanks"],
    ["السلام عليكم", "كم رسوم التوصيل؟", "شكرا"],
    ["Where is my order RW-100280?", "sarah.aldosari@example.com", "thank you"],
    ["وين طلبي ١٠٠٢٥١", "0501234567", "مشكور"],
    ["can I pay with tabby?", "what about cash on delivery", "bye"],
    ["ابغى ارجع منتج", "كم مدة الاسترجاع", "مع السلامة"],
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50_ms": round(pct(ms, 50), 2),
        "p95_ms": round(pct(ms, 95), 2),
        "p99_ms": round(pct(ms, 99), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


async def in_process(settings: Settings, turns: int) -> dict[str, float]:
    from agent.service import open_assistant

    times: list[float] = []
    async with open_assistant(settings) as assistant:
        for script in SCRIPTS:  # warm-up: first calls load models and caches
            conv = await assistant.start()
            for text in script:
                await assistant.turn(conv.id, text)
        while len(times) < turns:
            for script in SCRIPTS:
                conv = await assistant.start()
                for text in script:
                    t0 = time.perf_counter()
                    await assistant.turn(conv.id, text)
                    times.append((time.perf_counter() - t0) * 1000)
    return summary(times[:turns])


async def over_http(base: str, turns: int, concurrency: int) -> dict[str, float]:
    times: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:

        async def conversation(script: list[str]) -> None:
            cid = (await client.post("/v1/conversations", json={})).json()["id"]
            for text in script:
                t0 = time.perf_counter()
                r = await client.post(f"/v1/conversations/{cid}/messages", json={"text": text})
                r.raise_for_status()
                times.append((time.perf_counter() - t0) * 1000)

        await asyncio.gather(*(conversation(s) for s in SCRIPTS))  # warm-up
        times.clear()
        sem = asyncio.Semaphore(concurrency)
        n_convs = max(1, turns // 3)

        async def limited(i: int) -> None:
            async with sem:
                await conversation(SCRIPTS[i % len(SCRIPTS)])

        t0 = time.perf_counter()
        await asyncio.gather(*(limited(i) for i in range(n_convs)))
        elapsed = time.perf_counter() - t0
    out = summary(times)
    out["turns_per_s"] = round(len(times) / elapsed, 1)
    out["concurrency"] = concurrency
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=180)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from app import create_app
    from cli import _seed

    with tempfile.TemporaryDirectory() as tmp:
        seeded = Path(tmp) / "seeded"
        asyncio.run(_seed(Settings(_env_file=None, data_dir=seeded, brain="offline")))
        a, b = Path(tmp) / "a", Path(tmp) / "b"
        shutil.copytree(seeded, a)
        shutil.copytree(seeded, b)
        result = {"in_process": asyncio.run(
            in_process(Settings(_env_file=None, data_dir=a, brain="offline"), args.turns))}

        settings = Settings(_env_file=None, data_dir=b, brain="offline")
        server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=0,
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            result["http"] = asyncio.run(
                over_http(f"http://127.0.0.1:{port}", args.turns, args.concurrency))
        finally:
            server.should_exit = True
            thread.join()
    if args.json:
        print(json.dumps(result))
        return
    ip, http = result["in_process"], result["http"]
    print(f"in-process  n={ip['n']:4d}  p50 {ip['p50_ms']:7.2f} ms  p95 {ip['p95_ms']:7.2f} ms  "
          f"p99 {ip['p99_ms']:7.2f} ms")
    print(f"HTTP c={http['concurrency']:<3d} n={http['n']:4d}  p50 {http['p50_ms']:7.2f} ms  "
          f"p95 {http['p95_ms']:7.2f} ms  p99 {http['p99_ms']:7.2f} ms  "
          f"{http['turns_per_s']:.1f} turns/s")
    print(f"target p50 <= 15 ms in-process: ratio {ip['p50_ms'] / 15:.2f}")


if __name__ == "__main__":
    main()
