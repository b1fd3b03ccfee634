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
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from settings import Settings  # noqa: E402

# A realistic mix, in both languages. Each turn is tagged with what it exercises:
# chat = small talk; kb = knowledge retrieval (query embedding + BM25); order = CRM tools.
SCRIPTS = [
    [("chat", "hello"), ("kb", "How long does delivery take to Jeddah?"), ("chat", "thanks")],
    [("chat", "السلام عليكم"), ("kb", "كم رسوم التوصيل؟"), ("chat", "شكرا")],
    [("order", "Where is my order RW-100280?"), ("order", "sarah.aldosari@example.com"),
     ("chat", "thank you")],
    [("order", "وين طلبي ١٠٠٢٥١"), ("order", "0501234567"), ("chat", "مشكور")],
    [("kb", "can I pay with tabby?"), ("kb", "what about cash on delivery"), ("chat", "bye")],
    [("kb", "ابغى ارجع منتج"), ("kb", "كم مدة الاسترجاع"), ("chat", "مع السلامة")],
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.2)


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

    times: list[tuple[str, float]] = []
    async with open_assistant(settings) as assistant:
        for script in SCRIPTS:  # warm-up: first calls load models and caches
            conv = await assistant.start()
            for _, text in script:
                await assistant.turn(conv.id, text)
        while len(times) < turns:
            for script in SCRIPTS:
                conv = await assistant.start()
                for kind, text in script:
                    t0 = time.perf_counter()
                    await assistant.turn(conv.id, text)
                    times.append((kind, (time.perf_counter() - t0) * 1000))
    times = times[:turns]
    out = summary([ms for _, ms in times])
    for kind in ("chat", "kb", "order"):
        out[kind] = summary([ms for k, ms in times if k == kind])
    return out


async def over_http(base: str, turns: int, concurrency: int) -> dict[str, float]:
    times: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:

        async def conversation(script: list[str]) -> None:
            created = (await client.post("/v1/conversations", json={})).json()
            cid, auth = created["id"], {"Authorization": f"Bearer {created['secret']}"}
            for _, text in script:
                t0 = time.perf_counter()
                r = await client.post(f"/v1/conversations/{cid}/messages", json={"text": text},
                                      headers=auth)
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

    from cli import _seed

    with tempfile.TemporaryDirectory() as tmp:
        seeded = Path(tmp) / "seeded"
        asyncio.run(_seed(Settings(_env_file=None, data_dir=seeded, brain="offline")))
        a, b = Path(tmp) / "a", Path(tmp) / "b"
        shutil.copytree(seeded, a)
        shutil.copytree(seeded, b)
        result = {"in_process": asyncio.run(
            in_process(Settings(_env_file=None, data_dir=a, brain="offline"), args.turns))}

        # The server runs in its own process, as in production, so the load generator
        # does not share its interpreter.
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CX_", "OPENAI_"))}
        env |= {"CX_DATA_DIR": str(b), "CX_BRAIN": "offline", "PORT": str(port),
                # One load generator is one client: the per-client limits would measure
                # themselves, not the turn.
                "CX_RATE_LIMIT_CONVERSATIONS": "1000000/minute",
                "CX_RATE_LIMIT_MESSAGES": "1000000/minute"}
        log_path = Path(tmp) / "server.log"
        with log_path.open("w") as log:
            server = subprocess.Popen([sys.executable, "-m", "cli", "serve"], env=env,
                                      cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_healthy(f"http://127.0.0.1:{port}", server)
                result["http"] = asyncio.run(
                    over_http(f"http://127.0.0.1:{port}", args.turns, args.concurrency))
            except Exception:
                # A failed request is a finding: show what the server said about it.
                print(log_path.read_text()[-4000:], file=sys.stderr)
                raise
            finally:
                server.terminate()
                server.wait(timeout=30)
    if args.json:
        print(json.dumps(result))
        return
    ip, http = result["in_process"], result["http"]
    print(f"in-process  n={ip['n']:4d}  p50 {ip['p50_ms']:7.2f} ms  p95 {ip['p95_ms']:7.2f} ms  "
          f"p99 {ip['p99_ms']:7.2f} ms")
    print(f"HTTP c={http['concurrency']:<3d} n={http['n']:4d}  p50 {http['p50_ms']:7.2f} ms  "
          f"p95 {http['p95_ms']:7.2f} ms  p99 {http['p99_ms']:7.2f} ms  "
          f"{http['turns_per_s']:.1f} turns/s")
    for kind in ("chat", "kb", "order"):
        k = ip[kind]
        print(f"  {kind:<6} n={k['n']:4d}  p50 {k['p50_ms']:7.2f} ms  p95 {k['p95_ms']:7.2f} ms")
    print(f"target p50 <= 15 ms in-process: ratio {ip['p50_ms'] / 15:.2f}")


if __name__ == "__main__":
    main()
